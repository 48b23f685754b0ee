//! Making an export once the orchestra's parameters are known: the command line compiles the
//! orchestra first (contained); the editor's "Export plugin" has it running already. Both end
//! here, so both make the same bundles from the same orchestra.

use super::pack::{self, Request};
use super::Manifest;
use std::path::{Path, PathBuf};

/// Where an export goes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Destination {
    /// A folder the musician chose: `<name>.clap` and `<name>.vst3` are written into it.
    pub folder: Option<PathBuf>,
    /// Also into the user's plugin folders (`~/.clap`, `~/.vst3`, or `$CLAP_PATH_OVERRIDE`,
    /// `$VST3_PATH_OVERRIDE`), where hosts find them.
    pub install: bool,
}

/// What an export made.
#[derive(Debug, Clone)]
pub struct Made {
    pub manifest: Manifest,
    /// The CLAP file and VST3 folder written, per destination.
    pub written: Vec<(PathBuf, PathBuf)>,
    /// The library the export was made from.
    pub template: PathBuf,
}

/// The name an export takes when the musician gives none: the `<Cabbage>` form's caption, else
/// the orchestra file's name.
pub fn default_name(csd: &Path, caption: Option<&str>) -> String {
    caption
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .unwrap_or_else(|| {
            csd.file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
        })
}

/// The library this code runs from, when an export can be made from it (the plugin a host
/// loaded; not the standalone program): what the editor exports from.
pub fn running_library() -> Option<PathBuf> {
    let own = crate::csound::process::spawn::own_library()?;
    pack::template(Some(&own)).ok().map(|(path, _)| path)
}

/// Exports `request` to `to`, from the library `from` (else the first found, see
/// [`pack::template`]).
pub fn make(request: &Request, to: &Destination, from: Option<&Path>) -> Result<Made, String> {
    if to.folder.is_none() && !to.install {
        return Err("choose where the plugin goes: a folder, or your plugin folders".into());
    }
    let package = pack::package(request)?;
    let (template, library) = pack::template(from)?;
    let m = &package.manifest;
    let mut written = Vec::new();
    if let Some(folder) = &to.folder {
        written.push(pack::write_bundles(
            &library,
            &package.payload,
            &m.name,
            folder,
            folder,
        )?);
    }
    if to.install {
        let (clap, vst3) = pack::plugin_folders()?;
        written.push(pack::write_bundles(
            &library,
            &package.payload,
            &m.name,
            &clap,
            &vst3,
        )?);
    }
    Ok(Made {
        manifest: package.manifest,
        written,
        template,
    })
}
