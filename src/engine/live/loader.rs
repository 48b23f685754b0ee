//! The loader: a worker thread that compiles orchestras off the audio thread and hands the
//! engines to the [`Player`], destroys the engines it retires, and watches the orchestra's file.

use super::launch::{load_into, saved_source, Launch, Setup};
use super::player::Player;
use crate::csound::MessageLog;
use crate::engine::remote::commands::Commands;
use crate::engine::remote::protocol::WidgetChange;
use crate::engine::remote::proxy::WidgetInbox;
use crate::engine::remote::Health;
use crate::engine::voice::Voice;
use crate::orchestra::source::{Kind, Source};
use crate::params::PluginParams;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

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
    /// The engine process crashed or stopped responding: the instrument is silent, the effect
    /// passes its input through, until [`Loader::restart`].
    Stopped { error: String },
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
    /// How the newest engine process is doing.
    health: Mutex<Option<Arc<Health>>>,
    /// What the newest engine's orchestra changed in widgets, for the editor.
    widgets: Mutex<Option<Arc<WidgetInbox>>>,
    /// Commands to the newest engine.
    commands: Mutex<Option<Arc<Commands>>>,
    /// Where engines run.
    launch: Launch,
    /// Frames of the host's largest block (set on activation).
    capacity: AtomicUsize,
    /// How long the audio thread waits for an engine process, in microseconds.
    deadline: AtomicU64,
    /// The last orchestra the sharing gate refused, until the editor takes it.
    refused: Mutex<Option<(String, Source)>>,
}

impl Shared {
    fn setup(&self) -> Setup {
        Setup {
            launch: self.launch.clone(),
            capacity: self.capacity.load(Ordering::Acquire),
            deadline: Duration::from_micros(self.deadline.load(Ordering::Acquire)),
        }
    }

    /// Records the newest engine's console and health.
    fn track(&self, engine: &Voice) {
        if let Ok(mut log) = self.log.lock() {
            *log = Some(engine.messages());
        }
        if let Ok(mut health) = self.health.lock() {
            *health = engine.health();
        }
        if let Ok(mut widgets) = self.widgets.lock() {
            *widgets = engine.widget_changes();
        }
        if let Ok(mut commands) = self.commands.lock() {
            *commands = engine.commands();
        }
    }

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
    /// Watch this file (the one the orchestra loaded on activation came from), or none.
    Watch(Option<PathBuf>),
    Stop,
}

/// The owner of the compile worker thread. Dropping it stops the thread.
pub struct Loader {
    commands: mpsc::Sender<Command>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// The plugin's parameters and saved state (to restart the saved orchestra).
    params: Arc<PluginParams>,
    kind: Kind,
}

/// The worker's side: state it keeps between commands.
struct Worker {
    params: Arc<PluginParams>,
    kind: Kind,
    shared: Arc<Shared>,
    to_audio: rtrb::Producer<Voice>,
    retired: rtrb::Consumer<Voice>,
    /// A compiled engine the audio thread has no room for yet (it is not running).
    pending: Option<Voice>,
    /// The watched file and the modification time last loaded.
    watched: Option<(PathBuf, Option<SystemTime>)>,
    /// When the engine was last restarted automatically (at most one a minute).
    auto_restarted: Option<Instant>,
}

/// An engine that ran this long before it failed is restarted automatically.
const RESTART_AFTER: Duration = Duration::from_secs(10);
/// At most one automatic restart in this time: a crash loop stops at the second crash.
const RESTART_SPACING: Duration = Duration::from_secs(60);

impl Loader {
    /// Starts the worker for a plugin's parameters; returns it and the audio thread's player.
    /// Engines run in processes of their own when this is a plugin library.
    pub fn new(params: Arc<PluginParams>, kind: Kind) -> (Loader, Player) {
        Loader::with_launch(params, kind, Launch::detect())
    }

    /// [`Loader::new`], with engines run as `launch` says.
    pub fn with_launch(params: Arc<PluginParams>, kind: Kind, launch: Launch) -> (Loader, Player) {
        let (to_audio, incoming) = rtrb::RingBuffer::new(2);
        let (retire, retired) = rtrb::RingBuffer::new(4);
        let shared = Arc::new(Shared {
            status: Mutex::new(Status::Idle),
            generation: AtomicU64::new(0),
            sample_rate: AtomicU64::new(48_000f64.to_bits()),
            watch: AtomicBool::new(false),
            log: Mutex::new(None),
            refused: Mutex::new(None),
            health: Mutex::new(None),
            widgets: Mutex::new(None),
            commands: Mutex::new(None),
            launch,
            capacity: AtomicUsize::new(8192),
            deadline: AtomicU64::new(250_000),
        });
        let (commands, receive) = mpsc::channel();
        let worker = Worker {
            params: params.clone(),
            kind,
            shared: shared.clone(),
            to_audio,
            retired,
            pending: None,
            watched: None,
            auto_restarted: None,
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
                params,
                kind,
            },
            player,
        )
    }

    /// Asks for `source` to be compiled and, if it compiles, played. A locked export plays
    /// only its own orchestra: any other is refused at once.
    pub fn compile(&self, source: Source) {
        let own = crate::orchestra::factory::default_orchestra(self.kind);
        if crate::orchestra::factory::locked() && source.text != own.text {
            self.set_status(Status::Failed {
                error: format!(
                    "this plugin plays only its own orchestra ({}): it is locked",
                    own.file
                ),
                line: None,
            });
            return;
        }
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

    /// Sets up loads for the host's configuration (on activation): its sample rate, its
    /// largest block, and whether it renders offline (then the audio thread waits for an engine
    /// process up to 5 s; in real time up to 250 ms).
    pub fn configure(&self, sample_rate: f64, max_block: usize, offline: bool) {
        let shared = &self.shared;
        shared
            .sample_rate
            .store(sample_rate.to_bits(), Ordering::Release);
        shared.capacity.store(max_block.max(1), Ordering::Release);
        let deadline = if offline { 5_000_000 } else { 250_000 };
        shared.deadline.store(deadline, Ordering::Release);
    }

    /// Loads `source` now, on this thread, as the worker would (on activation).
    pub fn load_now(
        &self,
        params: &PluginParams,
        source: &Source,
        kind: Kind,
    ) -> Result<Voice, crate::csound::Error> {
        let sample_rate = f64::from_bits(self.shared.sample_rate.load(Ordering::Acquire));
        load_into(params, source, sample_rate, kind, &self.shared.setup())
    }

    /// Records the engine loaded directly (on activation), or that none plays. The saved
    /// orchestra's file is watched from then on if the project says so.
    pub fn loaded(&self, engine: Option<&Voice>) {
        match engine {
            Some(engine) => {
                self.shared.track(engine);
                self.shared.generation.fetch_add(1, Ordering::AcqRel);
                let state = self.params.orchestra();
                self.shared.watch.store(state.watch, Ordering::Release);
                let _ = self
                    .commands
                    .send(Command::Watch(state.path.map(PathBuf::from)));
            }
            None => {
                if let Ok(mut health) = self.shared.health.lock() {
                    *health = None;
                }
            }
        }
    }

    /// Starts the saved orchestra again in a new engine (after a crash, from the editor).
    pub fn restart(&self) {
        match saved_source(&self.params.orchestra(), self.kind) {
            Ok((source, _)) => self.compile(source),
            Err(error) => self.set_status(Status::Failed { error, line: None }),
        }
    }

    /// Sets a text channel of the playing orchestra now (a file button's path) and keeps it
    /// in the project, so the orchestra gets it again at its next load.
    pub fn set_string(&self, channel: &str, value: &str) {
        let mut state = self.params.orchestra();
        state.strings.insert(channel.to_string(), value.to_string());
        self.params.set_orchestra(state);
        let commands = self.shared.commands.lock().ok().and_then(|c| c.clone());
        if let Some(commands) = commands {
            let _ = commands.set_string(channel, value);
        }
    }

    /// Takes what the newest orchestra changed in widgets since the last call
    /// (`cabbageSetValue`, `cabbageSet`), for the editor.
    pub fn take_widget_changes(&self) -> Vec<WidgetChange> {
        let inbox = self.shared.widgets.lock().ok().and_then(|w| w.clone());
        inbox
            .and_then(|inbox| {
                inbox
                    .lock()
                    .ok()
                    .map(|mut changes| std::mem::take(&mut *changes))
            })
            .unwrap_or_default()
    }

    /// The message log of the newest orchestra, for the console.
    pub fn log(&self) -> Option<Arc<MessageLog>> {
        self.shared.log.lock().ok().and_then(|l| l.clone())
    }

    /// Turns recompiling on save of the orchestra's file on or off, and keeps that in the
    /// project.
    pub fn set_watch(&self, on: bool) {
        self.shared.watch.store(on, Ordering::Release);
        let mut state = self.params.orchestra();
        state.watch = on;
        self.params.set_orchestra(state);
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
                Ok(Command::Watch(path)) => {
                    self.watched = path.map(|path| {
                        let time = modified(&path);
                        (path, time)
                    });
                }
                Ok(Command::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            // Engines the audio thread is done with are destroyed here, off the audio thread.
            while let Ok(engine) = self.retired.pop() {
                drop(engine);
            }
            self.offer();
            self.watch();
            self.check_health();
        }
    }

    /// Notices an engine process that crashed or stopped responding: says so in the state
    /// (saved with the project) and the status (the editor offers Restart), and restarts it
    /// once if it had been playing a while.
    fn check_health(&mut self) {
        let failed = match self.shared.health.lock() {
            Ok(mut health) => match health
                .as_ref()
                .and_then(|h| h.failure().map(|f| (f, h.age())))
            {
                Some(failure) => {
                    *health = None;
                    Some(failure)
                }
                None => None,
            },
            Err(_) => None,
        };
        let Some((failure, age)) = failed else {
            return;
        };
        let mut state = self.params.orchestra();
        state.error = Some(failure.clone());
        self.params.set_orchestra(state);
        if let Ok(mut s) = self.shared.status.lock() {
            *s = Status::Stopped {
                error: failure.clone(),
            };
        }
        let spaced = self
            .auto_restarted
            .is_none_or(|t| t.elapsed() > RESTART_SPACING);
        if age >= RESTART_AFTER && spaced {
            self.auto_restarted = Some(Instant::now());
            if let Ok((source, _)) = saved_source(&self.params.orchestra(), self.kind) {
                self.compile(source);
            }
        }
    }

    fn sample_rate(&self) -> f64 {
        f64::from_bits(self.shared.sample_rate.load(Ordering::Acquire))
    }

    fn compile(&mut self, source: Source) {
        let setup = self.shared.setup();
        match load_into(&self.params, &source, self.sample_rate(), self.kind, &setup) {
            Ok(engine) => {
                self.shared.track(&engine);
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
