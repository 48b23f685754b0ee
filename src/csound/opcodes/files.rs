//! Cabbage's file and path helpers: the parts of a path (`cabbageGetFilename`,
//! `cabbageGetFilePath`, `cabbageGetFileExtension`, `cabbageGetFileNoExtension`), joining
//! (`cabbageJoinPath`), listing a folder (`cabbageFindFiles`, `cabbageGetFiles`) and a fresh
//! file name (`cabbageCreateFileName`).
//!
//! A relative folder is taken from the CSD's folder (`CSD_PATH`), where an instrument's files
//! are; Cabbage takes it from its own working folder, which in a DAW is anywhere. Listing a
//! folder reads the disk when the opcode runs, as Csound's own file opcodes do: call it from
//! global code or a triggered instrument, not every k-period.

use super::arrays::fill_texts;
use super::shared::{args, bytes, fingerprint, write_text};
use crate::csound::sys::{self, Api, Flavor};
use std::ffi::{c_int, c_void};
use std::path::{Path, PathBuf};

/// Which part of a path an opcode returns.
#[derive(Clone, Copy)]
pub(super) enum Part {
    Name,
    Folder,
    Extension,
    Stem,
}

/// The part of `path` (no allocation): `/a/b/c.wav` gives `c.wav`, `/a/b`, `.wav`, `c`.
fn part(path: &str, which: Part) -> &str {
    let p = Path::new(path);
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    match which {
        Part::Name => name,
        Part::Folder => p.parent().and_then(|d| d.to_str()).unwrap_or(""),
        Part::Stem => p.file_stem().and_then(|n| n.to_str()).unwrap_or(""),
        Part::Extension => match name.rfind('.') {
            Some(dot) if dot > 0 => &name[dot..],
            _ => "",
        },
    }
}

/// `SPart cabbageGetFilename SPath` (and its kin): at init, and again when the path changes.
#[repr(C)]
pub(super) struct PathPart<const WHICH: u8> {
    out: *mut sys::STRINGDAT,
    path: *mut sys::STRINGDAT,
    last: u64,
}

const fn which(n: u8) -> Part {
    match n {
        0 => Part::Name,
        1 => Part::Folder,
        2 => Part::Extension,
        _ => Part::Stem,
    }
}

pub(super) unsafe extern "C" fn path_part<F: Flavor, const WHICH: u8>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `PathPart`.
    unsafe {
        let p = args::<F, PathPart<WHICH>>(p);
        let path = bytes(p.path);
        let now = fingerprint(path);
        if now == p.last && !(*p.out).data.is_null() {
            return 0;
        }
        p.last = now;
        let text = part(std::str::from_utf8(path).unwrap_or(""), which(WHICH));
        write_text(F::api(), cs, p.out, text.as_bytes())
    }
}

pub(super) unsafe extern "C" fn path_part_init<F: Flavor, const WHICH: u8>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as `path_part`; a new instance has read no path yet.
    unsafe {
        args::<F, PathPart<WHICH>>(p).last = 0;
        path_part::<F, WHICH>(cs, p)
    }
}

/// A folder as the orchestra names it: relative ones from the CSD's folder.
///
/// # Safety
/// `cs` live.
pub(super) unsafe fn folder(api: Api, cs: *mut sys::CSOUND, given: &str) -> PathBuf {
    let path = Path::new(given);
    if path.is_absolute() || given.is_empty() {
        return path.to_path_buf();
    }
    let mut csd = [0u8; 4096];
    // SAFETY: `cs` live; the buffer is larger than any path the plugin writes there.
    let base = unsafe { super::shared::string_channel(api, cs, c"CSD_PATH", &mut csd) };
    Path::new(base).join(path)
}

/// Whether `name` matches a wildcard (`*` any run, `?` one character; case ignored).
pub fn wildcard(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            wildcard(&pattern[1..], name) || (!name.is_empty() && wildcard(pattern, &name[1..]))
        }
        (Some(b'?'), Some(_)) => wildcard(&pattern[1..], &name[1..]),
        (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => wildcard(&pattern[1..], &name[1..]),
        _ => false,
    }
}

/// The entries of a folder, sorted, as full paths: files, folders or both, named like one of
/// `patterns` (any, when there are none).
fn list(dir: &Path, files: bool, folders: bool, patterns: &[&str]) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let is_dir = e.path().is_dir();
            (is_dir && folders) || (!is_dir && files)
        })
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            patterns.is_empty()
                || patterns
                    .iter()
                    .any(|p| wildcard(p.as_bytes(), name.as_bytes()))
        })
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect();
    found.sort();
    found
}

/// `SFiles[] cabbageFindFiles [kTrigger,] SFolder [, "files"|"directories"|
/// "filesAndDirectories" [, "*.wav"]]` (Cabbage 2) and `SFiles[] cabbageGetFiles SFolder,
/// ".wav;.mp3"` (Cabbage 3).
#[repr(C)]
pub(super) struct FindFiles<const TRIGGERED: bool, const CABBAGE3: bool> {
    out: *mut sys::ARRAYDAT,
    /// Room for more strings than the three read, should an orchestra pass them.
    args: [*mut c_void; 16],
}

pub(super) unsafe extern "C" fn find_files<
    F: Flavor,
    const TRIGGERED: bool,
    const CABBAGE3: bool,
>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block: the output, (a k-rate trigger,) then strings.
    unsafe {
        let p = args::<F, FindFiles<TRIGGERED, CABBAGE3>>(p);
        let api = F::api();
        let first = TRIGGERED as usize;
        if TRIGGERED && *(p.args[0] as *const f64) != 1.0 {
            return 0;
        }
        let given = api.in_arg_count(
            (p as *const FindFiles<TRIGGERED, CABBAGE3>)
                .cast::<u8>()
                .sub(api.opds_size()),
        );
        let text = |i: usize| -> &str {
            if first + i < given {
                std::str::from_utf8(bytes(p.args[first + i] as *const sys::STRINGDAT)).unwrap_or("")
            } else {
                ""
            }
        };
        let dir = folder(api, cs, text(0));
        let found = if CABBAGE3 {
            let wanted: Vec<String> = text(1)
                .split(';')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| format!("*{e}"))
                .collect();
            let patterns: Vec<&str> = wanted.iter().map(String::as_str).collect();
            list(&dir, true, false, &patterns)
        } else {
            let (files, folders) = match text(1) {
                "directories" => (false, true),
                "filesAndDirectories" | "directoriesAndFiles" => (true, true),
                _ => (true, false),
            };
            let pattern = match text(2) {
                "" => "*",
                p => p,
            };
            list(
                &dir,
                files,
                folders,
                &pattern.split(';').collect::<Vec<_>>(),
            )
        };
        fill_texts(
            api,
            cs,
            p.out,
            found.len(),
            found.iter().map(|f| f.as_bytes()),
        )
    }
}

/// `SPath cabbageJoinPath SPart1, SPart2, ...` (Cabbage 3): parts joined by the system's
/// separator; a part starting with `.` is an extension added to the last.
#[repr(C)]
pub(super) struct JoinPath {
    out: *mut sys::STRINGDAT,
    parts: [*mut sys::STRINGDAT; 16],
}

pub(super) unsafe extern "C" fn join_path<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block: the output, then up to 16 strings.
    unsafe {
        let p = args::<F, JoinPath>(p);
        let api = F::api();
        let given = api.in_arg_count((p as *const JoinPath).cast::<u8>().sub(api.opds_size()));
        let mut path = PathBuf::new();
        for part in p.parts.iter().take(given.min(16)) {
            let part = std::str::from_utf8(bytes(*part)).unwrap_or("");
            if part.starts_with('.') && part.len() > 1 {
                let mut whole = path.into_os_string();
                whole.push(part);
                path = PathBuf::from(whole);
            } else if !part.is_empty() {
                path.push(part);
            }
        }
        write_text(api, cs, p.out, path.to_string_lossy().as_bytes())
    }
}

/// `SPath cabbageCreateFileName SFolder, ".ext"` (Cabbage 3): a name no file in the folder has
/// yet (the file is not made).
#[repr(C)]
pub(super) struct CreateFileName {
    out: *mut sys::STRINGDAT,
    folder: *mut sys::STRINGDAT,
    extension: *mut sys::STRINGDAT,
}

pub(super) unsafe extern "C" fn create_file_name<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    const WORDS: [&str; 8] = [
        "Bright", "Dark", "Warm", "Soft", "Round", "Sharp", "Deep", "Light",
    ];
    const THINGS: [&str; 8] = ["Bean", "Leek", "Kale", "Pea", "Fig", "Plum", "Okra", "Yam"];
    // SAFETY: this opcode's data block, laid out as `CreateFileName`.
    unsafe {
        let p = args::<F, CreateFileName>(p);
        let api = F::api();
        let dir = folder(api, cs, std::str::from_utf8(bytes(p.folder)).unwrap_or(""));
        let extension = std::str::from_utf8(bytes(p.extension)).unwrap_or("");
        let mut chosen = dir.join(format!("Untitled{extension}"));
        'search: for n in 0.. {
            for (w, t) in WORDS
                .iter()
                .flat_map(|w| THINGS.iter().map(move |t| (w, t)))
            {
                let suffix = if n == 0 {
                    String::new()
                } else {
                    format!("_{n}")
                };
                chosen = dir.join(format!("{w}{t}{suffix}{extension}"));
                if !chosen.exists() {
                    break 'search;
                }
            }
        }
        write_text(api, cs, p.out, chosen.to_string_lossy().as_bytes())
    }
}

/// This module's registrations for Csound `F`.
pub(super) fn entries<F: Flavor>() -> Vec<super::Entry> {
    use super::Entry;
    use std::mem::size_of as own;
    let size = |n: usize| F::OPDS + n;
    let part = size(own::<PathPart<0>>());
    let find = size(own::<FindFiles<true, false>>());
    vec![
        Entry(
            c"cabbageGetFilename",
            part,
            3,
            c"S",
            c"S",
            Some(path_part_init::<F, 0>),
            Some(path_part::<F, 0>),
        ),
        Entry(
            c"cabbageGetFilePath",
            part,
            3,
            c"S",
            c"S",
            Some(path_part_init::<F, 1>),
            Some(path_part::<F, 1>),
        ),
        Entry(
            c"cabbageGetFileExtension",
            part,
            3,
            c"S",
            c"S",
            Some(path_part_init::<F, 2>),
            Some(path_part::<F, 2>),
        ),
        Entry(
            c"cabbageGetFileNoExtension",
            part,
            3,
            c"S",
            c"S",
            Some(path_part_init::<F, 3>),
            Some(path_part::<F, 3>),
        ),
        Entry(
            c"cabbageFindFiles.i",
            find,
            1,
            c"S[]",
            c"SW",
            Some(find_files::<F, false, false>),
            None,
        ),
        Entry(
            c"cabbageFindFiles.k",
            find,
            2,
            c"S[]",
            c"kSW",
            None,
            Some(find_files::<F, true, false>),
        ),
        Entry(
            c"cabbageGetFiles",
            find,
            1,
            c"S[]",
            c"SS",
            Some(find_files::<F, false, true>),
            None,
        ),
        Entry(
            c"cabbageJoinPath",
            size(own::<JoinPath>()),
            1,
            c"S",
            c"SW",
            Some(join_path::<F>),
            None,
        ),
        Entry(
            c"cabbageCreateFileName",
            size(own::<CreateFileName>()),
            1,
            c"S",
            c"SS",
            Some(create_file_name::<F>),
            None,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_a_path_and_wildcards() {
        let p = "/a/b/c.wav";
        assert_eq!(part(p, Part::Name), "c.wav");
        assert_eq!(part(p, Part::Folder), "/a/b");
        assert_eq!(part(p, Part::Extension), ".wav");
        assert_eq!(part(p, Part::Stem), "c");
        assert_eq!(part("/a/.hidden", Part::Extension), "");
        assert!(wildcard(b"*.wav", b"Kick.WAV"));
        assert!(wildcard(b"k?ck*", b"kick01.aif"));
        assert!(!wildcard(b"*.wav", b"kick.aif"));
    }
}
