//! The console: Csound's messages, filtered by level and text, copied or cleared.

use super::theme;
use super::ui::*;
use crate::csound::{Message, MessageLevel};
use egui::RichText;

impl Ui {
    pub(super) fn console(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("Filter");
            ui.add(egui::TextEdit::singleline(&mut self.console_filter).desired_width(160.0));
            ui.checkbox(&mut self.show_levels[0], "errors");
            ui.checkbox(&mut self.show_levels[1], "warnings");
            ui.checkbox(&mut self.show_levels[2], "messages");
            if ui.button("Copy").clicked() {
                let text: String = self
                    .visible_lines()
                    .map(|m| format!("{}\n", m.text))
                    .collect();
                ui.ctx().copy_text(text);
            }
            if ui.button("Clear").clicked() {
                self.console.clear();
            }
        });
        egui::ScrollArea::vertical()
            .stick_to_bottom(true)
            .auto_shrink([false; 2])
            .show(ui, |ui| {
                for message in self.visible_lines() {
                    let colour = match message.level {
                        MessageLevel::Error => theme::ERROR,
                        MessageLevel::Warning => theme::NOTICE,
                        _ => theme::DIM,
                    };
                    ui.add(
                        egui::Label::new(RichText::new(&message.text).monospace().color(colour))
                            .selectable(true),
                    );
                }
            });
    }

    pub(super) fn visible_lines(&self) -> impl Iterator<Item = &Message> {
        let filter = self.console_filter.to_lowercase();
        self.console.iter().filter(move |m| {
            let shown = match m.level {
                MessageLevel::Error => self.show_levels[0],
                MessageLevel::Warning => self.show_levels[1],
                _ => self.show_levels[2],
            };
            shown && (filter.is_empty() || m.text.to_lowercase().contains(&filter))
        })
    }
}
