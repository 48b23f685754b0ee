//! The preset bar: factory, user and imported presets, stepping, saving, importing, exporting.

use super::ui::*;
use crate::orchestra::declarations::ParamSpec;
use crate::orchestra::source::Source;
use crate::presets::{self, Preset};
use egui::RichText;

impl Ui {
    pub(super) fn preset_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("Preset");
            if ui.button("<").on_hover_text("Previous preset").clicked() {
                self.step_preset(-1);
            }
            let current = self
                .preset_index
                .and_then(|i| self.presets.get(i))
                .map_or("(none)".to_string(), |e| e.preset.name.clone());
            let mut chosen = None;
            egui::ComboBox::from_id_salt("preset")
                .selected_text(current)
                .width(200.0)
                .show_ui(ui, |ui| {
                    let mut group = "";
                    for (i, entry) in self.presets.iter().enumerate() {
                        if entry.group != group {
                            group = &entry.group;
                            ui.label(RichText::new(group).weak());
                        }
                        if ui
                            .selectable_label(self.preset_index == Some(i), &entry.preset.name)
                            .clicked()
                        {
                            chosen = Some(i);
                        }
                    }
                });
            if ui.button(">").on_hover_text("Next preset").clicked() {
                self.step_preset(1);
            }
            if let Some(i) = chosen {
                self.choose_preset(i);
            }
            ui.separator();
            ui.add(
                egui::TextEdit::singleline(&mut self.save_name)
                    .hint_text("preset name")
                    .desired_width(120.0),
            );
            // A locked export's presets need no orchestra: it has only its own.
            if !crate::orchestra::factory::locked() {
                ui.checkbox(&mut self.embed_source, "with orchestra")
                    .on_hover_text(
                        "Put the orchestra in the file, so the file alone makes the sound",
                    );
            }
            if ui.button("Save as").clicked() {
                self.save_user_preset();
            }
            if ui.button("Import…").clicked() {
                self.browser = Some(Browser::new(
                    Purpose::ImportPreset,
                    &["cspreset", "snaps"],
                    "",
                ));
            }
            if ui.button("Export…").clicked() {
                let name = presets::file_name(if self.save_name.is_empty() {
                    "preset"
                } else {
                    &self.save_name
                });
                self.browser = Some(Browser::new(Purpose::ExportPreset, &["cspreset"], &name));
            }
        });
    }

    pub(super) fn step_preset(&mut self, by: isize) {
        if self.presets.is_empty() {
            return;
        }
        let n = self.presets.len() as isize;
        let i = self
            .preset_index
            .map_or(0, |i| (i as isize + by).rem_euclid(n));
        self.choose_preset(i as usize);
    }

    pub(super) fn choose_preset(&mut self, i: usize) {
        self.preset_index = Some(i);
        if let Some(entry) = self.presets.get(i) {
            let preset = entry.preset.clone();
            self.load_preset(preset);
        }
    }

    /// Loads a preset: its orchestra first when it needs another one (through the sharing
    /// gate, like every orchestra), then its values.
    pub(super) fn load_preset(&mut self, preset: Preset) {
        if preset.plugin != self.kind {
            self.notice = Some(format!(
                "“{}” is a preset for the {:?}, not this plugin",
                preset.name, preset.plugin
            ));
            return;
        }
        let (running, _) = self.running();
        let now = self.params.orchestra();
        // String channels and the plugin state are read when the orchestra starts.
        let strings_differ = preset.strings != now.strings || preset.state != now.state;
        match presets::host::orchestra_for(&preset, self.kind, &running) {
            Some(source) => {
                self.set_strings(&preset);
                self.compile_then(source, Some(preset));
            }
            None if strings_differ => {
                self.set_strings(&preset);
                let (text, name) = self.running();
                let path = self.params.orchestra().path;
                self.compile_then(
                    Source {
                        text,
                        origin: name,
                        path,
                    },
                    Some(preset),
                );
            }
            None => self.apply_values(&preset),
        }
    }

    /// Takes a preset's string channels and plugin state, for the next load.
    pub(super) fn set_strings(&self, preset: &Preset) {
        let mut state = self.params.orchestra();
        state.strings = preset.strings.clone();
        state.state = preset.state.clone();
        self.params.set_orchestra(state);
    }

    pub(super) fn compile_then(&mut self, source: Source, preset: Option<Preset>) {
        let wanted = self.loader.generation() + 1;
        self.loader.compile(source);
        self.waiting = preset.map(|p| (p, wanted));
    }

    pub(super) fn apply_values(&mut self, preset: &Preset) {
        let Some(gui) = self.gui.clone() else {
            return;
        };
        let setter = gui.param_setter();
        let bound = self.bound();
        let specs: Vec<ParamSpec> = bound.iter().map(|(_, s)| s.clone()).collect();
        let (running, _) = self.running();
        let applied = preset.apply_to(&specs, &running);
        for (channel, plain) in &applied.values {
            if let Some((slot, spec)) = bound.iter().find(|(_, s)| &s.channel == channel) {
                self.set_plain(&setter, *slot, spec, *plain);
            }
        }
        self.notice = applied.report().map(|r| format!("“{}”: {r}", preset.name));
    }

    /// The preset the current sound would be saved as.
    pub(super) fn capture(&self, name: &str) -> Preset {
        let (text, orchestra) = self.running();
        // Widgets their author kept out of presets (`persistence.preset: false`).
        let layout = self.params.layout.read().ok().and_then(|l| l.clone());
        let left_out = |channel: &str| {
            layout.as_ref().is_some_and(|l| {
                l.widgets
                    .iter()
                    .any(|w| w.look.not_in_presets && w.channels.iter().any(|c| c == channel))
            })
        };
        let values = self
            .bound()
            .iter()
            .filter(|(_, spec)| !left_out(&spec.channel))
            .map(|(slot, spec)| (spec.channel.clone(), self.plain(*slot, spec)))
            .collect();
        let saved = self.params.orchestra();
        Preset {
            state: saved.state,
            ..Preset::capture(
                name,
                self.kind,
                &orchestra,
                &text,
                values,
                saved.strings,
                self.embed_source && !crate::orchestra::factory::locked(),
            )
        }
    }

    pub(super) fn save_user_preset(&mut self) {
        let name = self.save_name.trim().to_string();
        if name.is_empty() {
            self.notice = Some("Type a name for the preset first".into());
            return;
        }
        let preset = self.capture(&name);
        let Some(dir) = presets::user_dir(self.kind) else {
            self.notice = Some("No folder for user presets (HOME is not set)".into());
            return;
        };
        let path = dir.join(presets::file_name(&name));
        let result =
            std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, preset.to_text()));
        match result {
            Ok(()) => {
                // The user's own saves are trusted.
                let (text, orchestra) = self.running();
                let _ = self.trust.allow(&text, &orchestra);
                self.notice = Some(format!("Saved “{name}” to {}", path.display()));
                self.refresh_presets();
                self.preset_index = self
                    .presets
                    .iter()
                    .position(|e| e.group == "User" && e.preset.name == name);
            }
            Err(e) => self.notice = Some(format!("Could not save {}: {e}", path.display())),
        }
    }
}
