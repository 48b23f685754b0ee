//! A Cabbage widget follows the host's automation: the CLAP instrument's editor, opened by the
//! test host inside an Xvfb screen, draws a slider filled as far as the value the host last
//! sent. Its own test binary: it points the process's `DISPLAY` at its Xvfb.
#![cfg(feature = "standalone")]

mod common;
mod hosts;

use common::scratch;
use common::screen::{close_after_editors, root_window, screenshot, threads, xvfb};
use hosts::drive::*;
use hosts::{Event, TestHost};
use std::time::Duration;

/// A form that is one wide red slider, so its filled part can be measured on screen.
const CSD: &str = "<Cabbage>\nform size(400, 100), caption(\"Level\")\n\
    hslider bounds(0, 0, 400, 100), channel(\"level\"), range(0, 1, 0.5), \
    trackerColour(255, 0, 0)\n</Cabbage>\n<CsoundSynthesizer>\n<CsInstruments>\n\
    ksmps = 32\nnchnls = 2\n0dbfs = 1\ninstr 1\n kl chnget \"level\"\n \
    outs a(0 * kl), a(0)\nendin\n</CsInstruments>\n</CsoundSynthesizer>\n";

/// Red pixels on screen: the slider's filled part (its tracker colour, drawn at 80 %).
fn red(pixels: &[u8]) -> usize {
    pixels
        .chunks(3)
        .filter(|p| p[0] > 120 && p[1] < 60 && p[2] < 60)
        .count()
}

/// Sends `value` to the parameter `id`, lets the editor redraw, and counts the red pixels.
fn automate(host: &mut dyn TestHost, id: u32, value: f64, display: &str, shot: &str) -> usize {
    let dir = scratch(shot);
    let event = Event::Param { at: 0, id, value };
    host.process(&[], 256, &[event], None);
    let mut last = 0;
    // The editor redraws when a parameter moves; give it a few frames.
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(150));
        host.process(&[], 256, &[], None);
        let (_, _, pixels) = screenshot(display, &dir.join("editor.ppm"));
        let now = red(&pixels);
        if now == last && now > 0 {
            return now;
        }
        last = now;
    }
    last
}

#[test]
fn a_widget_moved_by_automation_is_drawn_at_its_new_value() {
    let alone = threads();
    let (server, display) = xvfb();
    // SAFETY of the process environment: this binary holds this one test, set before any
    // thread reads the environment.
    std::env::set_var("DISPLAY", &display);
    let mut host = open(Format::Clap, Which::Instrument, 48000.0, 256);
    load_orchestra(host.as_mut(), Some(CSD), None);
    host.process(&[], 256, &[], None);
    let id = host
        .params()
        .iter()
        .find(|p| p.name == "Param 1")
        .map(|p| p.id)
        .expect("slot 1");
    assert!(
        host.open_editor(root_window(&display)),
        "the editor opens in the test host"
    );
    let quarter = automate(host.as_mut(), id, 0.25, &display, "automation-quarter");
    let most = automate(host.as_mut(), id, 0.75, &display, "automation-most");
    assert!(quarter > 500, "the slider is drawn ({quarter} red pixels)");
    let ratio = most as f64 / quarter as f64;
    assert!(
        (ratio - 3.0).abs() < 0.3,
        "filled 3 times as far at 0.75 as at 0.25: {most} / {quarter} red pixels"
    );
    let back = automate(host.as_mut(), id, 0.25, &display, "automation-back");
    assert!(
        (back as f64 - quarter as f64).abs() < quarter as f64 * 0.05,
        "back at 0.25: {back} red pixels, {quarter} before"
    );
    drop(host);
    close_after_editors(server, alone);
}
