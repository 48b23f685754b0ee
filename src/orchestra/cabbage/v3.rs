//! Cabbage 3's syntax: JSON, `{"widgets": [...]}` or a bare array of widget objects, each with
//! `type`, `bounds {left, top, width, height}`, `channels [{id, range {...}}]` (or the older
//! `channel`), and `children` placed relative to their container.

use super::widgets::{Bounds, ChannelConfig, Colour, Form, Layout, Range, Widget, WidgetKind};
use serde_json::{Map, Value};

type Object = Map<String, Value>;

/// Reads a Cabbage 3 section. `first_line` is the file line of the section's first line.
pub fn parse(section: &str, first_line: usize) -> Result<Layout, String> {
    let value: Value = serde_json::from_str(section).map_err(|e| {
        format!(
            "<Cabbage> line {}: not valid JSON: {e}",
            first_line + e.line().saturating_sub(1)
        )
    })?;
    let list = match &value {
        Value::Array(list) => list,
        Value::Object(o) => match o.get("widgets") {
            Some(Value::Array(list)) => list,
            _ => return Err(format!("<Cabbage> line {first_line}: no \"widgets\" list")),
        },
        _ => {
            return Err(format!(
                "<Cabbage> line {first_line}: expected a list of widgets"
            ))
        }
    };
    let mut layout = Layout::default();
    let finder = LineFinder {
        text: section,
        first_line,
    };
    read_list(list, (0.0, 0.0), &finder, &mut layout)?;
    // Newer files keep these at the top level, beside the widgets.
    if let Value::Object(top) = &value {
        if let Some(id) = text(top.get("pluginId")) {
            layout.form.plugin_id = Some(id);
        }
        if let Some(config) = top.get("channelConfig").and_then(ChannelConfig::from_json) {
            layout.form.channels = Some(config);
        }
    }
    Ok(layout)
}

/// Finds the file line of a widget by its channel's first mention, for messages.
struct LineFinder<'a> {
    text: &'a str,
    first_line: usize,
}

impl LineFinder<'_> {
    fn line_of(&self, channel: Option<&String>) -> usize {
        let at = channel.and_then(|c| self.text.find(&format!("\"{c}\"")));
        at.map_or(self.first_line, |at| {
            self.first_line + self.text[..at].matches('\n').count()
        })
    }
}

fn read_list(
    list: &[Value],
    origin: (f32, f32),
    finder: &LineFinder,
    layout: &mut Layout,
) -> Result<(), String> {
    for (index, item) in list.iter().enumerate() {
        let Value::Object(o) = item else {
            return Err(format!(
                "<Cabbage> line {}: widget {} is not an object",
                finder.first_line,
                index + 1
            ));
        };
        let type_name = o.get("type").and_then(Value::as_str).unwrap_or("");
        if type_name.eq_ignore_ascii_case("form") {
            read_form(&mut layout.form, o);
            continue;
        }
        let mut widget = Widget::new(type_name, 0);
        let value = read_widget(&mut widget, o).map_err(|e| {
            let line = finder.line_of(widget.channels.first());
            format!(
                "<Cabbage> line {line} (widget {}, {}): {e}",
                index + 1,
                widget.name()
            )
        })?;
        widget.line = finder.line_of(widget.channels.first());
        widget.settle(value);
        widget.bounds.x += origin.0;
        widget.bounds.y += origin.1;
        let inner = (widget.bounds.x, widget.bounds.y);
        layout.widgets.push(widget);
        if let Some(Value::Array(children)) = o.get("children") {
            read_list(children, inner, finder, layout)?;
        }
    }
    Ok(())
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(*b as u8 as f64),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn colour(value: Option<&Value>) -> Option<Colour> {
    match value? {
        Value::String(s) => Colour::parse(s),
        Value::Array(a) => Colour::from_numbers(
            &a.iter().filter_map(|v| v.as_f64()).collect::<Vec<_>>(),
            true,
        ),
        Value::Object(o) => colour(o.get("fill").or_else(|| o.get("backgroundColor"))),
        _ => None,
    }
}

/// A colour from the widget or its `style` object, under any of `keys`.
fn styled(o: &Object, keys: &[&str]) -> Option<Colour> {
    let style = o.get("style").and_then(Value::as_object);
    keys.iter()
        .find_map(|k| colour(o.get(*k)).or_else(|| colour(style?.get(*k))))
}

fn read_form(form: &mut Form, o: &Object) {
    if let Some(caption) = text(o.get("caption")) {
        form.caption = caption;
    }
    let size = o.get("size").or_else(|| o.get("bounds"));
    if let Some(Value::Object(size)) = size {
        form.width = number(size.get("width")).unwrap_or(form.width as f64) as f32;
        form.height = number(size.get("height")).unwrap_or(form.height as f64) as f32;
    }
    form.colour = styled(o, &["backgroundColor", "colour", "color"]);
    form.plugin_id = text(o.get("pluginId"));
    form.channels = o.get("channelConfig").and_then(ChannelConfig::from_json);
}

fn range(o: &Object) -> Range {
    let min = number(o.get("min")).unwrap_or(0.0);
    let max = number(o.get("max")).unwrap_or(1.0);
    let default = number(o.get("defaultValue").or_else(|| o.get("value"))).unwrap_or(min);
    Range {
        skew: number(o.get("skew")).unwrap_or(1.0),
        increment: number(o.get("increment")).unwrap_or(0.0),
        ..Range::new(min, max, default)
    }
}

/// Reads a widget object; returns its `value`, if given.
fn read_widget(widget: &mut Widget, o: &Object) -> Result<Option<f64>, String> {
    if let Some(bounds) = o.get("bounds") {
        let Value::Object(b) = bounds else {
            return Err("bounds is {left, top, width, height}".into());
        };
        let get = |k: &str| number(b.get(k)).unwrap_or(0.0) as f32;
        widget.bounds = Bounds {
            x: get("left"),
            y: get("top"),
            width: get("width"),
            height: get("height"),
        };
    }
    match (o.get("channels"), o.get("channel")) {
        (Some(Value::Array(channels)), _) => {
            for channel in channels {
                let Some(c) = channel.as_object() else {
                    return Err("each of channels is {id, range}".into());
                };
                widget.channels.push(text(c.get("id")).unwrap_or_default());
                let r = c.get("range").and_then(Value::as_object);
                widget
                    .ranges
                    .push(r.map(range).unwrap_or(Range::new(0.0, 1.0, 0.0)));
            }
        }
        // The older shape: one channel, or {id, x, y} for an xy pad with {x: {...}, y: {...}}.
        (_, Some(Value::String(id))) => {
            widget.channels.push(id.clone());
            let r = o.get("range").and_then(Value::as_object);
            widget
                .ranges
                .push(r.map(range).unwrap_or(Range::new(0.0, 1.0, 0.0)));
        }
        (_, Some(Value::Object(c))) => {
            let ranges = o.get("range").and_then(Value::as_object);
            for axis in ["x", "y"] {
                let Some(id) = text(c.get(axis)) else {
                    continue;
                };
                widget.channels.push(id);
                let r = ranges.and_then(|r| r.get(axis)).and_then(Value::as_object);
                widget
                    .ranges
                    .push(r.map(range).unwrap_or(Range::new(0.0, 1.0, 0.0)));
            }
            if widget.channels.is_empty() {
                widget.channels.extend(text(c.get("id")));
            }
        }
        _ => {}
    }
    widget.text = match o.get("text").or_else(|| o.get("label")) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Object(t)) => match (text(t.get("off")), text(t.get("on"))) {
            (Some(off), Some(on)) => vec![off, on],
            _ => text(t.get("text")).into_iter().collect(),
        },
        Some(Value::Array(a)) => a.iter().filter_map(|v| text(Some(v))).collect(),
        _ => vec![],
    };
    widget.items = match o.get("items") {
        Some(Value::Array(a)) => a.iter().filter_map(|v| text(Some(v))).collect(),
        Some(Value::String(s)) => s.split(',').map(|i| i.trim().to_string()).collect(),
        _ => vec![],
    };
    if widget.kind == WidgetKind::ComboBox {
        widget.first_item =
            number(o.get("indexOffset")).map_or(0.0, |v| if v > 0.0 { 1.0 } else { 0.0 });
    }
    if let Some(a) = o.get("automatable") {
        widget.automatable = number(Some(a)) != Some(0.0);
    }
    if let Some(v) = o.get("visible") {
        widget.visible = number(Some(v)) != Some(0.0);
    }
    let channel_type = o.get("channelType").or_else(|| {
        let first = o.get("channels")?.as_array()?.first()?.as_object()?;
        first.get("type")
    });
    if text(channel_type).as_deref() == Some("string") {
        widget.string_channel = true;
    }
    widget.colour = styled(o, &["backgroundColor", "colour", "color", "fill"]);
    widget.tracker_colour = styled(o, &["trackerColor", "trackerColour", "onColor"]);
    widget.font_colour = styled(o, &["fontColor", "fontColour", "textColor"]);
    widget.outline_colour = styled(o, &["outlineColor", "outlineColour", "borderColor"]);
    let style = o.get("style").and_then(Value::as_object);
    let in_style = |key: &str| o.get(key).or_else(|| style?.get(key));
    widget.look.font_size = number(in_style("fontSize")).map(|s| s as f32);
    widget.look.align = text(in_style("textAlign").or_else(|| in_style("align")));
    widget.look.file = text(o.get("file"));
    widget.look.tables = match o.get("tableNumber").or_else(|| o.get("tableNumbers")) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| number(Some(v)))
            .map(|n| n as u32)
            .collect(),
        v => number(v).map(|n| n as u32).into_iter().collect(),
    };
    widget.look.shape = text(in_style("shape"));
    widget.look.outline_thickness =
        number(in_style("borderWidth").or_else(|| in_style("outlineThickness"))).map(|t| t as f32);
    match o.get("persistence") {
        Some(Value::Object(p)) => {
            let off = |key: &str| matches!(p.get(key), Some(Value::Bool(false)));
            (widget.look.not_in_presets, widget.look.not_in_projects) =
                (off("preset"), off("session"));
        }
        // The older key, when there is no `persistence`.
        _ => {
            if matches!(o.get("presetIgnore"), Some(Value::Bool(true))) {
                (widget.look.not_in_presets, widget.look.not_in_projects) = (true, true);
            }
        }
    }
    if let Some(Value::Object(p)) = o.get("populate") {
        let (folder, kind) = (text(p.get("directory")), text(p.get("fileType")));
        let pattern = kind.map_or("*".to_string(), |k| {
            format!("*{}", k.trim_start_matches('*'))
        });
        widget.look.populate = Some((pattern, folder.unwrap_or_default()));
    }
    let value = match o.get("value") {
        Some(Value::String(s)) if widget.string_channel => {
            widget.default_text = Some(s.clone());
            None
        }
        v => number(v),
    };
    // The keyboard's `value` is its lowest note, not a channel value.
    if widget.kind == WidgetKind::Keyboard {
        widget.look.lowest = value.map(|v| v.clamp(0.0, 127.0) as u8);
        return Ok(None);
    }
    Ok(value)
}
