//! The engine process's confinement holds on its own: with the parse-tree gate switched off
//! (possible in test builds only), an orchestra the user has not allowed that runs a program
//! (`system_i`), writes a file (`fout`) or sends over the network (`OSCsend`) loads, plays, and
//! none of it happens. An orchestra the user allowed runs unconfined.
//!
//! This binary switches the gate off for its whole process: no other tests live here.

mod common;
mod hosts;

use common::scratch;
use hosts::drive::*;
use std::net::UdpSocket;
use std::path::Path;
use std::sync::Once;
use std::time::Duration;

/// Switches the gate off and sets the user's folder, once, before any plugin runs.
fn setup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let home =
            std::env::temp_dir().join(format!("csound-plugin-sandbox-{}", std::process::id()));
        std::fs::create_dir_all(&home).unwrap();
        std::env::set_var("CSOUND_PLUGIN_HOME", &home);
        std::env::set_var("CSOUND_PLUGIN_TEST_UNGATED", "1");
    });
}

fn csd(globals: &str, body: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n{globals}\
         instr 1\n{body}\n a1 oscili 0.2, 440\n outs a1, a1\nendin\n</CsInstruments>\n\
         <CsScore>\n</CsScore>\n</CsoundSynthesizer>\n"
    )
}

fn play(format: Format, text: &str) {
    let mut host = open(format, Which::Instrument, 48000.0, 256);
    load_orchestra(host.as_mut(), Some(text), None);
    run(host.as_mut(), 9600, &[256], &[(0, note_on(60))], None);
    // The gate is off: the orchestra loaded (Csound reports what failed inside it).
    let (_, orchestra) = state_json(host.as_mut());
    assert!(
        orchestra["error"].is_null(),
        "{format:?}: {}",
        orchestra["error"]
    );
}

/// Each reach in turn, in an orchestra of its own, leaving a trace if it worked: plays confined
/// (no trace), then allowed (the trace).
#[test]
fn an_orchestra_not_allowed_can_run_nothing_write_nothing_send_nothing() {
    setup();
    for format in FORMATS {
        let dir = scratch(&format!("sandbox-{format:?}"));
        let listener = UdpSocket::bind("127.0.0.1:0").unwrap();
        listener
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let ran = dir.join("ran");
        let wrote = dir.join("wrote");
        let sent = |listener: &UdpSocket| listener.recv(&mut [0u8; 256]).is_ok();
        let reaches: [(&str, String, &dyn Fn() -> bool); 3] = [
            (
                "system_i",
                csd("", &format!(" ir system_i 1, \"touch {}\"", ran.display())),
                &|| ran.exists(),
            ),
            (
                "fout",
                csd(
                    "",
                    &format!(" a0 oscili 0.1, 220\n fout \"{}\", 1, a0", wrote.display()),
                ),
                &|| wrote.exists(),
            ),
            (
                "OSCsend",
                csd(
                    "",
                    &format!(" OSCsend 0, \"127.0.0.1\", {port}, \"/x\", \"f\", 1"),
                ),
                &|| sent(&listener),
            ),
        ];
        for (name, text, happened) in reaches {
            play(format, &text);
            assert!(!happened(), "{format:?}: {name} reached outside, confined");
            // Allowed by the user, the same orchestra runs unconfined.
            csound_plugin::orchestra::trust::TrustStore::open()
                .allow(&text, name)
                .unwrap();
            play(format, &text);
            assert!(happened(), "{format:?}: {name}, allowed, did nothing");
        }
    }
}

/// The console says the orchestra runs confined, and by which mechanisms.
#[test]
fn the_console_says_what_confines_the_engine() {
    setup();
    use csound_plugin::engine::live::{Launch, Loader};
    use csound_plugin::orchestra::{Kind, Source};
    use csound_plugin::params::PluginParams;
    let library = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bundled/Csound Plugin.clap");
    let params = std::sync::Arc::new(PluginParams::new());
    let (loader, _player) = Loader::with_launch(
        params.clone(),
        Kind::Instrument,
        Launch::Process(csound_plugin::csound::process::spawn::Program::Library(
            library,
        )),
    );
    loader.configure(48000.0, 256, false);
    let text = csd("", " ; harmless, and never allowed");
    let engine = loader
        .load_now(&params, &Source::text(text, "plain.csd"), Kind::Instrument)
        .unwrap_or_else(|e| panic!("{e}"));
    let said: Vec<String> = engine
        .messages()
        .take()
        .into_iter()
        .map(|m| m.text)
        .collect();
    let line = said
        .iter()
        .find(|l| l.contains("runs confined"))
        .unwrap_or_else(|| panic!("{said:?}"));
    eprintln!("{line}");
    assert!(line.contains("seccomp on"), "{line}");
}
