//! Where an export's files are played from: a folder in the user's cache named by the
//! manifest's hash (which covers every file's SHA-256), written once, atomically, and shared by
//! every instance and every copy of the same export. The library file itself stays the only
//! thing a user moves around; the cache can be deleted at any time and is made again.

use super::payload::Entry;
use super::Manifest;
use sha2::{Digest, Sha256};
use std::path::{Component, Path, PathBuf};

/// Whether a payload path stays inside the folder it is unpacked into.
pub fn is_inside(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// The folder the export with `manifest` unpacks into.
pub fn folder(manifest: &Manifest) -> PathBuf {
    let json = serde_json::to_vec(manifest).unwrap_or_default();
    let hash: String = Sha256::digest(&json)[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    crate::home::cache_dir().join("exports").join(hash)
}

/// Unpacks the files of the export in `library` (payload at `start`) unless a complete copy is
/// there already, and returns its folder.
pub fn unpack(library: &Path, start: u64, manifest: &Manifest) -> Result<PathBuf, String> {
    let dir = folder(manifest);
    crate::home::fill_once(&dir, &|temp| {
        write_all(library, start, &manifest.files, temp)
    })?;
    Ok(dir)
}

fn write_all(library: &Path, start: u64, files: &[Entry], temp: &Path) -> Result<(), String> {
    let fail = |what: &Path, e: std::io::Error| format!("{}: {e}", what.display());
    for entry in files {
        if !is_inside(&entry.path) {
            return Err(format!(
                "the export names a file outside itself: {}",
                entry.path
            ));
        }
        let target = temp.join(&entry.path);
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder).map_err(|e| fail(folder, e))?;
        }
        let data = super::payload::read_at(library, start + entry.offset, entry.length)
            .map_err(|e| fail(library, e))?;
        if super::hex(&Sha256::digest(&data)) != entry.sha256 {
            return Err(format!("{}: damaged in the export", entry.path));
        }
        std::fs::write(&target, data).map_err(|e| fail(&target, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_inside() {
        assert!(is_inside("a.csd"));
        assert!(is_inside("samples/kick.wav"));
        for outside in ["", "/etc/passwd", "../x", "a/../../x", "./a"] {
            assert!(!is_inside(outside), "{outside}");
        }
    }
}
