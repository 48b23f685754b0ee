//! The orchestra tab: the CSD source with line numbers and colouring, Compile, and the error
//! line marked.

use super::theme;
use super::ui::*;
use crate::csound::Version;
use crate::engine::live::Status;
use crate::orchestra::source::Source;
use egui::{Color32, RichText};

impl Ui {
    pub(super) fn orchestra(&mut self, ui: &mut egui::Ui) {
        let status = self.loader.status();
        let error_line = match &status {
            Status::Failed { line, .. } => *line,
            _ => None,
        };
        let compile = ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::Enter));
        ui.horizontal(|ui| {
            if ui.button("Open .csd…").clicked() {
                self.browser = Some(Browser::new(Purpose::OpenOrchestra, &["csd"], ""));
            }
            let compile_clicked = ui
                .button("Compile")
                .on_hover_text("Compile and switch to it while playing (Ctrl+Enter)")
                .clicked();
            if compile || compile_clicked {
                self.loader.compile(Source {
                    text: self.source.clone(),
                    origin: self.origin.clone(),
                    path: self.path.clone(),
                });
            }
            self.csound_choice(ui);
            self.export_button(ui);
            let mut watch = self.loader.watching();
            if ui
                .checkbox(&mut watch, "Recompile on save")
                .on_hover_text("Watch the orchestra's file and recompile when it is saved")
                .changed()
            {
                self.loader.set_watch(watch);
            }
            match &status {
                Status::Compiling => {
                    ui.label("compiling…");
                }
                Status::Loaded { origin } => {
                    ui.colored_label(theme::GOOD, format!("{origin} playing"));
                }
                _ => {}
            }
        });
        if let Status::Failed { error, .. } = &status {
            ui.colored_label(theme::ERROR, error.as_str());
        }
        let mut layouter = move |ui: &egui::Ui, text: &dyn egui::TextBuffer, wrap: f32| {
            let mut job = highlight(text.as_str(), error_line);
            job.wrap.max_width = wrap;
            ui.fonts_mut(|f| f.layout_job(job))
        };
        egui::ScrollArea::both().show(ui, |ui| {
            ui.horizontal_top(|ui| {
                let lines = self.source.lines().count().max(1);
                let numbers: String = (1..=lines).map(|n| format!("{n:>4}\n")).collect();
                ui.label(
                    RichText::new(numbers)
                        .monospace()
                        .color(Color32::from_gray(110)),
                );
                ui.add(
                    egui::TextEdit::multiline(&mut self.source)
                        .code_editor()
                        .desired_width(f32::INFINITY)
                        .desired_rows(30)
                        .layouter(&mut layouter),
                );
            });
        });
    }
}

impl Ui {
    /// The Csound the orchestra runs on: choosing the other one recompiles the orchestra shown
    /// on it, and the project remembers the choice.
    fn csound_choice(&mut self, ui: &mut egui::Ui) {
        let asked = self.params.csound();
        let running = self.params.csound_running();
        let running = running.as_deref().and_then(Version::from_key);
        let (current, _) = crate::engine::csound_for(asked.as_deref());
        let automatic = match running {
            Some(v) => format!("As the orchestra needs ({})", v.label()),
            None => "As the orchestra needs".to_string(),
        };
        let mut chosen = asked.clone();
        egui::ComboBox::from_id_salt("csound-version")
            .selected_text(current.map_or(automatic.clone(), |v| v.label().to_string()))
            .show_ui(ui, |ui| {
                if ui
                    .add(egui::Button::selectable(current.is_none(), automatic))
                    .clicked()
                {
                    chosen = None;
                }
                for version in Version::ALL {
                    // The bundled one is always there; asking opens (and unpacks) nothing.
                    let here = version == Version::Seven || version.is_available();
                    let item = egui::Button::selectable(current == Some(version), version.label());
                    if ui.add_enabled(here, item).clicked() {
                        chosen = Some(version.key().to_string());
                    }
                }
            })
            .response
            .on_hover_text(
                "The Csound this orchestra runs on, saved with the project. By default each \
                 orchestra runs on the one it needs: 7.0 for Cabbage 3 instruments and code \
                 only 7.0 reads, else 6.18 where it is installed",
            );
        if chosen != asked {
            self.params.set_csound(chosen.as_deref());
            self.loader.compile(Source {
                text: self.source.clone(),
                origin: self.origin.clone(),
                path: self.path.clone(),
            });
        }
    }
}

/// Syntax colouring for CSD text: section tags, comments, strings, numbers, control-flow and
/// structure keywords; the line of a compile error gets a red background.
pub(super) fn highlight(text: &str, error_line: Option<u32>) -> egui::text::LayoutJob {
    const KEYWORDS: &[&str] = &[
        "instr", "endin", "opcode", "endop", "if", "then", "else", "elseif", "endif", "while",
        "do", "od", "until", "goto", "igoto", "kgoto", "sr", "ksmps", "kr", "nchnls", "nchnls_i",
        "0dbfs",
    ];
    let mut job = egui::text::LayoutJob::default();
    let font = egui::FontId::monospace(13.0);
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let background = if error_line == Some(n as u32 + 1) {
            Color32::from_rgb(90, 20, 20)
        } else {
            Color32::TRANSPARENT
        };
        let mut push = |s: &str, colour: Color32| {
            job.append(
                s,
                0.0,
                egui::TextFormat {
                    font_id: font.clone(),
                    color: colour,
                    background,
                    ..Default::default()
                },
            );
        };
        let trimmed = line.trim_start();
        if trimmed.starts_with('<') {
            push(line, Color32::from_rgb(200, 120, 220));
            continue;
        }
        let mut rest = line;
        while !rest.is_empty() {
            if rest.starts_with(';') || rest.starts_with("//") {
                push(rest, Color32::from_rgb(110, 150, 110));
                break;
            }
            let c = rest.chars().next().unwrap_or(' ');
            if c == '"' {
                let end = rest[1..].find('"').map_or(rest.len(), |i| i + 2);
                push(&rest[..end], Color32::from_rgb(230, 180, 100));
                rest = &rest[end..];
            } else if c.is_alphanumeric() || c == '_' {
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                    .unwrap_or(rest.len());
                let word = &rest[..end];
                let colour = if KEYWORDS.contains(&word) {
                    Color32::from_rgb(240, 120, 120)
                } else if word.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                    Color32::from_rgb(140, 200, 240)
                } else {
                    Color32::from_gray(220)
                };
                push(word, colour);
                rest = &rest[end..];
            } else {
                let len = c.len_utf8();
                push(&rest[..len], Color32::from_gray(170));
                rest = &rest[len..];
            }
        }
    }
    job
}
