//! An exported plugin's window, as a musician sees it: opened by the CLAP test host inside an
//! Xvfb screen and read back by OCR. A locked export has no Orchestra tab; an open one has.
//! Its own test binary: it points the process's `DISPLAY` at its Xvfb.
#![cfg(feature = "standalone")]

mod common;
mod hosts;

use common::scratch;
use common::screen::{close_after_editors, ocr, root_window, screenshot, threads, xvfb};
use hosts::catalogue;
use hosts::drive::{bundle, Format};
use hosts::Setup;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const CSD: &str = r#"<CsoundSynthesizer>
<CsInstruments>
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1
chn_k "brightness", 1, 2, 0.5, 0, 1, 0, 0, 0, 0, "label=Brightness; group=Timbre"
instr 1
  kb chnget "brightness"
  a1 poscil 0.2 * kb, cpsmidinn(p4)
  outs a1, a1
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
"#;

/// Exports the orchestra as `name` into `dir` with `args`.
fn export(dir: &Path, name: &str, args: &[&str]) {
    let csd = dir.join("bright.csd");
    std::fs::write(&csd, CSD).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .arg("export")
        .arg(&csd)
        .args(["--name", name, "--out"])
        .arg(dir)
        .arg("--from")
        .arg(bundle(Format::Clap))
        .args(args)
        .env("CSOUND_PLUGIN_HOME", dir.join("home"))
        .status()
        .expect("csound-plugin runs");
    assert!(status.success(), "export {name}");
}

/// What the export's window shows, read from the screen.
fn window_text(clap: &Path, display: &str, dir: &Path) -> String {
    let setup = Setup {
        sample_rate: 48000.0,
        max_block: 256,
        inputs: 0,
        outputs: 2,
    };
    let id = catalogue::clap(clap)[0].id.clone();
    let mut host = hosts::clap::load(clap, &id, &setup);
    assert!(host.open_editor(root_window(display)), "the editor opens");
    let ppm = dir.join("editor.ppm");
    let mut text = String::new();
    // Until the window has drawn its parameter.
    for _ in 0..20 {
        host.process(&[], 256, &[], None);
        std::thread::sleep(Duration::from_millis(300));
        screenshot(display, &ppm);
        text = ocr(&ppm);
        if text.contains("Brightness") {
            break;
        }
    }
    text
}

#[test]
fn a_locked_export_shows_no_orchestra_and_an_open_one_does() {
    let alone = threads();
    let dir = scratch("export-editor");
    std::env::set_var("CSOUND_PLUGIN_HOME", dir.join("home"));
    export(&dir, "Bright Locked", &["--lock"]);
    export(&dir, "Bright Open", &[]);
    let (server, display) = xvfb();
    // SAFETY of the process environment: this binary holds this one test, set before any
    // thread reads the environment.
    std::env::set_var("DISPLAY", &display);

    let locked = window_text(&dir.join("Bright Locked.clap"), &display, &dir);
    assert!(locked.contains("Brightness"), "its parameter: {locked}");
    assert!(locked.contains("Console"), "its console: {locked}");
    assert!(!locked.contains("Orchestra"), "no Orchestra tab: {locked}");
    let open = window_text(&dir.join("Bright Open.clap"), &display, &dir);
    assert!(open.contains("Orchestra"), "the Orchestra tab: {open}");

    close_after_editors(server, alone);
    let _ = std::fs::remove_dir_all(&dir);
}
