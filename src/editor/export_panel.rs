//! "Export plugin" (Cabbage's "Export plugin"): the open orchestra as a CLAP and VST3 plugin
//! of its own, made exactly as `csound-plugin export` makes it ([`crate::export::make`]), for
//! musicians who never open a terminal. The running orchestra's parameters are known, so
//! nothing is compiled again. (The window that asks is `export_window.rs`.)

use crate::csound::Version;
use crate::export::make::{self, Destination, Made};
use crate::export::pack::Request;
use crate::orchestra::source::Kind;
use crate::params::PluginParams;
use std::path::PathBuf;

/// What the musician chose in the export window.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportForm {
    pub name: String,
    pub vendor: String,
    pub kind: Kind,
    /// The Csound its instances start on; `None`: the one the orchestra needs.
    pub csound: Option<Version>,
    /// The plugin always plays its orchestra; its window offers no way to change it.
    pub lock: bool,
    /// Into the user's plugin folders, where hosts find it.
    pub install: bool,
    /// Into this folder too (empty: not).
    pub folder: String,
    /// The library exported from: the plugin's own, as the host loaded it (else the first
    /// installed one, [`crate::export::pack::template`]).
    pub from: Option<PathBuf>,
}

impl ExportForm {
    /// The form as it opens for the orchestra `params` runs: named after its `<Cabbage>`
    /// caption or file, by the plugin's vendor, into the user's plugin folders.
    pub fn for_running(params: &PluginParams, kind: Kind) -> ExportForm {
        let state = params.orchestra();
        let csd = PathBuf::from(state.path.as_deref().unwrap_or("orchestra.csd"));
        let caption = params
            .layout
            .read()
            .ok()
            .and_then(|l| l.as_ref().map(|l| l.form.caption.clone()));
        ExportForm {
            name: make::default_name(&csd, caption.as_deref()),
            vendor: crate::VENDOR.to_string(),
            kind,
            csound: state.chosen_csound().and_then(Version::from_key),
            lock: false,
            install: true,
            folder: String::new(),
            from: make::running_library(),
        }
    }
}

/// Exports the orchestra `params` runs, as `form` says.
pub fn export_running(params: &PluginParams, form: &ExportForm) -> Result<Made, String> {
    let state = params.orchestra();
    let (declared, raw_midi) = params
        .declared
        .read()
        .map(|d| d.clone())
        .unwrap_or_default();
    // The file it came from, when what runs is what the file holds; else its text, written
    // where the export can read it (files it names relatively are then not found, and the
    // export says which).
    let on_disk = state.path.as_ref().map(PathBuf::from).filter(|path| {
        let text = crate::csound::csd::read_file(path).ok();
        state.text.is_none() || text == state.text
    });
    let csd = match on_disk {
        Some(path) => path,
        None => {
            let text = state.text.clone().ok_or("no orchestra is open")?;
            let dir =
                std::env::temp_dir().join(format!("csound-plugin-export-{}", std::process::id()));
            std::fs::create_dir_all(&dir)
                .map_err(|e| format!("could not prepare the export: {e}"))?;
            let file = dir.join(format!("{}.csd", form.name.replace(['/', '\0'], "_")));
            std::fs::write(&file, text)
                .map_err(|e| format!("could not prepare the export: {e}"))?;
            file
        }
    };
    let request = Request {
        csd,
        name: form.name.clone(),
        vendor: form.vendor.clone(),
        kind: form.kind,
        params: declared,
        locked: form.lock,
        csound: form.csound.map(|v| v.key().to_string()),
        midi_controllers: raw_midi,
    };
    let to = Destination {
        folder: Some(form.folder.trim())
            .filter(|f| !f.is_empty())
            .map(PathBuf::from),
        install: form.install,
    };
    make::make(&request, &to, form.from.as_deref())
}
