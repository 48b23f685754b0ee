//! [`PerformanceThread`]: runs an engine on its own thread, outside a plugin (the command line,
//! tests, scripts), like ctcsound's `CsoundPerformanceThread`.
//!
//! ```no_run
//! use csound_plugin::csound::{Csound, PerformanceThread};
//! let mut cs = Csound::new()?;
//! cs.compile_orc("instr 1\n prints \"hi\\n\"\nendin")?;
//! cs.read_score("i 1 0 1")?;
//! cs.start()?;
//! let thread = PerformanceThread::spawn(cs, |_k| {}); // paused
//! thread.play();
//! let (cs, ended) = thread.join(); // runs until the score ends (or `stop`)
//! # let _ = (cs, ended);
//! # Ok::<(), csound_plugin::csound::Error>(())
//! ```

use super::events::EventKind;
use super::instance::Csound;
use super::perform::Perform;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

const PAUSED: u8 = 0;
const PLAYING: u8 = 1;
const STOPPING: u8 = 2;

/// A request for the performing engine, applied between two k-periods.
enum Command {
    Event(EventKind, Vec<f64>),
    Message(String),
    Control(String, f64),
}

/// An engine performing on its own thread. Starts paused.
pub struct PerformanceThread {
    state: Arc<AtomicU8>,
    commands: mpsc::Sender<Command>,
    thread: JoinHandle<(Csound, Perform)>,
}

impl PerformanceThread {
    /// Moves a started engine onto a new thread. `each_ksmps` runs after every k-period with the
    /// engine (read the spout there, to write a file or feed a device).
    pub fn spawn(
        mut csound: Csound,
        mut each_ksmps: impl FnMut(&mut Csound) + Send + 'static,
    ) -> Self {
        let state = Arc::new(AtomicU8::new(PAUSED));
        let (commands, inbox) = mpsc::channel::<Command>();
        let shared = state.clone();
        let thread = thread::spawn(move || {
            let log = csound.messages();
            let mut last = Perform::Running;
            loop {
                for command in inbox.try_iter() {
                    let result = match command {
                        Command::Event(kind, p) => {
                            csound.score_event(kind, &p).map_err(|e| e.to_string())
                        }
                        Command::Message(m) => csound.input_message(&m).map_err(|e| e.to_string()),
                        Command::Control(name, v) => csound
                            .set_control_by_name(&name, v)
                            .map_err(|e| e.to_string()),
                    };
                    if let Err(e) = result {
                        log.note(super::MessageLevel::Error, &format!("csound-plugin: {e}"));
                    }
                }
                match shared.load(Ordering::Acquire) {
                    STOPPING => break,
                    PAUSED => thread::park(),
                    _ => {
                        last = csound.perform_ksmps();
                        each_ksmps(&mut csound);
                        if last != Perform::Running {
                            break;
                        }
                    }
                }
            }
            (csound, last)
        });
        Self {
            state,
            commands,
            thread,
        }
    }

    fn set(&self, state: u8) {
        self.state.store(state, Ordering::Release);
        self.thread.thread().unpark();
    }

    /// Performs (again).
    pub fn play(&self) {
        self.set(PLAYING);
    }

    /// Holds performance between two k-periods.
    pub fn pause(&self) {
        self.set(PAUSED);
    }

    /// Ends performance; [`join`](Self::join) then returns at once.
    pub fn stop(&self) {
        self.set(STOPPING);
    }

    /// Whether the thread is still performing or paused.
    pub fn is_running(&self) -> bool {
        !self.thread.is_finished()
    }

    /// Sends a score event, applied before the next k-period.
    pub fn score_event(&self, kind: EventKind, pfields: &[f64]) {
        let _ = self.commands.send(Command::Event(kind, pfields.to_vec()));
        self.thread.thread().unpark();
    }

    /// Sends score text, applied before the next k-period.
    pub fn input_message(&self, message: &str) {
        let _ = self.commands.send(Command::Message(message.to_string()));
    }

    /// Sets a control channel by name before the next k-period.
    pub fn set_control(&self, name: &str, value: f64) {
        let _ = self
            .commands
            .send(Command::Control(name.to_string(), value));
    }

    /// Waits until performance ends (score end, `exitnow`, or [`stop`](Self::stop)) and gives the
    /// engine back with how its last k-period ended. A paused thread is resumed to finish.
    pub fn join(self) -> (Csound, Perform) {
        if self.state.load(Ordering::Acquire) == PAUSED {
            self.play();
        }
        match self.thread.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}
