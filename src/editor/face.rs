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

/// An author's colour, else the face's own.
pub(super) fn colour(c: Option<Colour>, fallback: Color32) -> Color32 {
    c.map_or(fallback, |Colour([r, g, b, a])| {
        Color32::from_rgba_unmultiplied(r, g, b, a)
    })
}

/// A widget channel's parameter, when it has one.
pub(super) type Bound = Option<(usize, ParamSpec)>;

/// What a click on the face asks of the window.
pub(super) enum Action {
    /// A file button: choose its file.
    ChooseFile(String),
    /// A keyboard widget's key went down or up.
    Note(u8, bool),
}

impl Ui {
    /// Applies what the orchestra changed in a widget; a value set from Csound goes to the
    /// channel's parameter, so the host sees it too.
    pub(super) fn widget_changed(&mut self, change: WidgetChange) {
        if change.identifier == "table" {
            if let Some((number, shape)) = super::look::TableShape::from_numbers(&change.numbers) {
                self.tables.insert(number, shape);
            }
            return;
        }
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
            match self.widget(&mut child, &setter, widget, rect, scale, first, second) {
                // A file button: the in-window browser chooses its file.
                Some(Action::ChooseFile(channel)) => {
                    self.file_for = Some(channel);
                    self.browser = Some(Browser::new(Purpose::WidgetFile, &[], ""));
                }
                Some(Action::Note(key, true)) => {
                    if let Some(old) = self.mouse_key.take() {
                        self.note(old, false);
                    }
                    self.note(key, true);
                    self.mouse_key = Some(key);
                }
                Some(Action::Note(key, false)) => {
                    self.note(key, false);
                    self.mouse_key = None;
                }
                None => {}
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
    ) -> Option<Action> {
        // A widget draws inside its own bounds, as in Cabbage.
        let painter = ui.painter().with_clip_rect(rect.expand(1.0));
        let text_colour = colour(widget.font_colour, Color32::from_gray(220));
        let accent = colour(widget.tracker_colour, theme::ACCENT);
        let font = match widget.look.font_size {
            Some(size) => FontId::proportional((size * scale).clamp(4.0, 96.0)),
            None => FontId::proportional((12.0 * scale).clamp(8.0, 18.0)),
        };
        let label = widget.text.first().cloned().unwrap_or_default();
        let value = self.shown(&first, widget, 0);
        let centred = |text: String, ink: Color32| {
            painter.text(
                rect.center(),
                Align2::CENTER_CENTER,
                text,
                font.clone(),
                ink,
            );
        };
        match widget.kind {
            WidgetKind::RotarySlider => {
                let text_h = font.size + 2.0;
                let knob_rect = Rect::from_min_max(rect.min, rect.max - Vec2::new(0.0, text_h));
                let normalized = first.as_ref().map_or(0.0, |(_, s)| s.normalized(value));
                let default = first.as_ref().map_or(0.0, |(_, s)| s.normalized(s.default));
                let body = colour(widget.colour, Color32::from_gray(45));
                let response = knob_in(
                    ui,
                    knob_rect,
                    normalized as f32,
                    default as f32,
                    (body, accent),
                );
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
                let thumb = widget.colour.map(|c| colour(Some(c), accent));
                self.slider(ui, setter, rect, horizontal, &first, value, (accent, thumb));
                let text = if label.is_empty() {
                    self.value_text(&first, value)
                } else {
                    format!("{label} {}", self.value_text(&first, value))
                };
                centred(text, text_colour);
            }
            WidgetKind::Button | WidgetKind::CheckBox => {
                let on = value >= 0.5;
                let response = ui.allocate_rect(rect, Sense::click());
                let fill = if on {
                    accent
                } else {
                    colour(widget.colour, Color32::from_gray(60))
                };
                // A button's text when on has its own colour (`fontColour:1`).
                let text_colour = match (on, widget.look.font_colour_on) {
                    (true, Some(c)) => colour(Some(c), text_colour),
                    _ => text_colour,
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
                    centred(text, text_colour);
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
                let items = self.combo_items(widget);
                let shown = items.get(current).cloned().unwrap_or_default();
                // The author's colours: the box's background and its text.
                let visuals = &mut ui.style_mut().visuals;
                let bg = colour(widget.colour, visuals.widgets.inactive.weak_bg_fill);
                for w in [&mut visuals.widgets.inactive, &mut visuals.widgets.hovered] {
                    (w.weak_bg_fill, w.bg_fill) = (bg, bg);
                }
                visuals.override_text_color = Some(text_colour);
                let combo_font = font.clone();
                ui.style_mut().override_font_id = Some(combo_font);
                egui::ComboBox::from_id_salt(("face-combo", &widget.channels))
                    .width(rect.width())
                    .selected_text(shown)
                    .show_ui(ui, |ui| {
                        for (i, item) in items.iter().enumerate() {
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
            WidgetKind::Keyboard
            | WidgetKind::Label
            | WidgetKind::GroupBox
            | WidgetKind::Image
            | WidgetKind::GenTable
            | WidgetKind::SoundFiler => {
                return self.show_widget(ui, &painter, widget, rect, scale, &font);
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
                centred(text, text_colour);
                if response.clicked() {
                    return widget.channels.first().cloned().map(Action::ChooseFile);
                }
            }
            WidgetKind::TextEditor | WidgetKind::Other => {
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
        (accent, thumb): (Color32, Option<Color32>),
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
        // Cabbage's `colour` is the thumb's.
        if let Some(thumb) = thumb {
            let size = if horizontal {
                rect.height()
            } else {
                rect.width()
            };
            let at = if horizontal {
                Pos2::new(filled.max.x, rect.center().y)
            } else {
                Pos2::new(rect.center().x, filled.min.y)
            };
            painter.circle_filled(at, size * 0.45, thumb);
        }
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
