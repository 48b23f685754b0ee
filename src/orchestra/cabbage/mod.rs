//! `<Cabbage>` sections: the GUI and parameter declarations of instruments written for
//! Cabbage, in both of its syntaxes (Cabbage 2's widget lines, [`v2`]; Cabbage 3's JSON,
//! [`v3`]), read into one [`Layout`]. Its numeric widgets become the plugin's parameters
//! ([`parameters`]); every widget's starting value is written to its channel at load
//! ([`channel_values`]), as Cabbage does.
//!
//! ```text
//! <Cabbage>
//! form caption("Acid") size(420, 200)
//! rslider bounds(10, 10, 70, 70), channel("cutoff"), range(20, 20000, 1000, 0.3, 1), text("Cutoff")
//! combobox bounds(10, 90, 100, 25), channel("wave"), items("Saw", "Square"), value(1)
//! </Cabbage>
//! ```

pub mod v2;
pub mod v3;
pub mod widgets;

use crate::csound::Behaviour;
use crate::orchestra::declarations::ParamSpec;
use crate::orchestra::source::code_words;
pub use widgets::{Bounds, ChannelConfig, Colour, Form, Layout, Range, Widget, WidgetKind};

/// Reads the CSD's `<Cabbage>` section, if it has one (before or inside
/// `<CsoundSynthesizer>`). Errors name the file line and the widget.
pub fn read(csd: &str) -> Result<Option<Layout>, String> {
    let open = "<Cabbage>";
    let Some(start) = csd.find(open) else {
        return Ok(None);
    };
    let content_start = start + open.len();
    let Some(length) = csd[content_start..].find("</Cabbage>") else {
        let line = csd[..start].matches('\n').count() + 1;
        return Err(format!("<Cabbage> at line {line} is never closed"));
    };
    let content = &csd[content_start..content_start + length];
    let first_line = csd[..content_start].matches('\n').count() + 1;
    let trimmed = content.trim_start();
    let layout = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        v3::parse(content, first_line)?
    } else {
        v2::parse(content, first_line)?
    };
    Ok(Some(layout))
}

/// A widget an orchestra created at run time (`cabbageCreate "rslider", "bounds(...) ..."` in
/// Cabbage 2's syntax, or `cabbageCreate "{\"type\": ...}"` in Cabbage 3's, `type_name`
/// empty).
pub fn created_widget(type_name: &str, code: &str) -> Option<Widget> {
    let layout = match type_name.trim() {
        "" => v3::parse(&format!("[{code}]"), 1),
        name => v2::parse(&format!("{name} {code}"), 1),
    };
    layout.ok()?.widgets.into_iter().next()
}

/// Cabbage's opcodes a plugin cannot honour, by name or name prefix, and what to do instead.
pub const UNSUPPORTED: &[(&str, &str)] = &[
    ("cabbageWebSend", "it sends to Cabbage's web-view widgets, and the plugin draws its face itself: show values with cabbageSetValue or cabbageSet instead"),
    ("cabbageSendMessage", "it sends to Cabbage 3's web-view face, and the plugin draws its face itself: change widgets with cabbageSet instead"),
    ("cabbageMidiListener", "it lists the notes Cabbage's own MIDI handling collected: keep the held notes in a global array from the MIDI-triggered instrument (notnum, veloc) instead"),
    ("cabbageMidiSender", "it feeds cabbageMidiListener, which the plugin does not have: keep the held notes in a global array (notnum, veloc) instead"),
    ("cabbageBluetooth", "it is Cabbage's unfinished Bluetooth scanner"),
    ("cabbageBleutooth", "it is Cabbage's unfinished Bluetooth scanner"),
    ("cabbageAra", "it needs an ARA host session (Cabbage 3's ARA builds): the plugin receives audio through its inputs"),
    ("cabbageDump", "it prints a widget's Cabbage 3 JSON: read its identifiers with cabbageGet instead"),
    ("cabbageJson", "Cabbage 3's JSON helpers are not in the plugin: keep values with cabbageSetStateValue and cabbageGetStateValue instead"),
];

/// The first of Cabbage's opcodes the plugin does not implement that the orchestra uses, with
/// its line (counted from the orchestra's first line) and what to do instead: Csound itself
/// would only say "syntax error".
pub fn unsupported_opcode(orchestra: &str) -> Option<(&str, usize, &'static str)> {
    // Words inside strings (a file's path, a message) are not opcodes.
    let in_string = |word: &str| {
        let start = word.as_ptr() as usize - orchestra.as_ptr() as usize;
        let line_start = orchestra[..start].rfind('\n').map_or(0, |i| i + 1);
        orchestra[line_start..start].matches('"').count() % 2 == 1
    };
    code_words(orchestra)
        .filter(|(_, w)| !in_string(w))
        .find(|(_, w)| w.starts_with("cabbage") && !crate::csound::opcodes::SUPPORTED.contains(w))
        .map(|(line, word)| {
            let instead = UNSUPPORTED
                .iter()
                .find(|(name, _)| word.starts_with(name))
                .map_or(
                    "it is not one of Cabbage's opcodes the plugin knows (check its spelling)",
                    |(_, why)| why,
                );
            (word, line, instead)
        })
}

/// The parameters the layout's widgets declare, in layout order: each automatable numeric
/// widget with a channel, two for an xy pad or a range slider. A widget inside a named group
/// box (nested in it, or only drawn on it) is in that group.
pub fn parameters(layout: &Layout) -> Vec<ParamSpec> {
    let mut specs = Vec::new();
    for widget in &layout.widgets {
        let group = group_of(layout, widget);
        if !widget.automatable || !widget.kind.is_numeric() || widget.string_channel {
            continue;
        }
        let label = widget.text.first().filter(|t| !t.trim().is_empty());
        for (i, (channel, range)) in widget.channels.iter().zip(&widget.ranges).enumerate() {
            if channel.is_empty() {
                continue;
            }
            let label = match (label, widget.channels.len()) {
                (Some(label), 1) => label.clone(),
                (Some(label), _) => format!("{label} {}", axis(widget.kind, i)),
                (None, _) => channel.clone(),
            };
            specs.push(ParamSpec {
                group: group.clone(),
                ..spec(widget, channel, label, range)
            });
        }
    }
    specs
}

/// The text of the innermost group box `widget`'s centre lies in, or "".
fn group_of(layout: &Layout, widget: &Widget) -> String {
    let b = &widget.bounds;
    let (x, y) = (b.x + b.width / 2.0, b.y + b.height / 2.0);
    layout
        .widgets
        .iter()
        .filter(|g| g.kind == WidgetKind::GroupBox && !std::ptr::eq(*g, widget))
        .filter(|g| {
            let g = &g.bounds;
            (g.x..=g.x + g.width).contains(&x) && (g.y..=g.y + g.height).contains(&y)
        })
        .filter_map(|g| g.text.first().map(|t| t.trim().to_string()))
        .rfind(|t| !t.is_empty())
        .unwrap_or_default()
}

/// How the two channels of a two-channel widget are told apart.
fn axis(kind: WidgetKind, i: usize) -> &'static str {
    match (kind, i) {
        (WidgetKind::XyPad, 0) => "X",
        (WidgetKind::XyPad, _) => "Y",
        (_, 0) => "Low",
        _ => "High",
    }
}

fn spec(widget: &Widget, channel: &str, label: String, range: &Range) -> ParamSpec {
    use WidgetKind::*;
    let (behaviour, steps) = match widget.kind {
        Button | CheckBox => {
            let steps = match widget.text.as_slice() {
                [off, on, ..] if widget.kind == Button => vec![off.clone(), on.clone()],
                _ => vec!["Off".to_string(), "On".to_string()],
            };
            (Behaviour::Integer, steps)
        }
        ComboBox => (Behaviour::Integer, widget.items.clone()),
        _ => (Behaviour::Linear, Vec::new()),
    };
    ParamSpec {
        channel: channel.to_string(),
        label,
        unit: String::new(),
        group: String::new(),
        behaviour,
        min: range.min,
        max: range.max,
        default: range.default,
        steps,
        skew: range.skew,
        step: range.increment,
    }
}

/// The starting values of a layout's channels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelValues {
    pub numbers: Vec<(String, f64)>,
    /// String channels (file buttons, text editors, `channelType("string")`).
    pub texts: Vec<(String, String)>,
}

/// The starting value of every widget channel (automatable or not).
pub fn channel_values(layout: &Layout) -> ChannelValues {
    let (mut numbers, mut texts) = (Vec::new(), Vec::new());
    for widget in &layout.widgets {
        for (channel, range) in widget.channels.iter().zip(&widget.ranges) {
            if channel.is_empty() {
                continue;
            }
            if widget.string_channel {
                texts.push((
                    channel.clone(),
                    widget.default_text.clone().unwrap_or_default(),
                ));
            } else if widget.kind.is_numeric() {
                numbers.push((channel.clone(), range.default));
            }
        }
        if widget.string_channel && widget.ranges.is_empty() {
            if let Some(channel) = widget.channels.first() {
                texts.push((
                    channel.clone(),
                    widget.default_text.clone().unwrap_or_default(),
                ));
            }
        }
    }
    ChannelValues { numbers, texts }
}

/// The widgets as Cabbage's opcodes read them (`cabbageGet "ch", "bounds"`,
/// `cabbageGetWidgetChannels`), by the names of both syntaxes.
pub fn widget_table(layout: &Layout) -> crate::csound::opcodes::WidgetTable {
    crate::csound::opcodes::WidgetTable {
        widgets: layout.widgets.iter().map(widget_entry).collect(),
    }
}

fn widget_entry(w: &Widget) -> crate::csound::opcodes::WidgetEntry {
    let b = w.bounds;
    let flag = |on: bool| vec![on as u8 as f64];
    let mut numbers = vec![
        (
            "bounds".to_string(),
            [b.x, b.y, b.width, b.height].map(f64::from).to_vec(),
        ),
        ("visible".to_string(), flag(w.visible)),
        ("active".to_string(), flag(true)),
        ("automatable".to_string(), flag(w.automatable)),
    ];
    if let Some(r) = w.ranges.first() {
        numbers.push((
            "range".to_string(),
            vec![r.min, r.max, r.default, r.skew, r.increment],
        ));
    }
    for (name, colour) in [
        ("colour", w.colour),
        ("fontcolour", w.font_colour),
        ("trackercolour", w.tracker_colour),
        ("outlinecolour", w.outline_colour),
    ] {
        if let Some(Colour(rgba)) = colour {
            numbers.push((name.to_string(), rgba.map(f64::from).to_vec()));
        }
    }
    let mut texts = vec![
        ("type".to_string(), vec![w.type_name.clone()]),
        ("channel".to_string(), w.channels.clone()),
        ("text".to_string(), w.text.clone()),
        ("items".to_string(), w.items.clone()),
    ];
    if let Some(file) = w.look.file.as_ref().or(w.default_text.as_ref()) {
        texts.push(("file".to_string(), vec![file.clone()]));
    }
    if !w.look.tables.is_empty() {
        let tables = w.look.tables.iter().map(|t| *t as f64).collect();
        numbers.push(("tablenumber".to_string(), tables));
    }
    crate::csound::opcodes::WidgetEntry {
        channels: w.channels.clone(),
        numbers,
        texts,
    }
}
