//! Raw MIDI fed through host-implemented MIDI I/O plays `massign`ed instruments that use
//! `cpsmidi` and `veloc`, as in a Csound orchestra written for a MIDI keyboard.

mod common;
use common::*;
use csound_plugin::csound::{Csound, Perform};

const ORC: &str = r#"
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1
massign 0, 3
instr 3
  icps cpsmidi
  ivel veloc
  chnset icps, "cps"
  chnset ivel, "vel"
  aenv madsr 0.005, 0, 1, 0.01
  a1 oscili 0.3 * aenv, icps
  outs a1, a1
endin
"#;

#[test]
fn raw_note_on_plays_a_massign_instrument_with_its_pitch_and_velocity() {
    let mut cs = Csound::new().unwrap();
    let mut midi = cs.enable_midi_input().unwrap();
    cs.compile_orc(ORC).unwrap();
    cs.read_score("f 0 3600").unwrap();
    cs.start().unwrap();
    for _ in 0..10 {
        assert_eq!(cs.perform_ksmps(), Perform::Running);
        assert_eq!(peak(cs.spout()), 0.0, "sound before any note");
    }
    midi.send(&[0x90, 69, 100]).unwrap(); // A4, velocity 100
    let mut out = Vec::new();
    for _ in 0..(48000 / 32) {
        assert_eq!(cs.perform_ksmps(), Perform::Running);
        out.extend_from_slice(cs.spout());
    }
    assert!((cs.control_by_name("cps").unwrap() - 440.0).abs() < 1e-9);
    assert!((cs.control_by_name("vel").unwrap() - 100.0).abs() < 1e-9);
    let left = channel(&out, 2, 0);
    let hz = frequency(&left[4800..], 48000.0);
    assert!((hz - 440.0).abs() < 1.0, "heard {hz} Hz");

    // Note-off: the instrument releases and falls silent.
    midi.send(&[0x80, 69, 0]).unwrap();
    for _ in 0..100 {
        cs.perform_ksmps();
    }
    assert_eq!(peak(cs.spout()), 0.0, "note-off did not release the note");

    // A second key: another pitch.
    midi.send(&[0x90, 57, 64]).unwrap();
    let mut out = Vec::new();
    for _ in 0..(48000 / 32) {
        cs.perform_ksmps();
        out.extend_from_slice(cs.spout());
    }
    assert!((frequency(&channel(&out, 2, 0)[4800..], 48000.0) - 220.0).abs() < 1.0);
    assert!((cs.control_by_name("vel").unwrap() - 64.0).abs() < 1e-9);
}

#[test]
fn without_midi_input_the_instrument_stays_silent() {
    // The control case for the test above: nothing plays unless bytes arrive.
    let mut cs = Csound::new().unwrap();
    cs.compile_orc(ORC).unwrap();
    cs.read_score("f 0 3600").unwrap();
    cs.start().unwrap();
    for _ in 0..500 {
        cs.perform_ksmps();
        assert_eq!(peak(cs.spout()), 0.0);
    }
}
