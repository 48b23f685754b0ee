//! What an orchestra declares to the plugin: its parameters (from `chn_k` channel declarations)
//! and how notes reach it (the `<CsPlugin>` section of the CSD).
//!
//! ```csound
//! <CsPlugin>
//! notes = score        ; MIDI notes become i-events (default); "midi": raw MIDI to Csound
//! instrument = 1       ; the instrument notes start (score mode)
//! pitch = key          ; p4: MIDI key number (default), or "cps" for Hz
//! velocity = unit      ; p5: velocity 0..1 (default), or "midi" for 0..127
//! </CsPlugin>
//! <CsInstruments>
//! ; name, mode (1 in, 3 in+out), type (1 int, 2 linear, 3 exponential), default, min, max,
//! ; x, y, width, height (unused), attributes
//! chn_k "cutoff", 1, 3, 2000, 20, 20000, 0, 0, 0, 0, "label=Cutoff; unit=Hz; group=Filter"
//! chn_k "shape", 1, 1, 0, 0, 2, 0, 0, 0, 0, "label=Shape; steps=Saw|Square|Triangle"
//! ```

use crate::csound::{Behaviour, ChannelInfo, ChannelKind};
use crate::orchestra::reserved::{is_midi_channel, is_transport_channel};
use serde::{Deserialize, Serialize};

/// How a MIDI note's pitch reaches p4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pitch {
    /// The MIDI key number, 0..127.
    Key,
    /// Frequency in Hz (A4 = 440).
    Cps,
}

/// How a MIDI note's velocity reaches p5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Velocity {
    /// 0..1.
    Unit,
    /// 0..127.
    Midi,
    /// Amplitude, 0..`0dbfs` (Csound's `--midi-velocity-amp`).
    Amp,
}

/// Which p-fields carry a note's pitch and velocity: 4 and 5, unless the orchestra's options
/// name others (`--midi-key-cps=6`). The MIDI channel goes to p6 when p6 is free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PFields {
    pub pitch: u8,
    pub velocity: u8,
}

impl Default for PFields {
    fn default() -> Self {
        PFields {
            pitch: 4,
            velocity: 5,
        }
    }
}

/// The highest p-field the plugins fill (Csound's options allow more; no orchestra seen needs
/// them).
pub const MAX_PFIELD: u8 = 12;

/// How long a note's score event lasts: its p3.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum NoteLength {
    /// Held while the key is down (p3 = -1), unless the instrument computes with p3: then
    /// [`NoteLength::Fixed`] with [`DEFAULT_NOTE_SECONDS`] (decided at load, with a warning).
    Auto,
    /// p3 = -1 until the note-off releases it (envelopes such as `linsegr`, `madsr` follow).
    Held,
    /// p3 = this many seconds; the note-off ends nothing (the instrument's own envelope does).
    /// For instruments written for the score, whose segment lengths are computed from p3: a
    /// held note's p3 of -1 would make those negative and corrupt Csound's memory.
    Fixed(f64),
}

/// The length of a note whose instrument computes with p3 and declares no `length`.
pub const DEFAULT_NOTE_SECONDS: f64 = 1.0;

/// How the orchestra wants notes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum NoteMode {
    /// Each note becomes an `i` event of `instrument` with a unique fractional tag.
    Score {
        instrument: f64,
        pitch: Pitch,
        velocity: Velocity,
        length: NoteLength,
        #[serde(default)]
        fields: PFields,
    },
    /// Raw MIDI goes to Csound's own MIDI system (`massign`, `cpsmidi`, `veloc`...).
    Midi,
}

impl Default for NoteMode {
    fn default() -> Self {
        NoteMode::Score {
            instrument: 1.0,
            pitch: Pitch::Key,
            velocity: Velocity::Unit,
            length: NoteLength::Auto,
            fields: PFields::default(),
        }
    }
}

/// How notes reach an orchestra without a `<CsPlugin>` section, read from what it was written
/// for: `massign`, `-M` (or `--midi-device`) in its options, or MIDI note opcodes (`notnum`,
/// `cpsmidi`, `veloc`, ...) mean Csound's own MIDI system; `--midi-key-cps=N`, `--midi-key=N`,
/// `--midi-velocity-amp=N` and `--midi-velocity=N` alone mean score events with pitch and
/// velocity in those p-fields, in those units. Anything else: the default score events.
pub fn infer_note_mode(options: &str, orchestra: &str) -> NoteMode {
    let words: Vec<&str> = options
        .lines()
        .map(|l| l.split(';').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
        .collect();
    let device = words.iter().any(|w| {
        w.starts_with("--midi-device")
            || (w.starts_with('-') && !w.starts_with("--") && !w.starts_with("-+") && {
                // `-M0`, or `M` in a cluster of flags before any value (`-dM0`).
                let flags = w[1..]
                    .split(|c: char| c.is_ascii_digit())
                    .next()
                    .unwrap_or("");
                flags.contains('M')
            })
    });
    const MIDI_OPCODES: &[&str] = &[
        "massign",
        "notnum",
        "cpsmidi",
        "cpsmidib",
        "veloc",
        "ampmidi",
        "octmidi",
        "octmidib",
        "pchmidi",
        "pchmidib",
        "midinoteoncps",
        "midinoteonkey",
        "midinoteonoct",
        "midinoteonpch",
    ];
    let code = code_words(orchestra);
    if device || MIDI_OPCODES.iter().any(|o| code.contains(o)) {
        return NoteMode::Midi;
    }
    let mut mode = NoteMode::default();
    if let NoteMode::Score {
        pitch,
        velocity,
        fields,
        ..
    } = &mut mode
    {
        for word in &words {
            let Some((name, value)) = word.strip_prefix("--").and_then(|w| w.split_once('='))
            else {
                continue;
            };
            let Some(field) = value
                .parse::<u8>()
                .ok()
                .filter(|f| (4..=MAX_PFIELD).contains(f))
            else {
                continue;
            };
            match name {
                "midi-key-cps" => (*pitch, fields.pitch) = (Pitch::Cps, field),
                "midi-key" => (*pitch, fields.pitch) = (Pitch::Key, field),
                "midi-velocity-amp" => (*velocity, fields.velocity) = (Velocity::Amp, field),
                "midi-velocity" => (*velocity, fields.velocity) = (Velocity::Midi, field),
                _ => {}
            }
        }
    }
    mode
}

/// The words of an orchestra's code, comments left out.
fn code_words(orchestra: &str) -> std::collections::HashSet<&str> {
    orchestra
        .lines()
        .map(|l| l.split(';').next().unwrap_or(""))
        .map(|l| l.split("//").next().unwrap_or(""))
        .flat_map(|l| l.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Reads the `<CsPlugin>` section (the text between the tags). Unknown keys or values are
/// errors that name the line, counted from the section's first line.
pub fn parse_plugin_section(text: &str) -> Result<NoteMode, String> {
    let mut midi = false;
    let mut instrument = 1.0;
    let mut pitch = Pitch::Key;
    let mut velocity = Velocity::Unit;
    let mut length = NoteLength::Auto;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split(';').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = |why: &str| format!("<CsPlugin> line {}: {why}: `{}`", n + 1, raw.trim());
        let Some((key, value)) = line.split_once('=') else {
            return Err(bad("expected `key = value`"));
        };
        match (key.trim(), value.trim()) {
            ("notes", "score") => midi = false,
            ("notes", "midi") => midi = true,
            ("instrument", v) => {
                instrument = v
                    .parse::<f64>()
                    .ok()
                    .filter(|i| *i >= 1.0 && i.fract() == 0.0)
                    .ok_or_else(|| bad("the instrument is a whole number from 1"))?
            }
            ("pitch", "key") => pitch = Pitch::Key,
            ("pitch", "cps") => pitch = Pitch::Cps,
            ("velocity", "unit") => velocity = Velocity::Unit,
            ("velocity", "midi") => velocity = Velocity::Midi,
            ("length", "held") => length = NoteLength::Held,
            ("length", v) => {
                length = v
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
                    .map(NoteLength::Fixed)
                    .ok_or_else(|| bad("the length is `held` or seconds, up to 3600"))?
            }
            ("notes" | "pitch" | "velocity", _) => return Err(bad("unknown value")),
            _ => return Err(bad("unknown key")),
        }
    }
    Ok(if midi {
        NoteMode::Midi
    } else {
        NoteMode::Score {
            instrument,
            pitch,
            velocity,
            length,
            fields: PFields::default(),
        }
    })
}

/// The first line (counted in `orchestra`, from 1) where instrument `instrument` reads p3,
/// if it does: such an instrument computes with its note's duration, which is -1 for a held
/// note. Comments are skipped; `p3 = …` sets the duration and only its right side counts.
pub fn reads_p3(orchestra: &str, instrument: f64) -> Option<u32> {
    let mut inside = false;
    let mut in_block_comment = false;
    for (n, raw) in orchestra.lines().enumerate() {
        let mut line = raw.to_string();
        if in_block_comment {
            match line.find("*/") {
                Some(end) => {
                    line = line[end + 2..].to_string();
                    in_block_comment = false;
                }
                None => continue,
            }
        }
        if let Some(start) = line.find("/*") {
            in_block_comment = !line[start..].contains("*/");
            line.truncate(start);
        }
        let code = line.split(';').next().unwrap_or("");
        let code = code.split("//").next().unwrap_or("").trim();
        let mut words = code.split(|c: char| c.is_whitespace() || c == ',');
        match words.next() {
            Some("instr") => {
                inside = words
                    .filter(|w| !w.is_empty())
                    .any(|w| w.parse::<f64>().is_ok_and(|i| i == instrument.trunc()));
                continue;
            }
            Some("endin") => {
                inside = false;
                continue;
            }
            _ => {}
        }
        if !inside {
            continue;
        }
        // `p3 = …` sets the duration: only what it is set to is read.
        let read = match code.strip_prefix("p3") {
            Some(rest)
                if rest.trim_start().starts_with('=') && !rest.trim_start().starts_with("==") =>
            {
                rest.trim_start()[1..].to_string()
            }
            _ => code.to_string(),
        };
        let is_word = |at: usize, len: usize| {
            let before = read[..at].chars().last();
            let after = read[at + len..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !ident(before) && !ident(after)
        };
        if read.match_indices("p3").any(|(at, _)| is_word(at, 2)) {
            return Some(n as u32 + 1);
        }
    }
    None
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruments_computing_with_p3_are_found() {
        let orc = "instr 1\n aenv expseg .01, p3*0.25, 1, p3*0.75, .01\nendin\n";
        assert_eq!(reads_p3(orc, 1.0), Some(2));
        assert_eq!(reads_p3(orc, 2.0), None, "another instrument");
        let held =
            "instr 1 ; uses p3 only in a comment\n p3 = 5\n a1 linsegr 0, 0.1, 1, 0.2, 0\nendin\n";
        assert_eq!(
            reads_p3(held, 1.0),
            None,
            "setting p3 is not computing with it"
        );
        let grown = "instr 2, 1\n p3 = p3 + 0.5\nendin\n";
        assert_eq!(reads_p3(grown, 1.0), Some(2));
        assert_eq!(
            reads_p3("instr 1\n ip3x = 1\nendin\n", 1.0),
            None,
            "whole words only"
        );
    }

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
    fn how_notes_arrive_is_inferred_from_what_the_orchestra_was_written_for() {
        let plain = "instr 1\n a1 oscili 0.1, p4\nendin\n";
        assert_eq!(infer_note_mode("-d -m0", plain), NoteMode::default());
        for options in ["-M0", "-dM0 -m0", "-+rtmidi=NULL -M0", "--midi-device=0"] {
            assert_eq!(infer_note_mode(options, plain), NoteMode::Midi, "{options}");
        }
        assert_eq!(
            infer_note_mode("-m0d", plain),
            NoteMode::default(),
            "-m0d has no M"
        );
        let midi = "massign 0, 1\ninstr 1\n a1 oscili 0.1, cpsmidi()\nendin\n";
        assert_eq!(infer_note_mode("", midi), NoteMode::Midi);
        assert_eq!(
            infer_note_mode("", "instr 1\n ; notnum in a comment\nendin\n"),
            NoteMode::default()
        );
        let NoteMode::Score {
            pitch,
            velocity,
            fields,
            ..
        } = infer_note_mode("-d --midi-key-cps=4 --midi-velocity-amp=5", plain)
        else {
            panic!("score events");
        };
        assert_eq!(
            (pitch, velocity, fields),
            (Pitch::Cps, Velocity::Amp, PFields::default())
        );
        let NoteMode::Score {
            fields,
            pitch,
            velocity,
            ..
        } = infer_note_mode("--midi-key=6 --midi-velocity=7", plain)
        else {
            panic!("score events");
        };
        assert_eq!((pitch, velocity), (Pitch::Key, Velocity::Midi));
        assert_eq!((fields.pitch, fields.velocity), (6, 7));
    }

    #[test]
    fn plugin_section_reads_modes_and_conventions() {
        assert_eq!(parse_plugin_section("").unwrap(), NoteMode::default());
        assert_eq!(
            parse_plugin_section("notes = midi").unwrap(),
            NoteMode::Midi
        );
        assert_eq!(
            parse_plugin_section("instrument = 3 ; the synth\npitch=cps\nvelocity = midi").unwrap(),
            NoteMode::Score {
                instrument: 3.0,
                pitch: Pitch::Cps,
                velocity: Velocity::Midi,
                length: NoteLength::Auto,
                fields: PFields::default(),
            }
        );
        assert!(matches!(
            parse_plugin_section("length = 2.5"),
            Ok(NoteMode::Score {
                length: NoteLength::Fixed(2.5),
                ..
            })
        ));
        assert!(matches!(
            parse_plugin_section("length = held"),
            Ok(NoteMode::Score {
                length: NoteLength::Held,
                ..
            })
        ));
        assert!(parse_plugin_section("length = -1").is_err());
        let e = parse_plugin_section("\nnotes = maybe").unwrap_err();
        assert!(e.contains("line 2") && e.contains("maybe"), "{e}");
        assert!(parse_plugin_section("instrument = 1.5").is_err());
        assert!(parse_plugin_section("colour = red").is_err());
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
