//! The "Export plugin" window: the form of [`super::export_panel`], and what the last export
//! said.

use super::export_panel::{export_running, ExportForm};
use super::theme;
use super::ui::*;
use crate::csound::Version;
use crate::orchestra::source::Kind;

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
