//! Cabbage's plugin state opcodes: what an orchestra keeps with `cabbageSetStateValue` is
//! saved with the project and in presets, and given back before its first k-period after a
//! project reopens or a preset is loaded; on both Csounds, every value type.

mod common;
mod hosts;

use common::{run_silent, scratch};
use csound_plugin::csound::Version;
use csound_plugin::engine::transport::Transport;
use csound_plugin::engine::Engine;
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::{Kind, Source};
use csound_plugin::params::state::OrchestraState;
use csound_plugin::presets::Preset;
use hosts::drive::*;

/// Counts its starts in the state ("visits"), and plays the count it found at its first
/// k-period as a level (-1: none kept).
const COUNTER: &str = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n\
0dbfs = 1\ninstr 1\n kFound cabbageGetStateValue \"visits\"\n kDone init 0\n kFirst init 0\n \
if kDone == 0 then\n  kDone = 1\n  kFirst = kFound\n \
 cabbageSetStateValue \"visits\", kFound < 0 ? 1 : kFound + 1\n \
 cabbageSetStateValue \"name\", \"counter\"\n endif\n outs a(kFirst / 100), a(kFirst / 100)\n\
endin\n</CsInstruments>\n<CsScore>\ni 1 0 z\n</CsScore>\n</CsoundSynthesizer>\n";

fn level(host: &mut dyn hosts::TestHost) -> f32 {
    let out = run(host, 2048, &[256], &[], None).remove(0);
    *out.last().expect("output")
}

#[test]
fn state_values_survive_a_project_reopening_and_a_preset_switch() {
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 256);
        load_orchestra(host.as_mut(), Some(COUNTER), None);
        assert_eq!(level(host.as_mut()), -0.01, "{format:?}: nothing kept yet");
        // Recorded from the engine process as it runs, editor closed.
        let mut saved = Vec::new();
        for _ in 0..100 {
            run(host.as_mut(), 256, &[256], &[], None);
            saved = host.save_state();
            if state_json(host.as_mut()).1["state"]["visits"] == 1.0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let (_, orchestra) = state_json(host.as_mut());
        assert_eq!(orchestra["state"]["visits"], 1.0, "{format:?}: {orchestra}");
        assert_eq!(orchestra["state"]["name"], "counter", "{format:?}");

        // The project reopens: the orchestra finds what it kept before its first k-period.
        let mut reopened = open(format, Which::Instrument, 48000.0, 256);
        reopened.load_state(&saved);
        assert!((level(reopened.as_mut()) - 0.01).abs() < 1e-6, "{format:?}");

        if format == Format::Clap {
            // A preset carries the state it was saved with.
            let dir = scratch("cabbage-state-preset");
            let mut preset = Preset::capture(
                "Forty",
                Kind::Instrument,
                "counter.csd",
                COUNTER,
                Default::default(),
                Default::default(),
                true,
            );
            preset.state.insert("visits".into(), 41.0.into());
            let file = dir.join("forty.cspreset");
            std::fs::write(&file, preset.to_text()).unwrap();
            assert!(reopened.load_preset(Some(&file), None));
            assert!((level(reopened.as_mut()) - 0.41).abs() < 1e-6, "{format:?}");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

#[test]
fn every_state_value_type_reads_back_on_both_csounds() {
    let orchestra = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
instr 1\n cabbageWriteStateData 1, {{ {\"pi\": 3.5, \"list\": [1, 2, 3], \"word\": \"hi\", \
\"words\": [\"a\", \"bc\"]} }}\nendin\n\
instr 2\n kPi cabbageGetStateValue \"pi\"\n chnset kPi, \"pi\"\n \
kList[] cabbageGetStateValue \"list\"\n chnset kList[2], \"third\"\n \
SWord cabbageGetStateValue \"word\"\n chnset SWord, \"word\"\n \
SWords[] cabbageGetStateValue \"words\"\n chnset SWords[1], \"second_word\"\n \
kHas cabbageHasStateData\n chnset kHas, \"has\"\n \
kNew[] fillarray 7, 8\n cabbageSetStateValue \"new\", kNew\n \
SAll cabbageReadStateData\n chnset SAll, \"all\"\nendin\n\
</CsInstruments>\n<CsScore>\ni 1 0 0.01\ni 2 0.01 1\n</CsScore>\n</CsoundSynthesizer>\n";
    for version in Version::ALL {
        let mut state = OrchestraState {
            csound: Some(version.key().to_string()),
            ..OrchestraState::default()
        };
        state.state.insert("kept".into(), "from the project".into());
        let source = Source::text(orchestra, "types.csd");
        let (mut engine, _) = Engine::load_bound(
            &source,
            48000.0,
            Kind::Instrument,
            &TrustStore::default(),
            &mut state,
        )
        .unwrap_or_else(|e| panic!("{version}: {e}"));
        run_silent(&mut engine, 40, &Transport::default());
        let mut number = |name: &str| engine.channel_value(name).unwrap();
        assert_eq!(number("pi"), 3.5, "{version}");
        assert_eq!(number("third"), 3.0, "{version}");
        assert_eq!(number("has"), 1.0, "{version}");
        let mut text = |name: &str| engine.string_value(name).unwrap();
        assert_eq!(text("word"), "hi", "{version}");
        assert_eq!(text("second_word"), "bc", "{version}");
        let all: serde_json::Value = serde_json::from_str(&text("all")).unwrap();
        assert_eq!(
            all["kept"], "from the project",
            "{version}: merged, not replaced"
        );
        assert_eq!(all["pi"], 3.5, "{version}");
        // Every change went to the plugin, in JSON.
        let writes = engine.csound().widget_writes();
        let mut told = std::collections::BTreeMap::new();
        while let Some(w) = writes.pop() {
            if w.identifier() == "state" {
                told.insert(w.channel().to_string(), w.text().to_string());
            }
        }
        assert_eq!(told["new"], "[7,8]", "{version}");
        assert_eq!(told["words"], "[\"a\",\"bc\"]", "{version}");
    }
}
