//! The built plugin bundles, loaded through real host libraries (clack-host for CLAP, the `vst3`
//! crate for VST3) and played as a DAW would. Run after `cargo xtask bundle csound-plugin`
//! (scripts/test.sh does that, in a debug build with `assert_process_allocs`: any allocation in
//! `process` aborts these tests).

mod common;
mod hosts;

use common::{fixture, frequency, scratch};
use hosts::drive::*;
use hosts::{Event, TestHost, Transport};

#[test]
fn notes_start_exactly_at_their_offset_plus_the_reported_latency() {
    let click = std::fs::read_to_string(fixture("click.csd")).unwrap();
    for format in FORMATS {
        for sizes in [
            vec![1],
            vec![64],
            vec![100],
            vec![256],
            random_sizes(7, 500, 700),
        ] {
            let mut host = open(format, Which::Instrument, 44100.0, 1024);
            load_orchestra(host.as_mut(), Some(&click), None);
            let latency = host.latency() as usize;
            assert_eq!(latency, 32, "{format:?}: latency is the orchestra's ksmps");
            // Note-ons at offsets that cover every position inside a block and a k-period:
            // one note every 3 blocks-or-k-periods, each released before the next.
            let span = sizes.iter().copied().max().unwrap_or(1).max(64) * 3;
            // n * 7 % 32 walks through all 32 phases of the k-period; notes stay `span` apart.
            let notes: Vec<usize> = (0..70).map(|n| 200 + n * span + n * 7 % 32).collect();
            let mut events = Vec::new();
            for &t in &notes {
                events.push((t, note_on(60)));
                // Released early enough that its sound (latency + one k-period later) is over
                // 30 frames before the next note.
                events.push((t + span / 3, note_off(60)));
            }
            let total = notes.last().unwrap() + span * 2;
            let out = run(host.as_mut(), total, &sizes, &events, None);
            for &t in &notes {
                let heard = first_sound(&out[0], t - 30);
                assert_eq!(
                    heard,
                    Some(t + latency),
                    "{format:?} blocks {:?}: note at {t}",
                    &sizes[..sizes.len().min(3)]
                );
            }
        }
    }
}

#[test]
fn the_default_instrument_plays_the_right_pitch_at_every_sample_rate() {
    for format in FORMATS {
        for sr in [44100.0, 48000.0, 96000.0] {
            let mut host = open(format, Which::Instrument, sr, 512);
            let frames = sr as usize;
            let out = run(host.as_mut(), frames, &[512], &[(0, note_on(69))], None);
            let left: Vec<f64> = out[0][frames / 4..].iter().map(|&s| s as f64).collect();
            assert!(peak(&out[0]) > 0.05, "{format:?} {sr}: silent");
            let hz = common::pitch(&left, sr);
            assert!(
                (hz - 440.0).abs() < 2.0,
                "{format:?} at {sr} Hz: heard {hz} Hz"
            );
            assert_eq!(host.latency(), 32, "{format:?} at {sr}");
        }
    }
}

#[test]
fn the_effects_impulse_response_is_delayed_by_exactly_the_reported_latency() {
    for format in FORMATS {
        for sr in [44100.0, 96000.0] {
            for s in [0usize, 1, 17, 31, 100, 255] {
                let mut host = open(format, Which::Effect, sr, 256);
                let latency = host.latency() as usize;
                assert!(latency > 0);
                let mut input = vec![vec![0.0f32; 4096]; 2];
                let at = 1000 + s;
                input[0][at] = 1.0;
                input[1][at] = 1.0;
                let out = run(host.as_mut(), 4096, &[256], &[], Some(&input));
                assert_eq!(
                    first_sound(&out[0], 0),
                    Some(at + latency),
                    "{format:?} {sr}: impulse at {at}"
                );
                assert_eq!(first_sound(&out[1], 0), Some(at + latency));
            }
        }
    }
}

fn slot_id(host: &mut dyn TestHost, name: &str) -> u32 {
    let params = host.params();
    params
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no parameter {name} in {:?}",
                params.iter().map(|p| &p.name).collect::<Vec<_>>()
            )
        })
        .id
}

#[test]
fn automation_moves_its_channel_at_the_next_k_period_boundary() {
    let click = std::fs::read_to_string(fixture("click.csd")).unwrap();
    for format in FORMATS {
        for change_at in [1000usize, 1013, 1023, 1024] {
            let mut host = open(format, Which::Instrument, 44100.0, 256);
            load_orchestra(host.as_mut(), Some(&click), None);
            let id = slot_id(host.as_mut(), "Param 1");
            let latency = host.latency() as usize;
            let events = [
                (100, note_on(60)),
                (
                    change_at,
                    Event::Param {
                        at: 0,
                        id,
                        value: 0.8,
                    },
                ),
            ];
            let out = run(host.as_mut(), 3000, &[256], &events, None);
            let boundary = change_at.div_ceil(32) * 32;
            assert!(
                (out[0][500] - 0.25).abs() < 1e-6,
                "{format:?}: the channel's default plays first"
            );
            assert!(
                (out[0][boundary + latency - 1] - 0.25).abs() < 1e-6,
                "{format:?}: changed too early"
            );
            assert!(
                (out[0][boundary + latency] - 0.8).abs() < 1e-6,
                "{format:?}: change at {change_at} not at {boundary}+{latency}"
            );
        }
    }
}

#[test]
fn a_restored_project_sounds_the_same_without_its_csd_file() {
    let dir = scratch("restore");
    let path = dir.join("my-synth.csd");
    let text = std::fs::read_to_string(fixture("../../presets/instrument/poly-synth.csd")).unwrap();
    std::fs::write(&path, text.replace("2500, 40", "900, 40")).unwrap();
    let notes = [
        (0, note_on(57)),
        (3000, note_on(64)),
        (20000, note_off(57)),
        (30000, note_off(64)),
    ];
    for format in FORMATS {
        let mut first = open(format, Which::Instrument, 48000.0, 512);
        load_orchestra(first.as_mut(), None, path.to_str());
        let (_, orchestra) = state_json(first.as_mut());
        assert!(
            orchestra["text"].as_str().unwrap_or("").contains("900, 40"),
            "the CSD text is kept in the state"
        );
        let id = slot_id(first.as_mut(), "Param 3");
        let mut events = notes.to_vec();
        events.push((
            0,
            Event::Param {
                at: 0,
                id,
                value: 0.3,
            },
        ));
        let before = run(first.as_mut(), 48000, &[512], &events, None);
        let saved = first.save_state();
        drop(first);
        let moved = path.with_extension("moved");
        std::fs::rename(&path, &moved).unwrap();
        let mut second = open(format, Which::Instrument, 48000.0, 512);
        second.load_state(&saved);
        let after = run(second.as_mut(), 48000, &[512], &notes, None);
        std::fs::rename(&moved, &path).unwrap();
        assert!(peak(&before[0]) > 0.05, "{format:?}: silent render");
        assert!(
            before == after,
            "{format:?}: the restored instance sounds different"
        );
    }
}

#[test]
fn a_broken_orchestra_keeps_the_plugin_up_silent_or_passing_through() {
    let broken = "<CsoundSynthesizer>\n<CsInstruments>\nsr = 48000\ninstr 1\n a1 oscili 0.5, 440 +\n outs a1, a1\nendin\n</CsInstruments>\n</CsoundSynthesizer>\n";
    for format in FORMATS {
        let mut synth = open(format, Which::Instrument, 48000.0, 256);
        load_orchestra(synth.as_mut(), Some(broken), None);
        let out = run(synth.as_mut(), 9600, &[256], &[(0, note_on(60))], None);
        assert_eq!(
            peak(&out[0]),
            0.0,
            "{format:?}: a broken instrument must be silent"
        );
        let (_, orchestra) = state_json(synth.as_mut());
        let error = orchestra["error"].as_str().unwrap_or_default().to_string();
        // The parser trips over the next line, where `outs` follows the unfinished `440 +`.
        assert!(
            error.contains("line 6"),
            "{format:?}: the error names its line: {error}"
        );

        let mut fx = open(format, Which::Effect, 48000.0, 256);
        load_orchestra(fx.as_mut(), Some(broken), None);
        assert_eq!(fx.latency(), 0, "{format:?}: pass-through adds no latency");
        let input: Vec<Vec<f32>> = (0..2)
            .map(|c| {
                (0..9600)
                    .map(|i| ((i * (c + 3)) as f32 * 0.01).sin() * 0.5)
                    .collect()
            })
            .collect();
        let out = run(fx.as_mut(), 9600, &[256], &[], Some(&input));
        assert!(
            out == input,
            "{format:?}: a broken effect must pass its input through"
        );
        // A CSD whose options are refused is broken the same way.
        let hostile = broken.replace(
            "<CsInstruments>",
            "<CsOptions>\n--opcode-lib=lib/evil.so\n</CsOptions>\n<CsInstruments>",
        );
        load_orchestra(fx.as_mut(), Some(&hostile), None);
        let (_, orchestra) = state_json(fx.as_mut());
        assert!(orchestra["error"]
            .as_str()
            .unwrap_or_default()
            .contains("--opcode-lib"));
    }
}

fn solo(format: Format, key: u8) -> Vec<Vec<f32>> {
    let mut host = open(format, Which::Instrument, 48000.0, 300);
    let events = [
        (10, note_on(key)),
        (7000, note_on(key + 7)),
        (14000, note_off(key)),
    ];
    run(host.as_mut(), 24000, &[300, 17, 256], &events, None)
}

#[test]
fn sixteen_instances_on_several_threads_each_equal_their_solo_render() {
    for format in FORMATS {
        let keys: Vec<u8> = (0..16).map(|i| 48 + i as u8).collect();
        let expected: Vec<_> = keys.iter().map(|&k| solo(format, k)).collect();
        let threads: Vec<_> = keys
            .iter()
            .map(|&k| std::thread::spawn(move || solo(format, k)))
            .collect();
        for (i, t) in threads.into_iter().enumerate() {
            let got = t.join().expect("render thread");
            assert!(peak(&got[0]) > 0.01, "{format:?}: instance {i} silent");
            assert!(
                got == expected[i],
                "{format:?}: instance {i} differs from its solo render"
            );
        }
    }
}

#[test]
fn a_massign_orchestra_plays_the_right_pitch_in_raw_midi_mode() {
    let csd = std::fs::read_to_string(fixture("massign.csd")).unwrap();
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 256);
        load_orchestra(host.as_mut(), Some(&csd), None);
        let out = run(
            host.as_mut(),
            48000,
            &[256],
            &[(1000, note_on(69)), (30000, note_off(69))],
            None,
        );
        let left: Vec<f64> = out[0][5000..25000].iter().map(|&s| s as f64).collect();
        let hz = frequency(&left, 48000.0);
        assert!((hz - 440.0).abs() < 1.0, "{format:?}: heard {hz} Hz");
        assert!(
            peak(&out[0][40000..]) < 1e-4,
            "{format:?}: note-off did not end the note"
        );
    }
}

#[test]
fn transport_channels_read_back_what_the_host_sent_advancing_per_k_period() {
    const SCALE: f64 = 100_000.0;
    let pairs = [
        ("HOST_BPM", "IS_PLAYING"),
        ("IS_RECORDING", "TIME_IN_SECONDS"),
        ("TIME_IN_SAMPLES", "TIME_SIG_NUM"),
        ("TIME_SIG_DENOM", "HOST_PPQ_POS"),
    ];
    let sr = 48000.0;
    let start = 96000i64;
    for format in FORMATS {
        for (a, b) in pairs {
            // Full scale far above the values, which stay under the plugins' output ceiling.
            let csd = format!(
                "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = {SCALE}\ninstr 1\n outs upsamp(chnget:k(\"{a}\")), upsamp(chnget:k(\"{b}\"))\nendin\n</CsInstruments>\n<CsScore>\ni 1 0 z\n</CsScore>\n</CsoundSynthesizer>\n"
            );
            let mut host = open(format, Which::Effect, sr, 512);
            load_orchestra(host.as_mut(), Some(&csd), None);
            let mut out = [Vec::new(), Vec::new()];
            let mut at = 0usize;
            for n in [512usize, 100, 77, 512, 300, 512, 512] {
                let transport = Transport {
                    playing: true,
                    recording: true,
                    tempo: 132.0,
                    pos_samples: start + at as i64,
                    pos_seconds: (start + at as i64) as f64 / sr,
                    pos_beats: (start + at as i64) as f64 / sr * 132.0 / 60.0,
                    time_sig: (7, 8),
                };
                let block = host.process(&[vec![0.0; n], vec![0.0; n]], n, &[], Some(&transport));
                out[0].extend_from_slice(&block[0]);
                out[1].extend_from_slice(&block[1]);
                at += n;
            }
            // Output frame t plays the k-period that started at t - 32 (rounded down to 32).
            for t in (64..at).step_by(5) {
                let k_start = (t / 32 - 1) * 32;
                let samples = (start + k_start as i64) as f64;
                let expect = |name: &str| match name {
                    "HOST_BPM" => 132.0,
                    "IS_PLAYING" | "IS_RECORDING" => 1.0,
                    "TIME_IN_SECONDS" => samples / sr,
                    "TIME_IN_SAMPLES" => samples,
                    "TIME_SIG_NUM" => 7.0,
                    "TIME_SIG_DENOM" => 8.0,
                    "HOST_PPQ_POS" => samples / sr * 132.0 / 60.0,
                    _ => unreachable!(),
                };
                for (c, name) in [(0, a), (1, b)] {
                    let got = out[c][t] as f64 * SCALE;
                    let want = expect(name);
                    assert!(
                        (got - want).abs() <= want.abs() * 1e-6 + 1e-6,
                        "{format:?} {name} at frame {t}: {got} != {want}"
                    );
                }
            }
        }
    }
}

/// An instrument whose output shows two channels' values (a note keeps it running).
fn meter_csd(a: &str, b: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\ninstr 1\n outs upsamp(chnget:k(\"{a}\")), upsamp(chnget:k(\"{b}\"))\nendin\n</CsInstruments>\n</CsoundSynthesizer>\n"
    )
}

#[test]
fn pitch_bend_controllers_and_pressure_reach_their_named_channels() {
    // (channel a, channel b, MIDI bytes, expected a, expected b)
    let cases: [(&str, &str, [u8; 3], f64, f64); 4] = [
        ("MIDI_PITCH_BEND", "MIDI_CC1", [0xE0, 0x7F, 0x7F], 1.0, 0.0),
        ("MIDI_CC1", "MIDI_MOD_WHEEL", [0xB0, 1, 127], 1.0, 1.0),
        ("MIDI_CC74", "MIDI_CC1", [0xB0, 74, 64], 64.0 / 127.0, 0.0),
        (
            "MIDI_CHANNEL_PRESSURE",
            "MIDI_CC74",
            [0xD0, 127, 0],
            1.0,
            0.0,
        ),
    ];
    for format in FORMATS {
        for (a, b, bytes, want_a, want_b) in cases {
            let mut host = open(format, Which::Instrument, 48000.0, 256);
            load_orchestra(host.as_mut(), Some(&meter_csd(a, b)), None);
            let events = [(0, note_on(60)), (1000, Event::Midi { at: 0, bytes })];
            let out = run(host.as_mut(), 4096, &[256], &events, None);
            let (got_a, got_b) = (out[0][4000] as f64, out[1][4000] as f64);
            assert!(
                (got_a - want_a).abs() < 2e-3,
                "{format:?} {a}: {got_a} != {want_a}"
            );
            assert!(
                (got_b - want_b).abs() < 2e-3,
                "{format:?} {b}: {got_b} != {want_b}"
            );
            assert_eq!(out[0][500], 0.0, "{format:?} {a}: moved before the event");
        }
    }
}

#[test]
fn nan_and_infinite_samples_never_leave_the_plugin() {
    let csd = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\ninstr 1\n izero = 0\n outs a(1 / izero), a(izero / izero)\nendin\n</CsInstruments>\n</CsoundSynthesizer>\n";
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 256);
        load_orchestra(host.as_mut(), Some(csd), None);
        let out = run(host.as_mut(), 4096, &[256], &[(0, note_on(60))], None);
        assert!(
            out.iter().flatten().all(|s| s.is_finite()),
            "{format:?}: a NaN or inf left the plugin"
        );
    }
}

#[test]
fn the_editor_size_is_kept_in_the_project() {
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 256);
        let (mut state, _) = state_json(host.as_mut());
        let size: (u32, u32) =
            serde_json::from_str(state["fields"]["editor-size"].as_str().expect("saved"))
                .expect("a (width, height) pair");
        assert_eq!(
            size,
            csound_plugin::params::DEFAULT_EDITOR_SIZE,
            "{format:?}"
        );
        // The user resized the window; the project is saved and reopened in a new instance.
        state["fields"]["editor-size"] = serde_json::Value::String("[1111,777]".into());
        let mut reopened = open(format, Which::Instrument, 48000.0, 256);
        reopened.load_state(&serde_json::to_vec(&state).unwrap());
        let (again, _) = state_json(reopened.as_mut());
        assert_eq!(
            again["fields"]["editor-size"].as_str(),
            Some("[1111,777]"),
            "{format:?}"
        );
    }
}

/// The plugin library loads on a machine without Csound (it opens libcsound at run time, and an
/// instance says what is missing): nothing in its dynamic section asks for libcsound.
#[test]
fn the_plugin_library_does_not_need_csound_to_load() {
    for format in FORMATS {
        let library = match format {
            Format::Clap => bundle(format),
            Format::Vst3 => bundle(format).join("Contents/x86_64-linux/Csound Plugin.so"),
        };
        let dynamic = std::process::Command::new("readelf")
            .arg("-d")
            .arg(&library)
            .output()
            .expect("readelf runs (binutils, with gcc)");
        let text = String::from_utf8_lossy(&dynamic.stdout);
        assert!(
            text.contains("(NEEDED)"),
            "{format:?}: no dynamic section read: {text}"
        );
        assert!(
            !text.contains("libcsound"),
            "{format:?} needs libcsound:\n{text}"
        );
    }
}
