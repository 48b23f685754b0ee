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
    // SAFETY: `value` was read from this register by `mxcsr`, so it holds no reserved bits
    // (which would fault); loading it only changes rounding/flush modes and exception masks.
    unsafe {
        std::arch::asm!("ldmxcsr [{}]", in(reg) &value, options(nostack, preserves_flags));
    }
}
