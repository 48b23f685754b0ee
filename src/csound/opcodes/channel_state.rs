//! Channel snapshots in files: Cabbage 2's `cabbageChannelStateSave SFile` and
//! `cabbageChannelStateRecall SFile [, SIgnore[]]` (every channel but the reserved ones),
//! Cabbage 3's `cabbageSaveState SFile` and `cabbageLoadState SFile` (the widgets' channels),
//! and `cabbageCopyFile SFolder, SFile...`.
//!
//! They read or write a file when they run (the sharing gate refuses the writing ones in
//! orchestras the user has not allowed). A recalled value is told to the plugin, as
//! `cabbageSetValue`'s are, so the editor and the host follow.

use super::arrays::texts_in;
use super::files::folder;
use super::shared::{args, bytes, queue, table, WidgetWrite};
use crate::csound::sys::{self, Api, Flavor};
use serde_json::{Map, Value};
use std::ffi::{c_char, c_int, c_void, CStr, CString};

/// Channels the plugin writes for the orchestra: never saved or recalled.
fn reserved(name: &str) -> bool {
    const PREFIXES: [&str; 7] = [
        "HOST_", "IS_", "TIME_", "MOUSE_", "SCREEN_", "MIDI_", "USER_",
    ];
    const NAMES: [&str; 7] = [
        "CSD_PATH",
        "CURRENT_WIDGET",
        "CSOUND_GESTURES",
        "HOME_FOLDER_UID",
        "CURRENT_DATE_TIME",
        "SECONDS_SINCE_EPOCH",
        "LAST_FILE_DROPPED",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || NAMES.contains(&name) || name == "AUTOMATION"
}

/// Every control and text channel's value now, by name.
///
/// # Safety
/// `cs` live, performing on this thread.
unsafe fn channels(api: Api, cs: *mut sys::CSOUND, only: Option<&[String]>) -> Map<String, Value> {
    let mut values = Map::new();
    let mut list: *mut sys::controlChannelInfo_t = std::ptr::null_mut();
    // SAFETY: Csound lists its channels into memory it owns until the list is deleted.
    unsafe {
        let n = api.csoundListChannels(cs, &mut list);
        if n <= 0 || list.is_null() {
            return values;
        }
        for info in std::slice::from_raw_parts(list, n as usize) {
            if info.name.is_null() {
                continue;
            }
            let name = CStr::from_ptr(info.name).to_string_lossy().into_owned();
            if reserved(&name) || only.is_some_and(|o| !o.contains(&name)) {
                continue;
            }
            let kind = info.type_ as u32 & sys::controlChannelType_CSOUND_CHANNEL_TYPE_MASK;
            if kind == sys::controlChannelType_CSOUND_CONTROL_CHANNEL {
                let mut slot: *mut f64 = std::ptr::null_mut();
                if api.csoundGetChannelPtr(cs, &mut slot, info.name, info.type_) == 0 {
                    if let Some(v) = slot.as_ref() {
                        values.insert(name, (*v).into());
                    }
                }
            } else if kind == sys::controlChannelType_CSOUND_STRING_CHANNEL {
                let size = api.csoundGetChannelDatasize(cs, info.name).max(0) as usize;
                let mut text = vec![0u8; size + 1];
                api.csoundGetStringChannel(cs, info.name, text.as_mut_ptr() as *mut c_char);
                let end = text.iter().position(|&b| b == 0).unwrap_or(0);
                values.insert(
                    name,
                    String::from_utf8_lossy(&text[..end]).into_owned().into(),
                );
            }
        }
        api.csoundDeleteChannelList(cs, list);
    }
    values
}

/// Writes `values` to their channels (numbers to control channels, texts to text channels),
/// telling the plugin about the numbers.
///
/// # Safety
/// As [`channels`].
unsafe fn recall(api: Api, cs: *mut sys::CSOUND, values: &Map<String, Value>, ignore: &[&[u8]]) {
    for (name, value) in values {
        if reserved(name) || ignore.contains(&name.as_bytes()) {
            continue;
        }
        let Ok(c_name) = CString::new(name.as_str()) else {
            continue;
        };
        // SAFETY: as the caller guarantees; `c_name` is NUL-terminated.
        unsafe {
            match value {
                Value::Number(n) => {
                    let v = n.as_f64().unwrap_or(0.0);
                    let mut slot: *mut f64 = std::ptr::null_mut();
                    let kind = (sys::controlChannelType_CSOUND_CONTROL_CHANNEL
                        | sys::controlChannelType_CSOUND_INPUT_CHANNEL
                        | sys::controlChannelType_CSOUND_OUTPUT_CHANNEL)
                        as c_int;
                    if api.csoundGetChannelPtr(cs, &mut slot, c_name.as_ptr(), kind) == 0 {
                        if let Some(slot) = slot.as_mut() {
                            *slot = v;
                        }
                    }
                    let mut write = WidgetWrite::new(name.as_bytes(), b"value");
                    (write.numbers[0], write.count) = (v, 1);
                    if let Some(queue) = queue(api, cs) {
                        let _ = queue.push(write);
                    }
                }
                Value::String(s) => {
                    if let Ok(text) = CString::new(s.as_str()) {
                        // Csound copies the text (the C signature is not const).
                        api.csoundSetStringChannel(
                            cs,
                            c_name.as_ptr(),
                            text.as_ptr() as *mut c_char,
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

/// The file an opcode names: relative ones from the CSD's folder.
///
/// # Safety
/// `cs` live; `file` a string argument.
unsafe fn file_of(
    api: Api,
    cs: *mut sys::CSOUND,
    file: *const sys::STRINGDAT,
) -> std::path::PathBuf {
    // SAFETY: as the caller guarantees.
    unsafe { folder(api, cs, std::str::from_utf8(bytes(file)).unwrap_or("")) }
}

/// Save opcodes: `[iOk|kOk] cabbageChannelStateSave SFile` (every channel) and
/// `cabbageSaveState SFile` (the widgets' channels).
#[repr(C)]
pub(super) struct Save<const WIDGETS: bool> {
    /// (The success output,) the file.
    args: [*mut c_void; 4],
}

pub(super) unsafe extern "C" fn save<F: Flavor, const WIDGETS: bool>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block: the output (Cabbage 2's form), then the file.
    unsafe {
        let p = args::<F, Save<WIDGETS>>(p);
        let api = F::api();
        let file = p.args[usize::from(!WIDGETS)] as *const sys::STRINGDAT;
        let only: Option<Vec<String>> = WIDGETS.then(|| {
            table(api, cs)
                .map(|t| t.widgets.iter().flat_map(|w| w.channels.clone()).collect())
                .unwrap_or_default()
        });
        let values = channels(api, cs, only.as_deref());
        let path = file_of(api, cs, file);
        let text = serde_json::to_string_pretty(&Value::Object(values)).unwrap_or_default();
        let ok = std::fs::write(&path, text).is_ok();
        if !ok {
            super::shared::print(
                api,
                cs,
                &format!("could not write the channel state to {}\n", path.display()),
            );
        }
        if !WIDGETS {
            *(p.args[0] as *mut f64) = ok as u8 as f64;
        }
    }
    0
}

/// Recall opcodes: `[iOk|kOk] cabbageChannelStateRecall SFile [, SIgnore[]]` and
/// `cabbageLoadState SFile` (also Cabbage 3's own file form).
#[repr(C)]
pub(super) struct Recall<const WIDGETS: bool, const IGNORE: bool> {
    args: [*mut c_void; 4],
}

pub(super) unsafe extern "C" fn load<F: Flavor, const WIDGETS: bool, const IGNORE: bool>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block: (the output,) the file, (the channels to ignore).
    unsafe {
        let p = args::<F, Recall<WIDGETS, IGNORE>>(p);
        let api = F::api();
        let first = usize::from(!WIDGETS);
        let path = file_of(api, cs, p.args[first] as *const sys::STRINGDAT);
        let ignore: Vec<&[u8]> = if IGNORE {
            texts_in(p.args[first + 1] as *const sys::ARRAYDAT).collect()
        } else {
            Vec::new()
        };
        let read = std::fs::read(&path)
            .ok()
            .and_then(|t| serde_json::from_slice::<Value>(&t).ok());
        let ok = match read {
            Some(Value::Object(values)) => {
                recall(api, cs, &flatten(values), &ignore);
                true
            }
            _ => {
                super::shared::print(
                    api,
                    cs,
                    &format!("could not read a channel state from {}\n", path.display()),
                );
                false
            }
        };
        if !WIDGETS {
            *(p.args[0] as *mut f64) = ok as u8 as f64;
        }
    }
    0
}

/// A state file's channel values: Cabbage 2's flat object, or Cabbage 3's
/// `{"cabbageWidgetsState": [{"channels": [{"id", "range": {"value"}}]}]}`.
fn flatten(values: Map<String, Value>) -> Map<String, Value> {
    let Some(Value::Array(widgets)) = values.get("cabbageWidgetsState") else {
        return values;
    };
    let mut flat = Map::new();
    for channel in widgets
        .iter()
        .filter_map(|w| w["channels"].as_array())
        .flatten()
    {
        if let Some(id) = channel["id"].as_str() {
            let value = match &channel["range"]["value"] {
                Value::Null => channel["stringValue"].clone(),
                v => v.clone(),
            };
            flat.insert(id.to_string(), value);
        }
    }
    flat
}

/// `cabbageCopyFile SFolder, SFile1 [, SFile2 ...]`: copies files into a folder (made if new).
#[repr(C)]
pub(super) struct CopyFile {
    args: [*mut sys::STRINGDAT; 17],
}

pub(super) unsafe extern "C" fn copy_file<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block: up to 17 strings.
    unsafe {
        let p = args::<F, CopyFile>(p);
        let api = F::api();
        let given = api.in_arg_count((p as *const CopyFile).cast::<u8>().sub(api.opds_size()));
        let to = file_of(api, cs, p.args[0]);
        let _ = std::fs::create_dir_all(&to);
        for file in p.args.iter().take(given.min(17)).skip(1) {
            let from = file_of(api, cs, *file);
            let copied = from
                .file_name()
                .map(|name| std::fs::copy(&from, to.join(name)).is_ok());
            if copied != Some(true) {
                super::shared::print(
                    api,
                    cs,
                    &format!("cabbageCopyFile: could not copy {}\n", from.display()),
                );
            }
        }
    }
    0
}

/// This module's registrations for Csound `F`.
pub(super) fn entries<F: Flavor>() -> Vec<super::Entry> {
    use super::Entry;
    let size = F::OPDS + std::mem::size_of::<Save<false>>();
    vec![
        Entry(
            c"cabbageChannelStateSave.i",
            size,
            1,
            c"i",
            c"S",
            Some(save::<F, false>),
            None,
        ),
        Entry(
            c"cabbageChannelStateSave.k",
            size,
            2,
            c"k",
            c"S",
            None,
            Some(save::<F, false>),
        ),
        Entry(
            c"cabbageChannelStateRecall.i",
            size,
            1,
            c"i",
            c"S",
            Some(load::<F, false, false>),
            None,
        ),
        Entry(
            c"cabbageChannelStateRecall.k",
            size,
            2,
            c"k",
            c"SO",
            None,
            Some(load::<F, false, false>),
        ),
        Entry(
            c"cabbageChannelStateRecall.ka",
            size,
            2,
            c"k",
            c"SS[]",
            None,
            Some(load::<F, false, true>),
        ),
        Entry(
            c"cabbageSaveState",
            size,
            1,
            c"",
            c"S",
            Some(save::<F, true>),
            None,
        ),
        Entry(
            c"cabbageSaveState.a",
            size,
            1,
            c"",
            c"SS[]",
            Some(save::<F, true>),
            None,
        ),
        Entry(
            c"cabbageLoadState",
            size,
            1,
            c"",
            c"S",
            Some(load::<F, true, false>),
            None,
        ),
        Entry(
            c"cabbageCopyFile",
            F::OPDS + std::mem::size_of::<CopyFile>(),
            1,
            c"",
            c"SW",
            Some(copy_file::<F>),
            None,
        ),
    ]
}
