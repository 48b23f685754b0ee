//! `render` and `check` contain Csound: an orchestra that crashes Csound or never returns ends
//! the command with a clear error and a non-zero exit; the command itself is never killed by a
//! signal and never hangs. Each of the crash and hang classes seen with real orchestras, in turn.

mod common;
use common::scratch;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A CSD with `globals` before instrument 1, `body` in it and `score` events.
fn csd(globals: &str, body: &str, score: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n{globals}\
         instr 1\n{body}\n a1 oscili 0.1, 440\n outs a1, a1\nendin\n</CsInstruments>\n\
         <CsScore>\n{score}\n</CsScore>\n</CsoundSynthesizer>\n"
    )
}

fn run(dir: &Path, name: &str, text: &str, command: &str) -> (Output, Duration) {
    let file = dir.join(format!("{name}.csd"));
    std::fs::write(&file, text).unwrap();
    let out = dir.join(format!("{name}.wav"));
    let mut args = vec![command, file.to_str().unwrap()];
    if command == "render" {
        args.extend(["--tail", "0.5", "-o", out.to_str().unwrap()]);
    }
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .env("CSOUND_PLUGIN_HOME", dir.join("home"))
        .env("CSOUND_PLUGIN_STALL_SECONDS", "3")
        .args(&args)
        .output()
        .expect("the binary runs");
    (output, started.elapsed())
}

#[test]
fn crashing_and_hanging_orchestras_end_the_command_with_a_clear_error() {
    let dir = scratch("containment");
    let long_name = "x".repeat(300);
    // (name, CSD, what the error says, whether it strikes while compiling: `check` only
    // compiles, so what strikes when a note plays passes `check`).
    let cases = [
        (
            "score-reader",
            csd("", "", &format!("i \"{long_name}\" 0 1")),
            "crashed",
            true,
        ),
        (
            "self-macro",
            csd("#define LOOP #$LOOP#\n", " $LOOP", ""),
            "crashed",
            true,
        ),
        (
            "recursion",
            csd("opcode Rec, 0, 0\n Rec\nendop\n", " Rec", ""),
            "crashed",
            false,
        ),
        (
            "k-loop",
            csd("", "again:\n kgoto again", ""),
            "stopped responding",
            false,
        ),
        (
            "global-loop",
            csd("while 1 == 1 do\nod\n", "", ""),
            "stopped responding",
            true,
        ),
        (
            "score-loop",
            csd("", "", "{ 1000000000 CNT\ni 2 0 0.001\n}"),
            "stopped responding",
            true,
        ),
    ];
    for command in ["render", "check"] {
        for (name, text, says, at_compile) in &cases {
            let (output, took) = run(&dir, name, text, command);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.code().is_some(),
                "{command} {name}: the command itself was killed: {:?}",
                output.status
            );
            if command == "check" && !at_compile {
                assert!(output.status.success(), "{command} {name}: {stderr}");
                continue;
            }
            assert!(!output.status.success(), "{command} {name}: {stderr}");
            // A case that fails before performing (check compiles only) may just not compile.
            let clear = stderr.contains(says) || stderr.contains("did not compile");
            assert!(clear, "{command} {name}: {stderr}");
            assert!(
                took < Duration::from_secs(30),
                "{command} {name}: took {took:?}"
            );
        }
    }
}

#[test]
fn an_orchestra_that_plays_is_not_held_back() {
    let dir = scratch("containment-ok");
    let (output, _) = run(&dir, "fine", &csd("", "", ""), "render");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("fine.wav"),
        "the child's report is passed on: {stdout}"
    );
    assert!(!stdout.contains('\u{1}'), "heartbeats are not shown");
    assert!(dir.join("fine.wav").exists());
}
