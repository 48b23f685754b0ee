//! Performance: starting the engine, performing k-periods through `spin` and `spout`, ending,
//! resetting, and the rates and sizes Csound settled on.

use super::error::{Error, ErrorKind, Result};
use super::instance::{Csound, State, NEXT_KEY};
use super::sys;
use std::ffi::c_int;
use std::sync::atomic::Ordering;

/// What one k-period of performance ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perform {
    /// The engine is running; call again for the next k-period.
    Running,
    /// The score ended, or the engine is not started. The spout holds silence.
    Ended,
    /// The orchestra left early (`exitnow`, or a fatal error): the engine is stopped and must be
    /// reset or dropped. The process is unharmed.
    Exited,
}

impl Csound {
    /// Starts the engine. Afterwards `sr`, `ksmps` and the channel counts are fixed: read them
    /// back with [`sr`](Self::sr), [`ksmps`](Self::ksmps), ... (a CSD header may differ from what
    /// was asked for only where the host did not set it).
    pub fn start(&mut self) -> Result<()> {
        if self.state != State::Fresh {
            return Err(Error::new(
                ErrorKind::Start,
                "the engine was already started; reset it first",
            ));
        }
        let cs = self.raw();
        // SAFETY: `cs` is live and not started. The host's audio I/O is asked for here, the
        // last moment both versions read it (7.0 cannot turn it off once on).
        self.checked(ErrorKind::Start, "Csound could not start", || unsafe {
            if self.host_audio {
                self.api.csoundSetHostImplementedAudioIO(cs, 1, 0);
            }
            self.api.csoundStart(cs)
        })?;
        // SAFETY: plain queries of a started engine.
        unsafe {
            self.ksmps = self.api.csoundGetKsmps(cs) as usize;
            self.nchnls = self.api.csoundGetNchnls(cs) as usize;
            self.nchnls_i = self.api.csoundGetNchnlsInput(cs) as usize;
        }
        self.state = State::Started;
        Ok(())
    }

    /// Whether the engine is started and has not ended.
    pub fn is_running(&self) -> bool {
        self.state == State::Started
    }

    /// Performs one k-period: reads [`spin_mut`](Self::spin_mut), writes [`spout`](Self::spout).
    /// Real-time safe as far as this layer goes (no allocation, no lock of its own).
    pub fn perform_ksmps(&mut self) -> Perform {
        if self.state != State::Started {
            return Perform::Ended;
        }
        let cs = self.raw();
        // SAFETY: `cs` is live and started; `arm_exit` makes `exitnow` and fatal errors return
        // here instead of jumping into a dead stack frame.
        let rc = unsafe {
            self.api.arm_exit(cs);
            self.api.csoundPerformKsmps(cs)
        };
        if rc == 0 {
            return Perform::Running;
        }
        self.state = State::Stopped;
        if rc & sys::CSOUND_EXITJMP_SUCCESS as c_int != 0 {
            // SAFETY: `cs` left `csoundPerformKsmps` through `exitnow` on this thread.
            unsafe { self.api.release_after_exit(cs) };
            return Perform::Exited;
        }
        Perform::Ended
    }

    /// Ends the performance and closes what Csound opened; the engine stays created.
    pub fn cleanup(&mut self) {
        if self.state != State::Fresh {
            // SAFETY: `cs` is live.
            unsafe { self.api.csoundCleanup(self.raw()) };
            self.state = State::Stopped;
            if self.version() == crate::csound::Version::Seven {
                // 7.0 cleans up by resetting, which also forgets the callbacks.
                self.configure();
            }
        }
    }

    /// Resets the engine to its state after creation, keeping the caller's options, MIDI input
    /// and message log. Channel handles from before are refused afterwards.
    pub fn reset(&mut self) {
        // SAFETY: `cs` is live; nothing else runs on it (we hold `&mut self`).
        unsafe { self.api.csoundReset(self.raw()) };
        self.key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
        self.state = State::Fresh;
        self.csd_options_applied = false;
        self.idents.clear();
        self.tables.clear();
        (self.ksmps, self.nchnls, self.nchnls_i) = (0, 0, 0);
        self.configure();
    }

    /// The input of the next k-period: `ksmps * nchnls_i` samples, interleaved by frame.
    /// Empty before [`start`](Self::start).
    pub fn spin_mut(&mut self) -> &mut [f64] {
        let len = self.ksmps * self.nchnls_i;
        if self.state == State::Fresh || len == 0 {
            return &mut [];
        }
        // SAFETY: after start Csound owns a spin buffer of exactly `ksmps * nchnls_i` samples
        // that lives until reset or destroy, both of which need `&mut self`.
        unsafe {
            let p = self.api.csoundGetSpin(self.raw());
            if p.is_null() {
                return &mut [];
            }
            std::slice::from_raw_parts_mut(p, len)
        }
    }

    /// The output of the last k-period: `ksmps * nchnls` samples, interleaved by frame.
    /// Empty before [`start`](Self::start).
    pub fn spout(&self) -> &[f64] {
        let len = self.ksmps * self.nchnls;
        if self.state == State::Fresh || len == 0 {
            return &[];
        }
        // SAFETY: as for `spin_mut`, with the spout buffer of `ksmps * nchnls` samples.
        unsafe {
            let p = self.api.csoundGetSpout(self.raw());
            if p.is_null() {
                return &[];
            }
            std::slice::from_raw_parts(p, len)
        }
    }

    /// Sample rate.
    pub fn sr(&self) -> f64 {
        // SAFETY: plain query.
        unsafe { self.api.csoundGetSr(self.raw()) }
    }

    /// Control rate (`sr / ksmps`).
    pub fn kr(&self) -> f64 {
        // SAFETY: plain query.
        unsafe { self.api.csoundGetKr(self.raw()) }
    }

    /// Frames per k-period.
    pub fn ksmps(&self) -> usize {
        // SAFETY: plain query.
        unsafe { self.api.csoundGetKsmps(self.raw()) as usize }
    }

    /// Output channels.
    pub fn nchnls(&self) -> usize {
        // SAFETY: plain query.
        unsafe { self.api.csoundGetNchnls(self.raw()) as usize }
    }

    /// Input channels.
    pub fn nchnls_input(&self) -> usize {
        // SAFETY: plain query.
        unsafe { self.api.csoundGetNchnlsInput(self.raw()) as usize }
    }

    /// The value of full scale (`0dbfs`).
    pub fn zero_dbfs(&self) -> f64 {
        // SAFETY: plain query.
        unsafe { self.api.csoundGet0dBFS(self.raw()) }
    }

    /// Frames performed since start.
    pub fn current_time_samples(&self) -> i64 {
        // SAFETY: plain query.
        unsafe { self.api.csoundGetCurrentTimeSamples(self.raw()) }
    }

    /// Seconds performed since start (score time).
    pub fn current_time_seconds(&self) -> f64 {
        // SAFETY: plain query.
        unsafe { self.api.csoundGetScoreTime(self.raw()) }
    }
}
