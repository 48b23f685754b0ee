//! Where Csound 7.0 keeps the three private fields the layer needs (`jumpset`, `oparms`,
//! `API_lock`; see [`super::Api::arm_exit`]).
//!
//! Its headers declare them after `engineState`, an `ENGINE_STATE` they do not define, so the
//! bindings use a stand-in of one pointer (`build.rs`) and every later field sits a fixed
//! distance further than the bindings say. That distance is measured once, on an engine made
//! for it with unmistakable values, and only accepted when four facts agree: `ksmps`,
//! `nchnls` and `inchnls` read back as set, `oparms` points at `oparms_`, and `jumpset` is 0
//! before the first k-period and 1 after it.

use super::v7;
use std::ffi::{c_char, c_int, c_void};
use std::mem::offset_of;

/// Byte offsets into 7.0's `CSOUND`.
pub struct Layout {
    /// `int32_t jumpset`: whether `csoundPerformKsmps` has set its jump point.
    jumpset: usize,
    /// `OPARMS *oparms`: the options, whose `realtime` says whether the API lock is taken.
    oparms: usize,
    /// `void *API_lock`: the lock an `exitnow` leaves held.
    api_lock: usize,
}

/// Values the measuring engine is given, unlikely to sit side by side by chance.
const KSMPS: u32 = 7;
const NCHNLS: u32 = 5;
const NCHNLS_I: i32 = 3;
/// How far past the bindings' offsets to look (an `ENGINE_STATE` is a few hundred bytes).
const FURTHEST: usize = 16 * 1024;

unsafe extern "C" fn quiet(_: *mut v7::CSOUND, _: c_int, _: *const c_char) {}

impl Layout {
    /// Measures the layout on an engine of `lib` made for the purpose and destroyed after.
    ///
    /// # Safety
    /// `lib` is an opened Csound 7.0, initialised; `opcodes` its opcode folder.
    pub unsafe fn measure(lib: &v7::Library, opcodes: *const c_char) -> Result<Layout, String> {
        let fail =
            |what: &str| format!("the bundled Csound 7.0 is not the one it was built for ({what})");
        // SAFETY: an engine of our own, performed one k-period on this thread, then destroyed;
        // every read is inside the `CSOUND` struct, whose size the real one exceeds (the
        // stand-in is smaller than `ENGINE_STATE`) by at most `FURTHEST`.
        unsafe {
            let cs = lib.csoundCreate(std::ptr::null_mut(), opcodes);
            if cs.is_null() {
                return Err(fail("no engine"));
            }
            lib.csoundSetMessageStringCallback(cs, Some(quiet));
            lib.csoundSetHostAudioIO(cs);
            let orc = format!("sr = 48000\nksmps = {KSMPS}\nnchnls = {NCHNLS}\nnchnls_i = {NCHNLS_I}\n0dbfs = 1\n");
            let orc = std::ffi::CString::new(orc).map_err(|_| fail("text"))?;
            let result =
                if lib.csoundCompileOrc(cs, orc.as_ptr(), 0) != 0 || lib.csoundStart(cs) != 0 {
                    Err(fail("the measuring engine did not start"))
                } else {
                    Self::find(lib, cs).ok_or_else(|| fail("its private fields were not found"))
                };
            lib.csoundDestroy(cs);
            result
        }
    }

    /// # Safety
    /// `cs` is a started engine with the measuring values, not yet performed.
    unsafe fn find(lib: &v7::Library, cs: *mut v7::CSOUND) -> Option<Layout> {
        let base = cs as *mut u8;
        // SAFETY: as in `measure`.
        let read_u32 = |at: usize| unsafe { (base.add(at) as *const u32).read_unaligned() };
        let read_usize = |at: usize| unsafe { (base.add(at) as *const usize).read_unaligned() };
        let ksmps = offset_of!(v7::CSOUND, ksmps);
        let nchnls = offset_of!(v7::CSOUND, nchnls);
        let inchnls = offset_of!(v7::CSOUND, inchnls);
        let oparms = offset_of!(v7::CSOUND, oparms);
        let oparms_ = offset_of!(v7::CSOUND, oparms_);
        let shift = (0..=FURTHEST).step_by(8).find(|d| {
            read_u32(ksmps + d) == KSMPS
                && read_u32(nchnls + d) == NCHNLS
                && read_u32(inchnls + d) as i32 == NCHNLS_I
                && read_usize(oparms + d) == base as usize + oparms_ + d
        })?;
        let layout = Layout {
            jumpset: offset_of!(v7::CSOUND, jumpset) + shift,
            oparms: oparms + shift,
            api_lock: offset_of!(v7::CSOUND, API_lock) + shift,
        };
        let before = read_u32(layout.jumpset);
        // SAFETY: a started engine; its first k-period sets `jumpset`.
        let rc = unsafe { lib.csoundPerformKsmps(cs) };
        let after = read_u32(layout.jumpset);
        (rc == 0 && before == 0 && after == 1 && read_usize(layout.api_lock) != 0).then_some(layout)
    }

    /// # Safety
    /// `cs` is a live engine of the measured library, not performing.
    pub unsafe fn clear_jumpset(&self, cs: *mut super::CSOUND) {
        // SAFETY: `jumpset` is an `int32_t` at this offset (measured).
        unsafe { ((cs as *mut u8).add(self.jumpset) as *mut i32).write_unaligned(0) }
    }

    /// The API lock a `csoundPerformKsmps` took, when it takes one (not with `--realtime`).
    ///
    /// # Safety
    /// As for [`clear_jumpset`](Self::clear_jumpset).
    pub unsafe fn held_api_lock(&self, cs: *mut super::CSOUND) -> Option<*mut c_void> {
        // SAFETY: `oparms` points at the engine's options (measured), `API_lock` is a pointer.
        unsafe {
            let oparms =
                ((cs as *mut u8).add(self.oparms) as *const *const v7::OPARMS).read_unaligned();
            if oparms.is_null() || (*oparms).realtime != 0 {
                return None;
            }
            let lock = ((cs as *mut u8).add(self.api_lock) as *const *mut c_void).read_unaligned();
            (!lock.is_null()).then_some(lock)
        }
    }
}
