//! Cabbage instruments through the built bundles (CLAP and VST3), loaded as a DAW loads them:
//! their widgets' starting values play exactly as the same orchestra with those values written
//! by hand, and the host automates the widgets' channels.

mod common;
mod hosts;

use hosts::drive::*;
use hosts::Event;

const BODY: &str = "<CsoundSynthesizer>\n<CsOptions>\n-m0d\n</CsOptions>\n<CsInstruments>\n\
ksmps = 32\nnchnls = 2\n0dbfs = 1\n{GLOBALS}\
instr 1\n kc chnget \"cutoff\"\n kw chnget \"wave\"\n kon chnget \"on\"\n \
a1 vco2 0.3 * kon, cpsmidinn(p4) * (1 + kw / 100)\n a2 moogladder a1, kc, 0.3\n \
aenv linsegr 1, 1, 1, 0.05, 0\n outs a2 * aenv, a2 * aenv\nendin\n\
</CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n";

const WIDGETS: &str = "<Cabbage>\nform caption(\"Host\") size(300, 100)\n\
rslider bounds(0, 0, 60, 60), channel(\"cutoff\"), range(100, 8000, 1200, 0.5, 1), text(\"Cutoff\")\n\
combobox bounds(70, 0, 80, 20), channel(\"wave\"), items(\"A\", \"B\", \"C\"), value(3)\n\
checkbox bounds(160, 0, 60, 20), channel(\"on\"), value(1)\n</Cabbage>\n";

fn play(format: Format, text: &str, automate: Option<f64>) -> Vec<f32> {
    let mut host = open(format, Which::Instrument, 48000.0, 256);
    load_orchestra(host.as_mut(), Some(text), None);
    let mut events = vec![(0, note_on(60))];
    if let Some(value) = automate {
        let id = host.params()[0].id;
        events.push((0, Event::Param { at: 0, id, value }));
    }
    run(host.as_mut(), 48000, &[256], &events, None).remove(0)
}

#[test]
fn widget_defaults_play_as_written_by_hand_and_the_host_automates_them() {
    let with_widgets = format!("{WIDGETS}{}", BODY.replace("{GLOBALS}", ""));
    let by_hand = BODY.replace(
        "{GLOBALS}",
        "chnset 1200, \"cutoff\"\nchnset 3, \"wave\"\nchnset 1, \"on\"\n",
    );
    for format in FORMATS {
        let widgets = play(format, &with_widgets, None);
        let hand = play(format, &by_hand, None);
        assert!(peak(&widgets) > 0.01, "{format:?}: it plays");
        assert!(
            widgets
                .iter()
                .zip(&hand)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{format:?}: bit for bit"
        );
        // The host moves the first parameter, the cutoff knob, to its lowest value.
        let automated = play(format, &with_widgets, Some(0.0));
        let energy = |x: &[f32]| x.iter().map(|s| s * s).sum::<f32>();
        assert!(
            energy(&automated) < energy(&widgets) * 0.8,
            "{format:?}: the cutoff follows the host ({} vs {})",
            energy(&automated),
            energy(&widgets)
        );
    }
}

/// A Cabbage 2 synth as public ones are written: its combobox lists its entries in `text()`
/// and starts on the second (`value(2)`); its text editor's `text()` is a name it reads.
const TEXT_ENTRIES: &str = "<Cabbage>\nform caption(\"Entries\") size(300, 100)\n\
combobox bounds(0, 0, 80, 20), channel(\"voice\"), text(\"Silent\", \"Sine\", \"Noise\"), value(2)\n\
texteditor bounds(0, 30, 80, 20), channel(\"name\"), text(\"abc\")\n</Cabbage>\n\
<CsoundSynthesizer>\n<CsOptions>\n-m0d\n</CsOptions>\n<CsInstruments>\n\
ksmps = 32\nnchnls = 2\n0dbfs = 1\n\
instr 1\n kvoice chnget \"voice\"\n Sname chnget \"name\"\n \
asine oscili 0.3 * (kvoice == 2 ? 1 : 0) * strlen(Sname) / 3, cpsmidinn(p4)\n \
anoise rand 0.3 * (kvoice == 3 ? 1 : 0)\n outs asine + anoise, asine + anoise\nendin\n\
</CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n";

#[test]
fn a_combobox_listing_its_entries_in_text_starts_on_the_one_its_value_names() {
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 256);
        load_orchestra(host.as_mut(), Some(TEXT_ENTRIES), None);
        let sound = run(host.as_mut(), 24000, &[256], &[(0, note_on(69))], None).remove(0);
        // The sine plays at full level only when the editor's three-letter text reached its
        // channel and the combobox starts on its second entry.
        assert!(
            (peak(&sound) - 0.3).abs() < 0.01,
            "{format:?}: {}",
            peak(&sound)
        );
        // The host sees every entry, by name, across the parameter's range.
        let voice = host.params()[0].clone();
        let (at, text) = host.param_value(voice.id);
        assert_eq!(at, 0.5, "{format:?}");
        assert!(text.ends_with("Sine"), "{format:?}: {text}");
        for (value, name) in [(0.0, "Silent"), (1.0, "Noise")] {
            let event = Event::Param {
                at: 0,
                id: voice.id,
                value,
            };
            run(host.as_mut(), 256, &[256], &[(0, event)], None);
            let text = host.param_value(voice.id).1;
            assert!(text.ends_with(name), "{format:?}: {text}");
        }
    }
}
