//! What the DAW sees of our framework layer (framework/patches): true values after a load, a
//! light VST3 parameter list that still carries MPE, and hosts' mistakes that must not crash
//! anything. The built bundles, driven by the test hosts with their editors closed.

mod common;
mod hosts;

use hosts::drive::*;
use hosts::{Event, TestHost};

/// A CSD at 48 kHz, ksmps 32, stereo, around the orchestra code `body`.
fn csd(body: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsInstruments>\nsr = 48000\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
         {body}\n</CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n"
    )
}

/// Declared defaults away from the slots' midpoint: a linear gain at `gain`, a level at 3 of
/// 0..10, a menu at its last entry.
fn declared(gain: f64) -> String {
    csd(&format!(
        r#"chn_k "gain", 1, 2, {gain}, 0, 1, 0, 0, 0, 0, "label=Gain"
chn_k "level", 1, 2, 3, 0, 10, 0, 0, 0, 0, "label=Level"
chn_k "shape", 1, 1, 2, 0, 2, 0, 0, 0, 0, "label=Shape; steps=Saw|Square|Triangle"
instr 1
  a1 poscil 0.1 * chnget:k("gain"), cpsmidinn(p4)
  outs a1, a1
endin"#
    ))
}

/// The host's (value, text) of the parameter whose text starts with `label: `.
fn shown(host: &mut dyn TestHost, label: &str) -> (f64, String) {
    let ids: Vec<u32> = host.params().iter().map(|p| p.id).collect();
    ids.into_iter()
        .map(|id| host.param_value(id))
        .find(|(_, text)| text.starts_with(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no parameter shows {label}"))
}

#[test]
fn after_a_project_loads_the_host_shows_the_values_the_orchestra_plays() {
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 256);
        let before = host.values_told();
        load_orchestra(host.as_mut(), Some(&declared(0.8)), None);
        let told = host.values_told();
        assert!(told > before, "{format:?}: the host was not told");
        let (gain, text) = shown(host.as_mut(), "Gain");
        assert!((gain - 0.8).abs() < 1e-6, "{format:?}: {gain}");
        assert_eq!(text, "Gain: 0.800", "{format:?}");
        let (level, text) = shown(host.as_mut(), "Level");
        assert!((level - 0.3).abs() < 1e-6, "{format:?}: {level}");
        assert_eq!(text, "Level: 3.000", "{format:?}");
        let (shape, text) = shown(host.as_mut(), "Shape");
        assert!((shape - 1.0).abs() < 1e-6, "{format:?}: {shape}");
        assert_eq!(text, "Shape: Triangle", "{format:?}");
        // Shown, not moved: the orchestra keeps its own values, and the project says so.
        let (state, _) = state_json(host.as_mut());
        assert_eq!(state["fields"]["engaged"], "0", "{format:?}: {state}");

        // Another project (or a preset through the host) with another default: the slot
        // follows, and the host is told again.
        load_orchestra(host.as_mut(), Some(&declared(0.25)), None);
        assert!(host.values_told() > told, "{format:?}");
        let (gain, text) = shown(host.as_mut(), "Gain");
        assert!((gain - 0.25).abs() < 1e-6, "{format:?}: {gain}");
        assert_eq!(text, "Gain: 0.250", "{format:?}");
    }
}

/// Some VST3 hosts give the plugin their component handler only after activating it: what the
/// plugin asked for meanwhile reaches them when they do.
#[test]
fn a_vst3_host_giving_its_handler_late_still_hears_of_the_new_values() {
    let mut host = open(Format::Vst3, Which::Instrument, 48000.0, 256);
    host.set_component_handler(false);
    load_orchestra(host.as_mut(), Some(&declared(0.8)), None);
    let before = host.values_told();
    host.set_component_handler(true);
    assert_eq!(
        host.values_told(),
        before + 1,
        "told once the handler is there"
    );
    assert!((shown(host.as_mut(), "Gain").0 - 0.8).abs() < 1e-6);
}

#[test]
fn a_slot_the_project_moved_keeps_its_value_after_the_load() {
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 256);
        load_orchestra(host.as_mut(), Some(&declared(0.8)), None);
        let ids: Vec<u32> = host.params().iter().map(|p| p.id).collect();
        let gain = ids
            .iter()
            .copied()
            .find(|&id| host.param_value(id).1.starts_with("Gain: "))
            .expect("a gain slot");
        let moved = Event::Param {
            at: 0,
            id: gain,
            value: 0.1,
        };
        host.process(&[], 64, &[moved], None);
        let saved = host.save_state();
        let mut again = open(format, Which::Instrument, 48000.0, 256);
        again.load_state(&saved);
        let (value, text) = again.param_value(gain);
        assert!((value - 0.1).abs() < 1e-6, "{format:?}: {value}");
        assert_eq!(text, "Gain: 0.100", "{format:?}");
        assert!((shown(again.as_mut(), "Level").0 - 0.3).abs() < 1e-6);
    }
}

/// Writes the controller channel `channel` as the instrument's output while a note plays.
fn reading(channel: &str) -> String {
    csd(&format!(
        "instr 1\n  kv chnget \"{channel}\"\n  outs a(kv), a(kv)\nendin"
    ))
}

#[test]
fn the_vst3_instrument_lists_under_256_parameters_and_mpe_controllers_still_arrive() {
    let mut host = open(Format::Vst3, Which::Instrument, 48000.0, 256);
    // 64 slots, every controller on channel 1 (130), bend, pressure and CC 74 on 15 more.
    assert_eq!(host.param_count(), 64 + 130 + 15 * 3);
    assert!(host.param_count() <= 256);
    assert_eq!(host.params().len(), 64, "the hidden ones are controllers");
    for (channel, bytes) in [
        ("MIDI_PITCH_BEND", [0xE6, 0x7F, 0x7F]),
        ("MIDI_CHANNEL_PRESSURE", [0xD6, 0x7F, 0]),
        ("MIDI_CC74", [0xB6, 74, 0x7F]),
        ("MIDI_CC20", [0xB0, 20, 0x7F]),
    ] {
        load_orchestra(host.as_mut(), Some(&reading(channel)), None);
        // One note, the controller moved to its top a tenth of a second in.
        let events = [(0, note_on(60)), (4800, Event::Midi { at: 0, bytes })];
        let out = run(host.as_mut(), 12000, &[256], &events, None);
        let before = out[0][1000..4800].iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!(before < 0.01, "{channel} before it moved: {before}");
        let level = out[0][7200..].iter().sum::<f32>() / 4800.0;
        assert!((level - 1.0).abs() < 0.01, "{channel}: {level}");
    }
}

#[test]
fn a_clap_host_passing_no_sidechain_buffer_still_hears_the_instrument() {
    let mut host = open(Format::Clap, Which::Instrument, 48000.0, 256);
    host.withhold_aux_inputs();
    let out = run(
        host.as_mut(),
        24000,
        &[256, 100, 1],
        &[(0, note_on(69))],
        None,
    );
    assert!(peak(&out[0]) > 0.05, "silent");
}

#[test]
fn hosts_asking_out_of_range_or_with_null_streams_are_refused() {
    for format in FORMATS {
        for which in [Which::Instrument, Which::Effect] {
            let mut host = open(format, which, 48000.0, 256);
            for (request, refused) in host.bad_requests() {
                assert!(refused, "{format:?} {which:?}: {request} was answered");
            }
        }
    }
}

/// A test host lent to another thread for `process`, as a DAW's audio thread calls it.
struct OnAudioThread<'a>(&'a mut dyn TestHost);

// SAFETY: VST3 and CLAP let a host call `process` from its audio thread, another thread than the
// one that made the instance, while no other thread uses the instance (the lender waits).
unsafe impl Send for OnAudioThread<'_> {}

/// Plays `events` on a thread of its own, as a DAW's audio thread would.
fn run_on_audio_thread(host: &mut dyn TestHost, frames: usize, events: &[(usize, Event)]) {
    let lent = OnAudioThread(host);
    std::thread::scope(|s| {
        s.spawn(move || {
            let lent = lent;
            run(lent.0, frames, &[256], events, None)
        })
        .join()
        .expect("the audio thread")
    });
}

/// Each automation point the audio thread applies makes the VST3 wrapper post a task to the
/// background worker all instances of the plugin share; instances released with tasks still
/// queued used to stop that worker, and the next release then panicked inside the host's call
/// ("Failed while sending worker thread shutdown request"), aborting it.
#[test]
fn two_hundred_vst3_instances_with_a_refused_orchestra_are_created_automated_and_released() {
    let broken = declared(0.5).replace("outs a1, a1", "outs a1, a1, nonsense");
    // Keeps the shared worker alive through the loop, as a project's other instances do.
    let mut keeper = open(Format::Vst3, Which::Instrument, 48000.0, 256);
    let ids: Vec<u32> = keeper.params().iter().map(|p| p.id).collect();
    for i in 0..200 {
        let mut host = open(Format::Vst3, Which::Instrument, 48000.0, 256);
        load_orchestra(host.as_mut(), Some(&broken), None);
        // Every slot moved at every 32nd frame: 512 points a block, 4 blocks.
        let points: Vec<(usize, Event)> = (0..1024)
            .flat_map(|t| {
                let ids = &ids;
                (0..16).map(move |n| {
                    let value = ((t + n + i) % 97) as f64 / 97.0;
                    let event = Event::Param {
                        at: 0,
                        id: ids[(n * 4 + t) % 64],
                        value,
                    };
                    (t, event)
                })
            })
            .filter(|(t, _)| t % 32 == 0)
            .collect();
        run_on_audio_thread(host.as_mut(), 1024, &points);
        // Released at once, with its tasks still queued.
        drop(host);
    }
    run_on_audio_thread(keeper.as_mut(), 256, &[]);
    drop(keeper);
}

#[test]
fn an_orchestra_by_path_and_a_cabbage_instrument_show_their_own_values() {
    let dir = common::scratch("framework-values");
    let file = dir.join("declared.csd");
    std::fs::write(&file, declared(0.7)).unwrap();
    let cabbage = r#"<Cabbage>
form caption("Drive") size(300, 200)
rslider bounds(10, 10, 70, 70), channel("drive"), range(0, 1, 0.25, 1, 0.01), text("Drive")
combobox bounds(90, 10, 80, 20), channel("octave"), items("Low", "Mid", "High"), value(3)
</Cabbage>
<CsoundSynthesizer>
<CsInstruments>
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1
instr 1
  a1 poscil 0.1 * chnget:k("drive"), cpsmidinn(p4)
  outs a1, a1
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
"#;
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 256);
        load_orchestra(host.as_mut(), None, Some(&file.to_string_lossy()));
        let (gain, text) = shown(host.as_mut(), "Gain");
        assert!((gain - 0.7).abs() < 1e-6, "{format:?}: {gain}");
        assert_eq!(text, "Gain: 0.700", "{format:?}");
        load_orchestra(host.as_mut(), Some(cabbage), None);
        let (drive, text) = shown(host.as_mut(), "Drive");
        assert!((drive - 0.25).abs() < 1e-6, "{format:?}: {drive}");
        assert_eq!(text, "Drive: 0.250", "{format:?}");
        assert_eq!(
            shown(host.as_mut(), "octave").1,
            "octave: High",
            "{format:?}"
        );
    }
}

/// What a new instance shows before activation (read from the orchestra's text) is what Csound
/// reports once it is compiled, for every built-in orchestra: a host sees no value move when it
/// activates a fresh instance.
#[test]
fn built_in_orchestras_declare_the_same_parameters_read_with_or_without_csound() {
    use csound_plugin::engine::Engine;
    use csound_plugin::orchestra::factory::orchestras;
    use csound_plugin::orchestra::preview::parameters_without_csound;
    use csound_plugin::orchestra::trust::TrustStore;
    use csound_plugin::orchestra::{Kind, Source};
    use csound_plugin::params::state::OrchestraState;
    let mut checked = 0;
    for kind in [Kind::Instrument, Kind::Effect] {
        for orchestra in orchestras(kind) {
            let source = Source::text(orchestra.text, orchestra.file);
            let mut state = OrchestraState::default();
            let (_, loaded) =
                Engine::load_bound(&source, 48000.0, kind, &TrustStore::default(), &mut state)
                    .unwrap_or_else(|e| panic!("{}: {e}", orchestra.file));
            let read = parameters_without_csound(orchestra.text)
                .unwrap_or_else(|| panic!("{}: not readable without Csound", orchestra.file));
            assert_eq!(read, loaded.params, "{}", orchestra.file);
            checked += 1;
        }
    }
    assert_eq!(checked, 9);
}

/// A fresh instance's slots start at its orchestra's declared values, as defaults too: what a
/// host reads before activation, after it, and what "reset to default" goes back to agree.
#[test]
fn a_fresh_instance_starts_where_its_orchestra_does() {
    for format in FORMATS {
        for which in [Which::Instrument, Which::Effect] {
            let mut host = open(format, which, 48000.0, 256);
            let params = host.params();
            let mut moved = 0;
            for p in &params {
                let (value, _) = host.param_value(p.id);
                assert!(
                    (value - p.default).abs() < 1e-6,
                    "{format:?} {which:?} {}: default {} but at {value}",
                    p.name,
                    p.default
                );
                moved += usize::from((p.default - 0.5).abs() > 1e-6);
            }
            assert!(
                moved > 3,
                "{format:?} {which:?}: the built-in orchestra's defaults"
            );
        }
    }
}

/// "Recompile on save", kept with the project: with the editor closed, saving the orchestra's
/// file recompiles it live, and the host is told of the new declared values.
#[test]
fn a_watched_file_saved_with_the_editor_closed_shows_the_host_its_new_values() {
    let dir = common::scratch("framework-watch");
    for format in FORMATS {
        let file = dir.join(format!("{format:?}.csd"));
        std::fs::write(&file, declared(0.8)).unwrap();
        let mut host = open(format, Which::Instrument, 48000.0, 256);
        let (mut state, _) = state_json(host.as_mut());
        let orchestra = serde_json::json!({
            "path": file.to_string_lossy(), "text": null, "bindings": {}, "error": null,
            "watch": true
        });
        state["fields"]["orchestra"] = serde_json::Value::String(orchestra.to_string());
        host.load_state(&serde_json::to_vec(&state).unwrap());
        assert!(
            (shown(host.as_mut(), "Gain").0 - 0.8).abs() < 1e-6,
            "{format:?}"
        );
        let told = host.values_told();
        // Coarse file times: the new write lands in another second.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        std::fs::write(&file, declared(0.3)).unwrap();
        let start = std::time::Instant::now();
        while host.values_told() == told && start.elapsed().as_secs() < 20 {
            host.process(&[], 256, &[], None);
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(
            host.values_told() > told,
            "{format:?}: the host was not told"
        );
        let (gain, text) = shown(host.as_mut(), "Gain");
        assert!((gain - 0.3).abs() < 1e-6, "{format:?}: {gain}");
        assert_eq!(text, "Gain: 0.300", "{format:?}");
        let (_, orchestra) = state_json(host.as_mut());
        assert_eq!(orchestra["watch"], true, "{format:?}: kept in the project");
    }
}
