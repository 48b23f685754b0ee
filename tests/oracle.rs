//! The host layer renders exactly what Csound's own command line renders: sample for sample,
//! at full 64-bit precision, for three kinds of orchestra, on both Csounds: on 6.18 against
//! Debian's `csound`, on 7.0 against the wheel's library driven as `csound` drives it.

mod common;
use common::csound7::render_cli7;
use common::*;
use csound_plugin::csound::Version;

/// Renders `csd` through the layer and through the command line of each Csound, and compares.
fn compare(name: &str, input: &[f64], input_wav: Option<&std::path::Path>) -> Vec<f64> {
    let dir = scratch(name);
    let csd = fixture(&format!("{name}.csd"));
    let six = render_layer_on(Version::Six, &csd, input);
    assert_identical(name, &six, &render_cli(&csd, input_wav, &dir));
    let seven = render_layer_on(Version::Seven, &csd, input);
    assert_identical(
        &format!("{name} on 7.0"),
        &seven,
        &render_cli7(&csd, input_wav, &dir),
    );
    six
}

fn assert_identical(name: &str, layer: &[f64], cli: &[f64]) {
    assert!(
        peak(cli) > 0.01,
        "{name}: the oracle render is silent, nothing was compared"
    );
    assert_eq!(layer.len(), cli.len(), "{name}: lengths differ");
    let differing = layer
        .iter()
        .zip(cli)
        .filter(|(a, b)| a.to_bits() != b.to_bits())
        .count();
    assert_eq!(
        differing,
        0,
        "{name}: {differing} of {} samples differ",
        cli.len()
    );
}

#[test]
fn additive_oscillator_bank_equals_the_command_line() {
    compare("additive", &[], None);
}

#[test]
fn subtractive_voice_with_overlapping_notes_equals_the_command_line() {
    compare("subtractive", &[], None);
}

#[test]
fn effect_on_a_known_input_equals_the_command_line() {
    let dir = scratch("effect-input");
    // A deterministic stereo input: a chirp on the left, pseudo-random clicks on the right.
    let frames = 48000;
    let mut state = 0x1234_5678u32;
    let input: Vec<f32> = (0..frames)
        .flat_map(|i| {
            let t = i as f32 / 48000.0;
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let click = if state >> 28 == 0 { 0.5 } else { 0.0 };
            [(t * t * 2000.0 * std::f32::consts::TAU).sin() * 0.5, click]
        })
        .collect();
    let wav = dir.join("input.wav");
    write_wav_f32(&wav, &input, 2, 48000);
    let input64: Vec<f64> = input.iter().map(|&s| s as f64).collect();
    let layer = compare("effect", &input64, Some(&wav));
    // The effect really processed the input: its echoes make the output more than the dry part.
    let left_in: Vec<f64> = channel(&input64, 2, 0);
    let left_out = channel(&layer, 2, 0);
    assert!(left_out
        .iter()
        .zip(&left_in)
        .any(|(o, i)| (o - i * 0.6).abs() > 1e-3));
}
