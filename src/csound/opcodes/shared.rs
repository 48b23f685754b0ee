//! What the opcodes share: the record of a widget change and its queue, and reading their
//! arguments.

use super::table::WidgetTable;
use crate::csound::sys::{self, Api, Flavor};
use crossbeam_queue::ArrayQueue;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

/// What the orchestra changed in a widget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WidgetWrite {
    pub(super) channel: [u8; 64],
    pub(super) channel_len: u8,
    pub(super) identifier: [u8; 16],
    pub(super) identifier_len: u8,
    pub(super) numbers: [f64; 4],
    pub(super) count: u8,
    /// Room for a widget created at run time (`cabbageCreate`'s whole definition).
    pub(super) text: [u8; TEXT],
    pub(super) text_len: u16,
}

/// The longest text a write carries.
pub(super) const TEXT: usize = 1024;

impl WidgetWrite {
    pub(super) fn new(channel: &[u8], identifier: &[u8]) -> WidgetWrite {
        let mut w = WidgetWrite {
            channel: [0; 64],
            channel_len: 0,
            identifier: [0; 16],
            identifier_len: 0,
            numbers: [0.0; 4],
            count: 0,
            text: [0; TEXT],
            text_len: 0,
        };
        w.channel_len = copy_into(&mut w.channel, channel);
        w.identifier_len = copy_into(&mut w.identifier, identifier);
        w
    }

    /// The widget's channel.
    pub fn channel(&self) -> &str {
        std::str::from_utf8(&self.channel[..self.channel_len as usize]).unwrap_or("")
    }

    /// What changed: `value`, `visible`, `text`, `colour`, `bounds`, `active`...
    pub fn identifier(&self) -> &str {
        std::str::from_utf8(&self.identifier[..self.identifier_len as usize]).unwrap_or("")
    }

    /// The numbers given (at most 4).
    pub fn numbers(&self) -> &[f64] {
        &self.numbers[..self.count as usize]
    }

    /// The text given, as bytes (a table's shape is not text).
    pub fn text_bytes(&self) -> &[u8] {
        &self.text[..self.text_len as usize]
    }

    /// The text given, if any.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.text[..self.text_len as usize]).unwrap_or("")
    }
}

pub(super) fn copy_into(to: &mut [u8], from: &[u8]) -> u8 {
    copy_text(to, from) as u8
}

/// Copies as much of `from` as fits; returns how much.
pub(super) fn copy_text(to: &mut [u8], from: &[u8]) -> u16 {
    let n = from.len().min(to.len());
    to[..n].copy_from_slice(&from[..n]);
    n as u16
}

impl WidgetWrite {
    /// Sets the text (as much as fits).
    pub(super) fn set_text(&mut self, text: &[u8]) {
        self.text_len = copy_text(&mut self.text, text);
    }
}

/// The queue the opcodes write into; the engine's owner drains it.
pub type WidgetWrites = ArrayQueue<WidgetWrite>;

/// How many writes wait at most; more are dropped (the orchestra is writing every k-period).
pub const QUEUE: usize = 1024;

/// The Csound global variable holding a pointer to the engine's queue.
pub(super) const QUEUE_VARIABLE: &CStr = c"csound-plugin:widget-writes";

/// The Csound global variable holding a pointer to the engine's message log.
pub(super) const LOG_VARIABLE: &CStr = c"csound-plugin:log";

/// The Csound global variable holding a pointer to the engine's widget table.
pub(super) const TABLE_VARIABLE: &CStr = c"csound-plugin:widget-table";

/// The widget table of the engine running this opcode (see [`register`]).
///
/// # Safety
/// `cs` must be a live engine the opcodes were registered with, performing on this thread
/// (only that thread touches the table once the engine started).
pub(super) unsafe fn table<'a>(api: Api, cs: *mut sys::CSOUND) -> Option<&'a mut WidgetTable> {
    // SAFETY: the variable, when present, holds the pointer `register` stored: a table the
    // engine's host data owns for the engine's life.
    unsafe {
        let slot =
            api.csoundQueryGlobalVariable(cs, TABLE_VARIABLE.as_ptr()) as *const *mut WidgetTable;
        slot.as_ref().and_then(|t| t.as_mut())
    }
}

/// Writes `text` into a string output, growing it with Csound's allocator when it is too
/// small (only then). Returns 0, or -1 when it cannot grow.
///
/// # Safety
/// `cs` live; `out` a string output (or array member) of a running opcode.
pub(super) unsafe fn write_text(
    api: Api,
    cs: *mut sys::CSOUND,
    out: *mut sys::STRINGDAT,
    text: &[u8],
) -> c_int {
    // SAFETY: as the caller guarantees; the output holds `size` bytes after growing.
    unsafe {
        if out.is_null() {
            return -1;
        }
        if (*out).data.is_null() || api.string_size(out) < text.len() + 1 {
            let data = api.realloc(cs, (*out).data as *mut c_void, text.len() + 1) as *mut c_char;
            if data.is_null() {
                return -1;
            }
            api.set_string(out, data, text.len() + 1);
        }
        ptr::copy_nonoverlapping(text.as_ptr(), (*out).data as *mut u8, text.len());
        *(*out).data.add(text.len()) = 0;
    }
    0
}

/// The queue of the engine running this opcode (see [`register`]).
///
/// # Safety
/// `cs` must be a live engine the opcodes were registered with.
pub(super) unsafe fn queue<'a>(api: Api, cs: *mut sys::CSOUND) -> Option<&'a WidgetWrites> {
    // SAFETY: the variable, when present, holds the pointer `register` stored: a queue its
    // owner keeps alive as long as the engine.
    unsafe {
        let slot = api.csoundQueryGlobalVariable(cs, QUEUE_VARIABLE.as_ptr())
            as *const *const WidgetWrites;
        slot.as_ref().and_then(|q| q.as_ref())
    }
}

/// An opcode's arguments and state: its data block past Csound's `OPDS` header (whose size
/// differs by version).
///
/// # Safety
/// `p` is the data block of a running opcode laid out as `F`'s header and then `T`.
pub(super) unsafe fn args<'a, F: Flavor, T>(p: *mut c_void) -> &'a mut T {
    // SAFETY: as the caller guarantees.
    unsafe { &mut *((p as *mut u8).add(F::OPDS) as *mut T) }
}

/// A string argument's bytes.
///
/// # Safety
/// `s` must be null or a Csound string argument of a running opcode.
pub(super) unsafe fn bytes<'a>(s: *const sys::STRINGDAT) -> &'a [u8] {
    // SAFETY: Csound's string arguments hold a NUL-terminated `data` (or null).
    unsafe {
        match s.as_ref() {
            Some(s) if !s.data.is_null() => CStr::from_ptr(s.data).to_bytes(),
            _ => &[],
        }
    }
}

/// The value slot of a control channel, created if needed.
///
/// # Safety
/// `cs` live, `name` a string argument.
pub(super) unsafe fn channel_ptr(
    api: Api,
    cs: *mut sys::CSOUND,
    name: *const sys::STRINGDAT,
) -> *mut f64 {
    let mut p: *mut f64 = ptr::null_mut();
    let kind = (sys::controlChannelType_CSOUND_CONTROL_CHANNEL
        | sys::controlChannelType_CSOUND_INPUT_CHANNEL
        | sys::controlChannelType_CSOUND_OUTPUT_CHANNEL) as c_int;
    // SAFETY: `name` is NUL-terminated (a Csound string); `p` receives Csound's own slot.
    let ok = unsafe {
        match name.as_ref() {
            Some(n) if !n.data.is_null() => api.csoundGetChannelPtr(cs, &mut p, n.data, kind),
            _ => -1,
        }
    };
    if ok == 0 {
        p
    } else {
        ptr::null_mut()
    }
}

/// A string channel's text, read into `buf` (empty when the channel does not exist, is not
/// text, or does not fit).
///
/// # Safety
/// `cs` live.
pub(super) unsafe fn string_channel<'a>(
    api: Api,
    cs: *mut sys::CSOUND,
    name: &CStr,
    buf: &'a mut [u8],
) -> &'a str {
    // SAFETY: `cs` live; Csound copies at most the channel's data size, checked to fit.
    unsafe {
        let size = api.csoundGetChannelDatasize(cs, name.as_ptr()).max(0) as usize;
        if size == 0 || size >= buf.len() {
            return "";
        }
        buf[0] = 0;
        api.csoundGetStringChannel(cs, name.as_ptr(), buf.as_mut_ptr() as *mut c_char);
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(0);
    std::str::from_utf8(&buf[..end]).unwrap_or("")
}

/// Prints a line on the engine's console (what the orchestra's own prints reach).
///
/// # Safety
/// `cs` a live engine of this layer.
pub(super) unsafe fn print(api: Api, cs: *mut sys::CSOUND, text: &str) {
    // SAFETY: as the caller guarantees.
    unsafe { print_bytes(api, cs, text.as_bytes()) }
}

/// [`print`] for bytes: copies them into the console's queue, without allocating.
///
/// # Safety
/// As [`print`].
pub(super) unsafe fn print_bytes(api: Api, cs: *mut sys::CSOUND, text: &[u8]) {
    // SAFETY: the variable, when present, holds the pointer `register` stored: the engine's
    // log, which lives as long as the engine.
    unsafe {
        let slot = api.csoundQueryGlobalVariable(cs, LOG_VARIABLE.as_ptr())
            as *const *const crate::csound::messages::MessageLog;
        if let Some(log) = slot.as_ref().and_then(|l| l.as_ref()) {
            log.push(crate::csound::MessageLevel::Info, text);
        }
    }
}

/// FNV-1a: a text's fingerprint, without allocating: enough to see that it changed.
pub(super) fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
