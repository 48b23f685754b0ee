//! What the orchestra changed in its widgets (`cabbageSet`, `cabbageSetValue`), kept by the
//! editor and drawn over the layout.

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
            "bounds" => {
                if let [x, y, width, height] = change.numbers[..] {
                    self.bounds = Some(Bounds {
                        x: x as f32,
                        y: y as f32,
                        width: width as f32,
                        height: height as f32,
                    });
                }
            }
            _ => {}
        }
        None
    }
}
