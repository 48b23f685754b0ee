//! Csound runs in an engine process of its own: for each class of crash and hang seen with real
//! orchestras, the host (both formats, through the built bundles) survives, every `process()`
//! call returns within the deadline, the host gets only finite, bounded audio, and the plugin
//! says what happened (in its saved state, which the editor shows).

mod common;
mod hosts;

use hosts::drive::*;
use hosts::TestHost;
use std::time::{Duration, Instant};

/// The audio thread's deadline for the engine (real time), plus scheduling slack.
const DEADLINE: Duration = Duration::from_millis(250 + 150);

fn csd(options: &str, plugin: &str, globals: &str, body: &str, score: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsOptions>\n{options}\n</CsOptions>\n<CsPlugin>\n{plugin}\n\
         </CsPlugin>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n{globals}instr 1\n\
         {body}\n a1 oscili 0.1, 440\n outs a1, a1\nendin\n</CsInstruments>\n<CsScore>\n\
         {score}\n</CsScore>\n</CsoundSynthesizer>\n"
    )
}

/// The saved state's error, if any.
fn error(host: &mut dyn TestHost) -> Option<String> {
    let (_, orchestra) = state_json(host);
    orchestra["error"].as_str().map(String::from)
}

/// Loads `text`, plays a note (released after 40 blocks) and keeps processing blocks (up to
/// 8 s) until the plugin reports an error; checks every block's time and samples. Returns the
/// error.
fn survive(format: Format, text: &str) -> Option<String> {
    let mut host = open(format, Which::Instrument, 48000.0, 256);
    load_orchestra(host.as_mut(), Some(text), None);
    let started = Instant::now();
    let mut block = 0;
    let mut reported = error(host.as_mut());
    while reported.is_none() && started.elapsed() < Duration::from_secs(8) {
        let events = match block {
            0 => vec![note_on(60)],
            40 => vec![note_off(60)],
            _ => vec![],
        };
        let asked = Instant::now();
        let out = host.process(&[], 256, &events, None);
        let took = asked.elapsed();
        assert!(took < DEADLINE, "{format:?}: a block took {took:?}");
        for s in out.iter().flatten() {
            assert!(
                s.is_finite() && s.abs() <= 16.0,
                "{format:?}: the host got {s}"
            );
        }
        block += 1;
        if block % 20 == 0 {
            reported = error(host.as_mut());
        }
    }
    reported
}

fn each_format(text: &str, says: &str) {
    for format in FORMATS {
        let error = survive(format, text);
        let error = error.unwrap_or_else(|| panic!("{format:?}: no failure reported"));
        assert!(error.contains(says), "{format:?}: {error}");
    }
}

#[test]
fn a_score_reader_crash() {
    let name = "x".repeat(300);
    let text = csd("", "", "", "", &format!("i \"{name}\" 0 1"));
    each_format(&text, "crashed");
}

#[test]
fn a_macro_that_expands_itself() {
    each_format(
        &csd("", "", "#define LOOP #$LOOP#\n", " $LOOP", ""),
        "crashed",
    );
}

#[test]
fn a_udo_that_calls_itself_without_end() {
    let text = csd("", "", "opcode Rec, 0, 0\n Rec\nendop\n", " Rec", "");
    each_format(&text, "crashed");
}

#[test]
fn an_endless_k_rate_loop() {
    each_format(
        &csd("", "", "", "again:\n kgoto again", ""),
        "stopped responding",
    );
}

#[test]
fn an_endless_loop_in_global_code() {
    let text = csd("", "", "while 1 == 1 do\nod\n", "", "");
    each_format(&text, "did not finish compiling");
}

#[test]
fn an_endless_score_loop() {
    let text = csd("", "", "", "", "{ 1000000000 CNT\ni 2 0 0.001\n}");
    each_format(&text, "did not finish compiling");
}

#[test]
fn an_instrument_scheduling_itself_twice_per_k_period() {
    let globals = "instr 2\n schedkwhen 1, 0, 0, 2, 0, 1\n schedkwhen 1, 0, 0, 2, 0, 1\nendin\n";
    each_format(
        &csd("", "", globals, " schedule 2, 0, 1", ""),
        "stopped responding",
    );
}

#[test]
fn ten_thousand_voices() {
    let globals = "instr 2\n a1 vco2 0.001, 100 + p4\n a2 moogladder a1, 2000, 0.5\n \
                   outs a2, a2\nendin\n";
    // Started over a tenth of a second, so that no single block takes long (each answers in
    // well under the 2 s grace): the engine keeps answering, a hundred times slower than real
    // time, and is stopped for staying behind.
    let text = csd(
        "",
        "",
        globals,
        "",
        "{ 10000 N\ni 2 [$N / 100000] 3600 $N\n}",
    );
    each_format(&text, "stopped responding");
}

#[test]
fn many_threads_are_not_a_crash_any_more() {
    // `-j 64` crashed Csound 6.18 at teardown; the engine ignores it (see tests/hazards.rs).
    for format in FORMATS {
        for _ in 0..3 {
            let text = csd("-j 64", "", "", "", "");
            let mut host = open(format, Which::Instrument, 48000.0, 256);
            load_orchestra(host.as_mut(), Some(&text), None);
            let out = run(host.as_mut(), 4800, &[256], &[(0, note_on(60))], None);
            assert!(peak(&out[0]) > 0.05, "{format:?}");
            assert_eq!(error(host.as_mut()), None);
        }
    }
}
