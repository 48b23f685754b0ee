//! A small in-window file browser (plugins cannot rely on a system file dialog), and what
//! happens to the file chosen.

use super::ui::*;
use crate::orchestra::source::Source;
use crate::presets::{self, Preset};
use std::path::PathBuf;

impl Ui {
    pub(super) fn browser_panel(&mut self, ui: &mut egui::Ui) {
        let Some(browser) = &mut self.browser else {
            return;
        };
        let mut chosen: Option<PathBuf> = None;
        let mut cancel = false;
        ui.horizontal(|ui| {
            if ui.button("Up").on_hover_text("Parent folder").clicked() {
                if let Some(parent) = browser.dir.parent() {
                    browser.dir = parent.to_path_buf();
                }
            }
            ui.label(browser.dir.display().to_string());
        });
        ui.horizontal(|ui| {
            ui.label("File");
            ui.add(egui::TextEdit::singleline(&mut browser.name).desired_width(260.0));
            let verb = match browser.purpose {
                Purpose::OpenOrchestra => "Open",
                Purpose::ImportPreset => "Import",
                Purpose::ExportPreset => "Export",
                Purpose::WidgetFile => "Choose",
            };
            if ui.button(verb).clicked() && !browser.name.is_empty() {
                chosen = Some(browser.dir.join(&browser.name));
            }
            if ui.button("Cancel").clicked() {
                cancel = true;
            }
        });
        egui::ScrollArea::vertical().show(ui, |ui| {
            for (path, is_dir) in browser.entries() {
                let name = path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
                let label = if is_dir {
                    format!("[{name}]")
                } else {
                    name.clone()
                };
                if ui.selectable_label(false, label).clicked() {
                    if is_dir {
                        browser.dir = path;
                    } else {
                        browser.name = name;
                    }
                }
            }
        });
        let purpose = browser.purpose;
        if cancel {
            self.browser = None;
        }
        if let Some(path) = chosen {
            self.browser = None;
            self.file_chosen(purpose, path);
        }
    }

    pub(super) fn file_chosen(&mut self, purpose: Purpose, path: PathBuf) {
        let shown = path.display().to_string();
        match purpose {
            Purpose::ExportPreset => {
                let name = path
                    .file_stem()
                    .map_or_else(|| "Preset".into(), |s| s.to_string_lossy().into_owned());
                let name = if self.save_name.trim().is_empty() {
                    name
                } else {
                    self.save_name.trim().to_string()
                };
                let text = self.capture(&name).to_text();
                self.notice = Some(match std::fs::write(&path, text) {
                    Ok(()) => format!("Exported “{name}” to {shown}"),
                    Err(e) => format!("Could not write {shown}: {e}"),
                });
            }
            Purpose::WidgetFile => {
                if let Some(channel) = self.file_for.take() {
                    self.loader.set_string(&channel, &shown);
                    self.notice = Some(format!("{channel}: {shown}"));
                }
            }
            Purpose::OpenOrchestra => match Source::from_file(&path) {
                Ok(source) => {
                    // The loader's gate asks for consent if it must (see `poll`).
                    self.compile_then(source, None);
                    self.tab = Tab::Orchestra;
                }
                Err(e) => self.notice = Some(e.to_string()),
            },
            Purpose::ImportPreset => {
                let text = match std::fs::read_to_string(&path) {
                    Ok(text) => text,
                    Err(e) => {
                        self.notice = Some(format!("Could not read {shown}: {e}"));
                        return;
                    }
                };
                let imported = if path.extension().is_some_and(|e| e == "snaps") {
                    let (orc_text, orc_name) = self.running();
                    presets::import_snaps(&text, &shown, self.kind, &orc_name, &orc_text)
                } else {
                    Preset::parse(&text, &shown).map(|p| vec![p])
                };
                match imported {
                    Ok(imported) => {
                        let first = self.presets.len();
                        let count = imported.len();
                        for preset in imported {
                            self.presets.push(Entry {
                                group: "Imported".into(),
                                preset,
                            });
                        }
                        self.notice = Some(format!("Imported {count} preset(s) from {shown}"));
                        if count > 0 {
                            self.choose_preset(first);
                        }
                    }
                    Err(e) => self.notice = Some(e.to_string()),
                }
            }
        }
    }
}

impl Browser {
    pub(super) fn new(purpose: Purpose, extensions: &'static [&'static str], name: &str) -> Self {
        let dir = std::env::current_dir()
            .ok()
            .filter(|d| d.parent().is_some())
            .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/"));
        Self {
            dir,
            name: name.to_string(),
            extensions,
            purpose,
        }
    }

    /// Folders, then the files with the wanted extensions, by name; hidden ones left out.
    pub(super) fn entries(&self) -> Vec<(PathBuf, bool)> {
        let mut entries: Vec<(PathBuf, bool)> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
            .map(|e| {
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                (e.path(), is_dir)
            })
            .filter(|(p, is_dir)| {
                // No extensions given: every file.
                *is_dir
                    || self.extensions.is_empty()
                    || p.extension()
                        .is_some_and(|e| self.extensions.iter().any(|x| e == *x))
            })
            .collect();
        entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        entries
    }
}
