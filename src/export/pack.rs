//! Making an export: gathering what an orchestra needs into a payload, and writing the CLAP and
//! VST3 bundles from the generic library (see the scheme in [`crate::export`]).
//!
//! What goes in: the CSD; every file a quoted string in it names that exists (relative to the
//! CSD's folder, or absolute), and, for `#include`d files, what they name in turn; the presets
//! beside it (`<stem>.snaps` from Cabbage, `.cspreset` files made for it, beside it or in a
//! `<stem>/` folder), which become the export's factory presets. A file named by an absolute
//! path, or from outside the CSD's folder, is copied to `files/` and its string rewritten to
//! that, so the export never looks outside itself.

use super::ids::{tidy, Ids};
use super::payload::{self, Builder};
use super::unpack::is_inside;
use super::{hex, Manifest, FORMAT};
use crate::orchestra::declarations::ParamSpec;
use crate::orchestra::reserved::reads_midi_controllers;
use crate::orchestra::{content_hash, Kind};
use crate::presets::{self, OrchestraRef, Preset};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What to export.
#[derive(Debug, Clone)]
pub struct Request {
    /// The orchestra file.
    pub csd: PathBuf,
    pub name: String,
    pub vendor: String,
    pub kind: Kind,
    /// The host parameters: what compiling the orchestra found.
    pub params: Vec<ParamSpec>,
    pub locked: bool,
    /// The Csound its instances start on ([`crate::csound::Version::key`]); `None`: the
    /// preferred one of each machine.
    pub csound: Option<String>,
    /// An instrument receives MIDI controllers even if its code does not seem to read them
    /// (it takes raw MIDI, or the user asked); otherwise only if it does.
    pub midi_controllers: bool,
}

/// An export ready to be written.
#[derive(Debug)]
pub struct Package {
    pub manifest: Manifest,
    /// What is appended to the library.
    pub payload: Vec<u8>,
}

/// Gathers the export of `request`.
pub fn package(request: &Request) -> Result<Package, String> {
    let (name, vendor) = (tidy(&request.name), tidy(&request.vendor));
    if name.is_empty() {
        return Err("the plugin needs a name (--name)".into());
    }
    if name.contains(['/', '\0']) || vendor.contains('\0') {
        return Err(format!("`{name}` cannot be a plugin name (no `/`)"));
    }
    let csd = &request.csd;
    let shown = csd.display().to_string();
    let dir = csd
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let file = csd
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{shown} is not a file"))?;
    let text = crate::csound::csd::read_file(csd).map_err(|e| e.to_string())?;

    let mut files = Files::new(&dir, &file);
    let text = files.gather(&text, &dir);
    let mut builder = Builder::default();
    builder.add(&file, text.as_bytes());
    for (path, data) in &files.found {
        builder.add(path, data);
    }

    let orchestra = OrchestraRef {
        name: file.clone(),
        hash: content_hash(&text),
    };
    let mut preset_paths = Vec::new();
    for mut preset in presets_beside(csd, &file, request.kind, &text)? {
        preset.orchestra = orchestra.clone();
        preset.source = None;
        let mut path = format!("presets/{}", presets::file_name(&preset.name));
        while preset_paths.contains(&path) {
            path = path.replace(".cspreset", "-2.cspreset");
        }
        builder.add(&path, preset.to_text().as_bytes());
        preset_paths.push(path);
    }

    let controllers = request.kind == Kind::Instrument
        && (request.midi_controllers
            || reads_midi_controllers(&text)
            || files.code.iter().any(|code| reads_midi_controllers(code)));
    // A Cabbage form's own `pluginId` names the plugin to hosts, whatever it is called: renamed,
    // it stays the same plugin (Cabbage 2's placeholder `def1` names nothing).
    let form = crate::orchestra::cabbage::read(&text)
        .ok()
        .flatten()
        .map(|l| l.form);
    let plugin_id = form
        .as_ref()
        .and_then(|f| f.plugin_id.as_deref())
        .map(str::trim)
        .filter(|id| !id.is_empty() && *id != "def1");
    let ids = match plugin_id {
        Some(id) => Ids::of_plugin_id(request.kind, &vendor, id),
        None => Ids::of(request.kind, &vendor, &name),
    };
    let manifest = Manifest {
        format: FORMAT,
        name,
        vendor,
        kind: request.kind,
        clap_id: ids.clap,
        vst3_id: hex(&ids.vst3),
        orchestra: file,
        params: request.params.clone(),
        presets: preset_paths,
        locked: request.locked,
        csound: request.csound.clone(),
        midi_controllers: controllers,
        channels: form.as_ref().and_then(|f| f.channels),
        form_size: form
            .as_ref()
            .map(|f| (f.width.round() as u32, f.height.round() as u32)),
        files: builder.entries().to_vec(),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    Ok(Package {
        manifest,
        payload: builder.finish(&json),
    })
}

/// The files an orchestra names, as payload paths and bytes.
struct Files {
    /// Payload path -> bytes.
    found: BTreeMap<String, Vec<u8>>,
    /// Source file -> payload path, so a file named twice is taken once.
    taken: BTreeMap<PathBuf, String>,
    /// The text of every `#include`d file: orchestra code too.
    code: Vec<String>,
}

impl Files {
    fn new(dir: &Path, csd: &str) -> Files {
        let mut taken = BTreeMap::new();
        taken.insert(dir.join(csd), csd.to_string());
        Files {
            found: BTreeMap::new(),
            taken,
            code: Vec::new(),
        }
    }

    /// Adds every file a string in `text` names (looked up in `dir`) and returns `text` with
    /// the strings that had to move rewritten.
    fn gather(&mut self, text: &str, dir: &Path) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find('"') {
            let Some(len) = rest[open + 1..].find(['"', '\n']) else {
                break;
            };
            let close = open + 1 + len;
            out.push_str(&rest[..=open]);
            let literal = &rest[open + 1..close];
            let line_start = out.rfind('\n').map_or(0, |n| n + 1);
            let include = out[line_start..].trim_start().starts_with("#include");
            match self.take(literal, dir, include) {
                Some(path) => out.push_str(&path),
                None => out.push_str(literal),
            }
            rest = &rest[close..];
            if let Some(quote) = rest.strip_prefix('"') {
                out.push('"');
                rest = quote;
            }
        }
        out.push_str(rest);
        out
    }

    /// The payload path of the file `literal` names, taking it in if it is one.
    fn take(&mut self, literal: &str, dir: &Path, include: bool) -> Option<String> {
        if literal.trim().is_empty() || literal.len() > 4096 {
            return None;
        }
        let source = dir.join(literal);
        if !source.is_file() {
            return None;
        }
        let key = std::fs::canonicalize(&source).unwrap_or(source.clone());
        if let Some(path) = self.taken.get(&key).or_else(|| self.taken.get(&source)) {
            return Some(path.clone());
        }
        let path = if is_inside(literal) {
            literal.to_string()
        } else {
            let name = source.file_name()?.to_string_lossy().into_owned();
            let mut path = format!("files/{name}");
            let mut n = 2;
            while self.found.contains_key(&path) {
                path = format!("files/{n}-{name}");
                n += 1;
            }
            path
        };
        self.taken.insert(key, path.clone());
        let data = std::fs::read(&source).ok()?;
        let data = match crate::csound::csd::decode(&data, literal) {
            // An included file is orchestra code: what it names comes along too.
            Ok(code) if include => {
                let code = self.gather(&code, dir);
                self.code.push(code.clone());
                code.into_bytes()
            }
            _ => data,
        };
        self.found.insert(path.clone(), data);
        Some(path)
    }
}

/// The presets made for the orchestra `file` at `csd`: `<stem>.snaps` beside it, `.cspreset`
/// files beside it that name it, and every `.cspreset` in the `<stem>/` folder.
fn presets_beside(csd: &Path, file: &str, kind: Kind, text: &str) -> Result<Vec<Preset>, String> {
    let dir = csd.parent().unwrap_or(Path::new("."));
    let stem = csd
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let mut found = Vec::new();
    let snaps = dir.join(format!("{stem}.snaps"));
    if snaps.is_file() {
        let origin = snaps.display().to_string();
        let data = std::fs::read_to_string(&snaps).map_err(|e| format!("{origin}: {e}"))?;
        found.extend(
            presets::import_snaps(&data, &origin, kind, file, text).map_err(|e| e.to_string())?,
        );
    }
    for (folder, any) in [(dir.to_path_buf(), false), (dir.join(&stem), true)] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == presets::EXTENSION))
            .collect();
        paths.sort();
        for path in paths {
            let origin = path.display().to_string();
            let data = std::fs::read_to_string(&path).map_err(|e| format!("{origin}: {e}"))?;
            let preset = Preset::parse(&data, &origin).map_err(|e| e.to_string())?;
            if preset.plugin == kind && (any || preset.orchestra.name == file) {
                found.push(preset);
            }
        }
    }
    Ok(found)
}

/// What every library this version can export from carries, so `export` never copies some
/// other file (or a library that reads another manifest format).
pub const MARK: &str = concat!(
    "csound-plugin library ",
    env!("CARGO_PKG_VERSION"),
    " export 1"
);

/// Whether `bytes` are a library this version can export from.
pub fn is_template(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF") && bytes.windows(MARK.len()).any(|w| w == MARK.as_bytes())
}

/// The file name of an export's bundles: its name, with what file systems refuse left out.
pub fn bundle_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '/' | '\\' | '\0' | ':' | '*' | '?' | '"' | '<' | '>' | '|'
            )
        })
        .collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        "Csound Export".into()
    } else {
        clean
    }
}

/// The users' plugin folders, as `scripts/install.sh` uses them: `$CLAP_PATH_OVERRIDE` or
/// `~/.clap`, `$VST3_PATH_OVERRIDE` or `~/.vst3`.
pub fn plugin_folders() -> Result<(PathBuf, PathBuf), String> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let home = var("HOME").map(PathBuf::from);
    let pick = |over: &str, folder: &str| {
        var(over)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(folder)))
            .ok_or_else(|| format!("no ${over} and no $HOME: where do plugins go?"))
    };
    Ok((
        pick("CLAP_PATH_OVERRIDE", ".clap")?,
        pick("VST3_PATH_OVERRIDE", ".vst3")?,
    ))
}

/// Writes `<name>.clap` into `clap_dir` and `<name>.vst3` into `vst3_dir`: the library bytes
/// with the payload after them. Each file is written beside its place and renamed into it, so a
/// host that has the previous export loaded keeps its (unlinked) file intact.
pub fn write_bundles(
    library: &[u8],
    payload: &[u8],
    name: &str,
    clap_dir: &Path,
    vst3_dir: &Path,
) -> Result<(PathBuf, PathBuf), String> {
    let base = bundle_name(name);
    let clap = clap_dir.join(format!("{base}.clap"));
    let vst3 = vst3_dir.join(format!("{base}.vst3"));
    let so = vst3
        .join("Contents")
        .join(format!("{}-linux", std::env::consts::ARCH))
        .join(format!("{base}.so"));
    for file in [&clap, &so] {
        write_library(file, library, payload)?;
    }
    Ok((clap, vst3))
}

fn write_library(file: &Path, library: &[u8], payload: &[u8]) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |e: std::io::Error| format!("{}: {e}", file.display());
    let dir = file
        .parent()
        .ok_or_else(|| format!("{}: no folder", file.display()))?;
    std::fs::create_dir_all(dir).map_err(fail)?;
    let temp = dir.join(format!(".export-{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o755)
        .open(&temp)
        .and_then(|mut f| {
            f.write_all(library)?;
            f.write_all(payload)?;
            f.sync_all()
        });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, file)) {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e));
    }
    Ok(())
}

/// The library an export is made from: `explicit`, else the first of the library beside this
/// program (`target/release/libcsound_plugin.so`), the bundle `cargo xtask bundle` wrote beside
/// that, and the installed CLAP plugin, that this version can export from. Any payload it
/// carries is left behind.
pub fn template(explicit: Option<&Path>) -> Result<(PathBuf, Vec<u8>), String> {
    let mut candidates = Vec::new();
    if let Some(path) = explicit {
        candidates.push(path.to_path_buf());
    } else {
        if let Some(dir) = std::env::current_exe()
            .ok()
            .and_then(|e| Some(e.parent()?.to_path_buf()))
        {
            candidates.push(dir.join("libcsound_plugin.so"));
            candidates.push(dir.join("../bundled/Csound Plugin.clap"));
        }
        if let Ok((clap, _)) = plugin_folders() {
            candidates.push(clap.join("Csound Plugin.clap"));
        }
    }
    for path in &candidates {
        let Ok(bytes) = payload::library_part(path) else {
            continue;
        };
        if is_template(&bytes) {
            return Ok((path.clone(), bytes));
        }
    }
    let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(format!(
        "no csound-plugin {} library to export from (tried {}); run scripts/install.sh, or name \
         one with --from",
        env!("CARGO_PKG_VERSION"),
        tried.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preset(name: &str, orchestra: &str) -> String {
        format!(
            "{{\"format\": 1, \"plugin\": \"instrument\", \"name\": \"{name}\", \
             \"orchestra\": {{\"name\": \"{orchestra}\", \"hash\": \"x\"}}, \
             \"values\": {{\"level\": 0.3}}}}"
        )
    }

    #[test]
    fn an_export_takes_what_its_orchestra_names_and_its_presets() {
        let dir = std::env::temp_dir().join(format!("pack-{}", std::process::id()));
        let (src, outside) = (dir.join("src"), dir.join("outside"));
        for d in [
            src.join("inc"),
            src.join("samples"),
            src.join("a"),
            outside.clone(),
        ] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(
            src.join("inc/x.inc"),
            "giT ftgen 0, 0, 0, 1, \"samples/s.wav\", 0, 0, 0\n",
        )
        .unwrap();
        std::fs::write(src.join("samples/s.wav"), b"RIFF").unwrap();
        std::fs::write(outside.join("far.wav"), b"RIFF far").unwrap();
        let far = outside.join("far.wav").display().to_string();
        let csd = format!(
            "<CsoundSynthesizer>\n<CsInstruments>\n#include \"inc/x.inc\"\n\
             instr 1\n a1 diskin2 \"{far}\", 1\n prints \"not a file\"\nendin\n\
             </CsInstruments>\n</CsoundSynthesizer>\n"
        );
        std::fs::write(src.join("a.csd"), &csd).unwrap();
        std::fs::write(src.join("a.snaps"), "{\"Snap One\": {\"level\": 0.7}}").unwrap();
        std::fs::write(src.join("mine.cspreset"), preset("Mine", "a.csd")).unwrap();
        std::fs::write(src.join("other.cspreset"), preset("Other", "b.csd")).unwrap();
        std::fs::write(
            src.join("a/folder.cspreset"),
            preset("Folder", "renamed.csd"),
        )
        .unwrap();

        let package = package(&Request {
            csd: src.join("a.csd"),
            name: "A".into(),
            vendor: "V".into(),
            kind: Kind::Instrument,
            params: Vec::new(),
            locked: false,
            csound: None,
            midi_controllers: false,
        })
        .unwrap();
        let m = &package.manifest;
        let paths: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
        for path in ["a.csd", "inc/x.inc", "samples/s.wav", "files/far.wav"] {
            assert!(paths.contains(&path), "{path} in {paths:?}");
        }
        // The absolute path now names the copy inside the export; nothing else changed.
        let entry = &m.files[0];
        let text =
            std::str::from_utf8(&package.payload[entry.offset as usize..][..entry.length as usize])
                .unwrap()
                .to_string();
        assert_eq!(text, csd.replace(&far, "files/far.wav"));
        assert_eq!(
            m.presets,
            [
                "presets/snap-one.cspreset",
                "presets/mine.cspreset",
                "presets/folder.cspreset"
            ]
        );
        // Each preset now names the exported orchestra exactly.
        for p in &m.presets {
            let e = m.files.iter().find(|f| &f.path == p).unwrap();
            let body = &package.payload[e.offset as usize..][..e.length as usize];
            let preset = Preset::parse(std::str::from_utf8(body).unwrap(), p).unwrap();
            assert_eq!(preset.orchestra.name, "a.csd");
            assert!(preset.made_for(&text));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_name_that_cannot_be_a_file_is_refused_or_cleaned() {
        let request = Request {
            csd: PathBuf::from("x.csd"),
            name: "a/b".into(),
            vendor: "V".into(),
            kind: Kind::Effect,
            params: Vec::new(),
            locked: false,
            csound: None,
            midi_controllers: false,
        };
        assert!(package(&request).unwrap_err().contains("a/b"));
        assert_eq!(bundle_name("  .Acid: Bass? "), "Acid Bass");
        assert_eq!(bundle_name("***"), "Csound Export");
    }

    #[test]
    fn an_instrument_receives_midi_controllers_only_when_its_code_reads_them() {
        let dir = std::env::temp_dir().join(format!("pack-cc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csd = dir.join("a.csd");
        let exported = |include: &str, kind: Kind, asked: bool| {
            std::fs::write(dir.join("x.inc"), include).unwrap();
            std::fs::write(
                &csd,
                "<CsoundSynthesizer>\n<CsInstruments>\n#include \"x.inc\"\n\
                 instr 1\n a1 oscili 0.1, p4\n out a1\nendin\n\
                 </CsInstruments>\n</CsoundSynthesizer>\n",
            )
            .unwrap();
            let request = Request {
                csd: csd.clone(),
                name: "A".into(),
                vendor: "V".into(),
                kind,
                params: Vec::new(),
                locked: false,
                csound: None,
                midi_controllers: asked,
            };
            package(&request).unwrap().manifest.midi_controllers
        };
        let plain = "giX = 1\n";
        let reads = "opcode Mod, k, 0\n xout ctrl7(1, 1, 0, 1)\nendop\n";
        assert!(!exported(plain, Kind::Instrument, false));
        assert!(
            exported(reads, Kind::Instrument, false),
            "read in an include"
        );
        assert!(exported(plain, Kind::Instrument, true), "asked for");
        assert!(!exported(reads, Kind::Effect, true), "effects take no MIDI");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
