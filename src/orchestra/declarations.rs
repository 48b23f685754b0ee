//! What an orchestra declares to the plugin: its parameters (from `chn_k` channel declarations),
//! its rates, and how notes reach it ([`super::note_mode`], re-exported here).
//!
//! ```csound
//! <CsInstruments>
//! ; name, mode (1 in, 3 in+out), type (1 int, 2 linear, 3 exponential), default, min, max,
//! ; x, y, width, height (unused), attributes
//! chn_k "cutoff", 1, 3, 2000, 20, 20000, 0, 0, 0, 0, "label=Cutoff; unit=Hz; group=Filter"
//! chn_k "shape", 1, 1, 0, 0, 2, 0, 0, 0, 0, "label=Shape; steps=Saw|Square|Triangle"
//! ```

use crate::csound::{Behaviour, ChannelInfo, ChannelKind};
use crate::orchestra::reserved::{is_midi_channel, is_transport_channel};
use serde::{Deserialize, Serialize};

pub use super::note_mode::{
    infer_note_mode, parse_plugin_section, reads_p3, NoteLength, NoteMode, PFields, PValue, Pitch,
    Velocity, DEFAULT_NOTE_SECONDS, FIRST_EXTRA, MAX_PFIELD,
};

/// The orchestra's own `sr`, `kr` and `ksmps`, checked as Csound's command line checks them:
/// when the header gives all three, `sr / kr` must equal `ksmps`; with `sr` and `kr` alone,
/// `sr / kr` must be a whole number. (The plugins run at the host's rate, which Csound would
/// otherwise let silently win over an inconsistent header.)
pub fn check_rates(orchestra: &str) -> Result<(), String> {
    let mut values = [None::<f64>; 3];
    for line in orchestra.lines() {
        let code = line.split(';').next().unwrap_or("").trim();
        if code.starts_with("instr") || code.starts_with("opcode") {
            break;
        }
        for (i, name) in ["sr", "kr", "ksmps"].iter().enumerate() {
            if let Some(rest) = code.strip_prefix(name) {
                if let Some(value) = rest.trim_start().strip_prefix('=') {
                    values[i] = value.trim().parse::<f64>().ok().or(values[i]);
                }
            }
        }
    }
    let [sr, kr, ksmps] = values;
    let inconsistent = match (sr, kr, ksmps) {
        (Some(sr), Some(kr), Some(ksmps)) => (sr / kr - ksmps).abs() > 1e-7 * ksmps.max(1.0),
        (Some(sr), Some(kr), None) => kr <= 0.0 || (sr / kr).fract().abs() > 1e-7,
        _ => false,
    };
    if inconsistent {
        let shown = |v: Option<f64>| v.map_or("(not set)".to_string(), |v| v.to_string());
        return Err(format!(
            "sr = {}, kr = {}, ksmps = {}: inconsistent sr, kr, ksmps (Csound's own command \
             line refuses this header too)",
            shown(sr),
            shown(kr),
            shown(ksmps)
        ));
    }
    Ok(())
}

/// A parameter the orchestra declared: one control channel the host may automate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSpec {
    /// The channel name: the parameter's stable identity.
    pub channel: String,
    pub label: String,
    pub unit: String,
    pub group: String,
    pub behaviour: Behaviour,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    /// Names of the steps of a menu (integer channels), from `min` upwards.
    pub steps: Vec<String>,
    /// The control's taper (Cabbage's skew): the value at position `p` is
    /// `min + (max - min) * p^(1/skew)`; 1 is linear.
    #[serde(default = "linear_skew")]
    pub skew: f64,
    /// The step values snap to, counted from `min` (Cabbage's increment); 0: continuous.
    #[serde(default)]
    pub step: f64,
}

fn linear_skew() -> f64 {
    1.0
}

impl ParamSpec {
    /// A plain linear parameter named after its channel (for tests).
    #[cfg(test)]
    pub(crate) fn linear(channel: &str, min: f64, max: f64, default: f64) -> ParamSpec {
        ParamSpec {
            channel: channel.into(),
            label: channel.into(),
            unit: String::new(),
            group: String::new(),
            behaviour: Behaviour::Linear,
            min,
            max,
            default,
            steps: vec![],
            skew: 1.0,
            step: 0.0,
        }
    }

    /// A channel value from a normalized 0..1 position.
    pub fn plain(&self, normalized: f64) -> f64 {
        let n = normalized.clamp(0.0, 1.0);
        let value = match self.behaviour {
            Behaviour::Exponential if self.min * self.max > 0.0 => {
                self.min * (self.max / self.min).powf(n)
            }
            Behaviour::Integer => (self.min + n * (self.max - self.min)).round(),
            _ if self.skew != 1.0 => self.min + n.powf(1.0 / self.skew) * (self.max - self.min),
            _ => self.min + n * (self.max - self.min),
        };
        self.snap(value)
    }

    /// `value` on the step grid, within the range.
    fn snap(&self, value: f64) -> f64 {
        if self.step <= 0.0 || !self.step.is_finite() {
            return value;
        }
        let snapped = self.min + ((value - self.min) / self.step).round() * self.step;
        snapped.clamp(self.min.min(self.max), self.min.max(self.max))
    }

    /// The normalized 0..1 position of a channel value.
    pub fn normalized(&self, plain: f64) -> f64 {
        let span = self.max - self.min;
        let n = match self.behaviour {
            Behaviour::Exponential if self.min * self.max > 0.0 => {
                (plain / self.min).ln() / (self.max / self.min).ln()
            }
            _ if span != 0.0 && self.skew != 1.0 && self.behaviour != Behaviour::Integer => {
                ((plain - self.min) / span).clamp(0.0, 1.0).powf(self.skew)
            }
            _ if span != 0.0 => (plain - self.min) / span,
            _ => 0.0,
        };
        if n.is_finite() {
            n.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// The value as a musician reads it: a step name, or a number with its unit.
    pub fn display(&self, plain: f64) -> String {
        if !self.steps.is_empty() {
            let index = (plain - self.min).round().max(0.0) as usize;
            if let Some(step) = self.steps.get(index) {
                return step.clone();
            }
        }
        let number = match self.behaviour {
            Behaviour::Integer => format!("{plain:.0}"),
            _ if plain.abs() >= 1000.0 => format!("{plain:.0}"),
            _ if plain.abs() >= 100.0 => format!("{plain:.1}"),
            _ => format!("{plain:.3}"),
        };
        if self.unit.is_empty() {
            number
        } else {
            format!("{number} {}", self.unit)
        }
    }

    /// Parses what a musician typed (a step name or a number) into a channel value.
    pub fn parse(&self, text: &str) -> Option<f64> {
        let text = text.trim();
        if let Some(i) = self.steps.iter().position(|s| s.eq_ignore_ascii_case(text)) {
            return Some(self.min + i as f64);
        }
        let number = text.trim_end_matches(self.unit.as_str()).trim();
        number
            .parse::<f64>()
            .ok()
            .map(|v| v.clamp(self.min.min(self.max), self.max.max(self.min)))
    }
}

/// Splits a `chn_k` attribute string: `label=Cutoff; unit=Hz; group=Filter; steps=A|B`.
fn attribute<'a>(attributes: &'a str, key: &str) -> Option<&'a str> {
    attributes.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == key).then(|| v.trim())
    })
}

/// The parameters of an orchestra: its input control channels declared with a range, except the
/// channels the plugin itself writes (transport, MIDI). Ordered by where the channel name first
/// appears in the orchestra text, i.e. in declaration order.
pub fn parameters(channels: &[ChannelInfo], orchestra: &str) -> Vec<ParamSpec> {
    let mut specs: Vec<(usize, ParamSpec)> = channels
        .iter()
        .filter(|c| c.kind == ChannelKind::Control && c.input)
        .filter(|c| c.hints.behaviour != Behaviour::None)
        .filter(|c| !is_transport_channel(&c.name) && !is_midi_channel(&c.name))
        .map(|c| {
            let attributes = c.hints.attributes.as_deref().unwrap_or("");
            let text = |key| attribute(attributes, key).unwrap_or("").to_string();
            let label = attribute(attributes, "label")
                .unwrap_or(&c.name)
                .to_string();
            let steps = attribute(attributes, "steps")
                .map(|s| s.split('|').map(|x| x.trim().to_string()).collect())
                .unwrap_or_default();
            let position = orchestra
                .find(&format!("\"{}\"", c.name))
                .unwrap_or(usize::MAX);
            let spec = ParamSpec {
                channel: c.name.clone(),
                label,
                unit: text("unit"),
                group: text("group"),
                behaviour: c.hints.behaviour,
                min: c.hints.min,
                max: c.hints.max,
                default: c.hints.default,
                steps,
                skew: 1.0,
                step: 0.0,
            };
            (position, spec)
        })
        .collect();
    specs.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.channel.cmp(&b.1.channel)));
    specs.into_iter().map(|(_, s)| s).collect()
}

/// Whether a CSD says how many output channels it has (`nchnls =` in the orchestra header, or
/// `--nchnls` / `-nchnls` in its options).
pub fn declares_nchnls(csd: &crate::csound::csd::Csd) -> bool {
    let in_options = crate::csound::options::filter(&csd.options)
        .is_ok_and(|f| f.passed.iter().any(|o| o.starts_with("--nchnls=")));
    in_options
        || csd.orchestra.lines().any(|line| {
            let code = line.split(';').next().unwrap_or("").trim_start();
            code.strip_prefix("nchnls")
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inconsistent_rates_are_refused_as_csound_refuses_them() {
        assert!(check_rates("sr = 44100\nkr = 1000\nksmps = 32\n").is_err());
        assert!(check_rates("sr = 44100\nkr = 4410\n").is_ok());
        assert!(check_rates("sr = 44100\nkr = 1000\n").is_err());
        assert!(check_rates("sr = 48000\nkr = 1500\nksmps = 32\n").is_ok());
        assert!(
            check_rates("sr = 48000\nksmps = 7\n").is_ok(),
            "no kr: nothing to match"
        );
        let e = check_rates("sr = 44100\nkr = 1000\nksmps = 32\ninstr 1\nendin\n").unwrap_err();
        assert!(e.contains("inconsistent sr, kr, ksmps"), "{e}");
    }
    use crate::csound::ChannelHints;

    fn spec(behaviour: Behaviour, min: f64, max: f64) -> ParamSpec {
        ParamSpec {
            channel: "c".into(),
            label: "C".into(),
            unit: "Hz".into(),
            group: String::new(),
            behaviour,
            min,
            max,
            default: min,
            steps: vec![],
            skew: 1.0,
            step: 0.0,
        }
    }

    #[test]
    fn normalized_and_plain_values_round_trip_for_each_law() {
        for s in [
            spec(Behaviour::Linear, -12.0, 12.0),
            spec(Behaviour::Exponential, 20.0, 20000.0),
            spec(Behaviour::Integer, 0.0, 7.0),
        ] {
            for i in 0..=20 {
                let n = i as f64 / 20.0;
                let plain = s.plain(n);
                assert!(plain >= s.min && plain <= s.max, "{s:?} {n}");
                assert!((s.plain(s.normalized(plain)) - plain).abs() < 1e-6 * plain.abs().max(1.0));
            }
        }
        let e = spec(Behaviour::Exponential, 20.0, 20000.0);
        assert!(
            (e.plain(0.5) - 632.455).abs() < 0.01,
            "the middle of 20..20k is ~632 Hz"
        );
    }

    #[test]
    fn display_and_parse_speak_the_musicians_language() {
        let mut menu = spec(Behaviour::Integer, 0.0, 2.0);
        menu.steps = vec!["Saw".into(), "Square".into(), "Triangle".into()];
        assert_eq!(menu.display(1.0), "Square");
        assert_eq!(menu.parse("triangle"), Some(2.0));
        let hz = spec(Behaviour::Exponential, 20.0, 20000.0);
        assert_eq!(hz.display(1234.5), "1234 Hz");
        assert_eq!(hz.parse("440 Hz"), Some(440.0));
        assert_eq!(hz.parse("99999"), Some(20000.0));
    }

    #[test]
    fn parameters_come_from_ranged_input_channels_in_declaration_order() {
        let ch = |name: &str, behaviour, attributes: Option<&str>, input| ChannelInfo {
            name: name.into(),
            kind: ChannelKind::Control,
            input,
            output: false,
            hints: ChannelHints {
                behaviour,
                default: 1.0,
                min: 0.0,
                max: 2.0,
                attributes: attributes.map(String::from),
            },
        };
        let channels = vec![
            ch(
                "b_second",
                Behaviour::Linear,
                Some("label=Second; unit=dB; group=Amp"),
                true,
            ),
            ch(
                "a_first",
                Behaviour::Integer,
                Some("steps=One|Two|Three"),
                true,
            ),
            ch("no_range", Behaviour::None, None, true),
            ch("meter", Behaviour::Linear, None, false),
            ch("HOST_BPM", Behaviour::Linear, None, true),
            ch("MIDI_CC7", Behaviour::Linear, None, true),
        ];
        let orc = "chn_k \"a_first\", 1\nchn_k \"b_second\", 1\n";
        let specs = parameters(&channels, orc);
        let names: Vec<_> = specs.iter().map(|s| s.channel.as_str()).collect();
        assert_eq!(names, ["a_first", "b_second"]);
        assert_eq!(specs[0].label, "a_first");
        assert_eq!(specs[0].steps, ["One", "Two", "Three"]);
        assert_eq!(
            (
                specs[1].label.as_str(),
                specs[1].unit.as_str(),
                specs[1].group.as_str()
            ),
            ("Second", "dB", "Amp")
        );
    }
}
