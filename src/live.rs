//! Live recompilation: the orchestra can change while the DAW plays.
//!
//! Compiling takes milliseconds to seconds, so it never happens on the audio thread. A
//! [`Loader`] owns a worker thread that compiles a new [`Engine`] and hands it to the audio
//! thread through a wait-free ring; the audio thread's [`Player`] takes it at a block boundary,
//! lets it take over the held notes, waits out its latency and crossfades to it over
//! [`FADE_SECONDS`]. The old engine goes back through a second ring to the worker, which destroys
//! it: the audio thread never compiles, allocates or frees an engine.
//!
//! ```text
//!  editor / file watch ──request──▶ Loader thread ──Engine──▶ Player (audio thread)
//!                                       ▲                         │
//!                                       └───── retired Engine ────┘
//! ```
//!
//! A compile that fails changes nothing: the old engine keeps playing, untouched, and the
//! error is reported ([`Status::Failed`]). Parameter values carry over by channel name, because
//! slots are bound to channel names ([`OrchestraState::bind`](crate::state::OrchestraState::bind)).

use crate::csound::MessageLog;
pub use crate::engine::Source;
use crate::engine::{Engine, Kind};
use crate::midi_map::MidiEvent;
use crate::params::PluginParams;
use crate::transport::Transport;
use crate::trust::TrustStore;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

/// Length of the crossfade from the old orchestra to the new one.
pub const FADE_SECONDS: f64 = 0.03;

/// Most events one block can pass to both engines during a crossfade; more are dropped.
const MAX_FADE_EVENTS: usize = 2048;

/// How often the worker looks at the watched file and frees retired engines.
const TICK: Duration = Duration::from_millis(100);

/// What the loader did last, for the editor.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Status {
    /// Nothing asked yet.
    #[default]
    Idle,
    /// A compile is running.
    Compiling,
    /// The orchestra compiled and was handed to the audio thread.
    Loaded { origin: String },
    /// It did not compile; the previous orchestra keeps playing.
    Failed { error: String, line: Option<u32> },
    /// It reaches outside the instrument and the user has not allowed it: nothing of it ran;
    /// the previous orchestra keeps playing. [`Loader::take_refusal`] gives the orchestra, so
    /// the editor can offer to allow it.
    Refused { message: String },
}

/// Loads `source` for the audio thread and records it in the plugin state: binds parameters by
/// channel name, updates the slots' specs and starts newly bound slots at their defaults.
/// On failure nothing in `params` changes. Never call it on the audio thread.
pub fn load_into(
    params: &PluginParams,
    source: &Source,
    sample_rate: f64,
    kind: Kind,
) -> Result<Engine, crate::csound::Error> {
    let mut state = params.orchestra();
    let trust = TrustStore::open();
    let (engine, loaded) = Engine::load_bound(source, sample_rate, kind, &trust, &mut state)?;
    params.disengage(&loaded.fresh);
    params.set_specs(&loaded.params, &loaded.slots);
    state.error = None;
    state.text = Some(source.text.clone());
    state.path = source.path.clone();
    params.set_orchestra(state);
    Ok(engine)
}

/// What the worker and its owners share.
struct Shared {
    status: Mutex<Status>,
    /// Counts successful loads, so the editor notices a new orchestra.
    generation: AtomicU64,
    /// The host's sample rate as `f64` bits (set on activation).
    sample_rate: AtomicU64,
    /// Recompile when the orchestra's file changes on disk.
    watch: AtomicBool,
    /// The message log of the newest engine.
    log: Mutex<Option<Arc<MessageLog>>>,
    /// The last orchestra the sharing gate refused, until the editor takes it.
    refused: Mutex<Option<(String, Source)>>,
}

impl Shared {
    /// Records that `source` failed to load with `error`.
    fn failure(&self, error: crate::csound::Error, source: Source) {
        let status = if error.kind() == crate::csound::ErrorKind::NotAllowed {
            let message = error.to_string();
            if let Ok(mut refused) = self.refused.lock() {
                *refused = Some((message.clone(), source));
            }
            Status::Refused { message }
        } else {
            Status::Failed {
                line: error.line(),
                error: error.to_string(),
            }
        };
        if let Ok(mut s) = self.status.lock() {
            *s = status;
        }
    }
}

enum Command {
    Compile(Source),
    Stop,
}

/// The owner of the compile worker thread. Dropping it stops the thread.
pub struct Loader {
    commands: mpsc::Sender<Command>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// The worker's side: state it keeps between commands.
struct Worker {
    params: Arc<PluginParams>,
    kind: Kind,
    shared: Arc<Shared>,
    to_audio: rtrb::Producer<Engine>,
    retired: rtrb::Consumer<Engine>,
    /// A compiled engine the audio thread has no room for yet (it is not running).
    pending: Option<Engine>,
    /// The watched file and the modification time last loaded.
    watched: Option<(PathBuf, Option<SystemTime>)>,
}

impl Loader {
    /// Starts the worker for a plugin's parameters; returns it and the audio thread's player.
    pub fn new(params: Arc<PluginParams>, kind: Kind) -> (Loader, Player) {
        let (to_audio, incoming) = rtrb::RingBuffer::new(2);
        let (retire, retired) = rtrb::RingBuffer::new(4);
        let shared = Arc::new(Shared {
            status: Mutex::new(Status::Idle),
            generation: AtomicU64::new(0),
            sample_rate: AtomicU64::new(48_000f64.to_bits()),
            watch: AtomicBool::new(false),
            log: Mutex::new(None),
            refused: Mutex::new(None),
        });
        let (commands, receive) = mpsc::channel();
        let worker = Worker {
            params,
            kind,
            shared: shared.clone(),
            to_audio,
            retired,
            pending: None,
            watched: None,
        };
        let thread = std::thread::Builder::new()
            .name("csound-loader".into())
            .spawn(move || worker.run(receive))
            .ok();
        let player = Player {
            current: None,
            next: None,
            incoming,
            retire,
            kind,
            scratch: [Vec::new(), Vec::new()],
            events: Vec::with_capacity(MAX_FADE_EVENTS),
        };
        (
            Loader {
                commands,
                shared,
                thread,
            },
            player,
        )
    }

    /// Asks for `source` to be compiled and, if it compiles, played.
    pub fn compile(&self, source: Source) {
        self.set_status(Status::Compiling);
        let _ = self.commands.send(Command::Compile(source));
    }

    /// What happened to the last request.
    pub fn status(&self) -> Status {
        self.shared
            .status
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Records a failed direct load (on activation), so the editor can show it and offer to
    /// allow a refused orchestra.
    pub fn failed(&self, error: crate::csound::Error, source: Source) {
        self.shared.failure(error, source);
    }

    /// The orchestra the sharing gate refused last, with what it would do, once.
    pub fn take_refusal(&self) -> Option<(String, Source)> {
        self.shared.refused.lock().ok()?.take()
    }

    fn set_status(&self, status: Status) {
        if let Ok(mut s) = self.shared.status.lock() {
            *s = status;
        }
    }

    /// How many orchestras were loaded so far (by [`Loader::compile`] or [`Loader::loaded`]).
    pub fn generation(&self) -> u64 {
        self.shared.generation.load(Ordering::Acquire)
    }

    /// Waits until no compile is running (for tests and the command line); returns the status.
    pub fn wait(&self, timeout: Duration) -> Status {
        let start = std::time::Instant::now();
        loop {
            let status = self.status();
            if status != Status::Compiling || start.elapsed() > timeout {
                return status;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Records an engine loaded directly (on activation) and the sample rate later compiles use.
    pub fn loaded(&self, engine: Option<&Engine>, sample_rate: f64) {
        self.shared
            .sample_rate
            .store(sample_rate.to_bits(), Ordering::Release);
        if let (Some(engine), Ok(mut log)) = (engine, self.shared.log.lock()) {
            *log = Some(engine.csound().messages());
            self.shared.generation.fetch_add(1, Ordering::AcqRel);
        }
    }

    /// The message log of the newest orchestra, for the console.
    pub fn log(&self) -> Option<Arc<MessageLog>> {
        self.shared.log.lock().ok().and_then(|l| l.clone())
    }

    /// Turns recompiling on save of the orchestra's file on or off.
    pub fn set_watch(&self, on: bool) {
        self.shared.watch.store(on, Ordering::Release);
    }

    /// Whether the orchestra's file is watched.
    pub fn watching(&self) -> bool {
        self.shared.watch.load(Ordering::Acquire)
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Worker {
    fn run(mut self, commands: mpsc::Receiver<Command>) {
        loop {
            match commands.recv_timeout(TICK) {
                Ok(Command::Compile(source)) => self.compile(source),
                Ok(Command::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            // Engines the audio thread is done with are destroyed here, off the audio thread.
            while let Ok(engine) = self.retired.pop() {
                drop(engine);
            }
            self.offer();
            self.watch();
        }
    }

    fn sample_rate(&self) -> f64 {
        f64::from_bits(self.shared.sample_rate.load(Ordering::Acquire))
    }

    fn compile(&mut self, source: Source) {
        match load_into(&self.params, &source, self.sample_rate(), self.kind) {
            Ok(engine) => {
                if let Ok(mut log) = self.shared.log.lock() {
                    *log = Some(engine.csound().messages());
                }
                // A newer engine replaces one still waiting for the audio thread.
                self.pending = Some(engine);
                self.offer();
                self.shared.generation.fetch_add(1, Ordering::AcqRel);
                self.watched = source.path.as_ref().map(|p| {
                    let path = PathBuf::from(p);
                    let time = modified(&path);
                    (path, time)
                });
                if let Ok(mut s) = self.shared.status.lock() {
                    *s = Status::Loaded {
                        origin: source.origin,
                    };
                }
            }
            Err(error) => self.shared.failure(error, source),
        }
    }

    /// Hands the pending engine to the audio thread if it has room.
    fn offer(&mut self) {
        if let Some(engine) = self.pending.take() {
            if let Err(rtrb::PushError::Full(engine)) = self.to_audio.push(engine) {
                self.pending = Some(engine);
            }
        }
    }

    /// Recompiles the watched file when it was saved since the last load.
    fn watch(&mut self) {
        if !self.shared.watch.load(Ordering::Acquire) {
            return;
        }
        let Some((path, seen)) = &self.watched else {
            return;
        };
        let now = modified(path);
        if now.is_none() || now == *seen {
            return;
        }
        // Half-written or gone: look again at the next tick.
        if let Ok(source) = Source::from_file(path) {
            if let Ok(mut s) = self.shared.status.lock() {
                *s = Status::Compiling;
            }
            self.compile(source);
        }
        if let Some((_, seen)) = &mut self.watched {
            *seen = now;
        }
    }
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// A crossfade in progress to a new engine.
struct Fade {
    engine: Engine,
    /// Frames before the new engine's first output (its latency): the old one plays alone.
    wait: usize,
    /// Frames of the fade done, of `len`.
    done: usize,
    len: usize,
}

impl Fade {
    /// The new engine's gain for the next frame (raised cosine: the two gains sum to 1, so a
    /// recompile of the same orchestra passes through unchanged).
    fn next_gain(&mut self) -> f32 {
        if self.wait > 0 {
            self.wait -= 1;
            return 0.0;
        }
        if self.done >= self.len {
            return 1.0;
        }
        self.done += 1;
        let t = self.done as f64 / self.len as f64;
        (0.5 - 0.5 * (std::f64::consts::PI * t).cos()) as f32
    }

    fn finished(&self) -> bool {
        self.wait == 0 && self.done >= self.len
    }
}

/// The audio thread's side: plays the current engine and crossfades to new ones.
pub struct Player {
    /// The engine playing; `None` when the orchestra failed to load (the instrument is silent,
    /// the effect passes its input through).
    current: Option<Engine>,
    /// The engine being faded in.
    next: Option<Fade>,
    incoming: rtrb::Consumer<Engine>,
    retire: rtrb::Producer<Engine>,
    kind: Kind,
    /// The new engine's output during a fade (sized on activation, never on the audio thread).
    scratch: [Vec<f32>; 2],
    /// The block's events, given to both engines during a fade.
    events: Vec<MidiEvent>,
}

impl Player {
    /// Sets the engine directly and sizes the buffers (on activation: the audio thread is not
    /// running). Compiled engines still waiting from before are dropped.
    pub fn install(&mut self, engine: Option<Engine>, max_block: usize) {
        while self.incoming.pop().is_ok() {}
        self.next = None;
        self.current = engine;
        let len = max_block.clamp(1, 1 << 16);
        self.scratch = [vec![0.0; len], vec![0.0; len]];
    }

    /// The engine playing now.
    pub fn engine(&self) -> Option<&Engine> {
        self.current.as_ref()
    }

    /// Whether a crossfade is in progress.
    pub fn fading(&self) -> bool {
        self.next.is_some()
    }

    /// Releases held notes and clears buffered output (host `reset`).
    pub fn reset(&mut self) {
        if let Some(fade) = self.next.take() {
            let old = self.current.replace(fade.engine);
            self.retire_engine(old);
        }
        if let Some(engine) = &mut self.current {
            engine.reset();
        }
    }

    fn retire_engine(&mut self, engine: Option<Engine>) {
        if let Some(engine) = engine {
            // Room was checked before the fade began; if the worker is gone the engine is
            // dropped with the ring instead.
            let _ = self.retire.push(engine);
        }
    }

    /// Processes one block in place (see [`Engine::process`]). Returns the new latency when a
    /// new engine starts fading in with a different one.
    pub fn process(
        &mut self,
        io: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        events: &mut dyn Iterator<Item = MidiEvent>,
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
    ) -> Option<usize> {
        let latency_change = self.take_new_engine();
        if self.next.is_none() {
            match &mut self.current {
                Some(engine) => engine.process(io, sidechain, events, values, transport),
                None => {
                    events.for_each(drop);
                    if self.kind == Kind::Instrument {
                        io.iter_mut().for_each(|c| c.fill(0.0));
                    }
                }
            }
            return latency_change;
        }
        self.events.clear();
        for event in events {
            if self.events.len() < self.events.capacity() {
                self.events.push(event);
            }
        }
        let frames = io.iter().map(|c| c.len()).min().unwrap_or(0);
        let chunk = self.scratch[0].len().max(1);
        let mut start = 0;
        while start < frames {
            let end = frames.min(start + chunk);
            self.fade_chunk(io, sidechain, (start, end, frames), values, transport);
            start = end;
        }
        if self.next.as_ref().is_some_and(Fade::finished) {
            if let Some(fade) = self.next.take() {
                let old = self.current.replace(fade.engine);
                self.retire_engine(old);
            }
        }
        latency_change
    }

    /// Starts a fade to an engine the loader sent, if any and if the retired ring has room.
    fn take_new_engine(&mut self) -> Option<usize> {
        if self.next.is_some() || self.retire.slots() < 2 {
            return None;
        }
        let mut engine = self.incoming.pop().ok()?;
        let sr = self.current.as_ref().map(Engine::sample_rate);
        if sr.is_some_and(|sr| sr != engine.sample_rate()) {
            // Compiled for a sample rate the host left since: never played.
            self.retire_engine(Some(engine));
            return None;
        }
        if let Some(current) = &self.current {
            engine.adopt_notes(current);
        }
        let old_latency = self.current.as_ref().map_or(0, Engine::latency);
        let latency = engine.latency();
        let len = (FADE_SECONDS * engine.sample_rate()).round().max(1.0) as usize;
        self.next = Some(Fade {
            engine,
            wait: latency,
            done: 0,
            len,
        });
        (latency != old_latency).then_some(latency)
    }

    /// Runs both engines over frames `start..end` of a block of `frames` and mixes them.
    #[allow(clippy::too_many_arguments)]
    fn fade_chunk(
        &mut self,
        io: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        (start, end, frames): (usize, usize, usize),
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
    ) {
        let Some(fade) = &mut self.next else {
            return;
        };
        let n = end - start;
        let [s0, s1] = &mut self.scratch;
        let (s0, s1) = (&mut s0[..n], &mut s1[..n]);
        // The new engine gets the same input (the effect's) as the old one.
        for (s, ch) in [&mut *s0, &mut *s1].into_iter().zip(0..) {
            match io.get(ch) {
                Some(c) => s.copy_from_slice(&c[start..end]),
                None => s.fill(0.0),
            }
        }
        let events = &self.events;
        // Events stamped past the block's end go with its last chunk.
        let in_chunk = || {
            events
                .iter()
                .filter(move |e| {
                    let at = e.at() as usize;
                    (start..end).contains(&at) || (end == frames && at >= end)
                })
                .map(move |e| e.at_frame(e.at() - start as u32))
        };
        let side_chunk = sidechain.and_then(|s| match s {
            [a, b, ..] => Some([&a[start..end], &b[start..end]]),
            _ => None,
        });
        let side = side_chunk.as_ref().map(|s| &s[..]);
        let [io0, io1] = io else {
            return;
        };
        let (io0, io1) = (&mut io0[start..end], &mut io1[start..end]);
        match &mut self.current {
            Some(engine) => engine.process(
                &mut [&mut *io0, &mut *io1],
                side,
                &mut in_chunk(),
                values,
                transport,
            ),
            // A failed orchestra: silence for the instrument, the input for the effect.
            None if self.kind == Kind::Instrument => {
                io0.fill(0.0);
                io1.fill(0.0);
            }
            None => {}
        }
        fade.engine
            .process(&mut [s0, s1], side, &mut in_chunk(), values, transport);
        let [s0, s1] = &self.scratch;
        for f in 0..n {
            let g = fade.next_gain();
            io0[f] += (s0[f] - io0[f]) * g;
            io1[f] += (s1[f] - io1[f]) * g;
        }
    }
}
