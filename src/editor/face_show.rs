//! The face's widgets that show rather than set a value: labels and group boxes in their
//! author's colours and text sizes, images (a picture file or a shape), the keyboard (black
//! keys, held notes lit, clicks play), gentables (the orchestra's tables as it rewrites them)
//! and soundfilers (a sound file's waveform).

use super::face::{colour, Action};
use super::look;
use super::theme;
use super::ui::*;
use crate::orchestra::cabbage::{Widget, WidgetKind};
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Shape, Stroke, Vec2};
use std::path::PathBuf;

/// Cabbage's keyboard starts at C3 unless its `value` says.
const LOWEST: u8 = 48;

impl Ui {
    /// A file a widget names: relative names from the orchestra's folder.
    pub(super) fn beside_orchestra(&self, name: &str) -> PathBuf {
        let path = PathBuf::from(name);
        if path.is_absolute() {
            return path;
        }
        let folder = self
            .params
            .orchestra()
            .path
            .and_then(|p| std::path::Path::new(&p).parent().map(|d| d.to_path_buf()));
        folder.unwrap_or_default().join(path)
    }

    /// A combobox's entries: its own, or the files its `populate` lists (by name, without
    /// their extension, as Cabbage shows them).
    pub(super) fn combo_items(&self, widget: &Widget) -> Vec<String> {
        let Some((pattern, folder)) = &widget.look.populate else {
            return widget.items.clone();
        };
        let folder = self.beside_orchestra(folder);
        let mut media = self.media.borrow_mut();
        media
            .listing(&folder, pattern)
            .iter()
            .map(|name| match name.rsplit_once('.') {
                Some((stem, _)) if !stem.is_empty() => stem.to_string(),
                _ => name.clone(),
            })
            .collect()
    }

    /// Draws a widget of the kinds this module knows; a keyboard's click is returned.
    pub(super) fn show_widget(
        &self,
        ui: &mut egui::Ui,
        painter: &egui::Painter,
        widget: &Widget,
        rect: Rect,
        scale: f32,
        font: &FontId,
    ) -> Option<Action> {
        let text_colour = colour(widget.font_colour, Color32::from_gray(220));
        let label = widget.text.first().cloned().unwrap_or_default();
        let outline = widget
            .look
            .outline_thickness
            .filter(|t| *t > 0.0)
            .map(|t| Stroke::new(t * scale, colour(widget.outline_colour, Color32::BLACK)));
        match widget.kind {
            WidgetKind::Label => {
                if let Some(bg) = widget.colour {
                    painter.rect_filled(rect, 0.0, colour(Some(bg), Color32::TRANSPARENT));
                }
                let (anchor, at) = match widget.look.align.as_deref() {
                    Some("left") => (Align2::LEFT_CENTER, rect.left_center()),
                    Some("right") => (Align2::RIGHT_CENTER, rect.right_center()),
                    _ => (Align2::CENTER_CENTER, rect.center()),
                };
                painter.text(at, anchor, label, font.clone(), text_colour);
            }
            WidgetKind::GroupBox => {
                painter.rect_filled(rect, 4.0, colour(widget.colour, Color32::from_gray(40)));
                let stroke = outline.unwrap_or(Stroke::new(
                    1.0,
                    colour(widget.outline_colour, Color32::from_gray(90)),
                ));
                painter.rect_stroke(rect, 4.0, stroke, egui::StrokeKind::Inside);
                painter.text(
                    rect.center_top() + Vec2::new(0.0, 4.0),
                    Align2::CENTER_TOP,
                    label,
                    font.clone(),
                    text_colour,
                );
            }
            WidgetKind::Image => {
                let picture = widget.look.file.as_ref().and_then(|file| {
                    let path = self.beside_orchestra(file);
                    let mut media = self.media.borrow_mut();
                    media.image(ui.ctx(), &path).map(|t| t.id())
                });
                let fill = colour(widget.colour, Color32::from_gray(70));
                match (picture, widget.look.shape.as_deref()) {
                    (Some(texture), _) => {
                        let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
                        painter.image(texture, rect, uv, Color32::WHITE);
                    }
                    (None, Some("ellipse") | Some("circle")) => {
                        painter.add(Shape::ellipse_filled(
                            rect.center(),
                            rect.size() / 2.0,
                            fill,
                        ));
                        if let Some(stroke) = outline {
                            painter.add(Shape::ellipse_stroke(
                                rect.center(),
                                rect.size() / 2.0,
                                stroke,
                            ));
                        }
                    }
                    (None, shape) => {
                        let corner = if shape == Some("rounded") {
                            5.0 * scale
                        } else {
                            0.0
                        };
                        painter.rect_filled(rect, corner, fill);
                        if let Some(stroke) = outline {
                            painter.rect_stroke(rect, corner, stroke, egui::StrokeKind::Inside);
                        }
                    }
                }
            }
            WidgetKind::Keyboard => return self.keyboard_widget(ui, painter, widget, rect, scale),
            WidgetKind::GenTable => {
                painter.rect_filled(rect, 0.0, colour(widget.colour, Color32::from_gray(20)));
                let ink = colour(widget.tracker_colour, theme::ACCENT);
                let mut drawn = false;
                for number in &widget.look.tables {
                    if let Some(shape) = self.tables.get(number) {
                        look::table(painter, rect.shrink(1.0), shape, ink);
                        drawn = true;
                    }
                }
                if !drawn {
                    let what = widget
                        .look
                        .tables
                        .first()
                        .map_or("no table".into(), |n| format!("table {n}"));
                    painter.text(
                        rect.center(),
                        Align2::CENTER_CENTER,
                        what,
                        font.clone(),
                        theme::DIM,
                    );
                }
            }
            WidgetKind::SoundFiler => {
                painter.rect_filled(rect, 0.0, colour(widget.colour, Color32::from_gray(20)));
                let ink = colour(widget.tracker_colour, theme::ACCENT);
                let path = widget.look.file.as_ref().map(|f| self.beside_orchestra(f));
                let mut media = self.media.borrow_mut();
                match path.as_ref().and_then(|p| media.sound(p)) {
                    Some(buckets) => look::outline(painter, rect.shrink(1.0), buckets, 128, ink),
                    None => {
                        painter.text(
                            rect.center(),
                            Align2::CENTER_CENTER,
                            "no sound file",
                            font.clone(),
                            theme::DIM,
                        );
                    }
                }
            }
            _ => {}
        }
        None
    }

    /// Cabbage's keyboard: white keys in its `colour`, black ones in `blackNoteColour`, held
    /// keys (from the host or the window) in `keydownColour`; a click plays.
    fn keyboard_widget(
        &self,
        ui: &mut egui::Ui,
        painter: &egui::Painter,
        widget: &Widget,
        rect: Rect,
        scale: f32,
    ) -> Option<Action> {
        let keys = look::keys(rect, widget.look.lowest.unwrap_or(LOWEST), 14.0 * scale);
        let white = colour(widget.colour, Color32::from_gray(245));
        let black = colour(widget.look.black_colour, Color32::from_gray(20));
        let down = colour(widget.tracker_colour, Color32::from_rgb(90, 160, 255));
        for (key, r, is_black) in &keys {
            let held = self.link.is_held(*key) || self.held[*key as usize & 127];
            let fill = match (held, is_black) {
                (true, _) => down,
                (false, true) => black,
                (false, false) => white,
            };
            painter.rect_filled(*r, 1.0, fill);
            if !is_black {
                painter.rect_stroke(
                    *r,
                    1.0,
                    Stroke::new(1.0, Color32::from_gray(120)),
                    egui::StrokeKind::Inside,
                );
            }
        }
        let response = ui.allocate_rect(rect, Sense::click_and_drag());
        let under = |pos: Pos2| {
            // Black keys lie on top: the last hit wins.
            keys.iter()
                .rev()
                .find(|(_, r, _)| r.contains(pos))
                .map(|(k, _, _)| *k)
        };
        if response.drag_stopped() || (response.clicked() && self.mouse_key.is_some()) {
            return self.mouse_key.map(|k| Action::Note(k, false));
        }
        if response.is_pointer_button_down_on() {
            if let Some(key) = response.interact_pointer_pos().and_then(under) {
                if self.mouse_key != Some(key) {
                    return Some(Action::Note(key, true));
                }
            }
        }
        None
    }
}
