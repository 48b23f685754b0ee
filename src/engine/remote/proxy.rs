//! The plugin's side of an engine process: [`RemoteEngine`] starts the process, has it load the
//! orchestra, and then stands in for an in-process [`Engine`](crate::engine::Engine) on the
//! audio thread, one round trip per block.
//!
//! The audio thread never waits longer than the deadline ([`RemoteEngine::set_deadline`]): a
//! block the engine has not answered by then plays silence (instrument) or its dry input
//! (effect), and later blocks do the same until the engine catches up. An engine behind for
//! more than [`GRACE`] (no block answered in time: it stopped answering, or it is far slower
//! than real time) is killed; a crashed or killed engine is noticed at the next block (its
//! supervisor thread marks the shared block), and [`Health`] says what happened.

use super::commands::Commands;
use super::health::{Health, GRACE};
use super::protocol::{
    build_id, read_samples, write_samples, BlockHeader, Layout, LoadRequest, Report, WidgetChange,
    ANSWER, COMPUTE, DEAD, FLAG_KEEP_OUTPUT, FLAG_RESET, FLAG_SIDECHAIN, MAX_EVENTS, REQUEST,
    SLOTS, STOP,
};
use crate::csound::process::shared::{self, SharedRegion};
use crate::csound::process::spawn::Program;
use crate::csound::process::zygote;
use crate::csound::{Error, ErrorKind, MessageLevel, MessageLog};
use crate::engine::driver::MAX_CHANNELS;
use crate::engine::events::{HeldNotes, MidiEvent};
use crate::engine::load::Loaded;
use crate::engine::transport::Transport;
use crate::orchestra::source::{Kind, Source};
use crate::params::state::OrchestraState;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a compile may take before the engine process is stopped.
pub const COMPILE_TIMEOUT: Duration = Duration::from_secs(5);

/// An engine in its own process, driven from the audio thread.
pub struct RemoteEngine {
    region: Arc<SharedRegion>,
    layout: Layout,
    kind: Kind,
    sr: f64,
    ksmps: usize,
    health: Arc<Health>,
    /// The number of the last block asked for.
    seq: u32,
    /// The number of a block not answered by its deadline.
    late: Option<u32>,
    /// When the engine first missed a deadline, with no block answered in time since: set
    /// whenever `late` is.
    behind_since: Option<Instant>,
    deadline: Duration,
    /// Frames the engine has gathered of its current k-period, as of the last block sent.
    engine_pos: usize,
    /// Frames of short blocks played here and not sent yet: they go with the block that
    /// completes the k-period, so short blocks cost one round trip per k-period, not per block.
    staged: usize,
    /// Some staged block had a sidechain.
    staged_sidechain: bool,
    /// Values and transport when the staged frames began a k-period: the engine writes them
    /// into Csound then, as an in-process engine would have.
    staged_values: Box<[Option<f32>; SLOTS]>,
    staged_transport: Transport,
    /// The engine's last k-period output, which staged frames play (interleaved stereo).
    k_output: Vec<f32>,
    /// `k_output` is the engine's current one.
    have_output: bool,
    /// The events of the staged frames and the block (sized once), at frames counted from the
    /// first staged frame.
    events: Vec<MidiEvent>,
    /// The notes held now (followed from the events sent).
    held: HeldNotes,
    /// Notes to start at the next block (another engine's held notes), when `adopting`.
    adopt: HeldNotes,
    adopting: bool,
    reset: bool,
    /// Csound's messages, as the engine process sends them.
    log: Arc<MessageLog>,
    /// See [`RemoteEngine::last_compute`].
    compute: Duration,
    /// Blocks sent to the engine so far.
    round_trips: u64,
    /// What the orchestra changed in widgets (`cabbageSetValue`, `cabbageSet`).
    widgets: Arc<WidgetInbox>,
    /// For telling the engine something after its load.
    commands: Arc<Commands>,
}

impl RemoteEngine {
    /// Starts an engine process running `program`, has it load `source` with the bindings in
    /// `state` (updated), and returns it ready for blocks of up to `capacity` frames. A
    /// compile that crashes or takes longer than [`COMPILE_TIMEOUT`] is an error; nothing of
    /// the process stays behind.
    pub fn start(
        program: &Program,
        source: &Source,
        sample_rate: f64,
        kind: Kind,
        capacity: usize,
        state: &mut OrchestraState,
        on_state: Option<StateSink>,
    ) -> Result<(RemoteEngine, Loaded), Error> {
        let failed = |what: String| Error::new(ErrorKind::Start, what);
        let layout = Layout::for_blocks(capacity);
        let (region, shared_fd) = SharedRegion::create(layout.words())
            .map_err(|e| failed(format!("could not share memory with the engine: {e}")))?;
        let (ours, theirs) = UnixStream::pair()
            .map_err(|e| failed(format!("could not connect to the engine: {e}")))?;
        let process = zygote::spawn(program, theirs.into(), shared_fd)
            .map_err(|e| failed(format!("could not start the engine process: {e}")))?;
        let health = Arc::new(Health::new(process));
        let request = LoadRequest {
            source: source.clone(),
            sample_rate,
            kind,
            capacity: layout.capacity,
            max_block: capacity,
            bindings: state.bindings.clone(),
            strings: state.strings.clone(),
            state: state.state.clone(),
            csound: state.chosen_csound().map(String::from),
            build: build_id(),
        };
        let stop = |health: &Health, error: Error| {
            health.retired.store(true, Ordering::Release);
            health.process.kill();
            Err(error)
        };
        let log = Arc::new(MessageLog::default());
        let mut reader = BufReader::new(
            ours.try_clone()
                .map_err(|e| failed(format!("could not connect to the engine: {e}")))?,
        );
        let asked = Instant::now();
        let first = send(&ours, &request).and_then(|()| first_report(&ours, &mut reader, &log));
        let (loaded, bindings) = match first {
            Ok(Report::Loaded { loaded, bindings }) => (*loaded, bindings),
            Ok(Report::Failed(error)) => return stop(&health, error),
            Ok(Report::Message { .. } | Report::Widget(_)) | Err(_) => {
                let what = if asked.elapsed() >= COMPILE_TIMEOUT {
                    format!(
                        "{} did not finish compiling within {} s and was stopped (an endless \
                         loop in its global code or score?)",
                        source.origin,
                        COMPILE_TIMEOUT.as_secs()
                    )
                } else {
                    health.ended.store(health.process.wait(), Ordering::Release);
                    format!(
                        "{} could not be loaded: {}",
                        source.origin,
                        health.failure().unwrap_or_default()
                    )
                };
                return stop(&health, Error::new(ErrorKind::Compile, what));
            }
        };
        state.bindings = bindings;
        let region = Arc::new(region);
        let widgets = Arc::new(WidgetInbox::default());
        read_messages(reader, log.clone(), widgets.clone(), on_state);
        supervise(region.clone(), health.clone(), log.clone());
        let engine = RemoteEngine {
            region,
            layout,
            kind,
            sr: sample_rate,
            ksmps: loaded.ksmps,
            health,
            seq: 0,
            late: None,
            behind_since: None,
            deadline: Duration::from_millis(250),
            engine_pos: 0,
            staged: 0,
            staged_sidechain: false,
            staged_values: Box::new([None; SLOTS]),
            staged_transport: Transport::default(),
            k_output: vec![0.0; loaded.ksmps * MAX_CHANNELS],
            have_output: false,
            events: Vec::with_capacity(MAX_EVENTS),
            held: HeldNotes::default(),
            adopt: HeldNotes::default(),
            adopting: false,
            reset: false,
            log,
            compute: Duration::ZERO,
            round_trips: 0,
            widgets,
            commands: Arc::new(Commands::new(ours)),
        };
        Ok((engine, loaded))
    }

    /// The longest the audio thread waits for a block's answer.
    pub fn set_deadline(&mut self, deadline: Duration) {
        self.deadline = deadline;
    }

    pub fn sample_rate(&self) -> f64 {
        self.sr
    }

    pub fn latency(&self) -> usize {
        self.ksmps
    }

    /// Sends the engine commands after its load (from any thread but the audio thread).
    pub fn commands(&self) -> Arc<Commands> {
        self.commands.clone()
    }

    /// What the orchestra changed in widgets, as the engine process reports it.
    pub fn widget_changes(&self) -> Arc<WidgetInbox> {
        self.widgets.clone()
    }

    /// Csound's messages from the engine process.
    pub fn messages(&self) -> Arc<MessageLog> {
        self.log.clone()
    }

    /// How the engine process is doing.
    pub fn health(&self) -> Arc<Health> {
        self.health.clone()
    }

    /// The engine process's id.
    pub fn pid(&self) -> i32 {
        self.health.process.pid().as_raw_nonzero().get()
    }

    /// Time the engine process spent on the last block (for the benchmarks): zero when the
    /// block was played here without a round trip, or not answered.
    pub fn last_compute(&self) -> Duration {
        self.compute
    }

    /// How many times the audio thread has woken the engine: once per block, or once per
    /// k-period while blocks are shorter than `ksmps`.
    pub fn round_trips(&self) -> u64 {
        self.round_trips
    }

    /// The notes held now.
    pub fn held(&self) -> &HeldNotes {
        &self.held
    }

    /// Starts these notes at the next block (a recompiled orchestra takes the held notes over).
    /// Copies in place: the audio thread calls it when a new engine fades in.
    pub fn adopt_notes(&mut self, held: &HeldNotes) {
        self.adopt.copy_from(held);
        self.adopting = true;
    }

    /// Releases held notes and clears buffered output, at the next block.
    pub fn reset(&mut self) {
        self.reset = true;
        self.held.clear();
        // The engine starts a fresh k-period; frames not sent yet are forgotten with the rest.
        self.engine_pos = 0;
        self.staged = 0;
        self.staged_sidechain = false;
        self.events.clear();
        self.k_output.fill(0.0);
    }

    /// Plays silence (instrument) or the input (effect) for this block.
    fn pass(&self, io: &mut [&mut [f32]]) {
        if self.kind == Kind::Instrument {
            io.iter_mut().for_each(|c| c.fill(0.0));
        }
    }

    /// Processes one block in place, as [`Engine::process`](crate::engine::Engine::process).
    pub fn process(
        &mut self,
        io: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        events: &mut dyn Iterator<Item = MidiEvent>,
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
    ) {
        self.compute = Duration::ZERO;
        let frames = io.iter().map(|c| c.len()).min().unwrap_or(0);
        let answer = self.region.words()[ANSWER].load(Ordering::Acquire);
        // A block shorter than what is left of the k-period needs no answer: the engine would
        // only gather its frames and play the output it already has.
        let phase = self.engine_pos + self.staged;
        let stage = self.have_output
            && !self.reset
            && answer != DEAD
            && self.late.is_none()
            && phase + frames < self.ksmps
            && self.staged + frames <= self.layout.capacity;
        self.gather(events, frames, stage);
        if answer == DEAD {
            self.events.clear();
            return self.pass(io);
        }
        if let Some(seq) = self.late {
            if answer != seq {
                let behind = self.behind_since.map_or(Duration::ZERO, |t| t.elapsed());
                if behind > GRACE && !self.health.stalled.swap(true, Ordering::AcqRel) {
                    self.health.process.kill();
                }
                self.events.clear();
                return self.pass(io);
            }
            self.late = None;
        }
        let words = self.region.words();
        let at = self.staged;
        let n = frames.min(self.layout.capacity - at);
        let sidechain = sidechain.filter(|s| s.len() >= 2);
        // Staged frames without a sidechain read silence, as an in-process engine reads a
        // missing sidechain, once a later block brings one.
        let silence = |from: usize, frames: usize| {
            for ch in 0..2 {
                let start = self.layout.sidechain_at(ch) + from;
                words[start..start + frames]
                    .iter()
                    .for_each(|w| w.store(0, Ordering::Relaxed));
            }
        };
        if sidechain.is_some() && !self.staged_sidechain {
            silence(0, at);
            self.staged_sidechain = true;
        }
        if self.staged_sidechain {
            match sidechain {
                Some(side) => {
                    for (ch, samples) in side.iter().enumerate().take(2) {
                        let start = self.layout.sidechain_at(ch) + at;
                        write_samples(words, start, &samples[..n.min(samples.len())]);
                    }
                }
                None => silence(at, n),
            }
        }
        if self.kind == Kind::Effect {
            for (ch, channel) in io.iter().enumerate().take(MAX_CHANNELS) {
                write_samples(words, self.layout.input_at(ch) + at, &channel[..n]);
            }
        }
        if stage {
            if phase == 0 {
                for (slot, value) in self.staged_values.iter_mut().enumerate() {
                    *value = values(slot);
                }
                self.staged_transport = *transport;
            }
            for (ch, channel) in io.iter_mut().enumerate().take(MAX_CHANNELS) {
                for (f, sample) in channel[..n].iter_mut().enumerate() {
                    *sample = self.k_output[(phase + f) * MAX_CHANNELS + ch];
                }
            }
            self.staged += n;
            return;
        }
        self.send(io, n, values, transport);
    }

    /// Takes the block's events (and notes to adopt), at frames counted from the first staged
    /// frame; a staged block's late events stay within it.
    fn gather(&mut self, events: &mut dyn Iterator<Item = MidiEvent>, frames: usize, stage: bool) {
        let adopting = std::mem::take(&mut self.adopting);
        let adopted = adopting
            .then(|| self.adopt.note_ons())
            .into_iter()
            .flatten();
        let base = self.staged as u32;
        for event in adopted.chain(events) {
            if self.events.len() < MAX_EVENTS {
                self.held.track(&event);
                let at = if stage {
                    event.at().min(frames as u32)
                } else {
                    event.at()
                };
                self.events.push(event.at_frame(base + at));
            }
        }
    }

    /// Sends the staged frames and the block's first `n` frames (written already), and plays
    /// the answer, or passes when it does not come by the deadline.
    fn send(
        &mut self,
        io: &mut [&mut [f32]],
        n: usize,
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
    ) {
        let words = self.region.words();
        let at = std::mem::take(&mut self.staged);
        let mut flags = 0;
        if std::mem::take(&mut self.reset) {
            flags |= FLAG_RESET;
        }
        if std::mem::take(&mut self.staged_sidechain) {
            flags |= FLAG_SIDECHAIN;
        }
        let short = n < self.ksmps;
        if short {
            flags |= FLAG_KEEP_OUTPUT;
        }
        let header = BlockHeader {
            frames: at + n,
            staged: at,
            flags,
            channels: io.len().clamp(1, MAX_CHANNELS),
        };
        self.layout.write_header(words, &header, values, transport);
        if at > 0 {
            let staged = &self.staged_values;
            self.layout.write_staged(
                words,
                &|slot| staged.get(slot).copied().flatten(),
                &self.staged_transport,
            );
        }
        self.layout.write_events(words, &self.events);
        self.events.clear();
        self.engine_pos = (self.engine_pos + at + n) % self.ksmps.max(1);
        self.have_output = false;
        self.seq = self.seq.wrapping_add(1).max(1) % DEAD;
        let seq = self.seq;
        words[REQUEST].store(seq, Ordering::Release);
        shared::wake(&words[REQUEST]);
        self.round_trips += 1;
        let asked = Instant::now();
        loop {
            let now = words[ANSWER].load(Ordering::Acquire);
            if now == seq {
                self.behind_since = None;
                break;
            }
            let waited = asked.elapsed();
            if now == DEAD || waited >= self.deadline {
                if now != DEAD {
                    self.late = Some(seq);
                    self.behind_since.get_or_insert(asked);
                }
                return self.pass(io);
            }
            shared::wait(&words[ANSWER], now, self.deadline - waited);
        }
        self.compute = Duration::from_nanos(words[COMPUTE].load(Ordering::Relaxed) as u64);
        for (ch, channel) in io.iter_mut().enumerate().take(MAX_CHANNELS) {
            read_samples(words, self.layout.output_at(ch) + at, &mut channel[..n]);
        }
        if short {
            read_samples(words, self.layout.k_output_at(), &mut self.k_output);
            self.have_output = true;
        }
    }
}

impl Drop for RemoteEngine {
    fn drop(&mut self) {
        self.health.retired.store(true, Ordering::Release);
        let words = self.region.words();
        words[STOP].store(1, Ordering::Release);
        shared::wake(&words[REQUEST]);
        // Nothing in the engine needs saving: it ends at once; its supervisor reaps it.
        self.health.process.kill();
    }
}

fn send(control: &UnixStream, request: &LoadRequest) -> std::io::Result<()> {
    let mut line = serde_json::to_string(request).map_err(std::io::Error::other)?;
    line.push('\n');
    (&*control).write_all(line.as_bytes())
}

/// The load's outcome, within the compile timeout; messages before it go to `log`.
fn first_report(
    control: &UnixStream,
    reader: &mut BufReader<UnixStream>,
    log: &MessageLog,
) -> std::io::Result<Report> {
    let deadline = Instant::now() + COMPILE_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        control.set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
        let mut line = String::new();
        let read = reader.read_line(&mut line);
        control.set_read_timeout(None)?;
        if read? == 0 {
            return Err(std::io::Error::other("the engine process ended"));
        }
        match serde_json::from_str(&line).map_err(std::io::Error::other)? {
            Report::Message { level, text } => note(log, level, &text),
            report => return Ok(report),
        }
    }
}

fn note(log: &MessageLog, level: MessageLevel, text: &str) {
    log.push(level, text.as_bytes());
    log.push(level, b"\n");
}

/// Passes the engine's messages into `log` until the engine ends.
fn read_messages(
    reader: BufReader<UnixStream>,
    log: Arc<MessageLog>,
    widgets: Arc<WidgetInbox>,
    on_state: Option<StateSink>,
) {
    let _ = std::thread::Builder::new()
        .name("csound-engine-messages".into())
        .spawn(move || {
            for line in reader.lines() {
                let Ok(line) = line else { return };
                match serde_json::from_str(&line) {
                    Ok(Report::Message { level, text }) => note(&log, level, &text),
                    Ok(Report::Widget(change)) if change.identifier.starts_with("state") => {
                        if let Some(sink) = &on_state {
                            sink(&change);
                        }
                    }
                    Ok(Report::Widget(change)) => {
                        if let Ok(mut inbox) = widgets.lock() {
                            // Unread changes are bounded: the editor may be closed.
                            if inbox.len() >= 4096 {
                                inbox.remove(0);
                            }
                            inbox.push(change);
                        }
                    }
                    _ => {}
                }
            }
        });
}

/// What the orchestra changed in widgets, waiting for the editor.
pub type WidgetInbox = std::sync::Mutex<Vec<WidgetChange>>;

/// Where the orchestra's changes to its plugin state go as they arrive (`state` and
/// `state-clear` widget changes), whether an editor is open or not.
pub type StateSink = Arc<dyn Fn(&WidgetChange) + Send + Sync>;

/// Waits for the engine process to end, then tells the audio thread at once and, unless the
/// plugin stopped it, the console.
fn supervise(region: Arc<SharedRegion>, health: Arc<Health>, log: Arc<MessageLog>) {
    let _ = std::thread::Builder::new()
        .name("csound-engine-supervisor".into())
        .spawn(move || {
            let ended = health.process.wait();
            health.ended.store(ended, Ordering::Release);
            let words = region.words();
            words[ANSWER].store(DEAD, Ordering::Release);
            shared::wake(&words[ANSWER]);
            if words[STOP].load(Ordering::Acquire) == 0 {
                if let Some(failure) = health.failure() {
                    note(
                        &log,
                        MessageLevel::Error,
                        &format!("csound-plugin: {failure}"),
                    );
                }
            }
        });
}
