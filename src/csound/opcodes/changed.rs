//! `cabbageChanged`'s forms that say which channel changed: `SName, kTrigger cabbageChanged
//! SChannels[]` and `kIndex, kTrigger cabbageChanged SChannels[]`, optionally with a
//! threshold the value must cross and a mode (0 rising, 1 falling, 2 either, 3 also report
//! the first channel at the first k-period).

use super::arrays::texts_in;
use super::shared::{args, channel_ptr, write_text};
use crate::csound::sys::{self, Flavor};
use std::ffi::{c_int, c_void};

/// Channels watched at most.
const WATCHED: usize = 64;

/// Cabbage's mode when none is given: either direction.
const EITHER: f64 = 2.0;

#[repr(C)]
pub(super) struct ChangedWhich<const NAME: bool> {
    /// The channel's name (`S`) or index (`k`).
    which: *mut c_void,
    trigger: *mut f64,
    channels: *mut sys::ARRAYDAT,
    /// Optional: a threshold (null when not given) and a mode.
    threshold: *mut f64,
    mode: *mut f64,
    _more: [*mut f64; 4],
    slots: [*mut f64; WATCHED],
    last: [f64; WATCHED],
    count: usize,
    given: usize,
    first: bool,
}

pub(super) unsafe extern "C" fn changed_which_init<F: Flavor, const NAME: bool>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `ChangedWhich`; the channels are a string
    // array argument.
    unsafe {
        let p = args::<F, ChangedWhich<NAME>>(p);
        let api = F::api();
        p.given = api.in_arg_count(
            (p as *const ChangedWhich<NAME>)
                .cast::<u8>()
                .sub(api.opds_size()),
        );
        p.count = 0;
        let stride = (*p.channels).arrayMemberSize.max(0) as usize;
        let first = (*p.channels).data as *const u8;
        for (i, _) in texts_in(p.channels).take(WATCHED).enumerate() {
            p.slots[i] = channel_ptr(api, cs, first.add(i * stride) as *const sys::STRINGDAT);
            p.last[i] = p.slots[i].as_ref().copied().unwrap_or(0.0);
            p.count = i + 1;
        }
        p.first = true;
        *p.trigger = 0.0;
        report::<F, NAME>(cs, p, None)
    }
}

/// Writes which channel changed (`None`: keeps the last one written, or the first channel).
///
/// # Safety
/// `cs` live; `p` a running `ChangedWhich`.
unsafe fn report<F: Flavor, const NAME: bool>(
    cs: *mut sys::CSOUND,
    p: &mut ChangedWhich<NAME>,
    index: Option<usize>,
) -> c_int {
    // SAFETY: as the caller guarantees.
    unsafe {
        if NAME {
            let name = texts_in(p.channels).nth(index.unwrap_or(0)).unwrap_or(&[]);
            if index.is_some() || (*(p.which as *mut sys::STRINGDAT)).data.is_null() {
                return write_text(F::api(), cs, p.which as *mut sys::STRINGDAT, name);
            }
        } else if let Some(i) = index {
            *(p.which as *mut f64) = i as f64;
        }
    }
    0
}

pub(super) unsafe extern "C" fn changed_which_perf<F: Flavor, const NAME: bool>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as in `changed_which_init`; the slots are null or Csound's channel slots.
    unsafe {
        let p = args::<F, ChangedWhich<NAME>>(p);
        let threshold = (p.given >= 2 && !p.threshold.is_null()).then(|| *p.threshold);
        let mode = if p.given >= 3 && !p.mode.is_null() {
            *p.mode
        } else {
            EITHER
        };
        let mut which = None;
        for i in 0..p.count {
            let now = p.slots[i].as_ref().copied().unwrap_or(0.0);
            let old = p.last[i];
            let crossed = match threshold {
                None => now != old,
                Some(t) => match mode as i32 {
                    0 => old <= t && now > t,
                    1 => old >= t && now < t,
                    3 => now != old,
                    _ => (old <= t && now > t) || (old >= t && now < t),
                },
            };
            if crossed {
                which = Some(i);
            }
            p.last[i] = now;
        }
        if p.first && mode as i32 == 3 && p.count > 0 {
            which = which.or(Some(0));
        }
        p.first = false;
        *p.trigger = which.is_some() as u8 as f64;
        report::<F, NAME>(cs, p, which)
    }
}

/// This module's registrations for Csound `F`.
pub(super) fn entries<F: Flavor>() -> Vec<super::Entry> {
    let size = F::OPDS + std::mem::size_of::<ChangedWhich<true>>();
    let name: (sys::Subr, sys::Subr) = (
        Some(changed_which_init::<F, true>),
        Some(changed_which_perf::<F, true>),
    );
    let index: (sys::Subr, sys::Subr) = (
        Some(changed_which_init::<F, false>),
        Some(changed_which_perf::<F, false>),
    );
    vec![
        super::Entry(c"cabbageChanged.Sa", size, 3, c"Sk", c"S[]", name.0, name.1),
        super::Entry(
            c"cabbageChanged.ka",
            size,
            3,
            c"kk",
            c"S[]",
            index.0,
            index.1,
        ),
        super::Entry(
            c"cabbageChanged.Sat",
            size,
            3,
            c"Sk",
            c"S[]kO",
            name.0,
            name.1,
        ),
        super::Entry(
            c"cabbageChanged.kat",
            size,
            3,
            c"kk",
            c"S[]kO",
            index.0,
            index.1,
        ),
    ]
}
