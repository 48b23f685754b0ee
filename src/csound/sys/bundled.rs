//! The Csound 7.0 the plugin carries: its library and opcode libraries are embedded in the
//! plugin's own library file (`build.rs`), so nothing is looked for on the system and nothing
//! can be missing or of another version. On first use they are written once into
//! `<cache>/csound-7.0/<hash of the files>/` (`lib/`, `plugins/`), from where the library is
//! opened by path, privately ([`super::open_seven`]).

use std::path::PathBuf;

include!(concat!(env!("OUT_DIR"), "/csound7_files.rs"));

/// The unpacked Csound 7.0: its library file and its opcode folder.
pub struct Unpacked {
    pub library: PathBuf,
    pub plugins: PathBuf,
}

/// Writes the embedded files into the cache unless they are there already.
pub fn unpack() -> Result<Unpacked, String> {
    let dir = crate::home::cache_dir().join("csound-7.0").join(STAMP);
    crate::home::fill_once(&dir, &|temp| {
        for (path, bytes) in FILES {
            let target = temp.join(path);
            let fail = |e: std::io::Error| format!("{}: {e}", target.display());
            if let Some(folder) = target.parent() {
                std::fs::create_dir_all(folder).map_err(fail)?;
            }
            std::fs::write(&target, bytes).map_err(fail)?;
        }
        Ok(())
    })
    .map_err(|e| format!("the bundled Csound 7.0 could not be unpacked ({e})"))?;
    Ok(Unpacked {
        library: dir.join(FILES[0].0),
        plugins: dir.join("plugins"),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_library_comes_first_with_its_opcode_libraries() {
        assert_eq!(super::FILES[0].0, "lib/libcsound64.so.7.0");
        let plugins = super::FILES
            .iter()
            .filter(|(p, _)| p.starts_with("plugins/"));
        assert!(plugins.count() > 80);
        assert!(!super::FILES.iter().any(|(p, _)| p.contains("rtjack")));
    }
}
