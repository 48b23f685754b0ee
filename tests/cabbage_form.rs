//! Cabbage 3's form options: `channelConfig` decides the orchestra's channels and an export's
//! starting layout, `pluginId` its identity, the form's size its window; and the widgets'
//! `persistence` (Cabbage 2's `presetIgnore`) keeps a widget out of projects.

mod common;
mod exported;
mod hosts;

use common::scratch;
use csound_plugin::engine::Engine;
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::{Kind, Source};
use exported::{bundle_at, export, listed, manifest_of, write};
use hosts::drive::*;

/// A Cabbage 3 effect that passes its input through, with a channel configuration.
fn effect(config: &str, plugin_id: &str) -> String {
    format!(
        r#"<Cabbage>{{"channelConfig": {config}, "pluginId": "{plugin_id}", "widgets": [
 {{"type": "form", "caption": "Thru", "size": {{"width": 320, "height": 180}}}},
 {{"type": "rotarySlider", "channels": [{{"id": "gain", "range": {{"min": 0, "max": 1, "defaultValue": 1}}}}]}}
]}}</Cabbage>
<CsoundSynthesizer>
<CsInstruments>
ksmps = 32
nchnls = 2
0dbfs = 1
instr 1
 amount:k = chnget:k("gain")
 sig:a = inch(1)
 outch(1, sig * amount)
endin
</CsInstruments>
<CsScore>
i 1 0 z
</CsScore>
</CsoundSynthesizer>
"#
    )
}

#[test]
fn channel_config_decides_the_orchestras_channels_over_nchnls() {
    for (config, channels) in [
        (r#""1|1""#, (1, 1)),
        (r#"[{"ins": "2+1", "outs": "4"}]"#, (4, 3)),
    ] {
        let text = effect(config, "Thr1");
        let (engine, _) = Engine::load(
            &Source::text(text, "thru.csd"),
            48000.0,
            Kind::Effect,
            &TrustStore::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(engine.orchestra_channels(), channels, "{config}");
    }
}

#[test]
fn an_export_starts_on_its_channel_config_and_is_named_by_its_plugin_id() {
    let dir = scratch("cabbage-form");
    let mono = write(&dir, "mono.csd", &effect(r#""1|1""#, "Thr1"));
    export(
        &mono,
        &["--kind", "effect", "--name", "Mono Thru"],
        &dir.join("out"),
    );
    let base = dir.join("out").join("Mono Thru");
    let clap = bundle_at(Format::Clap, &base);
    let (inputs, outputs) =
        hosts::clap_ports::default_ports(&clap, &listed(Format::Clap, &clap).id);
    assert_eq!(
        (inputs[0].0, outputs[0].0),
        (1, 1),
        "mono by default: {inputs:?} {outputs:?}"
    );
    let m = manifest_of(&clap);
    assert_eq!(m.form_size, Some((320, 180)));
    // Renamed, the same plugin; another pluginId, another plugin.
    export(
        &mono,
        &["--kind", "effect", "--name", "Renamed"],
        &dir.join("out"),
    );
    let renamed = manifest_of(&bundle_at(Format::Clap, &dir.join("out").join("Renamed")));
    assert_eq!(
        (renamed.clap_id.as_str(), renamed.vst3_id.as_str()),
        (m.clap_id.as_str(), m.vst3_id.as_str())
    );
    let other = write(&dir, "other.csd", &effect(r#""1|1""#, "Thr2"));
    export(
        &other,
        &["--kind", "effect", "--name", "Other"],
        &dir.join("out"),
    );
    let other = manifest_of(&bundle_at(Format::Clap, &dir.join("out").join("Other")));
    assert_ne!(other.clap_id, m.clap_id);
    assert_ne!(other.vst3_id, m.vst3_id);
    // The window opens to show the face at its own size.
    let mono_track = hosts::Setup {
        sample_rate: 48000.0,
        max_block: 256,
        inputs: 1,
        outputs: 1,
    };
    let mut host = hosts::clap::load(&clap, &listed(Format::Clap, &clap).id, &mono_track);
    let (state, _) = state_json(host.as_mut());
    let size: (u32, u32) =
        serde_json::from_str(state["fields"]["editor-size"].as_str().unwrap()).unwrap();
    assert!(
        size.0 >= 320 && size.1 >= 180 && size != (900, 640),
        "{size:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_widget_kept_out_of_projects_starts_at_its_value_when_a_project_reopens() {
    let synth = |persistence: &str| {
        format!(
            r#"<Cabbage>{{"widgets": [
 {{"type": "rotarySlider", "channels": [{{"id": "level", "range": {{"min": 0, "max": 1, "defaultValue": 0.2}}}}]{persistence}}}
]}}</Cabbage>
<CsoundSynthesizer>
<CsInstruments>
ksmps = 32
nchnls = 2
0dbfs = 1
instr 1
 outs(a(chnget:k("level")), a(chnget:k("level")))
endin
</CsInstruments>
<CsScore>
i 1 0 z
</CsScore>
</CsoundSynthesizer>
"#
        )
    };
    for format in FORMATS {
        for (persistence, reopened) in [
            ("", 1.0),
            (
                r#", "persistence": {"preset": true, "session": false}"#,
                0.2,
            ),
        ] {
            let mut host = open(format, Which::Instrument, 48000.0, 256);
            load_orchestra(host.as_mut(), Some(&synth(persistence)), None);
            let id = host.params()[0].id;
            let moved = hosts::Event::Param {
                at: 0,
                id,
                value: 1.0,
            };
            let out = run(host.as_mut(), 2048, &[256], &[(0, moved)], None).remove(0);
            assert!(
                (out.last().unwrap() - 1.0).abs() < 1e-6,
                "{format:?}: moved"
            );
            let saved = host.save_state();
            let mut again = open(format, Which::Instrument, 48000.0, 256);
            again.load_state(&saved);
            let out = run(again.as_mut(), 2048, &[256], &[], None).remove(0);
            let level = *out.last().unwrap() as f64;
            assert!(
                (level - reopened).abs() < 1e-6,
                "{format:?} {persistence}: {level}"
            );
        }
    }
}
