//! The editor, drawn for real: the standalone build starts under Xvfb, a screenshot of its
//! window is taken, and it must be drawn (not blank) with the orchestra's parameter labels on it
//! (read back by OCR). Needs `Xvfb`, `xwd`, netpbm and `tesseract` (scripts/setup-system.sh).
#![cfg(feature = "standalone")]

mod common;
use common::scratch;
use common::screen::{ocr, screenshot, xvfb, Running};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How many different colours the image has (a blank or black window has one or two).
fn colours(pixels: &[u8]) -> usize {
    let mut seen: Vec<[u8; 3]> = pixels
        .chunks(3)
        .step_by(7)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// Starts the standalone build under Xvfb with `args`, waits until its window is drawn, checks
/// it is not blank, and returns what OCR reads on it.
fn standalone_text(test: &str, args: &[&str]) -> String {
    // One at a time: two tests would pick the same free display.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch(test);
    let (_server, display) = xvfb();
    let app = Command::new(env!("CARGO_BIN_EXE_csound-plugin-standalone"))
        .args(["--backend", "dummy"])
        .args(args)
        .env("DISPLAY", &display)
        .env("CSOUND_PLUGIN_HOME", &dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the standalone build runs");
    let _app = Running(app);
    let ppm = dir.join("editor.ppm");

    // Wait until the window is drawn: many colours (text, knobs, keys) instead of a blank root.
    let start = Instant::now();
    let (w, h, pixels) = loop {
        let shot = screenshot(&display, &ppm);
        if colours(&shot.2) > 40 {
            break shot;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the editor was not drawn within a minute ({} colours)",
            colours(&shot.2)
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    // Let a frame or two more settle, then read it.
    std::thread::sleep(Duration::from_millis(1500));
    let (_, _, pixels_now) = screenshot(&display, &ppm);
    assert_eq!(pixels.len(), w * h * 3);
    let lit = pixels_now
        .chunks(3)
        .filter(|p| p.iter().any(|&c| c > 100))
        .count();
    assert!(
        lit > w * h / 50,
        "the window is almost blank ({lit} bright pixels)"
    );

    ocr(&ppm)
}

#[test]
fn the_standalone_editor_draws_its_controls() {
    // The built-in synth's labels must be on screen.
    let text = standalone_text("editor-screenshot", &[]);
    let labels = [
        "Shape",
        "Detune",
        "Cutoff",
        "Resonance",
        "Attack",
        "Decay",
        "Sustain",
        "Release",
        "Volume",
    ];
    let found: Vec<&str> = labels
        .iter()
        .copied()
        .filter(|l| text.contains(l))
        .collect();
    assert!(
        found.len() >= 6,
        "parameter labels on screen: {found:?}; OCR read: {text}"
    );
    for group in ["Oscillators", "Filter", "Envelope"] {
        assert!(
            text.contains(group),
            "group {group} missing; OCR read: {text}"
        );
    }
    for tab in ["Controls", "Orchestra", "Console"] {
        assert!(text.contains(tab), "tab {tab} missing; OCR read: {text}");
    }
}

#[test]
fn a_cabbage_instrument_is_drawn_with_its_own_face() {
    let csd = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/csd/cabbage/acid2.csd");
    let text = standalone_text("editor-cabbage", &["--orchestra", csd]);
    // Labels of its slider, knobs and group box, the combobox's chosen item (1-based: value 2
    // is the second), and the switch back to the generated controls.
    for label in [
        "Resonance",
        "Cutoff",
        "Envelope",
        "Attack",
        "Square",
        "Generated controls",
    ] {
        // OCR reads a knob's label now and then with a capital letter inside ("CutofF").
        let found = text.to_lowercase().contains(&label.to_lowercase());
        assert!(found, "{label} missing; OCR read: {text}");
    }
}
