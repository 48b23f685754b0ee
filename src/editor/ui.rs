//! The window's state and frame: what it remembers between frames, the tabs, and what it
//! picks up from outside each frame (a new orchestra, console lines, a refused orchestra). The
//! views (one file each beside this one) draw it.

use super::link::Link;
use super::theme;
use crate::csound::Message;
use crate::engine::live::{Loader, Status};
use crate::orchestra::declarations::ParamSpec;
use crate::orchestra::factory;
use crate::orchestra::source::{Kind, Source};
use crate::orchestra::trust::TrustStore;
use crate::params::PluginParams;
use crate::presets::{self, Preset};
use egui::RichText;
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::ParamSetter;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Console lines kept.
const CONSOLE_LINES: usize = 2000;

/// The tabs of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tab {
    Controls,
    Orchestra,
    Console,
}

/// A preset in the preset bar.
pub(super) struct Entry {
    /// Where it is shown from: "Factory · pad" or "User".
    pub(super) group: String,
    pub(super) preset: Preset,
}

/// What to do once an orchestra the user allowed has loaded.
pub(super) enum Pending {
    /// Open this source (after the user allows it).
    Open(Source),
    /// Load this preset (after the user allows its orchestra).
    Preset(Preset),
}

/// A small file browser (plugins cannot rely on a system file dialog).
pub(super) struct Browser {
    pub(super) dir: PathBuf,
    pub(super) name: String,
    /// File extensions shown.
    pub(super) extensions: &'static [&'static str],
    pub(super) purpose: Purpose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    OpenOrchestra,
    ImportPreset,
    ExportPreset,
    /// A file for a file button's text channel ([`Ui::file_for`]).
    WidgetFile,
}

/// Everything the window shows and remembers between frames.
pub struct Ui {
    pub(super) kind: Kind,
    pub(super) params: Arc<PluginParams>,
    pub(super) loader: Arc<Loader>,
    pub(super) link: Arc<Link>,
    pub(super) gui: Option<GuiContext>,
    pub(super) tab: Tab,
    /// The orchestra being edited.
    pub(super) source: String,
    pub(super) origin: String,
    pub(super) path: Option<String>,
    /// The loader generation the source buffer was taken from.
    pub(super) seen_generation: u64,
    pub(super) console: Vec<Message>,
    pub(super) console_filter: String,
    pub(super) show_levels: [bool; 3],
    pub(super) presets: Vec<Entry>,
    pub(super) preset_index: Option<usize>,
    pub(super) save_name: String,
    pub(super) embed_source: bool,
    /// A preset waiting for its orchestra to finish compiling (the generation it waits for).
    pub(super) waiting: Option<(Preset, u64)>,
    /// A message for the musician (what a preset did not match, what failed).
    pub(super) notice: Option<String>,
    /// A refused orchestra and what opening it would do.
    pub(super) refusal: Option<(String, Pending, String)>,
    pub(super) trust: TrustStore,
    pub(super) browser: Option<Browser>,
    /// The keys held with the mouse or the computer keyboard.
    pub(super) held: [bool; 128],
    pub(super) octave: i32,
    pub(super) mouse_key: Option<u8>,
    pub(super) meters: [f32; 2],
    /// Show the orchestra's own `<Cabbage>` face (when it has one) rather than the generated
    /// controls.
    pub(super) show_face: bool,
    /// Something changed in the last poll (console lines, widget changes, a new orchestra).
    pub(super) changed_now: bool,
    /// The channel of the file button whose file the browser is choosing.
    pub(super) file_for: Option<String>,
    /// What the orchestra changed in its widgets (`cabbageSet`, `cabbageSetValue`), by channel.
    pub(super) changed: std::collections::HashMap<String, super::widget_state::WidgetState>,
    /// Widgets the orchestra created at run time (`cabbageCreate`), drawn after its layout's.
    pub(super) created: Vec<crate::orchestra::cabbage::Widget>,
    /// The function tables gentable widgets draw, by number, as the engine last sent them.
    pub(super) tables: std::collections::HashMap<u32, super::look::TableShape>,
    /// Pictures, sounds and folder listings the face shows, read once.
    pub(super) media: std::cell::RefCell<super::look::Media>,
    /// The export window, while open: what the musician chose, and what the last export said.
    pub(super) export: Option<(
        super::export_panel::ExportForm,
        Option<Result<String, String>>,
    )>,
}

impl Ui {
    pub(super) fn new(
        kind: Kind,
        params: Arc<PluginParams>,
        loader: Arc<Loader>,
        link: Arc<Link>,
    ) -> Self {
        let mut ui = Self {
            kind,
            params,
            loader,
            link,
            gui: None,
            tab: Tab::Controls,
            source: String::new(),
            origin: String::new(),
            path: None,
            seen_generation: u64::MAX,
            console: Vec::new(),
            console_filter: String::new(),
            show_levels: [true; 3],
            presets: Vec::new(),
            preset_index: None,
            save_name: String::new(),
            embed_source: true,
            waiting: None,
            notice: None,
            refusal: None,
            trust: TrustStore::open(),
            browser: None,
            held: [false; 128],
            octave: 4,
            mouse_key: None,
            meters: [0.0; 2],
            show_face: true,
            changed: Default::default(),
            created: Vec::new(),
            tables: Default::default(),
            media: Default::default(),
            export: None,
            file_for: None,
            changed_now: false,
        };
        ui.refresh_presets();
        ui
    }

    /// The orchestra running now: its text and name.
    pub(super) fn running(&self) -> (String, String) {
        let state = self.params.orchestra();
        let built_in = factory::default_orchestra(self.kind);
        // A text that is none of the built-in orchestras is not named after one.
        let name = state
            .file_name()
            .or_else(|| {
                let text = state.text.as_deref()?;
                Some(
                    factory::orchestras(self.kind)
                        .find(|o| o.text == text)
                        .map_or(crate::params::state::UNNAMED.to_string(), |o| {
                            o.file.to_string()
                        }),
                )
            })
            .unwrap_or_else(|| built_in.file.to_string());
        (
            state.text.unwrap_or_else(|| built_in.text.to_string()),
            name,
        )
    }

    pub(super) fn refresh_presets(&mut self) {
        self.presets.clear();
        for orchestra in factory::orchestras(self.kind) {
            let stem = orchestra.file.trim_end_matches(".csd");
            for preset in orchestra.presets() {
                self.presets.push(Entry {
                    group: format!("Factory · {stem}"),
                    preset,
                });
            }
        }
        for (_, preset) in presets::user_presets(self.kind) {
            self.presets.push(Entry {
                group: "User".into(),
                preset,
            });
        }
    }

    /// The bound parameters with their slots, in declaration order.
    pub(super) fn bound(&self) -> Vec<(usize, ParamSpec)> {
        let specs = self
            .params
            .specs
            .read()
            .map(|s| s.clone())
            .unwrap_or_default();
        let mut bound: Vec<(usize, ParamSpec)> = specs
            .into_iter()
            .enumerate()
            .filter_map(|(slot, spec)| Some((slot, spec?)))
            .collect();
        // Declaration order is the order of the state's bindings as loaded; slots keep it.
        bound.sort_by_key(|(slot, _)| *slot);
        bound
    }

    /// A slot's value as the channel sees it (plain units).
    pub(super) fn plain(&self, slot: usize, spec: &ParamSpec) -> f64 {
        if self.params.is_engaged(slot) {
            spec.plain(self.params.slots[slot].normalized() as f64)
        } else {
            spec.default
        }
    }

    pub(super) fn set_plain(
        &self,
        setter: &ParamSetter,
        slot: usize,
        spec: &ParamSpec,
        plain: f64,
    ) {
        self.params.slots[slot].set_once(setter, spec.normalized(plain) as f32);
    }

    pub(super) fn show(&mut self, ui: &mut egui::Ui) {
        self.poll();
        self.export_window(ui.ctx());
        egui::Panel::top("preset-bar").show(ui, |ui| {
            ui.add_space(4.0);
            self.preset_bar(ui);
            ui.add_space(2.0);
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.tab, Tab::Controls, "Controls");
                // A locked export is a finished instrument: its orchestra is not shown.
                if !factory::locked() {
                    ui.selectable_value(&mut self.tab, Tab::Orchestra, "Orchestra");
                }
                ui.selectable_value(&mut self.tab, Tab::Console, "Console");
                ui.separator();
                // Drawn every frame: the name from the last poll, the error under the read lock
                // (no copy of the whole orchestra state per frame).
                ui.label(RichText::new(&self.origin).strong());
                let error = self
                    .params
                    .orchestra
                    .read()
                    .ok()
                    .and_then(|s| s.error.clone());
                if let Some(error) = error {
                    ui.colored_label(theme::ERROR, first_line(&error));
                }
            });
            ui.add_space(2.0);
        });
        egui::Panel::right("meters")
            .resizable(false)
            .exact_size(46.0)
            .show(ui, |ui| self.meters(ui));
        if self.kind == Kind::Instrument {
            egui::Panel::bottom("keyboard")
                .resizable(false)
                .exact_size(96.0)
                .show(ui, |ui| self.keyboard(ui));
        }
        if let Status::Stopped { error } = self.loader.status() {
            // The engine process crashed or hung: say so on every tab, with the way back.
            egui::Panel::bottom("stopped").show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(theme::ERROR, &error);
                    if ui
                        .button("Restart")
                        .on_hover_text("Start the orchestra again in a new engine")
                        .clicked()
                    {
                        self.loader.restart();
                    }
                });
                ui.label("The console shows Csound's last messages.");
            });
        }
        if let Some(notice) = self.notice.clone() {
            egui::Panel::bottom("notice").show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(theme::NOTICE, notice);
                    if ui.small_button("✕").clicked() {
                        self.notice = None;
                    }
                });
            });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if self.refusal.is_some() {
                self.refusal_panel(ui);
            } else if self.browser.is_some() {
                self.browser_panel(ui);
            } else {
                match self.tab {
                    Tab::Controls => self.controls(ui),
                    Tab::Orchestra if !factory::locked() => self.orchestra(ui),
                    Tab::Orchestra => self.controls(ui),
                    Tab::Console => self.console(ui),
                }
            }
        });
        if self.kind == Kind::Instrument {
            self.computer_keyboard(ui);
        }
    }

    /// Picks up what changed outside the window: a new orchestra, console lines, presets
    /// waiting for their orchestra.
    /// Whether the window should keep drawing at full rate: meters still falling, or
    /// something changed in the last poll.
    pub(super) fn moving(&self) -> bool {
        self.changed_now || self.meters.iter().any(|m| *m > super::link::SILENT)
    }

    pub(super) fn poll(&mut self) {
        let generation = self.loader.generation();
        self.changed_now = generation != self.seen_generation;
        if generation != self.seen_generation {
            self.seen_generation = generation;
            // A new orchestra: its widgets start as its layout says.
            self.changed.clear();
            self.created.clear();
            self.tables.clear();
            let (text, name) = self.running();
            self.source = text;
            self.origin = name;
            self.path = self.params.orchestra().path;
        }
        if let Some(log) = self.loader.log() {
            let taken = log.take();
            self.changed_now |= !taken.is_empty();
            self.console.extend(taken);
            if self.console.len() > CONSOLE_LINES {
                let extra = self.console.len() - CONSOLE_LINES;
                self.console.drain(..extra);
            }
        }
        if let Some((message, source)) = self.loader.take_refusal() {
            // A preset waiting for this orchestra loads once it is allowed.
            let pending = match self.waiting.take() {
                Some((preset, _)) => Pending::Preset(preset),
                None => Pending::Open(source.clone()),
            };
            self.refusal = Some((message, pending, source.text));
        }
        if let Some((preset, wanted)) = &self.waiting {
            if generation >= *wanted {
                let preset = preset.clone();
                self.waiting = None;
                self.apply_values(&preset);
            } else if let Status::Failed { error, .. } = self.loader.status() {
                self.notice = Some(format!(
                    "The preset's orchestra did not compile: {}",
                    first_line(&error)
                ));
                self.waiting = None;
            }
        }
        for change in self.loader.take_widget_changes() {
            self.widget_changed(change);
            self.changed_now = true;
        }
        for (peak, meter) in self.link.peaks.iter().zip(&mut self.meters) {
            let p = peak.swap(0.0, Ordering::Relaxed);
            *meter = p.max(*meter * 0.85);
        }
    }
}

pub(super) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
