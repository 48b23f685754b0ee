//! An orchestra as its own plugin: `csound-plugin export` and what an exported library does
//! when a host loads it.
//!
//! **The scheme.** An export is the generic plugin library, byte for byte, with a payload
//! appended ([`payload`]): a manifest (name, vendor, kind, ids, the parameters, whether the
//! orchestra is locked) and the files (the orchestra, what it includes and plays, its presets).
//! Nothing is patched and nothing is built: exporting copies the installed library and writes
//! one file (CLAP) or one folder (VST3) in well under a second, offline.
//!
//! When a host loads an exported library, [`own`] finds the payload at the end of the library's
//! own file, unpacks the files into a cache folder named by their content (so moving or renaming
//! the plugin, or deleting the source files, changes nothing), and makes the orchestra and its
//! presets the library's built-in content (`orchestra::factory::make_own`). The library's entry
//! points (`crate::entry`) then offer one plugin under the export's name and ids, whose
//! parameters are the orchestra's channels ([`Manifest::params`]).
//!
//! | Module | What it is for |
//! |---|---|
//! | [`ids`] | the CLAP id and VST3 class id, derived from vendor and name |
//! | [`payload`] | the file format: files and manifest after the library bytes |
//! | [`pack`] | making an export: gathering the files an orchestra needs, writing the bundles |
//! | [`make`] | an export from an orchestra whose parameters are known (command line, editor) |
//! | [`unpack`] | the cache folder an export's files are played from |

pub mod ids;
pub mod make;
pub mod pack;
pub mod payload;
pub mod unpack;

use crate::orchestra::declarations::ParamSpec;
use crate::orchestra::factory::{self, FactoryOrchestra, FactoryPreset};
use crate::orchestra::Kind;
use std::path::{Path, PathBuf};

/// The manifest format this library writes and reads.
pub const FORMAT: u32 = 1;

/// What an export is, as written into its payload.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// [`FORMAT`] when written; a newer one is refused.
    pub format: u32,
    /// The plugin's name as hosts list it.
    pub name: String,
    pub vendor: String,
    pub kind: Kind,
    /// The CLAP plugin id ([`ids::Ids::clap`]).
    pub clap_id: String,
    /// The VST3 class id in hex ([`ids::Ids::vst3`]).
    pub vst3_id: String,
    /// The payload path of the orchestra (its original file name).
    pub orchestra: String,
    /// The host parameters, in order: the orchestra's channels as it declares them. Their
    /// channel names are the parameter ids, so automation survives an edited re-export.
    pub params: Vec<ParamSpec>,
    /// Payload paths of the factory presets (`.cspreset` files).
    pub presets: Vec<String>,
    /// When set, every instance plays the bundled orchestra and the editor offers no way to
    /// change it.
    pub locked: bool,
    /// The Csound its instances start on ("6" or "7"), when the export says; a project's own
    /// choice still wins.
    #[serde(default)]
    pub csound: Option<String>,
    /// Whether an instrument receives MIDI controllers, pitch bend and channel pressure: only
    /// when its orchestra reads them (or the export asked). VST3 hosts list 2,080 parameters
    /// for an instrument that does (16 channels x 130 controllers, how VST3 delivers them), so
    /// one that does not lists only its own. Exports from before always received them.
    #[serde(default = "yes")]
    pub midi_controllers: bool,
    /// The audio channels its Cabbage 3 `channelConfig` asks for: its instances start on the
    /// matching layout.
    #[serde(default)]
    pub channels: Option<crate::orchestra::cabbage::ChannelConfig>,
    /// Its `<Cabbage>` form's size: its window opens to show the face at that size.
    #[serde(default)]
    pub form_size: Option<(u32, u32)>,
    /// Every file in the payload.
    pub files: Vec<payload::Entry>,
}

impl Manifest {
    /// The VST3 class id as bytes (zeros if the manifest's hex is damaged).
    pub fn vst3_bytes(&self) -> [u8; 16] {
        let mut id = [0u8; 16];
        for (i, byte) in id.iter_mut().enumerate() {
            *byte = self
                .vst3_id
                .get(2 * i..2 * i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .unwrap_or(0);
        }
        id
    }

    fn entry(&self, path: &str) -> Option<&payload::Entry> {
        self.files.iter().find(|f| f.path == path)
    }
}

fn yes() -> bool {
    true
}

/// Bytes in lower-case hex (how the manifest writes ids and hashes).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An exported library's own export, as loaded.
#[derive(Debug)]
pub struct Own {
    pub manifest: Manifest,
    /// The folder the files were unpacked into (the orchestra's folder), or why not.
    pub unpacked: Result<PathBuf, String>,
}

/// Reads the manifest of the library at `library`: `Ok(None)` for a generic library.
pub fn read_manifest(library: &Path) -> Result<Option<Manifest>, String> {
    let fail = |e: std::io::Error| format!("{}: {e}", library.display());
    let Some(located) = payload::locate(library).map_err(fail)? else {
        return Ok(None);
    };
    let bytes = payload::read_at(library, located.manifest.0, located.manifest.1).map_err(fail)?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{}: damaged export manifest ({e})", library.display()))?;
    if manifest.format > FORMAT {
        return Err(format!(
            "{} was exported by a newer csound-plugin (format {}; this one reads {FORMAT})",
            library.display(),
            manifest.format
        ));
    }
    Ok(Some(manifest))
}

/// This library's export, if it is one: read, unpacked and installed as the built-in content
/// on first use. `Some(Err)` when the library carries a payload it cannot read; `None` for the
/// generic library (and for programs, which are never exports).
pub fn own() -> Option<&'static Result<Own, String>> {
    static OWN: std::sync::OnceLock<Option<Result<Own, String>>> = std::sync::OnceLock::new();
    OWN.get_or_init(|| {
        let library = crate::csound::process::spawn::own_library()?;
        let own = open(&library).transpose()?.map(|(own, orchestra)| {
            let m = &own.manifest;
            factory::make_own(
                orchestra,
                factory::Terms {
                    locked: m.locked,
                    id: m.clap_id.clone(),
                    csound: m.csound.clone(),
                    midi_controllers: m.midi_controllers,
                },
            );
            own
        });
        Some(own)
    })
    .as_ref()
}

/// The manifest of this library's export, if it is a readable one.
pub fn own_manifest() -> Option<&'static Manifest> {
    own()?.as_ref().ok().map(|own| &own.manifest)
}

/// Opens the export in the library at `library` (`Ok(None)` for a generic library): reads its
/// manifest, unpacks its files, and gives its orchestra and presets as built-in content (with
/// the unpacked orchestra's path, when unpacking worked).
pub fn open(library: &Path) -> Result<Option<(Own, FactoryOrchestra)>, String> {
    let Some(manifest) = read_manifest(library)? else {
        return Ok(None);
    };
    let located = payload::locate(library)
        .map_err(|e| e.to_string())?
        .ok_or("the payload went away")?;
    let read = |path: &str| -> Result<String, String> {
        let entry = manifest
            .entry(path)
            .ok_or_else(|| format!("the export lacks {path}"))?;
        let bytes = payload::read_at(library, located.start + entry.offset, entry.length)
            .map_err(|e| format!("{path}: {e}"))?;
        crate::csound::csd::decode(&bytes, path).map_err(|e| e.to_string())
    };
    let text = read(&manifest.orchestra)?;
    let unpacked = unpack::unpack(library, located.start, &manifest);
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let presets: Vec<FactoryPreset> = manifest
        .presets
        .iter()
        .filter_map(|p| {
            Some(FactoryPreset {
                file: leak(p.clone()),
                text: leak(read(p).ok()?),
            })
        })
        .collect();
    let path = unpacked
        .as_ref()
        .ok()
        .map(|dir| leak(dir.join(&manifest.orchestra).to_string_lossy().into_owned()));
    let orchestra = FactoryOrchestra {
        kind: manifest.kind,
        file: leak(file_name(&manifest.orchestra)),
        text: leak(text),
        path,
        presets: Box::leak(presets.into_boxed_slice()),
    };
    Ok(Some((Own { manifest, unpacked }, orchestra)))
}

/// The last part of a payload path.
fn file_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}
