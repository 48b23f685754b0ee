//! Which Csound an orchestra needs when nobody chose one: what its text alone says.
//!
//! The plugin prefers Debian's Csound 6.18 where it is installed, but some orchestras only run
//! right on the bundled 7.0:
//! - Cabbage 3 instruments (a JSON `<Cabbage>` section): Cabbage 3 ships on Csound 7, and its
//!   instruments are written for it;
//! - the function form of a Cabbage opcode with two outputs (`kV, kT = cabbageGetValue("x")`),
//!   whose outputs Csound 6.18 leaves at their first values;
//! - raw MIDI with `--midi-key`/`--midi-velocity` options (Cabbage's default options): Csound
//!   6.18 then replaces pending score events with copies of incoming MIDI notes.
//!
//! Code that 6.18 cannot parse and 7.0 can is found by the load itself (it parses anyway);
//! see [`Engine::load_with`](crate::engine::Engine::load_with).

use crate::csound::csd::Csd;

/// Why the text needs Csound 7.0, in words for the console (`None`: either Csound runs it).
/// `raw_midi`: whether notes reach it as raw MIDI.
pub fn seven_because(csd: &Csd, text: &str, raw_midi: bool) -> Option<String> {
    if is_cabbage_3(text) {
        return Some(
            "it is a Cabbage 3 instrument (its <Cabbage> section is JSON), written for the \
             Csound 7 that Cabbage 3 ships with"
                .to_string(),
        );
    }
    if let Some(line) = multi_output_call(&csd.orchestra) {
        return Some(format!(
            "line {} takes two outputs from a Cabbage opcode in function form, which Csound \
             6.18 leaves at their first values",
            line + csd.orchestra_line_offset as usize
        ));
    }
    if raw_midi && has_pending_events(csd.score.as_deref().unwrap_or("")) {
        if let Some(option) = csd
            .options
            .split_whitespace()
            .find(|o| maps_midi_to_pfields(o))
        {
            return Some(format!(
                "it takes raw MIDI with {option}, with which Csound 6.18 replaces pending \
                 score events by copies of incoming notes"
            ));
        }
    }
    None
}

/// Whether the CSD's `<Cabbage>` section is Cabbage 3's JSON.
fn is_cabbage_3(text: &str) -> bool {
    let Some(start) = text.find("<Cabbage>") else {
        return false;
    };
    let rest = text[start + "<Cabbage>".len()..].trim_start();
    rest.starts_with('{') || rest.starts_with('[')
}

/// Whether a score starts an instrument after its first moment (an `i` statement whose start is
/// not 0): what 6.18 replaces when MIDI notes come in meanwhile.
fn has_pending_events(score: &str) -> bool {
    score.lines().any(|line| {
        let line = line.split(';').next().unwrap_or("").trim_start();
        let Some(rest) = line.strip_prefix('i') else {
            return false;
        };
        // `i 1 0.5 2`, `i1 0.5 2`, `i "name" 0.5 2`: the start is the second field.
        let start = rest.split_whitespace().nth(1).unwrap_or("0");
        // A start that is not a number (`+`, an expression) is taken as later.
        start.parse::<f64>().ok().is_none_or(|t| t != 0.0)
    })
}

/// `--midi-key=4`, `--midi-key-cps=4`, `--midi-velocity-amp=5`, ... (Csound's MIDI-to-p-field
/// options).
fn maps_midi_to_pfields(option: &str) -> bool {
    option.starts_with("--midi-key") || option.starts_with("--midi-velocity")
}

/// The first line (from 1, in the orchestra) of the form `out1, out2 = cabbageX(...)`.
fn multi_output_call(orchestra: &str) -> Option<usize> {
    orchestra.lines().enumerate().find_map(|(n, line)| {
        let code = line.split(';').next().unwrap_or("");
        let code = code.split("//").next().unwrap_or("");
        let (outputs, call) = code.split_once('=')?;
        if call.starts_with('=') || !outputs.contains(',') || outputs.contains('(') {
            return None;
        }
        let name = call.trim_start().split('(').next()?.trim();
        let is_call = call.contains('(') && name.starts_with("cabbage");
        let outputs_are_names = outputs.split(',').all(|o| {
            !o.trim().is_empty()
                && o.trim()
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_:@[]".contains(c))
        });
        (is_call && outputs_are_names).then_some(n + 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csound::csd;

    fn csd(options: &str, orc: &str) -> (Csd, String) {
        let text = format!(
            "<CsoundSynthesizer>\n<CsOptions>\n{options}\n</CsOptions>\n<CsInstruments>\n{orc}\
             </CsInstruments>\n</CsoundSynthesizer>\n"
        );
        (csd::parse(&text, "t.csd").unwrap(), text)
    }

    #[test]
    fn each_reason_is_found_and_plain_code_needs_none() {
        let (plain, text) = csd("-d", "instr 1\n kV, kT cabbageGetValue \"x\"\nendin\n");
        assert_eq!(seven_because(&plain, &text, true), None);

        let (func, text) = csd("-d", "instr 1\n kV, kT = cabbageGetValue(\"x\")\nendin\n");
        let why = seven_because(&func, &text, false).unwrap();
        assert!(why.contains("line 7"), "{why}");

        let (udo, text) = csd("-d", "instr 1\n kA, kB = two(k1)\n kC = k1 == 2\nendin\n");
        assert_eq!(seven_because(&udo, &text, false), None);

        let with_score = |score: &str| {
            let (_, text) = csd("-+rtmidi=NULL -M0 --midi-key-cps=4", "instr 1\nendin\n");
            let scored = format!("<CsScore>\n{score}\n</CsScore>\n</CsoundSynthesizer>");
            let text = text.replace("</CsoundSynthesizer>", &scored);
            (csd::parse(&text, "t.csd").unwrap(), text)
        };
        let (always_on, on_text) = with_score("f 0 z\ni 2 0 z\ni\"Mixer\" 0 -1");
        assert_eq!(
            seven_because(&always_on, &on_text, true),
            None,
            "nothing pending"
        );
        let (midi, text) = with_score("i 2 0 3600\ni 3 1.5 1");
        assert!(seven_because(&midi, &text, true)
            .unwrap()
            .contains("--midi-key-cps=4"));
        assert_eq!(
            seven_because(&midi, &text, false),
            None,
            "notes as score events"
        );

        let json = format!("<Cabbage>{{\"widgets\":[]}}</Cabbage>\n{text}");
        assert!(seven_because(&midi, &json, false)
            .unwrap()
            .contains("Cabbage 3"));
        let v2 = format!("<Cabbage>\nform size(10, 10)\n</Cabbage>\n{text}");
        assert_eq!(seven_because(&midi, &v2, false), None);
    }
}
