//! The form and widgets of a `<Cabbage>` section, whichever syntax they were written in.

use serde::{Deserialize, Serialize};

/// A rectangle in the form's pixels, from its top left corner.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Bounds {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// An RGBA colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colour(pub [u8; 4]);

impl Colour {
    /// A colour from `#rrggbb`, `#rrggbbaa`, `rgb(r, g, b)`, `rgba(r, g, b, a)` or a common
    /// name; `None` for what is not a colour.
    pub fn parse(text: &str) -> Option<Colour> {
        let text = text.trim().to_ascii_lowercase();
        if let Some(hex) = text.strip_prefix('#').or_else(|| text.strip_prefix("0x")) {
            let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
            return match hex.len() {
                6 => Some(Colour([byte(0)?, byte(2)?, byte(4)?, 255])),
                // Cabbage 2 writes hex colours as AARRGGBB (JUCE), CSS as RRGGBBAA.
                8 if text.starts_with("0x") => {
                    Some(Colour([byte(2)?, byte(4)?, byte(6)?, byte(0)?]))
                }
                8 => Some(Colour([byte(0)?, byte(2)?, byte(4)?, byte(6)?])),
                _ => None,
            };
        }
        if let Some(inner) = text
            .strip_prefix("rgba(")
            .or_else(|| text.strip_prefix("rgb("))
            .and_then(|t| t.strip_suffix(')'))
        {
            let numbers: Vec<f64> = inner
                .split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect();
            return Colour::from_numbers(&numbers, true);
        }
        let [r, g, b] = match text.as_str() {
            "black" => [0, 0, 0],
            "white" => [255, 255, 255],
            "red" => [255, 0, 0],
            "green" => [0, 128, 0],
            "lime" => [0, 255, 0],
            "blue" => [0, 0, 255],
            "yellow" => [255, 255, 0],
            "orange" => [255, 165, 0],
            "purple" => [128, 0, 128],
            "cyan" | "aqua" => [0, 255, 255],
            "magenta" | "fuchsia" => [255, 0, 255],
            "grey" | "gray" => [128, 128, 128],
            "darkgrey" | "darkgray" => [64, 64, 64],
            "lightgrey" | "lightgray" => [211, 211, 211],
            "silver" => [192, 192, 192],
            "brown" => [165, 42, 42],
            "pink" => [255, 192, 203],
            "navy" => [0, 0, 128],
            "transparent" => return Some(Colour([0, 0, 0, 0])),
            _ => return None,
        };
        Some(Colour([r, g, b, 255]))
    }

    /// A colour from 3 or 4 numbers 0..255 (alpha: 0..1 when `css`, else 0..255).
    pub fn from_numbers(numbers: &[f64], css: bool) -> Option<Colour> {
        let byte = |v: f64| v.clamp(0.0, 255.0).round() as u8;
        match *numbers {
            [r, g, b] => Some(Colour([byte(r), byte(g), byte(b), 255])),
            [r, g, b, a] => {
                let a = if css && a <= 1.0 { a * 255.0 } else { a };
                Some(Colour([byte(r), byte(g), byte(b), byte(a)]))
            }
            _ => None,
        }
    }
}

/// What a widget is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WidgetKind {
    RotarySlider,
    HorizontalSlider,
    VerticalSlider,
    NumberSlider,
    HorizontalRange,
    VerticalRange,
    Button,
    CheckBox,
    ComboBox,
    XyPad,
    Keyboard,
    Label,
    GroupBox,
    Image,
    CsoundOutput,
    FileButton,
    TextEditor,
    GenTable,
    /// A sound file's waveform.
    SoundFiler,
    /// A widget the plugin does not draw (a soundfiler, a signal display...): a placeholder.
    Other,
}

impl WidgetKind {
    /// The kind a type name means in either syntax (`rslider` or `rotarySlider`).
    pub fn from_name(name: &str) -> WidgetKind {
        use WidgetKind::*;
        match name.to_ascii_lowercase().as_str() {
            "rslider" | "rotaryslider" | "encoder" => RotarySlider,
            "hslider" | "hslider2" | "hslider3" | "horizontalslider" => HorizontalSlider,
            "vslider" | "vslider2" | "vslider3" | "verticalslider" => VerticalSlider,
            "nslider" | "numberslider" => NumberSlider,
            "hrange" | "horizontalrangeslider" => HorizontalRange,
            "vrange" | "verticalrangeslider" => VerticalRange,
            "button" => Button,
            "optionbutton" => ComboBox,
            "checkbox" => CheckBox,
            "combobox" => ComboBox,
            "xypad" => XyPad,
            "keyboard" => Keyboard,
            "label" => Label,
            "groupbox" => GroupBox,
            "image" => Image,
            "csoundoutput" => CsoundOutput,
            "filebutton" => FileButton,
            "texteditor" => TextEditor,
            "gentable" => GenTable,
            "soundfiler" => SoundFiler,
            _ => Other,
        }
    }

    /// A range slider: two channels, the low and high ends.
    pub fn is_range(self) -> bool {
        matches!(
            self,
            WidgetKind::HorizontalRange | WidgetKind::VerticalRange
        )
    }

    /// Whether it sends a number the host may automate (when it has a channel).
    pub fn is_numeric(self) -> bool {
        use WidgetKind::*;
        matches!(
            self,
            RotarySlider
                | HorizontalSlider
                | VerticalSlider
                | NumberSlider
                | HorizontalRange
                | VerticalRange
                | Button
                | CheckBox
                | ComboBox
                | XyPad
        )
    }
}

/// A numeric channel's range, as Cabbage declares it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub min: f64,
    pub max: f64,
    pub default: f64,
    /// The control's taper: the value at position `p` (0..1) is `min + (max - min) * p^(1/skew)`;
    /// 1 is linear, 0.5 gives the low end more of the travel.
    pub skew: f64,
    /// The step values snap to (from `min`); 0: continuous.
    pub increment: f64,
}

impl Range {
    pub fn new(min: f64, max: f64, default: f64) -> Range {
        Range {
            min,
            max,
            default,
            skew: 1.0,
            increment: 0.0,
        }
    }

    /// A button's or checkbox's: off or on.
    pub fn toggle(on: bool) -> Range {
        Range {
            increment: 1.0,
            ..Range::new(0.0, 1.0, on as u8 as f64)
        }
    }
}

/// One widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Widget {
    pub kind: WidgetKind,
    /// The type as written, for what is said about it.
    pub type_name: String,
    /// Where it lies in the form (containers resolved).
    pub bounds: Bounds,
    /// Its channels: one, or two for an xy pad (x, y) and a range slider (low, high).
    pub channels: Vec<String>,
    /// One per channel.
    pub ranges: Vec<Range>,
    /// Its label; a button's texts when off and on.
    pub text: Vec<String>,
    /// A combobox's entries.
    pub items: Vec<String>,
    /// The value the first combobox entry sends: 1 in Cabbage 2, 0 or 1 (`indexOffset`) in 3.
    pub first_item: f64,
    /// Whether the host may automate it (`automatable(0)` keeps it off the host's list).
    pub automatable: bool,
    /// Its channel carries text (`channelType("string")`, a file button, a text editor).
    pub string_channel: bool,
    /// The text a string channel starts with.
    pub default_text: Option<String>,
    pub colour: Option<Colour>,
    /// The "on" colour of buttons and checkboxes, the filled part of sliders.
    pub tracker_colour: Option<Colour>,
    pub font_colour: Option<Colour>,
    pub outline_colour: Option<Colour>,
    /// A string channel through which the orchestra changes the widget (Cabbage 2).
    pub ident_channel: Option<String>,
    /// How it looks beyond its colours: the text size, a file it shows, the tables it draws.
    #[serde(default)]
    pub look: Look,
    pub visible: bool,
    /// Where it is declared in the file (1-based), for messages.
    pub line: usize,
}

impl Widget {
    pub fn new(type_name: &str, line: usize) -> Widget {
        let kind = WidgetKind::from_name(type_name);
        Widget {
            kind,
            type_name: type_name.to_string(),
            bounds: Bounds::default(),
            channels: Vec::new(),
            ranges: Vec::new(),
            text: Vec::new(),
            items: Vec::new(),
            // Cabbage 2's option button counts its entries from 0, its combobox from 1.
            first_item: if type_name.eq_ignore_ascii_case("optionbutton") {
                0.0
            } else {
                1.0
            },
            automatable: true,
            string_channel: matches!(kind, WidgetKind::FileButton | WidgetKind::TextEditor),
            default_text: None,
            colour: None,
            tracker_colour: None,
            font_colour: None,
            outline_colour: None,
            ident_channel: None,
            look: Look::default(),
            visible: true,
            line,
        }
    }

    /// How messages name it: its type and first channel.
    pub fn name(&self) -> String {
        match self.channels.first() {
            Some(channel) => format!("{} \"{channel}\"", self.type_name),
            None => self.type_name.clone(),
        }
    }

    /// Fills in what its kind implies and the syntax left unsaid: a range per channel
    /// (toggles 0..1, combobox entries), clamped defaults.
    pub fn settle(&mut self, value: Option<f64>) {
        use WidgetKind::*;
        // Cabbage 2 lists a combobox's (and option button's) entries in `text()` as often as in
        // `items()`; a text editor's `text()` is its starting text.
        if self.kind == ComboBox && self.items.is_empty() && !self.text.is_empty() {
            self.items = std::mem::take(&mut self.text);
        }
        if self.kind == TextEditor && self.default_text.is_none() {
            self.default_text = self.text.first().cloned();
        }
        if self.kind == Keyboard {
            if let Some(v) = value {
                self.look.lowest = Some(v.clamp(0.0, 127.0) as u8);
            }
        }
        let ranges = match self.kind {
            Button | CheckBox => {
                let on = value.or(self.ranges.first().map(|r| r.default));
                vec![Range::toggle(on.unwrap_or(0.0) != 0.0)]
            }
            ComboBox => {
                let count = self.items.len().max(1) as f64;
                let first = self.first_item;
                let chosen = value
                    .or(self.ranges.first().map(|r| r.default))
                    .unwrap_or(first);
                vec![Range {
                    increment: 1.0,
                    ..Range::new(first, first + count - 1.0, chosen)
                }]
            }
            _ => {
                let mut ranges = self.ranges.clone();
                if let (Some(v), Some(first)) = (value, ranges.first_mut()) {
                    first.default = v;
                }
                while ranges.len() < self.channels.len() {
                    let last = ranges.last().copied().unwrap_or(Range::new(0.0, 1.0, 0.0));
                    ranges.push(last);
                }
                ranges
            }
        };
        self.ranges = ranges
            .into_iter()
            .map(|mut r| {
                let (low, high) = (r.min.min(r.max), r.min.max(r.max));
                r.default = r.default.clamp(low, high);
                if !(r.skew.is_finite() && r.skew > 0.0) {
                    r.skew = 1.0;
                }
                r.increment = r.increment.abs();
                r
            })
            .collect();
    }
}

/// How a widget looks beyond its colours, as its author declared it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Look {
    /// The text size in the form's pixels (`fontSize(20)`, `style.fontSize`).
    pub font_size: Option<f32>,
    /// Where its text sits: `left`, `centre` or `right` (`align(...)`).
    pub align: Option<String>,
    /// The file it shows: an image's picture, a soundfiler's sound (`file(...)`).
    pub file: Option<String>,
    /// The function tables a gentable draws (`tableNumber(1)`, `tableNumbers(1, 2)`).
    pub tables: Vec<u32>,
    /// Files a combobox lists (`populate("*.wav", "samples")`): the pattern and the folder,
    /// from the instrument's own folder.
    pub populate: Option<(String, String)>,
    /// An image's shape: `sharp`, `rounded` or `ellipse`.
    pub shape: Option<String>,
    /// The outline's width, in the form's pixels.
    pub outline_thickness: Option<f32>,
    /// A button's text colour when on (`fontColour:1`).
    pub font_colour_on: Option<Colour>,
    /// A keyboard's black keys (`blackNoteColour`); its white ones are its `colour`, held keys
    /// its tracker colour (`keydownColour`).
    pub black_colour: Option<Colour>,
    /// A keyboard's lowest key (its `value`).
    pub lowest: Option<u8>,
    /// Left out of presets (Cabbage 3's `persistence.preset: false`, Cabbage 2's
    /// `presetIgnore(1)`).
    pub not_in_presets: bool,
    /// Starts at its declared value whenever the orchestra loads, a project's value or not
    /// (`persistence.session: false`, `presetIgnore(1)`).
    pub not_in_projects: bool,
}

/// The plugin window Cabbage calls the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    pub caption: String,
    pub width: f32,
    pub height: f32,
    pub colour: Option<Colour>,
    pub plugin_id: Option<String>,
    /// Cabbage 3's `channelConfig`: the audio channels it wants (its first entry).
    #[serde(default)]
    pub channels: Option<ChannelConfig>,
}

/// The audio channels an instrument wants: main inputs, sidechain inputs, outputs
/// (`{"ins": "2+1", "outs": "2"}`, `"2|2"`, `"Stereo:2|2"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelConfig {
    pub inputs: u32,
    pub sidechain: u32,
    pub outputs: u32,
}

impl ChannelConfig {
    /// Reads `ins` and `outs` as Cabbage 3 writes them ("2", "2+1": main and sidechain).
    pub fn from_counts(ins: &str, outs: &str) -> Option<ChannelConfig> {
        let mut buses = ins.split('+').map(|n| n.trim().parse::<u32>());
        let inputs = buses.next()?.ok()?;
        let sidechain = buses.map(|b| b.unwrap_or(0)).sum();
        let outputs = outs.split('+').next()?.trim().parse().ok()?;
        (inputs <= 64 && sidechain <= 64 && (1..=64).contains(&outputs)).then_some(ChannelConfig {
            inputs,
            sidechain,
            outputs,
        })
    }

    /// Reads a configuration's JSON: a list (its first entry), `{"ins", "outs"}`,
    /// `{"inputs": ["2"], "outputs": ["2"]}`, or a text `"2|2"` / `"Stereo:2|2"`.
    pub fn from_json(value: &serde_json::Value) -> Option<ChannelConfig> {
        use serde_json::Value;
        let text = |v: Option<&Value>| match v {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Array(a)) => a
                .first()
                .map(|f| f.to_string().trim_matches('"').to_string()),
            _ => None,
        };
        match value {
            Value::Array(list) => ChannelConfig::from_json(list.first()?),
            Value::Object(o) => {
                let ins = text(o.get("ins").or_else(|| o.get("inputs")))?;
                let outs = text(o.get("outs").or_else(|| o.get("outputs")))?;
                ChannelConfig::from_counts(&ins, &outs)
            }
            Value::String(s) => {
                let counts = s.rsplit(':').next()?;
                let (ins, outs) = counts.split_once('|')?;
                ChannelConfig::from_counts(ins, outs)
            }
            _ => None,
        }
    }
}

impl Default for Form {
    fn default() -> Self {
        Form {
            caption: String::new(),
            width: 600.0,
            height: 300.0,
            colour: None,
            plugin_id: None,
            channels: None,
        }
    }
}

/// Everything a `<Cabbage>` section declares.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Layout {
    pub form: Form,
    /// In declaration order; a container comes before what it holds.
    pub widgets: Vec<Widget>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_configurations_in_every_shape_cabbage_3_writes() {
        let read = |json: &str| ChannelConfig::from_json(&serde_json::from_str(json).unwrap());
        let config = |inputs, sidechain, outputs| {
            Some(ChannelConfig {
                inputs,
                sidechain,
                outputs,
            })
        };
        assert_eq!(
            read(r#"[{"name": "Side", "ins": "2+1", "outs": "2"}, {"ins": "1", "outs": "1"}]"#),
            config(2, 1, 2),
            "the first entry"
        );
        assert_eq!(
            read(r#"{"inputs": ["1"], "outputs": ["1"]}"#),
            config(1, 0, 1)
        );
        assert_eq!(read(r#""Stereo:2|2""#), config(2, 0, 2));
        assert_eq!(read(r#""0|4""#), config(0, 0, 4));
        assert_eq!(read(r#""2|0""#), None, "no outputs");
        assert_eq!(read("12"), None);
    }
}
