//! What a refused orchestra would do, and "Allow this exact orchestra".

use super::ui::*;
use egui::RichText;

impl Ui {
    pub(super) fn refusal_panel(&mut self, ui: &mut egui::Ui) {
        let Some((message, _, _)) = &self.refusal else {
            return;
        };
        ui.heading("This orchestra was not run");
        ui.label(RichText::new(message).monospace());
        ui.horizontal(|ui| {
            if ui.button("Cancel").clicked() {
                self.refusal = None;
            }
            if ui
                .button("Allow this exact orchestra")
                .on_hover_text("Remembered by the file's content: any change asks again")
                .clicked()
            {
                if let Some((_, pending, text)) = self.refusal.take() {
                    let origin = match &pending {
                        Pending::Open(s) => s.origin.clone(),
                        Pending::Preset(p) => p.orchestra.name.clone(),
                    };
                    if let Err(e) = self.trust.allow(&text, &origin) {
                        self.notice = Some(format!("The decision could not be saved: {e}"));
                    }
                    match pending {
                        Pending::Open(source) => self.compile_then(source, None),
                        Pending::Preset(preset) => self.load_preset(preset),
                    }
                }
            }
        });
    }
}
