//! Which Csound an orchestra runs on when nobody chose: Cabbage 3 instruments (Csound 7 code, a
//! JSON section) run on 7.0 by themselves in both hosts, `check` and `export` take them with no
//! flag, and the two Csound 6.18 defects Cabbage instruments meet are shown on 6.18 and do not
//! reach a user who did not choose it.

mod common;
mod exported;
mod hosts;

use common::scratch;
use csound_plugin::csound::Version;
use csound_plugin::engine::transport::Transport;
use csound_plugin::engine::{Engine, MidiEvent, Setup};
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::{Kind, Source};
use exported::{export, open_export, write};
use hosts::drive::*;

/// A Cabbage 3 instrument as Cabbage 3's examples are written: typed variables, function
/// calls, a global variable, and a JSON section.
const SEVEN: &str = r#"<Cabbage>{
"widgets": [
 {"type": "form", "caption": "Seven Pad", "size": {"width": 300, "height": 120},
  "pluginId": "Svn1", "channelConfig": "0|2"},
 {"type": "rotarySlider", "channels": [{"id": "level", "range": {"min": 0, "max": 1,
  "defaultValue": 0.5}}], "bounds": {"left": 10, "top": 10, "width": 60, "height": 60},
  "persistence": {"preset": true, "session": true}}
]}</Cabbage>
<CsoundSynthesizer>
<CsOptions>
-n -d -+rtmidi=NULL -M0 --midi-key-cps=4 --midi-velocity-amp=5
</CsOptions>
<CsInstruments>
ksmps = 32
nchnls = 2
0dbfs = 1
massign 0, 1
wave@global:i = ftgen(0, 0, 4096, 10, 1)
instr 1
  level:k, moved:k = cabbageGetValue("level")
  env:a = madsr(0.005, 0, 1, 0.05)
  sig:a = oscili(level * env, p4, wave)
  outs(sig, sig)
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
"#;

/// The same sound in Csound 6 syntax, which both Csounds read.
const SIX: &str = r#"<CsoundSynthesizer>
<CsOptions>
-n -d -+rtmidi=NULL -M0
</CsOptions>
<CsInstruments>
ksmps = 32
nchnls = 2
0dbfs = 1
massign 0, 1
giwave ftgen 0, 0, 4096, 10, 1
instr 1
  aenv madsr 0.005, 0, 1, 0.05
  asig oscili 0.5 * aenv, cpsmidi(), giwave
  outs asig, asig
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
"#;

/// Points the plugin at a CSD through a saved state that chose no Csound (`"csound": null`),
/// as a new instance's is.
fn load_unchosen(host: &mut dyn hosts::TestHost, text: &str) {
    let (mut state, _) = state_json(host);
    let orchestra = serde_json::json!({
        "path": null, "text": text, "bindings": {}, "error": null, "csound": null
    });
    state["fields"]["orchestra"] = serde_json::Value::String(orchestra.to_string());
    host.load_state(&serde_json::to_vec(&state).expect("json"));
}

#[test]
fn a_cabbage_3_instrument_runs_on_csound_7_with_nobody_choosing() {
    for format in FORMATS {
        for (text, csound) in [(SEVEN, "7"), (SIX, Version::preferred().key())] {
            let mut host = open(format, Which::Instrument, 48000.0, 256);
            load_unchosen(host.as_mut(), text);
            let sound = run(host.as_mut(), 24000, &[256], &[(0, note_on(69))], None).remove(0);
            assert!(peak(&sound) > 0.1, "{format:?} {csound}: it plays");
            let (_, orchestra) = state_json(host.as_mut());
            assert_eq!(orchestra["error"], serde_json::Value::Null, "{format:?}");
            assert_eq!(
                orchestra["csound"], csound,
                "{format:?}: it ran on {csound}: {orchestra}"
            );
            assert_eq!(orchestra["csound_follows_orchestra"], true, "{format:?}");
        }
    }
}

#[test]
fn check_and_export_take_a_cabbage_3_instrument_with_no_flag() {
    let dir = scratch("cabbage3-cli");
    let csd = write(&dir, "seven.csd", SEVEN);
    let checked = std::process::Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .args(["check", csd.to_str().unwrap()])
        .env("CSOUND_PLUGIN_HOME", dir.join("home"))
        .output()
        .expect("the binary runs");
    let said = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(
        said.contains("compiles on Csound 7.0") && said.contains("Cabbage 3 instrument"),
        "{said}"
    );
    let printed = export(&csd, &["--name", "Seven Pad"], &dir.join("out"));
    assert!(printed.contains("as the orchestra needs"), "{printed}");
    for format in FORMATS {
        let mut host = open_export(format, &dir.join("out").join("Seven Pad"));
        let sound = exported::play(host.as_mut(), 69);
        assert!(
            sound.iter().fold(0.0f64, |m, s| m.max(s.abs())) > 0.1,
            "{format:?}"
        );
        let (_, orchestra) = state_json(host.as_mut());
        assert_eq!(orchestra["csound"], "7", "{format:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The left channel of `csd` over `frames` frames, on `csound` (`None`: as the orchestra
/// needs), with MIDI events at frames; and the Csound it ran on.
fn left(
    csd: &str,
    csound: Option<Version>,
    frames: usize,
    midi: &[(usize, MidiEvent)],
) -> (Vec<f32>, Version) {
    let setup = Setup {
        csound,
        ..Setup::plugin(48000.0)
    };
    let source = Source::text(csd, "defect.csd");
    let (mut engine, _) =
        Engine::load_with(&source, &setup, Kind::Instrument, &TrustStore::default())
            .unwrap_or_else(|e| panic!("{e}"));
    let version = engine.csound().version();
    let mut out = Vec::new();
    for start in (0..frames).step_by(64) {
        let (mut l, mut r) = (vec![0.0f32; 64], vec![0.0f32; 64]);
        let mut events = midi
            .iter()
            .filter(|(at, _)| (start..start + 64).contains(at))
            .map(|(at, e)| match *e {
                MidiEvent::NoteOn {
                    channel,
                    key,
                    velocity,
                    ..
                } => MidiEvent::NoteOn {
                    at: (at - start) as u32,
                    channel,
                    key,
                    velocity,
                },
                other => other,
            });
        engine.process(
            &mut [&mut l, &mut r],
            None,
            &mut events,
            &|_| None,
            &Transport::default(),
        );
        out.extend(l);
    }
    (out, version)
}

fn csd(options: &str, orchestra: &str, score: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsOptions>\n{options}\n</CsOptions>\n<CsInstruments>\n\
         ksmps = 32\nnchnls = 2\n0dbfs = 1\n{orchestra}</CsInstruments>\n<CsScore>\n{score}\n\
         </CsScore>\n</CsoundSynthesizer>\n"
    )
}

#[test]
fn the_csound_6_defects_cabbage_instruments_meet_are_shown_and_avoided() {
    if !Version::Six.is_available() {
        return;
    }
    // Two outputs of a Cabbage opcode in function form: the value read follows the channel
    // (seconds since the start) on 7.0; 6.18 leaves it at its first value.
    let function_form = csd(
        "-d",
        "instr 1\n cabbageSetValue \"x\", timeinsts()\nendin\n\
         instr 2\n kV, kT = cabbageGetValue(\"x\")\n outs a(kV), a(kV)\nendin\n",
        "i 1 0 10\ni 2 0 10",
    );
    let (on_six, _) = left(&function_form, Some(Version::Six), 9600, &[]);
    let (unchosen, version) = left(&function_form, None, 9600, &[]);
    assert_eq!(version, Version::Seven, "moved to 7.0");
    let last = |s: &[f32]| *s.last().unwrap();
    assert!(
        last(&on_six) < 0.01,
        "6.18 shows the defect: {}",
        last(&on_six)
    );
    assert!((last(&unchosen) - 0.2).abs() < 0.01, "{}", last(&unchosen));

    // Raw MIDI with --midi-key: a score event (p4 = 0.42, written out) pending when a MIDI
    // note comes in is kept on 7.0; 6.18 replaces it.
    let midi_key = csd(
        "-M0 --midi-key=4 --midi-velocity=5",
        "massign 0, 2\ninstr 1\n outs a(p4), a(p4)\nendin\ninstr 2\n outs a(0), a(0)\nendin\n",
        "i 1 0.1 10 0.42",
    );
    let note = MidiEvent::NoteOn {
        at: 0,
        channel: 0,
        key: 60,
        velocity: 1.0,
    };
    let (on_six, _) = left(&midi_key, Some(Version::Six), 9600, &[(0, note)]);
    let (unchosen, version) = left(&midi_key, None, 9600, &[(0, note)]);
    assert_eq!(version, Version::Seven, "moved to 7.0");
    assert!((last(&unchosen) - 0.42).abs() < 1e-6, "{}", last(&unchosen));
    assert!(
        (last(&on_six) - 0.42).abs() > 0.01,
        "6.18 shows the defect: {}",
        last(&on_six)
    );
}
