//! Cabbage's own opcodes, implemented by the plugin and registered with every engine, so
//! instruments written for Cabbage (2 or 3) compile and run here, on both Csounds:
//!
//! | Module | Opcodes |
//! |---|---|
//! | `values` | `cabbageGetValue`, `cabbageGet "channel"`, `cabbageSetValue`, `cabbageChanged` |
//! | [`get`] | `cabbageGet "channel", "identifier"` in every return type, the widget lists |
//! | `widgets` | `cabbageSet` (a widget's identifiers) |
//! | `create` | `cabbageCreate` (widgets made at run time) |
//! | `changed` | `cabbageChanged` saying which channel changed |
//! | `state` | the plugin state kept in projects and presets (`cabbageSetStateValue`...) |
//! | `channel_state` | channel snapshots in files, `cabbageCopyFile` |
//! | `files` | file names, folders, listings |
//! | `midi_file` | `cabbageMidiFileInfo`, `cabbageMidiFileReader` |
//! | `profiler` | `cabbageProfilerStart`/`Stop`/`Print` |
//! | [`ident`] | Cabbage 2's `identChannel` texts, watched after every k-period |
//! | [`table_watch`] | the tables gentable widgets draw, sent when they change |
//!
//! What they send the plugin goes through a lock-free queue of fixed-size records
//! ([`WidgetWrite`]); what they read of the widgets is a table the engine gets before it
//! compiles ([`WidgetTable`]). They run on the audio thread: after their init, nothing they do
//! allocates, locks or looks a name up.

use super::sys::{self, Api, Flavor, Subr};
pub use files::wildcard;
pub use shared::{WidgetWrite, WidgetWrites, QUEUE};
use shared::{LOG_VARIABLE, QUEUE_VARIABLE, TABLE_VARIABLE};
pub use state::{StateStore, StateValue};
pub use table::{WidgetEntry, WidgetTable};
use values::*;
use widgets::*;

mod arrays;
mod changed;
mod channel_state;
mod create;
mod files;
pub mod get;
pub mod ident;
mod midi_file;
mod profiler;
mod shared;
mod state;
mod table;
pub mod table_watch;
mod values;
mod widgets;
use std::ffi::{c_int, CStr};

/// One registration: name (with Csound's `.suffix` for overloads), block size, thread (1 init,
/// 2 k-rate, 3 both), outputs, inputs, init and k-rate functions.
struct Entry(
    &'static CStr,
    usize,
    c_int,
    &'static CStr,
    &'static CStr,
    Subr,
    Subr,
);

/// The registrations for Csound `F`: each data block is `F`'s `OPDS` header and then the
/// opcode's own struct.
fn entries<F: Flavor>() -> Vec<Entry> {
    let mut all = value_entries::<F>();
    all.extend(get::entries::<F>());
    all.extend(files::entries::<F>());
    all.extend(state::entries::<F>());
    all.extend(create::entries::<F>());
    all.extend(changed::entries::<F>());
    all.extend(channel_state::entries::<F>());
    all.extend(midi_file::entries::<F>());
    all.extend(profiler::entries::<F>());
    all
}

/// The value opcodes' registrations.
fn value_entries<F: Flavor>() -> Vec<Entry> {
    let size_of = |n: usize| F::OPDS + n;
    use std::mem::size_of as own;
    let get = size_of(own::<GetValue>());
    let set = size_of(own::<SetValue>());
    let changed = size_of(own::<Changed<true>>());
    let set_i = size_of(own::<Set<false>>());
    let set_k = size_of(own::<Set<true>>());
    let get_k: Subr = Some(get_value_perf::<F>);
    vec![
        Entry(
            c"cabbageGetValue.i",
            get,
            1,
            c"i",
            c"S",
            Some(get_value_init::<F>),
            None,
        ),
        Entry(
            c"cabbageGetValue.k",
            get,
            3,
            c"k",
            c"S",
            Some(get_value_init::<F>),
            get_k,
        ),
        Entry(
            c"cabbageGetValue.kk",
            size_of(own::<GetValueChanged>()),
            3,
            c"kk",
            c"S",
            Some(get_changed_init::<F>),
            Some(get_changed_perf::<F>),
        ),
        Entry(
            c"cabbageGetValue.S",
            size_of(own::<GetText>()),
            1,
            c"S",
            c"S",
            Some(get_text_init::<F>),
            None,
        ),
        Entry(
            c"cabbageGetValue.Sk",
            size_of(own::<GetTextChanged>()),
            3,
            c"Sk",
            c"S",
            Some(get_text_changed_init::<F>),
            Some(get_text_changed_perf::<F>),
        ),
        Entry(
            c"cabbageGet.i",
            get,
            1,
            c"i",
            c"S",
            Some(get_value_init::<F>),
            None,
        ),
        Entry(
            c"cabbageGet.k",
            get,
            3,
            c"k",
            c"S",
            Some(get_value_init::<F>),
            get_k,
        ),
        Entry(
            c"cabbageGet.S",
            size_of(own::<GetText>()),
            1,
            c"S",
            c"S",
            Some(get_text_init::<F>),
            None,
        ),
        Entry(
            c"cabbageGet.Sk",
            size_of(own::<GetTextChanged>()),
            3,
            c"Sk",
            c"S",
            Some(get_text_changed_init::<F>),
            Some(get_text_changed_perf::<F>),
        ),
        Entry(
            c"cabbageGet.kkS",
            size_of(own::<GetValueChanged>()),
            3,
            c"kk",
            c"S",
            Some(get_changed_init::<F>),
            Some(get_changed_perf::<F>),
        ),
        Entry(
            c"cabbageSetValue.S",
            size_of(own::<SetText>()),
            1,
            c"",
            c"SS",
            Some(set_text_value_init::<F>),
            None,
        ),
        Entry(
            c"cabbageSetValue.Sk",
            size_of(own::<SetText>()),
            2,
            c"",
            c"SSk",
            None,
            Some(set_text_value_perf::<F>),
        ),
        Entry(
            c"cabbageSetValue.i",
            set,
            1,
            c"",
            c"Si",
            Some(set_value_once::<F>),
            None,
        ),
        Entry(
            c"cabbageSetValue.k",
            set,
            3,
            c"",
            c"Sk",
            Some(set_value_init::<F>),
            Some(set_value_perf::<F>),
        ),
        Entry(
            c"cabbageSetValue.kk",
            set,
            3,
            c"",
            c"Skk",
            Some(set_value_init::<F>),
            Some(set_value_triggered::<F>),
        ),
        Entry(
            c"cabbageSet.iS",
            set_i,
            1,
            c"",
            c"SSS",
            Some(set_text_init::<F>),
            None,
        ),
        Entry(
            c"cabbageSet.im",
            set_i,
            1,
            c"",
            c"SSm",
            Some(set_numbers_init::<F>),
            None,
        ),
        Entry(
            c"cabbageSet.iM",
            set_i,
            1,
            c"",
            c"SSM",
            Some(set_numbers_init::<F>),
            None,
        ),
        Entry(
            c"cabbageSet.kS",
            set_k,
            2,
            c"",
            c"kSSS",
            None,
            Some(set_text_perf::<F>),
        ),
        Entry(
            c"cabbageSet.kM",
            set_k,
            3,
            c"",
            c"kSSM",
            Some(set_resolve::<F>),
            Some(set_numbers_perf::<F>),
        ),
        Entry(
            c"cabbageChanged.a",
            changed,
            3,
            c"k",
            c"S[]",
            Some(changed_init::<F, true>),
            Some(changed_perf::<F, true>),
        ),
        Entry(
            c"cabbageChanged.s",
            changed,
            3,
            c"k",
            c"S",
            Some(changed_init::<F, false>),
            Some(changed_perf::<F, false>),
        ),
    ]
}

/// Registers the opcodes with an engine (after every reset, which forgets them); they write
/// into `widgets` and `log`, and read (and change in place) `table` and `state`.
///
/// # Safety
/// `cs` must be a live engine, not performing; `widgets` and `table` must outlive it, and
/// only the thread performing the engine touches `table` once it started.
pub(super) unsafe fn register(
    api: Api,
    cs: *mut sys::CSOUND,
    widgets: *const WidgetWrites,
    table: *mut WidgetTable,
    state: *mut StateStore,
    log: *const super::messages::MessageLog,
) {
    /// Makes (or finds, after a reset that kept it) a global variable holding `pointer`.
    ///
    /// # Safety
    /// `cs` live, not performing.
    unsafe fn keep<T>(api: Api, cs: *mut sys::CSOUND, name: &CStr, pointer: *mut T) {
        // SAFETY: as the caller guarantees; the variable has room for one pointer.
        unsafe {
            api.csoundCreateGlobalVariable(cs, name.as_ptr(), std::mem::size_of::<*mut T>());
            let slot = api.csoundQueryGlobalVariable(cs, name.as_ptr()) as *mut *mut T;
            if let Some(slot) = slot.as_mut() {
                *slot = pointer;
            }
        }
    }
    // SAFETY: as the caller guarantees.
    unsafe {
        keep(api, cs, TABLE_VARIABLE, table);
        keep(api, cs, state::STATE_VARIABLE, state);
        keep(api, cs, LOG_VARIABLE, log.cast_mut());
    }
    let size = std::mem::size_of::<*const WidgetWrites>();
    // SAFETY: `cs` is live; the variable is made (or found, after a reset that kept it) with
    // room for one pointer, which is then set.
    unsafe {
        api.csoundCreateGlobalVariable(cs, QUEUE_VARIABLE.as_ptr(), size);
        let slot =
            api.csoundQueryGlobalVariable(cs, QUEUE_VARIABLE.as_ptr()) as *mut *const WidgetWrites;
        if let Some(slot) = slot.as_mut() {
            *slot = widgets;
        }
    }
    let entries = match api.version() {
        sys::Version::Six => entries::<sys::V6>(),
        sys::Version::Seven => entries::<sys::V7>(),
    };
    for Entry(name, size, thread, outs, ins, init, perf) in entries {
        // SAFETY: `cs` is live; Csound keeps the name and type strings (not copies of them),
        // so they are static; each function matches Csound's opcode signature and the block
        // size is its data layout.
        unsafe {
            api.append_opcode(
                cs,
                name.as_ptr(),
                size,
                thread,
                outs.as_ptr(),
                ins.as_ptr(),
                init,
                perf,
            );
        }
    }
}

/// Cabbage's opcodes the plugin implements.
pub const SUPPORTED: &[&str] = &[
    "cabbageGetValue",
    "cabbageSetValue",
    "cabbageGet",
    "cabbageSet",
    "cabbageChanged",
    "cabbageGetWidgetChannels",
    "cabbageGetWidgets",
    "cabbageHasKey",
    "cabbageGetFilename",
    "cabbageGetFilePath",
    "cabbageGetFileExtension",
    "cabbageGetFileNoExtension",
    "cabbageFindFiles",
    "cabbageGetFiles",
    "cabbageJoinPath",
    "cabbageCreateFileName",
    "cabbageSetStateValue",
    "cabbageGetStateValue",
    "cabbageWriteStateData",
    "cabbageReadStateData",
    "cabbageHasStateData",
    "cabbageCreate",
    "cabbageChannelStateSave",
    "cabbageChannelStateRecall",
    "cabbageSaveState",
    "cabbageLoadState",
    "cabbageCopyFile",
    "cabbageMidiFileInfo",
    "cabbageMidiFileReader",
    "cabbageProfilerStart",
    "cabbageProfilerStop",
    "cabbageProfilerPrint",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_opcode_is_listed_as_supported_and_back() {
        let mut registered: Vec<String> = entries::<sys::V6>()
            .iter()
            .map(|e| {
                e.0.to_string_lossy()
                    .split('.')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        registered.sort();
        registered.dedup();
        let mut listed: Vec<String> = SUPPORTED.iter().map(|s| s.to_string()).collect();
        listed.sort();
        assert_eq!(registered, listed);
    }
}
