//! "Export plugin" (Cabbage's "Export plugin"): the open orchestra as a CLAP and VST3 plugin
//! of its own, made exactly as `csound-plugin export` makes it ([`crate::export::make`]), for
//! musicians who never open a terminal. The running orchestra's parameters are known, so
//! nothing is compiled again.

use super::theme;
use super::ui::*;
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

impl Ui {
    /// The "Export plugin…" button: opens the export window.
    pub(super) fn export_button(&mut self, ui: &mut egui::Ui) {
        if ui
            .button("Export plugin…")
            .on_hover_text("This orchestra as a CLAP and VST3 plugin of its own")
            .clicked()
        {
            self.export = Some((ExportForm::for_running(&self.params, self.kind), None));
        }
    }

    /// The export window, while it is open.
    pub(super) fn export_window(&mut self, ctx: &egui::Context) {
        let Some((form, said)) = &mut self.export else {
            return;
        };
        let (mut open, mut go) = (true, false);
        egui::Window::new("Export plugin")
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                egui::Grid::new("export-form")
                    .num_columns(2)
                    .show(ui, |ui| {
                        ui.label("Name");
                        ui.text_edit_singleline(&mut form.name);
                        ui.end_row();
                        ui.label("Vendor");
                        ui.text_edit_singleline(&mut form.vendor);
                        ui.end_row();
                        ui.label("Kind");
                        ui.horizontal(|ui| {
                            ui.radio_value(&mut form.kind, Kind::Instrument, "Instrument");
                            ui.radio_value(&mut form.kind, Kind::Effect, "Effect");
                        });
                        ui.end_row();
                        ui.label("Csound");
                        egui::ComboBox::from_id_salt("export-csound")
                            .selected_text(
                                form.csound.map_or("As the orchestra needs", |v| v.label()),
                            )
                            .show_ui(ui, |ui| {
                                ui.selectable_value(
                                    &mut form.csound,
                                    None,
                                    "As the orchestra needs",
                                );
                                for v in Version::ALL {
                                    ui.selectable_value(&mut form.csound, Some(v), v.label());
                                }
                            });
                        ui.end_row();
                        ui.label("Where");
                        ui.vertical(|ui| {
                            ui.checkbox(&mut form.install, "My plugin folders (~/.clap, ~/.vst3)");
                            ui.horizontal(|ui| {
                                ui.label("and this folder:");
                                ui.text_edit_singleline(&mut form.folder);
                            });
                        });
                        ui.end_row();
                    });
                ui.checkbox(
                    &mut form.lock,
                    "Lock: the plugin always plays this orchestra",
                );
                go = ui.button("Export").clicked();
                match said {
                    Some(Ok(text)) => {
                        ui.colored_label(theme::GOOD, text.as_str());
                    }
                    Some(Err(text)) => {
                        ui.colored_label(theme::ERROR, text.as_str());
                    }
                    None => {}
                }
            });
        if go {
            let result = export_running(&self.params, form).map(|made| {
                let places: Vec<String> = made
                    .written
                    .iter()
                    .map(|(clap, _)| clap.display().to_string())
                    .collect();
                format!("Exported “{}”: {}", made.manifest.name, places.join(", "))
            });
            *said = Some(result);
        }
        if !open {
            self.export = None;
        }
    }
}
