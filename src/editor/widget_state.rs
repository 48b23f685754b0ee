//! What the orchestra changed in its widgets (`cabbageSet`, `cabbageSetValue`, Cabbage 2's
//! `identChannel` messages), kept by the editor and drawn over the layout.

use crate::engine::remote::protocol::WidgetChange;
use crate::orchestra::cabbage::{Bounds, Colour, Widget};

/// What the orchestra changed in a widget (`cabbageSet`, `cabbageSetValue`): drawn over its
/// layout.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct WidgetState {
    pub(super) value: Option<f64>,
    pub(super) visible: Option<bool>,
    pub(super) active: Option<bool>,
    pub(super) text: Option<String>,
    pub(super) colour: Option<Colour>,
    pub(super) bounds: Option<Bounds>,
    /// Where and how big (`identChannel`'s `pos` and `size`), each keeping the other.
    pub(super) pos: Option<(f32, f32)>,
    pub(super) size: Option<(f32, f32)>,
    pub(super) font_colour: Option<Colour>,
}

impl WidgetState {
    /// `widget` as the orchestra changed it.
    pub(super) fn apply(&self, widget: &Widget) -> Widget {
        let mut w = widget.clone();
        if let Some(v) = self.visible {
            w.visible = v;
        }
        if let Some(text) = &self.text {
            w.text = vec![text.clone()];
        }
        if self.colour.is_some() {
            w.colour = self.colour;
        }
        if let Some(b) = self.bounds {
            w.bounds = b;
        }
        if let Some((x, y)) = self.pos {
            (w.bounds.x, w.bounds.y) = (x, y);
        }
        if let Some((width, height)) = self.size {
            (w.bounds.width, w.bounds.height) = (width, height);
        }
        if self.font_colour.is_some() {
            w.font_colour = self.font_colour;
        }
        if let (Some(v), Some(range)) = (self.value, w.ranges.first_mut()) {
            range.default = v;
        }
        w
    }

    /// Records one change; returns a value to give the host, when it is one.
    pub(super) fn record(&mut self, change: &WidgetChange) -> Option<f64> {
        let first = change.numbers.first().copied();
        match change.identifier.to_ascii_lowercase().as_str() {
            "value" => {
                self.value = first;
                return first;
            }
            "visible" => self.visible = first.map(|v| v != 0.0),
            "active" => self.active = first.map(|v| v != 0.0),
            "text" | "label" => {
                self.text = Some(if change.text.is_empty() {
                    first.map(|v| v.to_string()).unwrap_or_default()
                } else {
                    change.text.clone()
                })
            }
            "colour" | "color" | "colour:0" | "backgroundcolour" => {
                self.colour = Colour::parse(&change.text)
                    .or_else(|| Colour::from_numbers(&change.numbers, false))
            }
            "fontcolour" | "fontcolor" => {
                self.font_colour = Colour::parse(&change.text)
                    .or_else(|| Colour::from_numbers(&change.numbers, false))
            }
            "bounds" => {
                if let [x, y, width, height] = change.numbers[..] {
                    self.bounds = Some(Bounds {
                        x: x as f32,
                        y: y as f32,
                        width: width as f32,
                        height: height as f32,
                    });
                    (self.pos, self.size) = (None, None);
                }
            }
            "pos" => {
                if let [x, y, ..] = change.numbers[..] {
                    self.pos = Some((x as f32, y as f32));
                }
            }
            "size" => {
                if let [width, height, ..] = change.numbers[..] {
                    self.size = Some((width as f32, height as f32));
                }
            }
            _ => {}
        }
        None
    }
}
