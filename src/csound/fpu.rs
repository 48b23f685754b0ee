//! The floating-point control state of the calling thread.
//!
//! `csoundCreate` turns on flush-to-zero and denormals-are-zero in the MXCSR of the thread that
//! calls it and never restores it, which silently changes the numerics of the host's thread
//! (a DAW's GUI or loader thread). [`Guard`] saves the state and puts it back.

/// Restores the thread's floating-point control state when dropped.
pub(crate) struct Guard {
    #[cfg(target_arch = "x86_64")]
    saved: u32,
}

impl Guard {
    pub(crate) fn save() -> Self {
        Self {
            #[cfg(target_arch = "x86_64")]
            saved: mxcsr(),
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        set_mxcsr(self.saved);
    }
}

/// Flushes denormals to zero on this thread (FTZ and DAZ) until dropped, then restores the
/// thread's previous state. Put one around each audio block: filters decaying into denormals
/// otherwise cost Csound a quarter more CPU (measured against the `csound` command line, which
/// runs with FTZ/DAZ on because `csoundCreate` leaves them set).
pub struct FlushDenormals {
    #[cfg(target_arch = "x86_64")]
    saved: u32,
}

impl FlushDenormals {
    /// Bits 15 (flush-to-zero) and 6 (denormals-are-zero) of MXCSR.
    #[cfg(target_arch = "x86_64")]
    const FTZ_DAZ: u32 = 0x8040;

    pub fn new() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            let saved = mxcsr();
            set_mxcsr(saved | Self::FTZ_DAZ);
            Self { saved }
        }
        #[cfg(not(target_arch = "x86_64"))]
        Self {}
    }
}

impl Default for FlushDenormals {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for FlushDenormals {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        set_mxcsr(self.saved);
    }
}

/// The MXCSR register of this thread (SSE control and status).
#[cfg(target_arch = "x86_64")]
pub fn mxcsr() -> u32 {
    let mut value: u32 = 0;
    // SAFETY: `stmxcsr` only stores the register into the 4 bytes we point it at.
    unsafe {
        std::arch::asm!("stmxcsr [{}]", in(reg) &mut value, options(nostack, preserves_flags));
    }
    value
}

#[cfg(target_arch = "x86_64")]
fn set_mxcsr(value: u32) {
    // SAFETY: `value` was read from this register by `mxcsr` (possibly with the FTZ/DAZ bits
    // added, which are defined on every x86_64 CPU), so it holds no reserved bits (which would
    // fault); loading it only changes rounding/flush modes and exception masks.
    unsafe {
        std::arch::asm!("ldmxcsr [{}]", in(reg) &value, options(nostack, preserves_flags));
    }
}
