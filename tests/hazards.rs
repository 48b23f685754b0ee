//! Csound hazards fixed at the source, through the built bundles in both formats: the manual's
//! envelope idiom played as a held note (p3 = -1 corrupted Csound's heap), `-j 64` (a crash at
//! teardown), `ksmps = 1000000` (a latency of a million frames) and an inconsistent
//! `sr`/`kr`/`ksmps` header (which Csound's own command line refuses).

mod common;
mod hosts;

use common::scratch;
use hosts::drive::*;
use std::process::Command;

fn csd(options: &str, header: &str, body: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsOptions>\n{options}\n</CsOptions>\n<CsInstruments>\n{header}\
         nchnls = 2\n0dbfs = 1\ninstr 1\n{body}\nendin\n</CsInstruments>\n<CsScore>\n</CsScore>\n\
         </CsoundSynthesizer>\n"
    )
}

/// The Csound manual's envelope idiom: segment lengths computed from p3.
fn manual_idiom() -> String {
    csd(
        "",
        "sr = 48000\nksmps = 32\n",
        " aenv expseg .01, p3*0.25, 1, p3*0.75, .01\n a1 oscili 0.3 * aenv, cpsmidinn(p4)\n \
         outs a1, a1",
    )
}

fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

#[test]
fn an_instrument_computing_with_p3_plays_each_note_for_a_fixed_length() {
    let sr = 48000.0;
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, sr, 256);
        load_orchestra(host.as_mut(), Some(&manual_idiom()), None);
        // Held for 3 s (released at 3 s): the note lasts its fixed second, then silence.
        let frames = (3.5 * sr) as usize;
        let out = run(
            host.as_mut(),
            frames,
            &[256],
            &[(0, note_on(60)), ((3.0 * sr) as usize, note_off(60))],
            None,
        );
        let left = &out[0];
        let second = |s: f64| &left[(s * sr) as usize..((s + 0.1) * sr) as usize];
        assert!(rms(second(0.3)) > 0.05, "{format:?}: it plays");
        assert_eq!(
            peak(second(1.5)),
            0.0,
            "{format:?}: and ends after its second"
        );
        assert!(left.iter().all(|s| s.is_finite()));
        let (_, orchestra) = state_json(host.as_mut());
        assert!(
            orchestra["error"].is_null(),
            "{format:?}: {}",
            orchestra["error"]
        );
    }
}

#[test]
fn check_warns_about_p3() {
    let dir = scratch("hazards-check");
    let file = dir.join("idiom.csd");
    std::fs::write(&file, manual_idiom()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .env("CSOUND_PLUGIN_HOME", dir.join("home"))
        .args(["check", file.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("computes with p3 (line 11)"), "{text}");
    assert!(text.contains("p3 = 1 (a fixed length"), "{text}");
}

#[test]
fn many_csound_threads_are_not_started_inside_the_plugin() {
    let threads = csd("-j 64", "ksmps = 32\n", " a1 oscili 0.2, 440\n outs a1, a1");
    for format in FORMATS {
        // Csound 6.18 crashed at teardown 9 runs in 10 with `-j 64`.
        for _ in 0..10 {
            let mut host = open(format, Which::Instrument, 48000.0, 256);
            load_orchestra(host.as_mut(), Some(&threads), None);
            let out = run(host.as_mut(), 4800, &[256], &[(0, note_on(60))], None);
            assert!(peak(&out[0]) > 0.1, "{format:?}: plays");
        }
    }
}

#[test]
fn absurd_ksmps_and_inconsistent_rates_are_refused_with_a_reason() {
    let tone = " a1 oscili 0.2, 440\n outs a1, a1";
    let cases = [
        (csd("", "ksmps = 1000000\n", tone), "ksmps = 1000000"),
        (
            csd("", "sr = 44100\nkr = 1000\nksmps = 32\n", tone),
            "inconsistent sr, kr, ksmps",
        ),
    ];
    for format in FORMATS {
        for (text, reason) in &cases {
            let mut host = open(format, Which::Instrument, 48000.0, 256);
            load_orchestra(host.as_mut(), Some(text), None);
            assert_eq!(
                host.latency(),
                0,
                "{format:?}: {reason}: no latency reported"
            );
            let out = run(host.as_mut(), 4800, &[256], &[(0, note_on(60))], None);
            assert_eq!(peak(&out[0]), 0.0, "{format:?}: {reason}: silent");
            let (_, orchestra) = state_json(host.as_mut());
            let error = orchestra["error"].as_str().unwrap_or_default();
            assert!(error.contains(reason), "{format:?}: {error}");
        }
    }
}
