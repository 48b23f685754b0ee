//! The generated controls: one per bound parameter, grouped, drawn as knobs, toggles or menus.

use super::theme;
use super::ui::*;
use crate::orchestra::declarations::ParamSpec;
use egui::{Color32, RichText};
use nice_plug::prelude::ParamSetter;

impl Ui {
    pub(super) fn controls(&mut self, ui: &mut egui::Ui) {
        let layout = self.params.layout.read().ok().and_then(|l| l.clone());
        if let Some(layout) = layout {
            ui.horizontal(|ui| {
                ui.selectable_value(&mut self.show_face, true, "Instrument's face");
                ui.selectable_value(&mut self.show_face, false, "Generated controls");
            });
            if self.show_face {
                self.face(ui, &layout);
                return;
            }
        }
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
    pub(super) fn control(
        &self,
        ui: &mut egui::Ui,
        setter: &ParamSetter,
        slot: usize,
        spec: &ParamSpec,
    ) {
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
                    let param = &self.params.slots[slot];
                    if response.started {
                        param.begin(setter);
                    }
                    if let Some(n) = response.value {
                        param.set(setter, n);
                    }
                    if response.stopped {
                        param.end(setter);
                    }
                    if let Some(n) = response.reset {
                        param.set_once(setter, n);
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
}

/// What a knob did this frame.
pub(super) struct KnobResponse {
    pub(super) started: bool,
    pub(super) value: Option<f32>,
    pub(super) stopped: bool,
    /// Double-clicked: back to the default (normalized).
    pub(super) reset: Option<f32>,
}

/// A rotary control: drag up/down (Shift for fine steps), double-click for the default.
pub(super) fn knob(ui: &mut egui::Ui, normalized: f32, default: f32) -> KnobResponse {
    let id = ui.next_auto_id();
    let (rect, _) = ui.allocate_exact_size(egui::vec2(44.0, 44.0), egui::Sense::hover());
    knob_with_id(ui, rect, id, normalized, default, KNOB)
}

/// A knob's body and value colours: the plugin's own, or a Cabbage author's.
pub(super) type KnobColours = (Color32, Color32);

/// The plugin's own knob colours.
const KNOB: KnobColours = (Color32::from_gray(45), theme::ACCENT);

/// [`knob`], drawn in `rect` (centred, as large as fits) in `colours`, in a Ui of its own (a
/// Cabbage widget's), so the next automatic id is free.
pub(super) fn knob_in(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    normalized: f32,
    default: f32,
    colours: KnobColours,
) -> KnobResponse {
    let id = ui.next_auto_id();
    knob_with_id(ui, rect, id, normalized, default, colours)
}

/// The knob in `rect` (centred, as large as fits), interacting as `id`: the id of the space
/// it was given, not the next widget's (the label below it would share it).
fn knob_with_id(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    id: egui::Id,
    normalized: f32,
    default: f32,
    (body, value_colour): KnobColours,
) -> KnobResponse {
    let size = rect.width().min(rect.height());
    let rect = egui::Rect::from_center_size(rect.center(), egui::vec2(size, size));
    let response = ui.interact(rect, id, egui::Sense::click_and_drag());
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
    painter.circle_filled(centre, radius, body);
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
    arc(0.0, value, value_colour);
    let a = angle(value);
    painter.line_segment(
        [centre, centre + egui::vec2(a.cos(), a.sin()) * radius * 0.8],
        egui::Stroke::new(2.0, Color32::WHITE),
    );
    out
}
