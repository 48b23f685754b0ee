//! The output meters.

use super::ui::*;
use egui::{Color32, RichText};

impl Ui {
    pub(super) fn meters(&mut self, ui: &mut egui::Ui) {
        ui.add_space(6.0);
        let height = (ui.available_height() - 30.0).max(8.0);
        ui.horizontal(|ui| {
            for level in self.meters {
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(14.0, height), egui::Sense::hover());
                let db = 20.0 * level.max(1e-6).log10();
                let fill = ((db + 60.0) / 60.0).clamp(0.0, 1.0);
                let painter = ui.painter();
                painter.rect_filled(rect, 2.0, Color32::from_gray(60));
                let mut bar = rect;
                bar.set_top(rect.bottom() - rect.height() * fill);
                let colour = if level >= 1.0 {
                    Color32::RED
                } else if db > -6.0 {
                    Color32::YELLOW
                } else {
                    Color32::from_rgb(60, 200, 90)
                };
                painter.rect_filled(bar, 2.0, colour);
            }
        });
        let peak = self.meters[0].max(self.meters[1]);
        let db = 20.0 * peak.max(1e-6).log10();
        ui.label(
            RichText::new(if db < -99.0 {
                "-∞".into()
            } else {
                format!("{db:.0}")
            })
            .small(),
        )
        .on_hover_text("Output peak, dBFS");
    }
}
