//! `cabbageGet "channel", "identifier"` in every return type (a number, a number and a
//! trigger, a text, numbers, texts), and the widget lists: `cabbageGetWidgetChannels`,
//! `cabbageGetWidgets`, `cabbageHasKey`. They read the engine's [`WidgetTable`]; the
//! identifier `value` is the channel's value now.
//!
//! [`WidgetTable`]: super::table::WidgetTable

use super::arrays::{fill_numbers, fill_texts};
use super::shared::{args, bytes, channel_ptr, table, write_text};
use super::table::{canonical, WidgetEntry};
use crate::csound::sys::{self, Api, Flavor};
use std::ffi::{c_int, c_void};
use std::io::Write;

/// Where an identifier's number lives: the channel (`value`), a number of the table, or
/// nowhere (0).
///
/// # Safety
/// `cs` live and performing on this thread; the strings are arguments of a running opcode.
unsafe fn number_slot(
    api: Api,
    cs: *mut sys::CSOUND,
    channel: *const sys::STRINGDAT,
    identifier: *const sys::STRINGDAT,
) -> *const f64 {
    let mut name = [0; 48];
    // SAFETY: as the caller guarantees.
    let n = canonical(unsafe { bytes(identifier) }, &mut name);
    if &name[..n] == b"value" {
        // SAFETY: as the caller guarantees.
        return unsafe { channel_ptr(api, cs, channel) };
    }
    // SAFETY: as the caller guarantees; the table's numbers are only changed in place.
    unsafe {
        table(api, cs)
            .and_then(|t| t.find(bytes(channel)))
            .and_then(|w| w.numbers_of(&name[..n]))
            .and_then(|v| v.first())
            .map_or(std::ptr::null(), |v| v as *const f64)
    }
}

/// The widget and canonical identifier an opcode names.
///
/// # Safety
/// As [`number_slot`].
unsafe fn entry<'a>(
    api: Api,
    cs: *mut sys::CSOUND,
    channel: *const sys::STRINGDAT,
    identifier: *const sys::STRINGDAT,
    name: &mut [u8; 48],
) -> (Option<&'a WidgetEntry>, usize) {
    // SAFETY: as the caller guarantees.
    unsafe {
        let n = canonical(bytes(identifier), name);
        (table(api, cs).and_then(|t| t.find(bytes(channel))), n)
    }
}

/// `iValue cabbageGet "channel", "identifier"` (also `k`).
#[repr(C)]
pub(super) struct GetIdent {
    value: *mut f64,
    channel: *mut sys::STRINGDAT,
    identifier: *mut sys::STRINGDAT,
    slot: *const f64,
}

pub(super) unsafe extern "C" fn get_ident_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `GetIdent`.
    unsafe {
        let p = args::<F, GetIdent>(p);
        p.slot = number_slot(F::api(), cs, p.channel, p.identifier);
        *p.value = p.slot.as_ref().copied().unwrap_or(0.0);
    }
    0
}

pub(super) unsafe extern "C" fn get_ident_perf<F: Flavor>(
    _cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as in `get_ident_init`; `slot` is null or a number that lives as long.
    unsafe {
        let p = args::<F, GetIdent>(p);
        *p.value = p.slot.as_ref().copied().unwrap_or(0.0);
    }
    0
}

/// `kValue, kChanged cabbageGet "channel", "identifier"`.
#[repr(C)]
pub(super) struct GetIdentChanged {
    value: *mut f64,
    changed: *mut f64,
    channel: *mut sys::STRINGDAT,
    identifier: *mut sys::STRINGDAT,
    slot: *const f64,
    last: f64,
}

pub(super) unsafe extern "C" fn get_ident_changed_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `GetIdentChanged`.
    unsafe {
        let p = args::<F, GetIdentChanged>(p);
        p.slot = number_slot(F::api(), cs, p.channel, p.identifier);
        p.last = p.slot.as_ref().copied().unwrap_or(0.0);
        (*p.value, *p.changed) = (p.last, 0.0);
    }
    0
}

pub(super) unsafe extern "C" fn get_ident_changed_perf<F: Flavor>(
    _cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as in `get_ident_changed_init`.
    unsafe {
        let p = args::<F, GetIdentChanged>(p);
        let now = p.slot.as_ref().copied().unwrap_or(0.0);
        (*p.value, *p.changed) = (now, (now != p.last) as u8 as f64);
        p.last = now;
    }
    0
}

/// `SText cabbageGet "channel", "identifier"` (and `SText, kChanged`): the identifier's first
/// text, or its first number written out.
#[repr(C)]
pub(super) struct GetIdentText<const TRIGGER: bool> {
    /// The text, then (with a trigger) the trigger output, the channel and the identifier.
    args: [*mut c_void; 4],
}

pub(super) unsafe extern "C" fn get_ident_text_init<F: Flavor, const TRIGGER: bool>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block: the output, (the trigger,) the two strings.
    unsafe {
        let p = args::<F, GetIdentText<TRIGGER>>(p);
        let at = TRIGGER as usize;
        let (channel, identifier) = (p.args[1 + at] as *const _, p.args[2 + at] as *const _);
        if TRIGGER {
            *(p.args[1] as *mut f64) = 0.0;
        }
        let mut name = [0; 48];
        let (widget, n) = entry(F::api(), cs, channel, identifier, &mut name);
        let mut number = [0u8; 32];
        let text: &[u8] = match widget {
            Some(w) => match (w.texts_of(&name[..n]), w.numbers_of(&name[..n])) {
                (Some(texts), _) => texts.first().map_or(&[], |t| t.as_bytes()),
                (None, Some(values)) => {
                    let mut cursor = std::io::Cursor::new(&mut number[..]);
                    let _ = write!(cursor, "{}", values.first().copied().unwrap_or(0.0));
                    let len = cursor.position() as usize;
                    &number[..len]
                }
                (None, None) => &[],
            },
            None => &[],
        };
        write_text(F::api(), cs, p.args[0] as *mut sys::STRINGDAT, text)
    }
}

pub(super) unsafe extern "C" fn get_ident_text_perf<F: Flavor>(
    _cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: the trigger form's data block; its texts only change at init here.
    unsafe { *(args::<F, GetIdentText<true>>(p).args[1] as *mut f64) = 0.0 };
    0
}

/// `iValues[] cabbageGet "channel", "identifier"` (also `k[]`): `bounds`, `range`, colours.
#[repr(C)]
pub(super) struct GetIdentArray {
    out: *mut sys::ARRAYDAT,
    channel: *mut sys::STRINGDAT,
    identifier: *mut sys::STRINGDAT,
    /// The numbers, found at init in the widget table (changed there only in place).
    values: *const f64,
    len: usize,
}

pub(super) unsafe extern "C" fn get_ident_array<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `GetIdentArray`.
    unsafe {
        let p = args::<F, GetIdentArray>(p);
        let mut name = [0; 48];
        let (widget, n) = entry(F::api(), cs, p.channel, p.identifier, &mut name);
        let values = widget.and_then(|w| w.numbers_of(&name[..n])).unwrap_or(&[]);
        (p.values, p.len) = (values.as_ptr(), values.len());
        fill_numbers(F::api(), cs, p.out, values)
    }
}

pub(super) unsafe extern "C" fn get_ident_array_perf<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as `get_ident_array`; `values` points at `len` numbers of the table (or none).
    unsafe {
        let p = args::<F, GetIdentArray>(p);
        let values = match p.len {
            0 => &[][..],
            len => std::slice::from_raw_parts(p.values, len),
        };
        fill_numbers(F::api(), cs, p.out, values)
    }
}

/// `STexts[] cabbageGet "channel", "identifier"`: `text`, `items`.
#[repr(C)]
pub(super) struct GetIdentTexts {
    out: *mut sys::ARRAYDAT,
    channel: *mut sys::STRINGDAT,
    identifier: *mut sys::STRINGDAT,
}

pub(super) unsafe extern "C" fn get_ident_texts<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `GetIdentTexts`.
    unsafe {
        let p = args::<F, GetIdentTexts>(p);
        let mut name = [0; 48];
        let (widget, n) = entry(F::api(), cs, p.channel, p.identifier, &mut name);
        let texts = widget.and_then(|w| w.texts_of(&name[..n])).unwrap_or(&[]);
        fill_texts(
            F::api(),
            cs,
            p.out,
            texts.len(),
            texts.iter().map(|t| t.as_bytes()),
        )
    }
}

/// `SChannels[] cabbageGetWidgetChannels ["identifier(value) ..."]` (Cabbage 2) and
/// `SIds[] cabbageGetWidgets` (Cabbage 3): the channels of the widgets that match.
#[repr(C)]
pub(super) struct WidgetChannels<const ALL: bool> {
    out: *mut sys::ARRAYDAT,
    filter: *mut sys::STRINGDAT,
    /// Room for more strings than the one filter read, should an orchestra pass them.
    _more: [*mut sys::STRINGDAT; 15],
}

pub(super) unsafe extern "C" fn widget_channels<F: Flavor, const ALL: bool>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block: the output and (Cabbage 2's form) an optional filter.
    unsafe {
        let p = args::<F, WidgetChannels<ALL>>(p);
        let api = F::api();
        let given = api.in_arg_count(
            (p as *const WidgetChannels<ALL>)
                .cast::<u8>()
                .sub(api.opds_size()),
        );
        let filter = if ALL && given > 0 {
            bytes(p.filter)
        } else {
            &[]
        };
        let Some(table) = table(api, cs) else {
            return fill_texts(api, cs, p.out, 0, std::iter::empty());
        };
        // Cabbage 2 lists every channel of a widget; Cabbage 3 each widget once.
        let per_widget = if ALL { usize::MAX } else { 1 };
        let matching = || {
            table
                .widgets
                .iter()
                .filter(|w| matches_filter(w, filter))
                .flat_map(move |w| w.channels.iter().take(per_widget))
                .filter(|c| !c.is_empty())
        };
        let n = matching().count();
        fill_texts(api, cs, p.out, n, matching().map(|c| c.as_bytes()))
    }
}

/// Whether a widget has every `identifier(value)` of a Cabbage 2 filter (numbers compared as
/// numbers, quoted values as text).
fn matches_filter(widget: &WidgetEntry, filter: &[u8]) -> bool {
    let mut rest = filter;
    while let Some(open) = rest.iter().position(|&c| c == b'(') {
        let Some(close) = rest[open..].iter().position(|&c| c == b')') else {
            return true;
        };
        let raw_name = rest[..open]
            .trim_ascii()
            .rsplit(|c| *c == b' ' || *c == b',')
            .next()
            .unwrap_or(&[]);
        let value = rest[open + 1..open + close].trim_ascii();
        let mut name = [0; 48];
        let n = canonical(raw_name, &mut name);
        let name = &name[..n];
        let quoted = value.len() >= 2 && value[0] == b'"' && value[value.len() - 1] == b'"';
        let ok = if quoted {
            let text = &value[1..value.len() - 1];
            widget
                .texts_of(name)
                .and_then(|t| t.first())
                .is_some_and(|t| t.as_bytes() == text)
        } else {
            let wanted = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse::<f64>().ok());
            let have = widget.numbers_of(name).and_then(|v| v.first()).copied();
            wanted.is_some() && wanted == have
        };
        if !ok {
            return false;
        }
        rest = &rest[open + close + 1..];
    }
    true
}

/// `iHas cabbageHasKey "channel", "identifier"` (also `k`): 1 when the widget has it.
#[repr(C)]
pub(super) struct HasKey {
    has: *mut f64,
    channel: *mut sys::STRINGDAT,
    identifier: *mut sys::STRINGDAT,
}

pub(super) unsafe extern "C" fn has_key<F: Flavor>(cs: *mut sys::CSOUND, p: *mut c_void) -> c_int {
    // SAFETY: this opcode's data block, laid out as `HasKey`.
    unsafe {
        let p = args::<F, HasKey>(p);
        let mut name = [0; 48];
        let (widget, n) = entry(F::api(), cs, p.channel, p.identifier, &mut name);
        let name = &name[..n];
        let has = widget.is_some_and(|w| {
            name == b"value" || w.texts_of(name).is_some() || w.numbers_of(name).is_some()
        });
        *p.has = has as u8 as f64;
    }
    0
}

/// This module's registrations for Csound `F`.
pub(super) fn entries<F: Flavor>() -> Vec<super::Entry> {
    use super::Entry;
    use std::mem::size_of as own;
    let size = |n: usize| F::OPDS + n;
    let ident = size(own::<GetIdent>());
    let text = size(own::<GetIdentText<true>>());
    let array = size(own::<GetIdentArray>());
    let lists = size(own::<WidgetChannels<true>>());
    let has = size(own::<HasKey>());
    vec![
        Entry(
            c"cabbageGet.iSS",
            ident,
            1,
            c"i",
            c"SS",
            Some(get_ident_init::<F>),
            None,
        ),
        Entry(
            c"cabbageGet.kSS",
            ident,
            3,
            c"k",
            c"SS",
            Some(get_ident_init::<F>),
            Some(get_ident_perf::<F>),
        ),
        Entry(
            c"cabbageGet.kkSS",
            size(own::<GetIdentChanged>()),
            3,
            c"kk",
            c"SS",
            Some(get_ident_changed_init::<F>),
            Some(get_ident_changed_perf::<F>),
        ),
        Entry(
            c"cabbageGet.SSS",
            text,
            1,
            c"S",
            c"SS",
            Some(get_ident_text_init::<F, false>),
            None,
        ),
        Entry(
            c"cabbageGet.SkSS",
            text,
            3,
            c"Sk",
            c"SS",
            Some(get_ident_text_init::<F, true>),
            Some(get_ident_text_perf::<F>),
        ),
        Entry(
            c"cabbageGet.iaSS",
            array,
            1,
            c"i[]",
            c"SS",
            Some(get_ident_array::<F>),
            None,
        ),
        Entry(
            c"cabbageGet.kaSS",
            array,
            3,
            c"k[]",
            c"SS",
            Some(get_ident_array::<F>),
            Some(get_ident_array_perf::<F>),
        ),
        Entry(
            c"cabbageGet.SaSS",
            array,
            1,
            c"S[]",
            c"SS",
            Some(get_ident_texts::<F>),
            None,
        ),
        Entry(
            c"cabbageGetWidgetChannels",
            lists,
            1,
            c"S[]",
            c"W",
            Some(widget_channels::<F, true>),
            None,
        ),
        Entry(
            c"cabbageGetWidgets",
            lists,
            1,
            c"S[]",
            c"",
            Some(widget_channels::<F, false>),
            None,
        ),
        Entry(
            c"cabbageHasKey.i",
            has,
            1,
            c"i",
            c"SS",
            Some(has_key::<F>),
            None,
        ),
        Entry(
            c"cabbageHasKey.k",
            has,
            1,
            c"k",
            c"SS",
            Some(has_key::<F>),
            None,
        ),
    ]
}
