//! The value opcodes: `cabbageGetValue`, `cabbageGet`, `cabbageSetValue`, `cabbageChanged`.

use super::shared::{args, bytes, channel_ptr, fingerprint, queue, WidgetWrite};
use crate::csound::sys::{self, Api, Flavor};
use std::ffi::{c_char, c_int, c_void};

/// `out cabbageGetValue "channel"` (and `cabbageGet`), `i` or `k`.
#[repr(C)]
pub(super) struct GetValue {
    value: *mut f64,
    channel: *mut sys::STRINGDAT,
    slot: *mut f64,
}

pub(super) unsafe extern "C" fn get_value_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: Csound hands this opcode's own data block, laid out as `GetValue`.
    let p = unsafe { args::<F, GetValue>(p) };
    // SAFETY: `cs` is the running engine, `channel` its string argument.
    p.slot = unsafe { channel_ptr(F::api(), cs, p.channel) };
    copy_value(p);
    0
}

/// Copies the channel's value to the output.
fn copy_value(p: &mut GetValue) {
    // SAFETY: `slot` is null or Csound's channel slot; `value` the opcode's output.
    unsafe { *p.value = p.slot.as_ref().copied().unwrap_or(0.0) };
}

pub(super) extern "C" fn get_value_perf<F: Flavor>(_cs: *mut sys::CSOUND, p: *mut c_void) -> c_int {
    // SAFETY: as in `get_value_init`.
    copy_value(unsafe { args::<F, GetValue>(p) });
    0
}

/// `kValue, kChanged cabbageGetValue "channel"`.
#[repr(C)]
pub(super) struct GetValueChanged {
    value: *mut f64,
    changed: *mut f64,
    channel: *mut sys::STRINGDAT,
    slot: *mut f64,
    last: f64,
}

pub(super) unsafe extern "C" fn get_changed_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `GetValueChanged`.
    let p = unsafe { args::<F, GetValueChanged>(p) };
    // SAFETY: as in `get_value_init`.
    p.slot = unsafe { channel_ptr(F::api(), cs, p.channel) };
    // SAFETY: `slot` is null or Csound's channel slot.
    p.last = unsafe { p.slot.as_ref().copied().unwrap_or(0.0) };
    0
}

pub(super) extern "C" fn get_changed_perf<F: Flavor>(
    _cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as in `get_changed_init`; the outputs are Csound's k-rate arguments.
    unsafe {
        let p = args::<F, GetValueChanged>(p);
        let now = p.slot.as_ref().copied().unwrap_or(0.0);
        *p.value = now;
        *p.changed = (now != p.last) as u8 as f64;
        p.last = now;
    }
    0
}

/// `Sout cabbageGetValue "channel"`: a text channel, at init.
#[repr(C)]
pub(super) struct GetText {
    value: *mut sys::STRINGDAT,
    channel: *mut sys::STRINGDAT,
}

pub(super) unsafe extern "C" fn get_text_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `GetText`.
    unsafe {
        let p = args::<F, GetText>(p);
        read_text(F::api(), cs, &mut *p.value, p.channel)
    }
}

/// Copies a text channel into a string output, growing it with Csound's allocator (which owns
/// it, as with Csound's own string opcodes). Returns 0, or -1 when it cannot grow.
///
/// # Safety
/// `cs` live; `out` an output string and `channel` a string argument of a running opcode.
unsafe fn read_text(
    api: Api,
    cs: *mut sys::CSOUND,
    out: &mut sys::STRINGDAT,
    channel: *const sys::STRINGDAT,
) -> c_int {
    // SAFETY: as the caller guarantees; the output holds `size` bytes after growing.
    unsafe {
        let name = (*channel).data;
        let size = api.csoundGetChannelDatasize(cs, name).max(1) as usize;
        if api.string_size(out) < size + 1 {
            let data = api.realloc(cs, out.data as *mut c_void, size + 1) as *mut c_char;
            if data.is_null() {
                return -1;
            }
            api.set_string(out, data, size + 1);
        }
        *out.data = 0;
        api.csoundGetStringChannel(cs, name, out.data);
    }
    0
}

/// `Sout, kChanged cabbageGetValue "channel"`: a text channel every k-period, and 1 when it
/// changed.
#[repr(C)]
pub(super) struct GetTextChanged {
    value: *mut sys::STRINGDAT,
    changed: *mut f64,
    channel: *mut sys::STRINGDAT,
    /// A hash of the text last read.
    last: u64,
}

pub(super) unsafe extern "C" fn get_text_changed_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `GetTextChanged`; at init nothing has
    // changed yet.
    unsafe {
        let result = get_text_changed_perf::<F>(cs, p);
        *args::<F, GetTextChanged>(p).changed = 0.0;
        result
    }
}

pub(super) unsafe extern "C" fn get_text_changed_perf<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as in `get_text_changed_init`.
    unsafe {
        let p = args::<F, GetTextChanged>(p);
        let result = read_text(F::api(), cs, &mut *p.value, p.channel);
        let now = fingerprint(bytes(p.value));
        *p.changed = (now != p.last) as u8 as f64;
        p.last = now;
        result
    }
}

/// `cabbageSetValue "channel", "text"[, kTrigger]`: a text channel's value, told to the plugin.
#[repr(C)]
pub(super) struct SetText {
    channel: *mut sys::STRINGDAT,
    text: *mut sys::STRINGDAT,
    trigger: *mut f64,
}

/// Writes the text to its channel and tells the plugin (as much as a write carries).
///
/// # Safety
/// `cs` live; `p` a running `SetText`.
unsafe fn set_text_value(api: Api, cs: *mut sys::CSOUND, p: &SetText) {
    // SAFETY: as the caller guarantees; both arguments are NUL-terminated strings.
    unsafe {
        if let (Some(c), Some(t)) = (p.channel.as_ref(), p.text.as_ref()) {
            if !c.data.is_null() && !t.data.is_null() {
                api.csoundSetStringChannel(cs, c.data, t.data);
            }
        }
        if let Some(queue) = queue(api, cs) {
            let mut write = WidgetWrite::new(bytes(p.channel), b"value");
            write.set_text(bytes(p.text));
            let _ = queue.push(write);
        }
    }
}

pub(super) unsafe extern "C" fn set_text_value_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `SetText` (without the trigger).
    unsafe { set_text_value(F::api(), cs, args::<F, SetText>(p)) };
    0
}

pub(super) unsafe extern "C" fn set_text_value_perf<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `SetText`; the trigger is k-rate.
    unsafe {
        let p = args::<F, SetText>(p);
        if *p.trigger == 1.0 {
            set_text_value(F::api(), cs, p);
        }
    }
    0
}

/// `cabbageSetValue "channel", value[, trigger]`.
#[repr(C)]
pub(super) struct SetValue {
    channel: *mut sys::STRINGDAT,
    value: *mut f64,
    /// Null when no trigger is given: then the value is written when it changes.
    trigger: *mut f64,
    slot: *mut f64,
    last: f64,
    started: bool,
}

/// Writes `value` to the channel and tells the plugin.
///
/// # Safety
/// `cs` live; `p` a running `SetValue`.
unsafe fn set_value(api: Api, cs: *mut sys::CSOUND, p: &mut SetValue, value: f64) {
    // SAFETY: `slot` is null or Csound's channel slot; the channel argument is a string.
    unsafe {
        if let Some(slot) = p.slot.as_mut() {
            *slot = value;
        }
        if let Some(queue) = queue(api, cs) {
            let mut write = WidgetWrite::new(bytes(p.channel), b"value");
            write.numbers[0] = value;
            write.count = 1;
            let _ = queue.push(write);
        }
    }
}

pub(super) unsafe extern "C" fn set_value_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `SetValue` (the trigger pointer is past
    // the arguments of the two-argument forms and set null here for them).
    let p = unsafe { args::<F, SetValue>(p) };
    // SAFETY: as in `get_value_init`.
    p.slot = unsafe { channel_ptr(F::api(), cs, p.channel) };
    p.started = false;
    0
}

pub(super) unsafe extern "C" fn set_value_once<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as in `set_value_init`; the value is an i-rate argument.
    unsafe {
        set_value_init::<F>(cs, p);
        let p = args::<F, SetValue>(p);
        set_value(F::api(), cs, p, *p.value);
    }
    0
}

pub(super) unsafe extern "C" fn set_value_perf<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as in `set_value_init`; value and trigger are k-rate arguments.
    unsafe {
        let p = args::<F, SetValue>(p);
        let value = *p.value;
        if value != p.last || !p.started {
            p.last = value;
            p.started = true;
            set_value(F::api(), cs, p, value);
        }
    }
    0
}

pub(super) unsafe extern "C" fn set_value_triggered<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as in `set_value_perf`; this form has the trigger argument.
    unsafe {
        let p = args::<F, SetValue>(p);
        if *p.trigger != 0.0 {
            set_value(F::api(), cs, p, *p.value);
        }
    }
    0
}

/// Channels `cabbageChanged` watches at most.
const WATCHED: usize = 64;

/// `kChanged cabbageChanged SChannels[]` (or one channel).
#[repr(C)]
pub(super) struct Changed<const ARRAY: bool> {
    changed: *mut f64,
    channels: *mut c_void,
    slots: [*mut f64; WATCHED],
    last: [f64; WATCHED],
    count: usize,
}

pub(super) unsafe extern "C" fn changed_init<F: Flavor, const ARRAY: bool>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `Changed`; the input is a string array
    // (`ARRAYDAT` of `STRINGDAT`) or one string.
    unsafe {
        let p = args::<F, Changed<ARRAY>>(p);
        // The strings of an array lie `arrayMemberSize` apart (their size differs by version).
        let (first, n, stride) = if ARRAY {
            let array = &*(p.channels as *const sys::ARRAYDAT);
            let n = if array.dimensions >= 1 && !array.sizes.is_null() && !array.data.is_null() {
                (*array.sizes).max(0) as usize
            } else {
                0
            };
            (
                array.data as *const u8,
                n,
                array.arrayMemberSize.max(0) as usize,
            )
        } else {
            (p.channels as *const u8, 1, 0)
        };
        p.count = n.min(WATCHED);
        for i in 0..p.count {
            let name = first.add(i * stride) as *const sys::STRINGDAT;
            p.slots[i] = channel_ptr(F::api(), cs, name);
            p.last[i] = p.slots[i].as_ref().copied().unwrap_or(0.0);
        }
        *p.changed = 0.0;
    }
    0
}

pub(super) unsafe extern "C" fn changed_perf<F: Flavor, const ARRAY: bool>(
    _cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as in `changed_init`; the slots are null or Csound's channel slots.
    unsafe {
        let p = args::<F, Changed<ARRAY>>(p);
        let mut any = false;
        for i in 0..p.count {
            let now = p.slots[i].as_ref().copied().unwrap_or(0.0);
            any |= now != p.last[i];
            p.last[i] = now;
        }
        *p.changed = any as u8 as f64;
    }
    0
}
