//! The instrument's own face: its `<Cabbage>` form drawn as its author laid it out, each widget
//! at its bounds (scaled to the window), following automation and moving its parameter.

use super::controls::knob_in;
use super::theme;
use super::ui::*;
use crate::engine::remote::protocol::WidgetChange;
use crate::orchestra::cabbage::{Colour, Layout, Widget, WidgetKind};
use crate::orchestra::declarations::ParamSpec;
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, Vec2};
use nice_plug::prelude::ParamSetter;

fn colour(c: Option<Colour>, fallback: Color32) -> Color32 {
    c.map_or(fallback, |Colour([r, g, b, a])| {
        Color32::from_rgba_unmultiplied(r, g, b, a)
    })
}

/// A widget channel's parameter, when it has one.
type Bound = Option<(usize, ParamSpec)>;

impl Ui {
    /// Applies what the orchestra changed in a widget; a value set from Csound goes to the
    /// channel's parameter, so the host sees it too.
    pub(super) fn widget_changed(&mut self, change: WidgetChange) {
        if change.identifier == "create" {
            // Cabbage passes over a widget whose channel another already has.
            let widget = crate::orchestra::cabbage::created_widget(&change.channel, &change.text);
            if let Some(widget) = widget {
                let layout = self.params.layout.read().ok().and_then(|l| l.clone());
                let declared = layout.as_ref().map_or(&[][..], |l| &l.widgets[..]);
                let taken = widget.channels.first().is_some_and(|c| {
                    (self.created.iter().chain(declared)).any(|w| w.channels.first() == Some(c))
                });
                if !taken {
                    self.created.push(widget);
                }
            }
            return;
        }
        let state = self.changed.entry(change.channel.clone()).or_default();
        let Some(value) = state.record(&change) else {
            return;
        };
        let Some(gui) = self.gui.clone() else {
            return;
        };
        let bound = self.bound();
        if let Some((slot, spec)) = bound.iter().find(|(_, s)| s.channel == change.channel) {
            if (self.plain(*slot, spec) - value).abs() > f64::EPSILON {
                self.set_plain(&gui.param_setter(), *slot, spec, value);
            }
        }
    }

    /// Draws `layout` in the space left, scaled to fit, keeping its proportions.
    pub(super) fn face(&mut self, ui: &mut egui::Ui, layout: &Layout) {
        let Some(gui) = self.gui.clone() else {
            return;
        };
        let setter = gui.param_setter();
        let bound = self.bound();
        let form = &layout.form;
        let space = ui.available_rect_before_wrap();
        let scale = (space.width() / form.width.max(1.0))
            .min(space.height() / form.height.max(1.0))
            .max(0.1);
        let origin = space.min;
        let form_rect = Rect::from_min_size(origin, Vec2::new(form.width, form.height) * scale);
        ui.allocate_rect(form_rect, Sense::hover());
        ui.painter()
            .rect_filled(form_rect, 0.0, colour(form.colour, Color32::from_gray(30)));
        let created = self.created.clone();
        for (index, widget) in layout.widgets.iter().chain(&created).enumerate() {
            // Changes are keyed by the widget's channel, or else its identifier channel.
            let state = widget
                .channels
                .first()
                .or(widget.ident_channel.as_ref())
                .and_then(|c| self.changed.get(c))
                .cloned()
                .unwrap_or_default();
            let widget = &state.apply(widget);
            if !widget.visible {
                continue;
            }
            let b = widget.bounds;
            let rect = Rect::from_min_size(
                origin + Vec2::new(b.x, b.y) * scale,
                Vec2::new(b.width, b.height) * scale,
            );
            let find = |channel: Option<&String>| -> Bound {
                let channel = channel?;
                bound.iter().find(|(_, s)| &s.channel == channel).cloned()
            };
            let first = find(widget.channels.first());
            let second = find(widget.channels.get(1));
            let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect).id_salt(index));
            if state.active == Some(false) {
                child.disable();
            }
            if let Some(channel) =
                self.widget(&mut child, &setter, widget, rect, scale, first, second)
            {
                // A file button: the in-window browser chooses its file.
                self.file_for = Some(channel);
                self.browser = Some(Browser::new(Purpose::WidgetFile, &[], ""));
            }
        }
    }

    /// The value a widget shows for a channel: its parameter's, else the widget's default.
    fn shown(&self, bound: &Bound, widget: &Widget, i: usize) -> f64 {
        match bound {
            Some((slot, spec)) => self.plain(*slot, spec),
            None => widget.ranges.get(i).map_or(0.0, |r| r.default),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn widget(
        &self,
        ui: &mut egui::Ui,
        setter: &ParamSetter,
        widget: &Widget,
        rect: Rect,
        scale: f32,
        first: Bound,
        second: Bound,
    ) -> Option<String> {
        // A widget draws inside its own bounds, as in Cabbage.
        let painter = ui.painter().with_clip_rect(rect.expand(1.0));
        let text_colour = colour(widget.font_colour, Color32::from_gray(220));
        let accent = colour(widget.tracker_colour, theme::ACCENT);
        let font = FontId::proportional((12.0 * scale).clamp(8.0, 18.0));
        let label = widget.text.first().cloned().unwrap_or_default();
        let value = self.shown(&first, widget, 0);
        let centred = |text: String| {
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                text,
                font.clone(),
                text_colour,
            );
        };
        match widget.kind {
            WidgetKind::RotarySlider => {
                let text_h = font.size + 2.0;
                let knob_rect = Rect::from_min_max(rect.min, rect.max - Vec2::new(0.0, text_h));
                let normalized = first.as_ref().map_or(0.0, |(_, s)| s.normalized(value));
                let default = first.as_ref().map_or(0.0, |(_, s)| s.normalized(s.default));
                let response = knob_in(ui, knob_rect, normalized as f32, default as f32);
                if let Some((slot, _)) = &first {
                    let param = &self.params.slots[*slot];
                    if response.started {
                        param.begin(setter);
                    }
                    if let Some(n) = response.value {
                        param.set(setter, n);
                    }
                    if response.stopped {
                        param.end(setter);
                    }
                }
                painter.text(
                    Pos2::new(rect.center().x, rect.max.y),
                    Align2::CENTER_BOTTOM,
                    if label.is_empty() {
                        self.value_text(&first, value)
                    } else {
                        label
                    },
                    font,
                    text_colour,
                );
            }
            WidgetKind::HorizontalSlider
            | WidgetKind::VerticalSlider
            | WidgetKind::NumberSlider => {
                let horizontal = widget.kind != WidgetKind::VerticalSlider;
                self.slider(ui, setter, rect, horizontal, &first, value, accent);
                let text = if label.is_empty() {
                    self.value_text(&first, value)
                } else {
                    format!("{label} {}", self.value_text(&first, value))
                };
                centred(text);
            }
            WidgetKind::Button | WidgetKind::CheckBox => {
                let on = value >= 0.5;
                let response = ui.allocate_rect(rect, Sense::click());
                let fill = if on {
                    accent
                } else {
                    colour(widget.colour, Color32::from_gray(60))
                };
                let text = match (widget.kind, widget.text.as_slice()) {
                    (WidgetKind::Button, [off, on_text, ..]) => {
                        if on {
                            on_text.clone()
                        } else {
                            off.clone()
                        }
                    }
                    _ => label,
                };
                if widget.kind == WidgetKind::Button {
                    painter.rect_filled(rect, 3.0, fill);
                    centred(text);
                } else {
                    let side = rect.height().min(rect.width());
                    let square = Rect::from_min_size(rect.min, Vec2::splat(side));
                    painter.rect_filled(square.shrink(2.0), 2.0, fill);
                    painter.text(
                        Pos2::new(square.max.x + 4.0, rect.center().y),
                        Align2::LEFT_CENTER,
                        text,
                        font,
                        text_colour,
                    );
                }
                if response.clicked() {
                    if let Some((slot, spec)) = &first {
                        let next = if on { spec.min } else { spec.max };
                        self.set_plain(setter, *slot, spec, next);
                    }
                }
            }
            WidgetKind::ComboBox => {
                let first_item = widget.first_item;
                let current = (value - first_item).round().max(0.0) as usize;
                let shown = widget.items.get(current).cloned().unwrap_or_default();
                egui::ComboBox::from_id_salt(("face-combo", &widget.channels))
                    .width(rect.width())
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        for (i, item) in widget.items.iter().enumerate() {
                            if ui.selectable_label(i == current, item).clicked() {
                                if let Some((slot, spec)) = &first {
                                    self.set_plain(setter, *slot, spec, first_item + i as f64);
                                }
                            }
                        }
                    });
            }
            WidgetKind::XyPad => {
                let y = self.shown(&second, widget, 1);
                self.xy_pad(ui, setter, rect, (&first, value), (&second, y), accent);
            }
            WidgetKind::HorizontalRange | WidgetKind::VerticalRange => {
                let high = self.shown(&second, widget, 1);
                painter.rect_filled(rect, 2.0, Color32::from_gray(50));
                let span =
                    |b: &Bound, v: f64| b.as_ref().map_or(0.0, |(_, s)| s.normalized(v)) as f32;
                let (lo, hi) = (span(&first, value), span(&second, high));
                let filled = if widget.kind == WidgetKind::HorizontalRange {
                    Rect::from_x_y_ranges(
                        rect.lerp_inside(Vec2::new(lo, 0.0)).x
                            ..=rect.lerp_inside(Vec2::new(hi, 0.0)).x,
                        rect.y_range(),
                    )
                } else {
                    Rect::from_x_y_ranges(
                        rect.x_range(),
                        rect.lerp_inside(Vec2::new(0.0, 1.0 - hi)).y
                            ..=rect.lerp_inside(Vec2::new(0.0, 1.0 - lo)).y,
                    )
                };
                painter.rect_filled(filled, 2.0, accent);
            }
            WidgetKind::Keyboard => {
                let keys = ui.new_child(egui::UiBuilder::new().max_rect(rect));
                painter.rect_filled(rect, 0.0, Color32::from_gray(240));
                let white = 7.0 * ((rect.width() / (14.0 * scale)).max(7.0) / 7.0).floor();
                for i in 0..white as usize {
                    let x = rect.min.x + rect.width() * i as f32 / white;
                    keys.painter().line_segment(
                        [Pos2::new(x, rect.min.y), Pos2::new(x, rect.max.y)],
                        Stroke::new(1.0, Color32::from_gray(120)),
                    );
                }
            }
            WidgetKind::Label => {
                centred(label);
            }
            WidgetKind::GroupBox => {
                painter.rect_filled(rect, 4.0, colour(widget.colour, Color32::from_gray(40)));
                painter.rect_stroke(
                    rect,
                    4.0,
                    Stroke::new(1.0, colour(widget.outline_colour, Color32::from_gray(90))),
                    egui::StrokeKind::Inside,
                );
                painter.text(
                    rect.center_top() + Vec2::new(0.0, 4.0),
                    Align2::CENTER_TOP,
                    label,
                    font,
                    text_colour,
                );
            }
            WidgetKind::Image => {
                painter.rect_filled(rect, 0.0, colour(widget.colour, Color32::from_gray(70)));
            }
            WidgetKind::CsoundOutput => {
                painter.rect_filled(rect, 0.0, Color32::from_gray(15));
                let lines = ((rect.height() / 12.0) as usize).max(1);
                let text: Vec<&str> = self
                    .console
                    .iter()
                    .rev()
                    .take(lines)
                    .map(|m| m.text.as_str())
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                painter.text(
                    rect.left_top() + Vec2::splat(2.0),
                    Align2::LEFT_TOP,
                    text.join("\n"),
                    FontId::monospace(10.0),
                    theme::DIM,
                );
            }
            WidgetKind::FileButton => {
                let response = ui.allocate_rect(rect, Sense::click());
                painter.rect_filled(rect, 3.0, colour(widget.colour, Color32::from_gray(60)));
                let text = if label.is_empty() {
                    "Open…".to_string()
                } else {
                    label
                };
                centred(text);
                if response.clicked() {
                    return widget.channels.first().cloned();
                }
            }
            WidgetKind::TextEditor | WidgetKind::GenTable | WidgetKind::Other => {
                painter.rect_stroke(
                    rect,
                    2.0,
                    Stroke::new(1.0, Color32::from_gray(100)),
                    egui::StrokeKind::Inside,
                );
                let text = if label.is_empty() {
                    widget.type_name.clone()
                } else {
                    label
                };
                painter.text(rect.center(), Align2::CENTER_CENTER, text, font, theme::DIM);
            }
        }
        None
    }

    fn value_text(&self, bound: &Bound, value: f64) -> String {
        bound
            .as_ref()
            .map_or(format!("{value:.2}"), |(_, spec)| spec.display(value))
    }

    /// A slider drawn as a track with its filled part; dragging moves the parameter.
    #[allow(clippy::too_many_arguments)]
    fn slider(
        &self,
        ui: &mut egui::Ui,
        setter: &ParamSetter,
        rect: Rect,
        horizontal: bool,
        bound: &Bound,
        value: f64,
        accent: Color32,
    ) {
        let response = ui.allocate_rect(rect, Sense::click_and_drag());
        let painter = ui.painter();
        painter.rect_filled(rect, 3.0, Color32::from_gray(50));
        let Some((slot, spec)) = bound else {
            return;
        };
        let n = spec.normalized(value) as f32;
        let filled = if horizontal {
            Rect::from_min_max(
                rect.min,
                Pos2::new(rect.min.x + rect.width() * n, rect.max.y),
            )
        } else {
            Rect::from_min_max(
                Pos2::new(rect.min.x, rect.max.y - rect.height() * n),
                rect.max,
            )
        };
        painter.rect_filled(filled, 3.0, accent.gamma_multiply(0.8));
        let param = &self.params.slots[*slot];
        if response.drag_started() {
            param.begin(setter);
        }
        if let Some(pos) = response
            .interact_pointer_pos()
            .filter(|_| response.dragged())
        {
            let t = if horizontal {
                (pos.x - rect.min.x) / rect.width()
            } else {
                (rect.max.y - pos.y) / rect.height()
            };
            param.set(setter, t.clamp(0.0, 1.0));
        }
        if response.drag_stopped() {
            param.end(setter);
        }
    }

    /// An xy pad: a dot at (x, y); dragging moves both parameters.
    fn xy_pad(
        &self,
        ui: &mut egui::Ui,
        setter: &ParamSetter,
        rect: Rect,
        x: (&Bound, f64),
        y: (&Bound, f64),
        accent: Color32,
    ) {
        let response = ui.allocate_rect(rect, Sense::click_and_drag());
        let painter = ui.painter();
        painter.rect_filled(rect, 3.0, Color32::from_gray(25));
        let norm = |(b, v): (&Bound, f64)| b.as_ref().map_or(0.5, |(_, s)| s.normalized(v)) as f32;
        let dot = Pos2::new(
            rect.min.x + rect.width() * norm(x),
            rect.max.y - rect.height() * norm(y),
        );
        painter.circle_filled(dot, 6.0, accent);
        let params = [x.0, y.0].map(|b| b.as_ref().map(|(slot, _)| &self.params.slots[*slot]));
        for param in params.iter().flatten() {
            if response.drag_started() {
                param.begin(setter);
            }
        }
        if let Some(pos) = response
            .interact_pointer_pos()
            .filter(|_| response.dragged())
        {
            let tx = ((pos.x - rect.min.x) / rect.width()).clamp(0.0, 1.0);
            let ty = ((rect.max.y - pos.y) / rect.height()).clamp(0.0, 1.0);
            if let Some(p) = params[0] {
                p.set(setter, tx);
            }
            if let Some(p) = params[1] {
                p.set(setter, ty);
            }
        }
        for param in params.iter().flatten() {
            if response.drag_stopped() {
                param.end(setter);
            }
        }
    }
}
