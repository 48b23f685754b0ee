//! How notes reach an orchestra: the `<CsPlugin>` section of the CSD, or what the orchestra
//! was written for when it has none ([`infer_note_mode`]), and whether an instrument computes
//! with its note's duration ([`reads_p3`]).
//!
//! ```csound
//! <CsPlugin>
//! notes = score        ; MIDI notes become i-events (default); "midi": raw MIDI to Csound
//! instrument = 1       ; the instrument notes start (score mode)
//! pitch = key          ; p4: MIDI key number (default), or "cps" for Hz
//! velocity = unit      ; p5: velocity 0..1 (default), or "midi" for 0..127
//! p7 = 0.25            ; p7 to p12: a number, or key, cps, velocity, velocity-midi, channel
//! </CsPlugin>
//! ```

use crate::orchestra::source::code_words;
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

/// What a note's p-field beyond p6 holds, as its `<CsPlugin>` section says (`p7 = 0.25`,
/// `p8 = velocity`): orchestras written for the score read more than pitch and velocity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PValue {
    /// The same number for every note.
    Constant(f64),
    /// The MIDI key, 0..127.
    Key,
    /// The key's frequency in Hz (A4 = 440).
    Cps,
    /// Velocity 0..1.
    Velocity,
    /// Velocity 0..127.
    VelocityMidi,
    /// The MIDI channel, 1..16.
    Channel,
}

impl PValue {
    /// Reads `0.25`, `key`, `cps`, `velocity`, `velocity-midi` or `channel`.
    pub fn parse(text: &str) -> Option<PValue> {
        Some(match text {
            "key" => PValue::Key,
            "cps" => PValue::Cps,
            "velocity" => PValue::Velocity,
            "velocity-midi" => PValue::VelocityMidi,
            "channel" => PValue::Channel,
            number => PValue::Constant(number.parse().ok().filter(|v: &f64| v.is_finite())?),
        })
    }

    /// Its value for a note of `key` with `velocity` (0..1) on `channel` (0..15).
    pub fn value(self, channel: u8, key: u8, velocity: f32) -> f64 {
        match self {
            PValue::Constant(v) => v,
            PValue::Key => key as f64,
            PValue::Cps => 440.0 * 2f64.powf((key as f64 - 69.0) / 12.0),
            PValue::Velocity => velocity as f64,
            PValue::VelocityMidi => (velocity as f64 * 127.0).round(),
            PValue::Channel => (channel & 15) as f64 + 1.0,
        }
    }
}

/// The first p-field a `<CsPlugin>` section can give ([`PValue`]).
pub const FIRST_EXTRA: u8 = 7;

/// Which p-fields carry a note's pitch and velocity: 4 and 5, unless the orchestra's options
/// name others (`--midi-key-cps=6`). The MIDI channel goes to p6 when p6 is free. p7 to
/// [`MAX_PFIELD`] hold what the `<CsPlugin>` section gives them (0 when it gives nothing).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PFields {
    pub pitch: u8,
    pub velocity: u8,
    /// p7 onward.
    #[serde(default)]
    pub extra: [Option<PValue>; (MAX_PFIELD - FIRST_EXTRA + 1) as usize],
}

impl Default for PFields {
    fn default() -> Self {
        PFields {
            pitch: 4,
            velocity: 5,
            extra: [None; (MAX_PFIELD - FIRST_EXTRA + 1) as usize],
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
    let code: std::collections::HashSet<&str> =
        code_words(orchestra).map(|(_, word)| word).collect();
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

/// Reads the `<CsPlugin>` section (the text between the tags). Unknown keys or values are
/// errors that name the line, counted from the section's first line.
pub fn parse_plugin_section(text: &str) -> Result<NoteMode, String> {
    let mut midi = false;
    let mut instrument = 1.0;
    let mut pitch = Pitch::Key;
    let mut velocity = Velocity::Unit;
    let mut length = NoteLength::Auto;
    let mut fields = PFields::default();
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
            (p, v) if p.starts_with('p') && p[1..].parse::<u8>().is_ok() => {
                let n = p[1..].parse::<u8>().unwrap_or(0);
                if !(FIRST_EXTRA..=MAX_PFIELD).contains(&n) {
                    return Err(bad(&format!(
                        "p{FIRST_EXTRA} to p{MAX_PFIELD} can be given (p4 to p6 are pitch, \
                         velocity and channel)"
                    )));
                }
                fields.extra[(n - FIRST_EXTRA) as usize] = Some(PValue::parse(v).ok_or_else(|| {
                    bad("a p-field is a number, or key, cps, velocity, velocity-midi or channel")
                })?);
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
            fields,
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
    fn p_fields_from_p7_are_numbers_or_midi_values_and_others_are_refused() {
        let NoteMode::Score { fields, .. } =
            parse_plugin_section("p7 = 0.25\np9 = velocity-midi\np12 = channel").unwrap()
        else {
            panic!("score mode")
        };
        assert_eq!(
            fields.extra,
            [
                Some(PValue::Constant(0.25)),
                None,
                Some(PValue::VelocityMidi),
                None,
                None,
                Some(PValue::Channel)
            ]
        );
        for bad in ["p6 = 1", "p13 = 1", "p7 = loud", "p7 = inf"] {
            let e = parse_plugin_section(bad).unwrap_err();
            assert!(e.contains("line 1"), "{bad}: {e}");
        }
        assert_eq!(PValue::Cps.value(0, 69, 1.0), 440.0);
        assert_eq!(PValue::Channel.value(15, 0, 1.0), 16.0);
    }
}
