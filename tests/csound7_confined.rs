//! A shared orchestra (not allowed by the user) saved to run on the bundled Csound 7.0, opened
//! where the bundled Csound was never unpacked: its engine process runs confined (no file
//! writes), so the Csound must be unpacked and opened before the confinement, and it plays.
//! A test binary of its own: the empty cache is set before any Csound is opened.

mod common;
mod hosts;

use hosts::drive::*;

#[test]
fn a_confined_orchestra_plays_on_7_0_from_an_empty_cache() {
    let home = common::scratch("csound7-confined-home");
    // SAFETY of the process environment: this binary's one test sets it before any thread
    // or Csound starts.
    std::env::set_var("CSOUND_PLUGIN_HOME", &home);
    let shared = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
        instr 1\n a1 vco2 0.3, p4\n outs a1, a1\nendin\n</CsInstruments>\n</CsoundSynthesizer>\n";
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 512);
        load_orchestra_on(host.as_mut(), shared, "7");
        let out = run(host.as_mut(), 24000, &[512], &[(0, note_on(69))], None);
        let (_, orchestra) = state_json(host.as_mut());
        assert!(
            peak(&out[0]) > 0.05,
            "{format:?}: silent: {}",
            orchestra["error"]
        );
        assert_eq!(orchestra["csound"], "7");
    }
    assert!(
        std::fs::read_dir(home.join("cache/csound-7.0")).is_ok_and(|mut d| d.next().is_some()),
        "it ran on the bundled Csound (unpacked into the test's own cache), not on the fallback"
    );
}
