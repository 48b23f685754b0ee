//! The loader: a worker thread that compiles orchestras off the audio thread and hands the
//! engines to the [`Player`], destroys the engines it retires, and watches the orchestra's file.

use super::player::Player;
use crate::csound::MessageLog;
use crate::engine::driver::Engine;
use crate::orchestra::source::{Kind, Source};
use crate::orchestra::trust::TrustStore;
use crate::params::PluginParams;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

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
        let player = Player::new(incoming, retire, kind);
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
