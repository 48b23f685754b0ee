//! `cabbageCreate`: widgets an orchestra adds to its face at run time, in Cabbage 2's syntax
//! (`cabbageCreate "checkbox", "bounds(10, 10, 20, 20) channel(\"c1\") value(1)"`) or Cabbage
//! 3's (`cabbageCreate "{\"type\": \"label\", \"id\": \"l1\", ...}"`).
//!
//! The definition goes to the plugin as a `create` [`WidgetWrite`] (up to its 1024 bytes);
//! the editor draws the widget over the layout. Its channel starts at its value, as in
//! Cabbage. A created widget is not a host parameter (hosts fix their parameter list when
//! they load a plugin), and `cabbageGet` does not see it.

use super::shared::{args, bytes, queue, WidgetWrite};
use crate::csound::sys::{self, Flavor};
use std::ffi::{c_char, c_int, c_void};

/// `cabbageCreate "type", "code"` (Cabbage 2) or `cabbageCreate "json"` (Cabbage 3).
#[repr(C)]
pub(super) struct Create<const CABBAGE3: bool> {
    args: [*mut sys::STRINGDAT; 2],
}

/// What follows the first `key` in `code` (ASCII case ignored), spaces, `:` and `(` passed.
fn after<'a>(code: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = code
        .windows(key.len())
        .position(|w| w.eq_ignore_ascii_case(key))?;
    let rest = &code[at + key.len()..];
    let skip = rest
        .iter()
        .take_while(|c| c.is_ascii_whitespace() || **c == b':' || **c == b'(')
        .count();
    Some(&rest[skip..])
}

/// The quoted text `text` starts with.
fn quoted(text: &[u8]) -> Option<&[u8]> {
    let inner = text.strip_prefix(b"\"")?;
    let end = inner.iter().position(|&c| c == b'"')?;
    Some(&inner[..end])
}

/// The number `text` starts with.
fn number(text: &[u8]) -> Option<f64> {
    let len = text
        .iter()
        .take_while(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
        .count();
    std::str::from_utf8(&text[..len]).ok()?.parse().ok()
}

/// The widget's channel and starting value, read from its definition without allocating.
fn channel_and_value(code: &[u8], cabbage3: bool) -> Option<(&[u8], f64)> {
    if cabbage3 {
        let channel = quoted(after(code, b"\"id\"")?)?;
        let value = after(code, b"\"defaultValue\"").and_then(number);
        return Some((channel, value.unwrap_or(0.0)));
    }
    let channel = quoted(after(code, b"channel(")?)?;
    let value = after(code, b"value(").and_then(number).or_else(|| {
        // range(min, max, value, ...): the third number.
        let range = after(code, b"range(")?;
        let mut parts = range.split(|&c| c == b',');
        number(parts.nth(2)?.trim_ascii_start())
    });
    Some((channel, value.unwrap_or(0.0)))
}

pub(super) unsafe extern "C" fn create<F: Flavor, const CABBAGE3: bool>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block: one string (Cabbage 3) or two.
    unsafe {
        let p = args::<F, Create<CABBAGE3>>(p);
        let api = F::api();
        let (type_name, code) = match CABBAGE3 {
            true => (&b""[..], bytes(p.args[0])),
            false => (bytes(p.args[0]), bytes(p.args[1])),
        };
        let mut write = WidgetWrite::new(type_name, b"create");
        write.set_text(code);
        if let Some(queue) = queue(api, cs) {
            let _ = queue.push(write);
        }
        let Some((channel, value)) = channel_and_value(code, CABBAGE3) else {
            return 0;
        };
        // The channel's name, NUL-terminated, for Csound.
        let mut name = [0u8; 256];
        if channel.is_empty() || channel.len() >= name.len() {
            return 0;
        }
        name[..channel.len()].copy_from_slice(channel);
        let mut slot: *mut f64 = std::ptr::null_mut();
        let kind = (sys::controlChannelType_CSOUND_CONTROL_CHANNEL
            | sys::controlChannelType_CSOUND_INPUT_CHANNEL
            | sys::controlChannelType_CSOUND_OUTPUT_CHANNEL) as c_int;
        if api.csoundGetChannelPtr(cs, &mut slot, name.as_ptr() as *const c_char, kind) == 0 {
            if let Some(slot) = slot.as_mut() {
                *slot = value;
            }
        }
        let mut told = WidgetWrite::new(channel, b"value");
        (told.numbers[0], told.count) = (value, 1);
        if let Some(queue) = queue(api, cs) {
            let _ = queue.push(told);
        }
    }
    0
}

/// This module's registrations for Csound `F`.
pub(super) fn entries<F: Flavor>() -> Vec<super::Entry> {
    let size = F::OPDS + std::mem::size_of::<Create<false>>();
    vec![
        super::Entry(
            c"cabbageCreate.SS",
            size,
            1,
            c"",
            c"SS",
            Some(create::<F, false>),
            None,
        ),
        super::Entry(
            c"cabbageCreate.S",
            size,
            1,
            c"",
            c"S",
            Some(create::<F, true>),
            None,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_and_values_are_read_from_both_syntaxes() {
        let two = br#"bounds(1, 2, 3, 4) channel("c7") value(1)"#;
        assert_eq!(channel_and_value(two, false), Some((&b"c7"[..], 1.0)));
        let ranged = br#"bounds(1,2,3,4), Channel("k"), range(0, 10, 2.5, 1, 0.1)"#;
        assert_eq!(channel_and_value(ranged, false), Some((&b"k"[..], 2.5)));
        let three = br#"{"type": "rotarySlider", "channels": [{"id": "r1", "range": {"min": 0, "defaultValue": 0.75}}]}"#;
        assert_eq!(channel_and_value(three, true), Some((&b"r1"[..], 0.75)));
        assert_eq!(channel_and_value(b"bounds(1, 2, 3, 4)", false), None);
    }
}
