//! The plugin window (egui): generated controls, the preset bar, the orchestra source with
//! compile, Csound's console, an on-screen keyboard (instrument) and output meters.
//!
//! The editor never touches the audio thread's engine: parameter changes go through the host
//! ([`ParamSetter`]), compiles through the [`Loader`], notes through [`Link::keys`], and the
//! meters come back through [`Link::peaks`].

use crate::csound::{Message, MessageLevel};
use crate::declarations::ParamSpec;
use crate::engine::Kind;
use crate::factory;
use crate::live::{Loader, Source, Status};
use crate::midi_map::MidiEvent;
use crate::params::PluginParams;
use crate::presets::{self, Preset};
use crate::trust::TrustStore;
use atomic_float::AtomicF32;
use crossbeam_queue::ArrayQueue;
use egui::{Color32, RichText};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::{
    Editor, HostMethods, ParentWindowHandle, ResizeHint, SizeConstraints, SpawnedEditor,
};
use nice_plug::prelude::{Param, ParamSetter};
use nice_plug_egui::{create_egui_editor, EguiEditorHandle, EguiEditorState, NiceEguiApp};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

/// The window's size when nothing was saved, in logical pixels.
pub const DEFAULT_SIZE: (u32, u32) = (900, 640);
/// The smallest size the window can be resized to.
const MIN_SIZE: (f32, f32) = (640.0, 420.0);
/// Console lines kept.
const CONSOLE_LINES: usize = 2000;

/// What the audio thread and the editor share.
pub struct Link {
    /// Peak level of each output channel since the editor last looked (linear).
    pub peaks: [AtomicF32; 2],
    /// Notes from the on-screen keyboard, played at the start of the next block.
    pub keys: ArrayQueue<MidiEvent>,
}

impl Default for Link {
    fn default() -> Self {
        Self {
            peaks: [AtomicF32::new(0.0), AtomicF32::new(0.0)],
            keys: ArrayQueue::new(256),
        }
    }
}

impl Link {
    /// Records the block's output peaks (audio thread: atomics only).
    pub fn meter(&self, output: &[&mut [f32]]) {
        for (peak, channel) in self.peaks.iter().zip(output) {
            let max = channel.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            peak.fetch_max(max, Ordering::Relaxed);
        }
    }
}

/// The editor handed to the host. The egui editor is made anew on each opening from the
/// saved size (nice-plug-egui's state cannot be restored from a project).
pub struct CsoundEditor {
    name: &'static str,
    kind: Kind,
    params: Arc<PluginParams>,
    loader: Arc<Loader>,
    link: Arc<Link>,
    /// The window's UI state, made on the first opening (plugins that are never opened do
    /// not read preset folders) and kept across openings.
    ui: Arc<Mutex<Option<Ui>>>,
}

impl CsoundEditor {
    pub fn new(
        name: &'static str,
        kind: Kind,
        params: Arc<PluginParams>,
        loader: Arc<Loader>,
        link: Arc<Link>,
    ) -> Self {
        Self {
            name,
            kind,
            params,
            loader,
            link,
            ui: Arc::new(Mutex::new(None)),
        }
    }

    fn size(&self) -> (u32, u32) {
        self.params
            .editor_size
            .read()
            .map(|s| *s)
            .unwrap_or(DEFAULT_SIZE)
    }
}

impl Editor for CsoundEditor {
    type Handle = EguiEditorHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn std::error::Error>> {
        let (w, h) = self.size();
        let state = EguiEditorState::from_size(
            nice_plug::editor::dpi::LogicalSize::new(w as f64, h as f64),
            1.0,
        );
        if let Ok(mut ui) = self.ui.lock() {
            if ui.is_none() {
                *ui = Some(Ui::new(
                    self.kind,
                    self.params.clone(),
                    self.loader.clone(),
                    self.link.clone(),
                ));
            }
        }
        let app = App {
            ui: self.ui.clone(),
            size: self.params.editor_size.clone(),
        };
        let settings = nice_plug_egui::EguiNiceSettings::new()
            .with_tile(self.name)
            .with_resize_hint(resize_hint());
        let editor =
            create_egui_editor(state, nice_plug_egui::RepaintNotifier::new(), settings, app)
                .ok_or("the editor could not be created")?;
        editor.spawn(
            parent,
            wait_for_parent,
            fallback_scale_factor,
            gui_context,
            host,
        )
    }

    fn size(&self) -> nice_plug::editor::dpi::NativeSize<u32> {
        let (w, h) = self.size();
        nice_plug::editor::dpi::NativeSize::new(w, h)
    }

    fn resize_hint(&self) -> ResizeHint {
        resize_hint()
    }
}

fn resize_hint() -> ResizeHint {
    ResizeHint {
        size_constraints: SizeConstraints::Logical {
            min_size: Some(nice_plug::editor::dpi::LogicalSize::new(
                MIN_SIZE.0, MIN_SIZE.1,
            )),
            max_size: None,
        },
        ..ResizeHint::RESIZABLE
    }
}

/// The egui app: forwards to the shared [`Ui`] and records the window size.
struct App {
    ui: Arc<Mutex<Option<Ui>>>,
    size: Arc<std::sync::RwLock<(u32, u32)>>,
}

impl NiceEguiApp for App {
    fn build(
        &mut self,
        _egui_ctx: egui::Context,
        gui: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        if let Ok(mut ui) = self.ui.lock() {
            if let Some(ui) = ui.as_mut() {
                ui.gui = Some(gui);
            }
        }
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        if let Ok(mut state) = self.ui.lock() {
            if let Some(state) = state.as_mut() {
                state.show(ui);
            }
        }
        // Keep meters and the console moving.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(33));
    }

    fn resized(&mut self, size: nice_plug_egui::baseview::WindowSize) {
        if let Ok(mut s) = self.size.write() {
            *s = (
                size.logical.width.round() as u32,
                size.logical.height.round() as u32,
            );
        }
    }
}

/// The tabs of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Controls,
    Orchestra,
    Console,
}

/// A preset in the preset bar.
struct Entry {
    /// Where it is shown from: "Factory · pad" or "User".
    group: String,
    preset: Preset,
}

/// What to do once an orchestra the user allowed has loaded.
enum Pending {
    /// Open this source (after the user allows it).
    Open(Source),
    /// Load this preset (after the user allows its orchestra).
    Preset(Preset),
}

/// A small file browser (plugins cannot rely on a system file dialog).
struct Browser {
    dir: PathBuf,
    name: String,
    /// File extensions shown.
    extensions: &'static [&'static str],
    purpose: Purpose,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    OpenOrchestra,
    ImportPreset,
    ExportPreset,
}

/// Everything the window shows and remembers between frames.
pub struct Ui {
    kind: Kind,
    params: Arc<PluginParams>,
    loader: Arc<Loader>,
    link: Arc<Link>,
    gui: Option<GuiContext>,
    tab: Tab,
    /// The orchestra being edited.
    source: String,
    origin: String,
    path: Option<String>,
    /// The loader generation the source buffer was taken from.
    seen_generation: u64,
    console: Vec<Message>,
    console_filter: String,
    show_levels: [bool; 3],
    presets: Vec<Entry>,
    preset_index: Option<usize>,
    save_name: String,
    embed_source: bool,
    /// A preset waiting for its orchestra to finish compiling (the generation it waits for).
    waiting: Option<(Preset, u64)>,
    /// A message for the musician (what a preset did not match, what failed).
    notice: Option<String>,
    /// A refused orchestra and what opening it would do.
    refusal: Option<(String, Pending, String)>,
    trust: TrustStore,
    browser: Option<Browser>,
    /// The keys held with the mouse or the computer keyboard.
    held: [bool; 128],
    octave: i32,
    mouse_key: Option<u8>,
    meters: [f32; 2],
}

impl Ui {
    fn new(kind: Kind, params: Arc<PluginParams>, loader: Arc<Loader>, link: Arc<Link>) -> Self {
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
        };
        ui.refresh_presets();
        ui
    }

    /// The orchestra running now: its text and name.
    fn running(&self) -> (String, String) {
        let state = self.params.orchestra();
        let built_in = factory::default_orchestra(self.kind);
        let name = state
            .file_name()
            .or_else(|| {
                let text = state.text.as_deref()?;
                factory::orchestras(self.kind)
                    .find(|o| o.text == text)
                    .map(|o| o.file.to_string())
            })
            .unwrap_or_else(|| built_in.file.to_string());
        (
            state.text.unwrap_or_else(|| built_in.text.to_string()),
            name,
        )
    }

    fn refresh_presets(&mut self) {
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
    fn bound(&self) -> Vec<(usize, ParamSpec)> {
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
    fn plain(&self, slot: usize, spec: &ParamSpec) -> f64 {
        if self.params.is_engaged(slot) {
            spec.plain(self.params.slots[slot].value.modulated_normalized_value() as f64)
        } else {
            spec.default
        }
    }

    fn set_plain(&self, setter: &ParamSetter, slot: usize, spec: &ParamSpec, plain: f64) {
        let param = &self.params.slots[slot].value;
        setter.begin_set_parameter(param);
        setter.set_parameter_normalized(param, spec.normalized(plain) as f32);
        setter.end_set_parameter(param);
    }

    fn show(&mut self, ui: &mut egui::Ui) {
        self.poll();
        egui::Panel::top("preset-bar").show(ui, |ui| {
            ui.add_space(4.0);
            self.preset_bar(ui);
            ui.add_space(2.0);
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.tab, Tab::Controls, "Controls");
                ui.selectable_value(&mut self.tab, Tab::Orchestra, "Orchestra");
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
                    ui.colored_label(Color32::LIGHT_RED, first_line(&error));
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
        if let Some(notice) = self.notice.clone() {
            egui::Panel::bottom("notice").show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(Color32::YELLOW, notice);
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
                    Tab::Orchestra => self.orchestra(ui),
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
    fn poll(&mut self) {
        let generation = self.loader.generation();
        if generation != self.seen_generation {
            self.seen_generation = generation;
            let (text, name) = self.running();
            self.source = text;
            self.origin = name;
            self.path = self.params.orchestra().path;
        }
        if let Some(log) = self.loader.log() {
            self.console.extend(log.take());
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
        for (peak, meter) in self.link.peaks.iter().zip(&mut self.meters) {
            let p = peak.swap(0.0, Ordering::Relaxed);
            *meter = p.max(*meter * 0.85);
        }
    }

    fn preset_bar(&mut self, ui: &mut egui::Ui) {
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
            ui.checkbox(&mut self.embed_source, "with orchestra")
                .on_hover_text("Put the orchestra in the file, so the file alone makes the sound");
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

    fn step_preset(&mut self, by: isize) {
        if self.presets.is_empty() {
            return;
        }
        let n = self.presets.len() as isize;
        let i = self
            .preset_index
            .map_or(0, |i| (i as isize + by).rem_euclid(n));
        self.choose_preset(i as usize);
    }

    fn choose_preset(&mut self, i: usize) {
        self.preset_index = Some(i);
        if let Some(entry) = self.presets.get(i) {
            let preset = entry.preset.clone();
            self.load_preset(preset);
        }
    }

    /// Loads a preset: its orchestra first when it needs another one (through the sharing
    /// gate, like every orchestra), then its values.
    fn load_preset(&mut self, preset: Preset) {
        if preset.plugin != self.kind {
            self.notice = Some(format!(
                "“{}” is a preset for the {:?}, not this plugin",
                preset.name, preset.plugin
            ));
            return;
        }
        let (running, _) = self.running();
        let strings_differ = preset.strings != self.params.orchestra().strings;
        // Which orchestra it needs: its own source, else the factory one it names.
        let wanted = if preset.made_for(&running) {
            None
        } else if let Some(source) = &preset.source {
            Some((source.clone(), preset.orchestra.name.clone()))
        } else {
            factory::orchestra(self.kind, &preset.orchestra.name)
                .map(|o| (o.text.to_string(), o.file.to_string()))
        };
        match wanted {
            Some((text, name)) => {
                self.set_strings(&preset.strings);
                self.compile_then(
                    Source {
                        text,
                        origin: name,
                        path: None,
                    },
                    Some(preset),
                );
            }
            None if strings_differ => {
                self.set_strings(&preset.strings);
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

    fn set_strings(&self, strings: &BTreeMap<String, String>) {
        let mut state = self.params.orchestra();
        state.strings = strings.clone();
        self.params.set_orchestra(state);
    }

    fn compile_then(&mut self, source: Source, preset: Option<Preset>) {
        let wanted = self.loader.generation() + 1;
        self.loader.compile(source);
        self.waiting = preset.map(|p| (p, wanted));
    }

    fn apply_values(&mut self, preset: &Preset) {
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
    fn capture(&self, name: &str) -> Preset {
        let (text, orchestra) = self.running();
        let values = self
            .bound()
            .iter()
            .map(|(slot, spec)| (spec.channel.clone(), self.plain(*slot, spec)))
            .collect();
        Preset::capture(
            name,
            self.kind,
            &orchestra,
            &text,
            values,
            self.params.orchestra().strings,
            self.embed_source,
        )
    }

    fn save_user_preset(&mut self) {
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

    fn meters(&mut self, ui: &mut egui::Ui) {
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

    fn controls(&mut self, ui: &mut egui::Ui) {
        let bound = self.bound();
        if bound.is_empty() {
            ui.label("This orchestra declares no parameters (chn_k channels).");
            return;
        }
        let Some(gui) = self.gui.clone() else {
            return;
        };
        let setter = gui.param_setter();
        let mut groups: Vec<(String, Vec<(usize, ParamSpec)>)> = Vec::new();
        for (slot, spec) in bound {
            match groups.iter_mut().find(|(g, _)| *g == spec.group) {
                Some((_, members)) => members.push((slot, spec)),
                None => groups.push((spec.group.clone(), vec![(slot, spec)])),
            }
        }
        // Groups fill rows left to right; a group that does not fit starts a new row.
        let width = ui.available_width();
        let group_width = |members: usize| members as f32 * 86.0 + 24.0;
        let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
        let mut used = 0.0;
        for (i, (_, members)) in groups.iter().enumerate() {
            let w = group_width(members.len());
            if used + w > width && !rows.last().is_some_and(Vec::is_empty) {
                rows.push(Vec::new());
                used = 0.0;
            }
            used += w;
            if let Some(row) = rows.last_mut() {
                row.push(i);
            }
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            for row in &rows {
                ui.horizontal_top(|ui| {
                    for &i in row {
                        let (group, members) = &groups[i];
                        ui.group(|ui| {
                            ui.set_min_width(group_width(members.len()) - 24.0);
                            ui.vertical(|ui| {
                                let title = if group.is_empty() {
                                    "Parameters"
                                } else {
                                    group
                                };
                                ui.label(RichText::new(title).strong());
                                ui.horizontal_top(|ui| {
                                    for (slot, spec) in members {
                                        self.control(ui, &setter, *slot, spec);
                                    }
                                });
                            });
                        });
                    }
                });
            }
        });
    }

    /// One parameter: a menu for named steps, a toggle for two steps, else a knob.
    fn control(&self, ui: &mut egui::Ui, setter: &ParamSetter, slot: usize, spec: &ParamSpec) {
        let plain = self.plain(slot, spec);
        ui.vertical(|ui| {
            ui.set_width(78.0);
            ui.label(RichText::new(&spec.label))
                .on_hover_text(format!("channel “{}”", spec.channel));
            match spec.steps.len() {
                0 => {
                    let response = knob(
                        ui,
                        spec.normalized(plain) as f32,
                        spec.normalized(spec.default) as f32,
                    );
                    if response.started {
                        setter.begin_set_parameter(&self.params.slots[slot].value);
                    }
                    if let Some(n) = response.value {
                        setter.set_parameter_normalized(&self.params.slots[slot].value, n);
                    }
                    if response.stopped {
                        setter.end_set_parameter(&self.params.slots[slot].value);
                    }
                    if let Some(n) = response.reset {
                        let param = &self.params.slots[slot].value;
                        setter.begin_set_parameter(param);
                        setter.set_parameter_normalized(param, n);
                        setter.end_set_parameter(param);
                    }
                    ui.label(RichText::new(spec.display(plain)).monospace().small());
                }
                2 => {
                    let on = plain >= spec.min + 0.5;
                    let text = &spec.steps[on as usize];
                    if ui.selectable_label(on, text.as_str()).clicked() {
                        let value = if on { spec.min } else { spec.min + 1.0 };
                        self.set_plain(setter, slot, spec, value);
                    }
                }
                _ => {
                    let current = (plain - spec.min).round().max(0.0) as usize;
                    egui::ComboBox::from_id_salt(("steps", slot))
                        .width(72.0)
                        .selected_text(spec.steps.get(current).cloned().unwrap_or_default())
                        .show_ui(ui, |ui| {
                            for (i, step) in spec.steps.iter().enumerate() {
                                if ui.selectable_label(i == current, step).clicked() {
                                    self.set_plain(setter, slot, spec, spec.min + i as f64);
                                }
                            }
                        });
                }
            }
        });
    }

    fn orchestra(&mut self, ui: &mut egui::Ui) {
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
                    ui.colored_label(Color32::LIGHT_GREEN, format!("{origin} playing"));
                }
                _ => {}
            }
        });
        if let Status::Failed { error, .. } = &status {
            ui.colored_label(Color32::LIGHT_RED, error.as_str());
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

    fn console(&mut self, ui: &mut egui::Ui) {
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
                        MessageLevel::Error => Color32::LIGHT_RED,
                        MessageLevel::Warning => Color32::YELLOW,
                        _ => Color32::GRAY,
                    };
                    ui.add(
                        egui::Label::new(RichText::new(&message.text).monospace().color(colour))
                            .selectable(true),
                    );
                }
            });
    }

    fn visible_lines(&self) -> impl Iterator<Item = &Message> {
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

    fn refusal_panel(&mut self, ui: &mut egui::Ui) {
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

    fn browser_panel(&mut self, ui: &mut egui::Ui) {
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

    fn file_chosen(&mut self, purpose: Purpose, path: PathBuf) {
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
            Purpose::OpenOrchestra => match Source::from_file(&path) {
                Ok(source) => {
                    // The loader's gate asks for consent if it must (see `poll`).
                    self.compile_then(source, None);
                    self.tab = Tab::Orchestra;
                }
                Err(e) => self.notice = Some(format!("Could not read {shown}: {e}")),
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

    fn keyboard(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if ui
                .small_button("−")
                .on_hover_text("Octave down (Z)")
                .clicked()
            {
                self.octave = (self.octave - 1).max(0);
            }
            ui.label(format!("C{}", self.octave));
            if ui
                .small_button("+")
                .on_hover_text("Octave up (X)")
                .clicked()
            {
                self.octave = (self.octave + 1).min(8);
            }
            ui.label(
                RichText::new("Play with the mouse or the keys A W S E D F T G Y H U J K")
                    .weak()
                    .small(),
            );
        });
        let (rect, response) = ui.allocate_exact_size(
            egui::vec2(ui.available_width(), ui.available_height().max(40.0)),
            egui::Sense::click_and_drag(),
        );
        let first = (self.octave.clamp(0, 8) * 12 + 12) as u8; // C of the octave, MIDI
        let whites: Vec<u8> = (0..36u8)
            .map(|i| first.saturating_add(i))
            .filter(|k| !is_black(*k))
            .collect();
        let w = rect.width() / whites.len() as f32;
        let painter = ui.painter_at(rect);
        let mut key_rects: Vec<(u8, egui::Rect, bool)> = Vec::new();
        for (i, &key) in whites.iter().enumerate() {
            let r = egui::Rect::from_min_size(
                rect.min + egui::vec2(i as f32 * w, 0.0),
                egui::vec2(w - 1.0, rect.height()),
            );
            key_rects.push((key, r, false));
        }
        for (i, &key) in whites.iter().enumerate() {
            if key < 127 && is_black(key + 1) {
                let r = egui::Rect::from_min_size(
                    rect.min + egui::vec2((i as f32 + 0.65) * w, 0.0),
                    egui::vec2(w * 0.7, rect.height() * 0.6),
                );
                key_rects.push((key + 1, r, true));
            }
        }
        for (key, r, black) in &key_rects {
            let down = self.held[*key as usize & 127];
            let fill = match (black, down) {
                (_, true) => Color32::from_rgb(120, 170, 255),
                (false, false) => Color32::from_gray(235),
                (true, false) => Color32::from_gray(25),
            };
            painter.rect_filled(*r, 2.0, fill);
        }
        // Black keys lie on top: look them up first.
        let under = |pos: egui::Pos2| {
            key_rects
                .iter()
                .rev()
                .find(|(_, r, _)| r.contains(pos))
                .map(|(k, _, _)| *k)
        };
        let pointer = response.interact_pointer_pos();
        let pressed = ui.input(|i| i.pointer.primary_down());
        let target = if pressed {
            pointer.and_then(under)
        } else {
            None
        };
        if target != self.mouse_key {
            if let Some(old) = self.mouse_key.take() {
                self.note(old, false);
            }
            if let Some(new) = target {
                self.note(new, true);
                self.mouse_key = Some(new);
            }
        }
    }

    /// The computer keyboard plays notes when no text field has the focus.
    fn computer_keyboard(&mut self, ui: &mut egui::Ui) {
        if ui.ctx().egui_wants_keyboard_input() || self.tab == Tab::Orchestra {
            return;
        }
        let events = ui.input(|i| i.events.clone());
        for event in events {
            let egui::Event::Key {
                key,
                pressed,
                repeat: false,
                ..
            } = event
            else {
                continue;
            };
            match (key, pressed) {
                (egui::Key::Z, true) => self.octave = (self.octave - 1).max(0),
                (egui::Key::X, true) => self.octave = (self.octave + 1).min(8),
                _ => {
                    if let Some(semitone) = semitone(key) {
                        let k = (self.octave * 12 + 12 + semitone).clamp(0, 127) as u8;
                        self.note(k, pressed);
                    }
                }
            }
        }
    }

    fn note(&mut self, key: u8, on: bool) {
        let key = key & 127;
        if self.held[key as usize] == on {
            return;
        }
        self.held[key as usize] = on;
        let event = if on {
            MidiEvent::NoteOn {
                at: 0,
                channel: 0,
                key,
                velocity: 0.8,
            }
        } else {
            MidiEvent::NoteOff {
                at: 0,
                channel: 0,
                key,
            }
        };
        let _ = self.link.keys.push(event);
    }
}

impl Browser {
    fn new(purpose: Purpose, extensions: &'static [&'static str], name: &str) -> Self {
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
    fn entries(&self) -> Vec<(PathBuf, bool)> {
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
                *is_dir
                    || p.extension()
                        .is_some_and(|e| self.extensions.iter().any(|x| e == *x))
            })
            .collect();
        entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        entries
    }
}

/// What a knob did this frame.
struct KnobResponse {
    started: bool,
    value: Option<f32>,
    stopped: bool,
    /// Double-clicked: back to the default (normalized).
    reset: Option<f32>,
}

/// A rotary control: drag up/down (Shift for fine steps), double-click for the default.
fn knob(ui: &mut egui::Ui, normalized: f32, default: f32) -> KnobResponse {
    let size = 44.0;
    let (rect, response) =
        ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::click_and_drag());
    let mut out = KnobResponse {
        started: response.drag_started(),
        value: None,
        stopped: response.drag_stopped(),
        reset: None,
    };
    let mut value = normalized;
    if response.dragged() {
        let fine = ui.input(|i| i.modifiers.shift);
        let per_pixel = if fine { 1.0 / 2000.0 } else { 1.0 / 200.0 };
        let delta = -response.drag_delta().y + response.drag_delta().x;
        value = (normalized + delta * per_pixel).clamp(0.0, 1.0);
        out.value = Some(value);
    }
    if response.double_clicked() {
        out.reset = Some(default);
        value = default;
    }
    let painter = ui.painter();
    let centre = rect.center();
    let radius = size * 0.42;
    painter.circle_filled(centre, radius, Color32::from_gray(45));
    let angle = |v: f32| (0.75 + 1.5 * v) * std::f32::consts::PI;
    let arc = |from: f32, to: f32, colour: Color32| {
        let steps = 24;
        let points: Vec<egui::Pos2> = (0..=steps)
            .map(|i| {
                let a = angle(from + (to - from) * i as f32 / steps as f32);
                centre + egui::vec2(a.cos(), a.sin()) * radius
            })
            .collect();
        painter.add(egui::Shape::line(points, egui::Stroke::new(3.0, colour)));
    };
    arc(0.0, 1.0, Color32::from_gray(80));
    arc(0.0, value, Color32::from_rgb(90, 160, 255));
    let a = angle(value);
    painter.line_segment(
        [centre, centre + egui::vec2(a.cos(), a.sin()) * radius * 0.8],
        egui::Stroke::new(2.0, Color32::WHITE),
    );
    out
}

fn is_black(key: u8) -> bool {
    matches!(key % 12, 1 | 3 | 6 | 8 | 10)
}

/// The semitone above C a computer key plays (a piano row on A..K, sharps on W E T Y U).
fn semitone(key: egui::Key) -> Option<i32> {
    use egui::Key::*;
    Some(match key {
        A => 0,
        W => 1,
        S => 2,
        E => 3,
        D => 4,
        F => 5,
        T => 6,
        G => 7,
        Y => 8,
        H => 9,
        U => 10,
        J => 11,
        K => 12,
        _ => return None,
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// Syntax colouring for CSD text: section tags, comments, strings, numbers, control-flow and
/// structure keywords; the line of a compile error gets a red background.
fn highlight(text: &str, error_line: Option<u32>) -> egui::text::LayoutJob {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlighting_keeps_the_text_and_marks_the_error_line() {
        let text = "<CsInstruments>\ninstr 1 ; hi\n a1 oscili 0.1, \"x\"\nendin\n";
        let job = highlight(text, Some(3));
        assert_eq!(job.text, text, "colouring must not change the text");
        let red: Vec<&str> = job
            .sections
            .iter()
            .filter(|s| s.format.background != Color32::TRANSPARENT)
            .map(|s| &job.text[s.byte_range.start.0..s.byte_range.end.0])
            .collect();
        assert_eq!(red.concat(), " a1 oscili 0.1, \"x\"\n");
    }

    /// Runs frames of a knob (value 0.5, default 0.25) headless, one list of events per frame;
    /// returns what the knob reported over all frames: (last value set, reset value).
    fn drive_knob(frames: &[Vec<egui::Event>], shift: bool) -> (Option<f32>, Option<f32>) {
        let ctx = egui::Context::default();
        let (mut value, mut reset) = (None, None);
        for (i, events) in frames.iter().enumerate() {
            let modifiers = egui::Modifiers {
                shift,
                ..Default::default()
            };
            let mut events = events.clone();
            events.insert(0, egui::Event::ModifiersChanged(modifiers));
            let input = egui::RawInput {
                time: Some(i as f64 * 0.05),
                events,
                ..Default::default()
            };
            let mut output = ctx.run_ui(input, |ui| {
                let r = knob(ui, 0.5, 0.25);
                value = r.value.or(value);
                reset = r.reset.or(reset);
            });
            // Nothing draws here: the font textures are dropped unapplied on purpose.
            output.textures_delta.clear();
        }
        (value, reset)
    }

    fn pointer(pos: egui::Pos2, pressed: Option<bool>) -> Vec<egui::Event> {
        let mut events = vec![egui::Event::PointerMoved(pos)];
        if let Some(pressed) = pressed {
            events.push(egui::Event::PointerButton {
                pos,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: Default::default(),
            });
        }
        events
    }

    #[test]
    fn knobs_drag_finely_with_shift_and_reset_on_double_click() {
        // The knob is the first widget: inside the panel's top-left corner.
        let at = egui::pos2(30.0, 30.0);
        let up = |dy: f32| egui::pos2(30.0, 30.0 - dy);
        let drag = vec![
            vec![],
            pointer(at, Some(true)),
            pointer(up(10.0), None),
            pointer(up(40.0), None),
            pointer(up(40.0), Some(false)),
        ];
        let (coarse, _) = drive_knob(&drag, false);
        let (fine, _) = drive_knob(&drag, true);
        let coarse = coarse.expect("dragging moves the value") - 0.5;
        let fine = fine.expect("dragging moves the value") - 0.5;
        assert!(coarse > 0.0 && fine > 0.0, "up raises: {coarse} {fine}");
        assert!(
            (coarse / fine - 10.0).abs() < 0.5,
            "Shift makes steps ten times finer: {coarse} / {fine}"
        );
        let double = vec![
            vec![],
            pointer(at, Some(true)),
            pointer(at, Some(false)),
            pointer(at, Some(true)),
            pointer(at, Some(false)),
        ];
        assert_eq!(
            drive_knob(&double, false).1,
            Some(0.25),
            "back to the default"
        );
        assert_eq!(drive_knob(&drag, false).1, None, "a drag is not a reset");
    }

    fn ui_for_tests() -> Ui {
        let params = Arc::new(PluginParams::new());
        let (loader, _player) = Loader::new(params.clone(), Kind::Instrument);
        Ui::new(
            Kind::Instrument,
            params,
            Arc::new(loader),
            Arc::new(Link::default()),
        )
    }

    #[test]
    fn the_console_filters_by_level_and_text() {
        let mut ui = ui_for_tests();
        let line = |level, text: &str| Message {
            level,
            text: text.into(),
        };
        ui.console = vec![
            line(MessageLevel::Error, "INIT ERROR in instr 1 line 12"),
            line(MessageLevel::Warning, "WARNING: table 3 not found"),
            line(MessageLevel::Info, "new alloc for instr 1"),
        ];
        let shown = |ui: &Ui| {
            ui.visible_lines()
                .map(|m| m.text.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(&ui).len(), 3);
        ui.console_filter = "INSTR 1".into();
        assert_eq!(shown(&ui).len(), 2, "case-insensitive text filter");
        ui.show_levels[0] = false;
        assert_eq!(shown(&ui), ["new alloc for instr 1"]);
    }

    #[test]
    fn the_keyboard_sends_each_note_on_and_off_once() {
        let mut ui = ui_for_tests();
        let key = (ui.octave * 12 + 12 + semitone(egui::Key::E).unwrap()) as u8;
        assert_eq!(key, 63, "the E key plays E-flat 4");
        ui.note(key, true);
        ui.note(key, true); // held: no second note-on
        ui.note(key, false);
        let sent: Vec<MidiEvent> = std::iter::from_fn(|| ui.link.keys.pop()).collect();
        assert!(matches!(
            sent[..],
            [
                MidiEvent::NoteOn { key: 63, .. },
                MidiEvent::NoteOff { key: 63, .. }
            ]
        ));
    }

    #[test]
    fn meters_keep_the_peak_until_read() {
        let link = Link::default();
        let mut l = vec![0.1f32, -0.7];
        let mut r = vec![0.2f32, 0.3];
        link.meter(&[&mut l, &mut r]);
        let mut quiet = vec![0.0f32; 2];
        let mut quiet2 = vec![0.0f32; 2];
        link.meter(&[&mut quiet, &mut quiet2]);
        assert_eq!(link.peaks[0].load(Ordering::Relaxed), 0.7);
        assert_eq!(link.peaks[1].load(Ordering::Relaxed), 0.3);
    }
}
