//! `cabbageSet`: an orchestra changing a widget.

use super::shared::{args, bytes, queue, table, WidgetWrite};
use super::table::canonical;
use crate::csound::sys::{self, Api, Flavor};
use std::ffi::{c_int, c_void};

/// `cabbageSet kTrigger, "channel", "identifier", numbers...` (or a text), and the init forms
/// without the trigger.
#[repr(C)]
pub(super) struct Set<const TRIGGERED: bool> {
    /// The arguments as Csound passes them: [trigger,] channel, identifier, values... (room
    /// for more than Csound gives the forms with a value list).
    args: [*mut c_void; 16],
    /// Where the widget table keeps the numbers the identifier names, found at init (null:
    /// nowhere), so a later `cabbageGet` sees what was set.
    target: *mut f64,
    target_len: usize,
}

impl<const TRIGGERED: bool> Set<TRIGGERED> {
    /// Finds where the widget table keeps the identifier's numbers (by name: at init only).
    ///
    /// # Safety
    /// As [`Set::report`].
    unsafe fn resolve(&mut self, api: Api, cs: *mut sys::CSOUND) {
        let first = TRIGGERED as usize;
        // SAFETY: the channel and identifier are string arguments; the table is this engine's.
        unsafe {
            let channel = bytes(self.args[first] as *const sys::STRINGDAT);
            let identifier = bytes(self.args[first + 1] as *const sys::STRINGDAT);
            let mut name = [0; 48];
            let n = canonical(identifier, &mut name);
            let numbers = table(api, cs)
                .and_then(|t| t.find_mut(channel))
                .and_then(|w| w.numbers_mut(&name[..n]));
            (self.target, self.target_len) = match numbers {
                Some(slice) => (slice.as_mut_ptr(), slice.len()),
                None => (std::ptr::null_mut(), 0),
            };
        }
    }

    /// Reports the change, reading the values as numbers or, when `text`, one text.
    ///
    /// # Safety
    /// `cs` live; `self` a running opcode with its arguments in place.
    unsafe fn report(&mut self, api: Api, cs: *mut sys::CSOUND, text: bool) {
        let first = TRIGGERED as usize;
        // SAFETY: the first arguments are strings; the rest numbers or one string.
        unsafe {
            let channel = bytes(self.args[first] as *const sys::STRINGDAT);
            let identifier = bytes(self.args[first + 1] as *const sys::STRINGDAT);
            let mut write = WidgetWrite::new(channel, identifier);
            if text {
                write.set_text(bytes(self.args[first + 2] as *const sys::STRINGDAT));
            } else {
                let given =
                    api.in_arg_count((self as *const Self).cast::<u8>().sub(api.opds_size()));
                let values = given.saturating_sub(first + 2).min(4);
                for i in 0..values {
                    if let Some(v) = (self.args[first + 2 + i] as *const f64).as_ref() {
                        write.numbers[i] = *v;
                    }
                }
                write.count = values as u8;
            }
            // A later `cabbageGet` sees the new numbers (in place: no allocation, no lookup).
            if !text && !self.target.is_null() {
                let target = std::slice::from_raw_parts_mut(self.target, self.target_len);
                for (slot, v) in target.iter_mut().zip(write.numbers()) {
                    *slot = *v;
                }
            }
            if let Some(queue) = queue(api, cs) {
                let _ = queue.push(write);
            }
        }
    }
}

pub(super) unsafe extern "C" fn set_numbers_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `Set<false>`.
    unsafe {
        let p = args::<F, Set<false>>(p);
        p.resolve(F::api(), cs);
        p.report(F::api(), cs, false);
    }
    0
}

/// The triggered forms' init: where their numbers go.
pub(super) unsafe extern "C" fn set_resolve<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `Set<true>`.
    unsafe { args::<F, Set<true>>(p).resolve(F::api(), cs) };
    0
}

pub(super) unsafe extern "C" fn set_text_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `Set<false>`.
    unsafe { args::<F, Set<false>>(p).report(F::api(), cs, true) };
    0
}

pub(super) unsafe extern "C" fn set_numbers_perf<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `Set<true>`; the trigger is k-rate.
    unsafe {
        let p = args::<F, Set<true>>(p);
        if *(p.args[0] as *const f64) != 0.0 {
            p.report(F::api(), cs, false);
        }
    }
    0
}

pub(super) unsafe extern "C" fn set_text_perf<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as in `set_numbers_perf`.
    unsafe {
        let p = args::<F, Set<true>>(p);
        if *(p.args[0] as *const f64) != 0.0 {
            p.report(F::api(), cs, true);
        }
    }
    0
}
