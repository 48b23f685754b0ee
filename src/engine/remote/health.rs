//! How an engine process is doing: running, crashed, killed, or stopped by the watchdog for
//! falling behind, in words a musician understands. The proxy's audio thread marks it, the
//! supervisor thread records how the process ended, and the editor reads it.

use crate::csound::process::zygote::{self, EngineProcess};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// How long an engine may stay behind (no block answered by its deadline) before it is killed:
/// one that stopped answering, or one far slower than real time.
pub const GRACE: Duration = Duration::from_secs(2);

/// How an engine process is doing, shared by the audio thread, its supervisor and the editor.
#[derive(Debug)]
pub struct Health {
    pub(super) process: EngineProcess,
    /// 0 while it runs; then how it ended ([`zygote::Ended`]).
    pub(super) ended: AtomicI32,
    /// It stayed behind for [`GRACE`] and was killed.
    pub(super) stalled: AtomicBool,
    /// The plugin ended it (replaced, or the plugin closed): nothing to report.
    pub(super) retired: AtomicBool,
    /// When it started.
    started: Instant,
}

impl Health {
    /// A process that has just started.
    pub(super) fn new(process: EngineProcess) -> Health {
        Health {
            process,
            ended: AtomicI32::new(0),
            stalled: AtomicBool::new(false),
            retired: AtomicBool::new(false),
            started: Instant::now(),
        }
    }

    /// How long ago the engine process started.
    pub fn age(&self) -> Duration {
        self.started.elapsed()
    }

    /// What happened, in words, once the engine is gone; `None` while it runs or when the
    /// plugin ended it.
    pub fn failure(&self) -> Option<String> {
        let ended = self.ended.load(Ordering::Acquire);
        if ended == 0 || self.retired.load(Ordering::Acquire) {
            return None;
        }
        if self.stalled.load(Ordering::Acquire) {
            return Some(format!(
                "Csound stopped responding in time (behind real time for {} s) and was \
                 stopped: an endless loop in the orchestra, or more voices than the machine \
                 can play",
                GRACE.as_secs()
            ));
        }
        Some(match ended {
            6 => "Csound crashed (SIGABRT: it found its memory corrupted and aborted)".into(),
            11 => "Csound crashed (SIGSEGV, a memory error)".into(),
            9 => "Csound was killed (SIGKILL)".into(),
            zygote::UNKNOWN => "the engine process ended".into(),
            s if s < 1000 => format!("Csound crashed (signal {s})"),
            code => format!("the engine process ended (exit code {})", code - 1000),
        })
    }
}
