//! What a bundle offers before any plugin is made: its CLAP factory's descriptors and its VST3
//! factory's classes, as a host's plugin scan reads them.

use std::path::Path;

/// One plugin a bundle lists.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    /// The CLAP id, or the VST3 class id in hex.
    pub id: String,
    pub name: String,
    pub vendor: String,
}

/// The plugins of a `.clap` file.
pub fn clap(bundle: &Path) -> Vec<Listed> {
    let entry = super::clap::entry(bundle);
    let factory = entry
        .get_plugin_factory()
        .expect("the bundle has a plugin factory");
    let text = |s: Option<&std::ffi::CStr>| s.map(|s| s.to_string_lossy().into_owned());
    factory
        .plugin_descriptors()
        .map(|d| Listed {
            id: text(d.id()).expect("a plugin id"),
            name: text(d.name()).unwrap_or_default(),
            vendor: text(d.vendor()).unwrap_or_default(),
        })
        .collect()
}

/// The audio module classes of a `.vst3` bundle.
pub fn vst3(bundle: &Path) -> Vec<Listed> {
    super::vst3::classes(bundle)
}
