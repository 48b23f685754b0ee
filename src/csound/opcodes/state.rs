//! Cabbage's plugin state: values an orchestra keeps with the project and in presets
//! (`cabbageSetStateValue`, `cabbageGetStateValue`, `cabbageWriteStateData`,
//! `cabbageReadStateData`, `cabbageHasStateData`).
//!
//! The values live in the engine's [`StateStore`], keyed by name; an opcode finds its key's
//! place at init and reads or writes it there afterwards (no lookup by name, and no allocation
//! unless a value grows). Every change goes to the plugin as a `state` [`WidgetWrite`], which
//! the plugin keeps in the project and in presets and gives back to the next engine before its
//! first k-period.

use super::arrays::{fill_numbers, fill_texts, numbers_in, texts_in};
use super::shared::{args, bytes, queue, write_text, WidgetWrite};
use crate::csound::sys::{self, Api, Flavor};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::{c_int, c_void, CStr};
use std::io::Write;

/// One value of the plugin state.
#[derive(Debug, Clone, PartialEq)]
pub enum StateValue {
    /// Asked for before anything set it: the place a later set fills.
    Absent,
    Number(f64),
    Numbers(Vec<f64>),
    Text(String),
    Texts(Vec<String>),
}

impl StateValue {
    fn from_json(v: &Value) -> Option<StateValue> {
        Some(match v {
            Value::Number(n) => StateValue::Number(n.as_f64()?),
            Value::Bool(b) => StateValue::Number(*b as u8 as f64),
            Value::String(s) => StateValue::Text(s.clone()),
            Value::Array(items) if items.iter().all(Value::is_string) => StateValue::Texts(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(String::from))
                    .collect(),
            ),
            Value::Array(items) => {
                StateValue::Numbers(items.iter().filter_map(Value::as_f64).collect())
            }
            _ => return None,
        })
    }

    fn to_json(&self) -> Value {
        match self {
            StateValue::Absent => Value::Null,
            StateValue::Number(n) => (*n).into(),
            StateValue::Numbers(v) => v.clone().into(),
            StateValue::Text(s) => s.clone().into(),
            StateValue::Texts(v) => v.clone().into(),
        }
    }
}

/// The plugin state an engine holds: keys and values, in the order they were first set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StateStore {
    entries: Vec<(String, StateValue)>,
}

impl StateStore {
    /// The store a project or preset saved (values JSON cannot hold as numbers or texts are
    /// left out).
    pub fn from_json(saved: &BTreeMap<String, Value>) -> StateStore {
        StateStore {
            entries: saved
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), StateValue::from_json(v)?)))
                .collect(),
        }
    }

    /// The store as one JSON object.
    pub fn to_json(&self) -> serde_json::Map<String, Value> {
        self.entries
            .iter()
            .filter(|(_, v)| *v != StateValue::Absent)
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect()
    }

    fn index(&self, key: &[u8]) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k.as_bytes() == key)
    }

    /// The place of `key`, made (holding `empty`) if it has none.
    fn place(&mut self, key: &[u8], empty: StateValue) -> usize {
        match self.index(key) {
            Some(i) => i,
            None => {
                self.entries
                    .push((String::from_utf8_lossy(key).into_owned(), empty));
                self.entries.len() - 1
            }
        }
    }
}

/// The Csound global variable holding a pointer to the engine's state store.
pub(super) const STATE_VARIABLE: &CStr = c"csound-plugin:state";

/// The state store of the engine running this opcode.
///
/// # Safety
/// `cs` a live engine the opcodes were registered with, performing on this thread.
unsafe fn store<'a>(api: Api, cs: *mut sys::CSOUND) -> Option<&'a mut StateStore> {
    // SAFETY: the variable holds the pointer `register` stored: a store the engine's host data
    // owns for the engine's life, touched only by the thread performing it.
    unsafe {
        let slot =
            api.csoundQueryGlobalVariable(cs, STATE_VARIABLE.as_ptr()) as *const *mut StateStore;
        slot.as_ref().and_then(|s| s.as_mut())
    }
}

/// Writes a value as JSON without allocating.
fn write_json(value: &StateValue, out: &mut impl Write) -> std::io::Result<()> {
    fn number(n: f64, out: &mut dyn Write) -> std::io::Result<()> {
        match n.is_finite() {
            true => write!(out, "{n}"),
            false => out.write_all(b"null"),
        }
    }
    fn text(t: &str, out: &mut dyn Write) -> std::io::Result<()> {
        out.write_all(b"\"")?;
        for c in t.chars() {
            match c {
                '"' => out.write_all(b"\\\"")?,
                '\\' => out.write_all(b"\\\\")?,
                c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
                c => write!(out, "{c}")?,
            }
        }
        out.write_all(b"\"")
    }
    fn list<T>(
        items: &[T],
        out: &mut dyn Write,
        each: fn(&T, &mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        out.write_all(b"[")?;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            each(item, out)?;
        }
        out.write_all(b"]")
    }
    match value {
        StateValue::Absent => out.write_all(b"null"),
        StateValue::Number(n) => number(*n, out),
        StateValue::Text(t) => text(t, out),
        StateValue::Numbers(v) => list(v, out, |n, o| number(*n, o)),
        StateValue::Texts(v) => list(v, out, |t, o| text(t, o)),
    }
}

/// Tells the plugin a key's value now (as JSON text; a number also as a number).
///
/// # Safety
/// As [`store`].
unsafe fn report(api: Api, cs: *mut sys::CSOUND, key: &str, value: &StateValue) {
    let mut write = WidgetWrite::new(key.as_bytes(), b"state");
    let mut cursor = std::io::Cursor::new(&mut write.text[..]);
    if write_json(value, &mut cursor).is_err() {
        return; // Too long to carry: the plugin keeps the value it had.
    }
    write.text_len = cursor.position() as u16;
    if let StateValue::Number(n) = value {
        (write.numbers[0], write.count) = (*n, 1);
    }
    // SAFETY: as the caller guarantees.
    if let Some(queue) = unsafe { queue(api, cs) } {
        let _ = queue.push(write);
    }
}

/// `cabbageSetStateValue "key", value` for every value type: written when it changes.
#[repr(C)]
pub(super) struct SetState<const KIND: u8> {
    key: *mut sys::STRINGDAT,
    value: *mut c_void,
    place: usize,
}

/// What a set opcode's value argument is.
const NUMBER: u8 = 0;
const NUMBERS: u8 = 1;
const TEXT: u8 = 2;
const TEXTS: u8 = 3;

fn empty(kind: u8) -> StateValue {
    match kind {
        NUMBER => StateValue::Number(0.0),
        NUMBERS => StateValue::Numbers(Vec::new()),
        TEXT => StateValue::Text(String::new()),
        _ => StateValue::Texts(Vec::new()),
    }
}

pub(super) unsafe extern "C" fn set_state_init<F: Flavor, const KIND: u8>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `SetState`.
    unsafe {
        let p = args::<F, SetState<KIND>>(p);
        match store(F::api(), cs) {
            Some(s) => p.place = s.place(bytes(p.key), StateValue::Absent),
            None => p.place = usize::MAX,
        }
    }
    0
}

pub(super) unsafe extern "C" fn set_state_perf<F: Flavor, const KIND: u8>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as `set_state_init`; the value argument is of the registered type.
    unsafe {
        let p = args::<F, SetState<KIND>>(p);
        let api = F::api();
        let Some((key, stored)) = store(api, cs).and_then(|s| s.entries.get_mut(p.place)) else {
            return 0;
        };
        let first = std::mem::discriminant(stored) != std::mem::discriminant(&empty(KIND));
        if first {
            // The key held nothing yet, or another type: it takes this one.
            *stored = empty(KIND);
        }
        let changed = match stored {
            StateValue::Absent => false,
            StateValue::Number(n) => {
                let now = *(p.value as *const f64);
                let changed = now.to_bits() != n.to_bits();
                *n = now;
                changed
            }
            StateValue::Numbers(v) => {
                let now = numbers_in(p.value as *const sys::ARRAYDAT);
                let changed = v.as_slice() != now;
                if changed {
                    v.clear();
                    v.extend_from_slice(now);
                }
                changed
            }
            StateValue::Text(t) => {
                let now = bytes(p.value as *const sys::STRINGDAT);
                let changed = t.as_bytes() != now;
                if changed {
                    t.clear();
                    t.push_str(&String::from_utf8_lossy(now));
                }
                changed
            }
            StateValue::Texts(v) => {
                let now = || texts_in(p.value as *const sys::ARRAYDAT);
                let count = now().count();
                let changed =
                    v.len() != count || v.iter().zip(now()).any(|(a, b)| a.as_bytes() != b);
                if changed {
                    // The strings it had are reused: memory grows only with the texts.
                    v.resize_with(count, String::new);
                    for (t, new) in v.iter_mut().zip(now()) {
                        t.clear();
                        t.push_str(&String::from_utf8_lossy(new));
                    }
                }
                changed
            }
        };
        if changed || first {
            report(api, cs, key, stored);
        }
    }
    0
}

/// `value cabbageGetStateValue "key"` for every value type.
#[repr(C)]
pub(super) struct GetState<const KIND: u8> {
    out: *mut c_void,
    key: *mut sys::STRINGDAT,
    place: usize,
}

pub(super) unsafe extern "C" fn get_state_init<F: Flavor, const KIND: u8>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `GetState`.
    unsafe {
        let g = args::<F, GetState<KIND>>(p);
        // A key nothing set yet gets its place now, which a later set fills.
        g.place =
            store(F::api(), cs).map_or(usize::MAX, |s| s.place(bytes(g.key), StateValue::Absent));
        get_state_perf::<F, KIND>(cs, p)
    }
}

pub(super) unsafe extern "C" fn get_state_perf<F: Flavor, const KIND: u8>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as `get_state_init`; the output is of the registered type.
    unsafe {
        let p = args::<F, GetState<KIND>>(p);
        let api = F::api();
        let value = store(api, cs)
            .and_then(|s| s.entries.get(p.place))
            .map(|(_, v)| v);
        match (KIND, value) {
            // Cabbage gives -1 for a key it does not have.
            (NUMBER, v) => {
                *(p.out as *mut f64) = match v {
                    Some(StateValue::Number(n)) => *n,
                    _ => -1.0,
                };
                0
            }
            (NUMBERS, Some(StateValue::Numbers(v))) => fill_numbers(api, cs, p.out as _, v),
            (NUMBERS, _) => fill_numbers(api, cs, p.out as _, &[]),
            (TEXT, Some(StateValue::Text(t))) => write_text(api, cs, p.out as _, t.as_bytes()),
            (TEXT, _) => write_text(api, cs, p.out as _, b""),
            (_, Some(StateValue::Texts(v))) => {
                fill_texts(api, cs, p.out as _, v.len(), v.iter().map(|t| t.as_bytes()))
            }
            _ => fill_texts(api, cs, p.out as _, 0, std::iter::empty()),
        }
    }
}

/// `cabbageWriteStateData iMode, SJson`: 1 merges the JSON object's keys into the state, any
/// other mode replaces the state with them.
#[repr(C)]
pub(super) struct WriteStateData {
    mode: *mut f64,
    json: *mut sys::STRINGDAT,
}

pub(super) unsafe extern "C" fn write_state_data<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `WriteStateData`.
    unsafe {
        let p = args::<F, WriteStateData>(p);
        let api = F::api();
        let Ok(Value::Object(given)) = serde_json::from_slice::<Value>(bytes(p.json)) else {
            return 0;
        };
        let Some(store) = store(api, cs) else {
            return 0;
        };
        if *p.mode != 1.0 {
            store.entries.clear();
            if let Some(queue) = queue(api, cs) {
                let _ = queue.push(WidgetWrite::new(b"", b"state-clear"));
            }
        }
        for (key, value) in &given {
            if let Some(value) = StateValue::from_json(value) {
                let place = store.place(key.as_bytes(), value.clone());
                store.entries[place].1 = value;
                report(api, cs, key, &store.entries[place].1);
            }
        }
    }
    0
}

/// `SJson cabbageReadStateData`: the whole state as a JSON object.
#[repr(C)]
pub(super) struct ReadStateData {
    out: *mut sys::STRINGDAT,
}

pub(super) unsafe extern "C" fn read_state_data<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `ReadStateData`.
    unsafe {
        let p = args::<F, ReadStateData>(p);
        let api = F::api();
        let json = store(api, cs)
            .map(|s| Value::Object(s.to_json()))
            .unwrap_or_default();
        let mut text = Vec::new();
        let _ = write!(text, "{json}");
        write_text(api, cs, p.out, &text)
    }
}

/// `kHas cabbageHasStateData`: 1 when the state holds anything.
#[repr(C)]
pub(super) struct HasStateData {
    has: *mut f64,
}

pub(super) unsafe extern "C" fn has_state_data<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `HasStateData`.
    unsafe {
        let p = args::<F, HasStateData>(p);
        let has = store(F::api(), cs)
            .is_some_and(|s| s.entries.iter().any(|(_, v)| *v != StateValue::Absent));
        *p.has = has as u8 as f64;
    }
    0
}

/// This module's registrations for Csound `F`.
pub(super) fn entries<F: Flavor>() -> Vec<super::Entry> {
    use super::Entry;
    use std::mem::size_of as own;
    let size = |n: usize| F::OPDS + n;
    let set = size(own::<SetState<0>>());
    let get = size(own::<GetState<0>>());
    vec![
        Entry(
            c"cabbageSetStateValue.k",
            set,
            3,
            c"",
            c"Sk",
            Some(set_state_init::<F, NUMBER>),
            Some(set_state_perf::<F, NUMBER>),
        ),
        Entry(
            c"cabbageSetStateValue.ka",
            set,
            3,
            c"",
            c"Sk[]",
            Some(set_state_init::<F, NUMBERS>),
            Some(set_state_perf::<F, NUMBERS>),
        ),
        Entry(
            c"cabbageSetStateValue.S",
            set,
            3,
            c"",
            c"SS",
            Some(set_state_init::<F, TEXT>),
            Some(set_state_perf::<F, TEXT>),
        ),
        Entry(
            c"cabbageSetStateValue.Sa",
            set,
            3,
            c"",
            c"SS[]",
            Some(set_state_init::<F, TEXTS>),
            Some(set_state_perf::<F, TEXTS>),
        ),
        Entry(
            c"cabbageGetStateValue.k",
            get,
            3,
            c"k",
            c"S",
            Some(get_state_init::<F, NUMBER>),
            Some(get_state_perf::<F, NUMBER>),
        ),
        Entry(
            c"cabbageGetStateValue.ka",
            get,
            3,
            c"k[]",
            c"S",
            Some(get_state_init::<F, NUMBERS>),
            Some(get_state_perf::<F, NUMBERS>),
        ),
        Entry(
            c"cabbageGetStateValue.S",
            get,
            3,
            c"S",
            c"S",
            Some(get_state_init::<F, TEXT>),
            Some(get_state_perf::<F, TEXT>),
        ),
        Entry(
            c"cabbageGetStateValue.Sa",
            get,
            3,
            c"S[]",
            c"S",
            Some(get_state_init::<F, TEXTS>),
            Some(get_state_perf::<F, TEXTS>),
        ),
        Entry(
            c"cabbageWriteStateData",
            size(own::<WriteStateData>()),
            1,
            c"",
            c"iS",
            Some(write_state_data::<F>),
            None,
        ),
        Entry(
            c"cabbageReadStateData",
            size(own::<ReadStateData>()),
            1,
            c"S",
            c"",
            Some(read_state_data::<F>),
            None,
        ),
        Entry(
            c"cabbageHasStateData",
            size(own::<HasStateData>()),
            3,
            c"k",
            c"",
            Some(has_state_data::<F>),
            Some(has_state_data::<F>),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_values_go_to_json_and_back() {
        let saved: BTreeMap<String, Value> = serde_json::from_str(
            r#"{"pi": 3.5, "list": [1, 2], "name": "x", "names": ["a", "b"], "on": true}"#,
        )
        .unwrap();
        let store = StateStore::from_json(&saved);
        assert_eq!(store.entries.len(), 5);
        let back = store.to_json();
        assert_eq!(back["pi"], 3.5);
        assert_eq!(back["list"], serde_json::json!([1.0, 2.0]));
        assert_eq!(back["names"], serde_json::json!(["a", "b"]));
        assert_eq!(back["on"], 1.0);
    }
}
