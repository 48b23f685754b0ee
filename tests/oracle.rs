//! The host layer renders exactly what Csound's own command line renders: sample for sample,
//! at full 64-bit precision, for three kinds of orchestra.

mod common;
use common::*;

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
    let dir = scratch("additive");
    let csd = fixture("additive.csd");
    assert_identical(
        "additive",
        &render_layer(&csd, &[]),
        &render_cli(&csd, None, &dir),
    );
}

#[test]
fn subtractive_voice_with_overlapping_notes_equals_the_command_line() {
    let dir = scratch("subtractive");
    let csd = fixture("subtractive.csd");
    assert_identical(
        "subtractive",
        &render_layer(&csd, &[]),
        &render_cli(&csd, None, &dir),
    );
}

#[test]
fn effect_on_a_known_input_equals_the_command_line() {
    let dir = scratch("effect");
    let csd = fixture("effect.csd");
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
    let layer = render_layer(&csd, &input64);
    let cli = render_cli(&csd, Some(&wav), &dir);
    assert_identical("effect", &layer, &cli);
    // The effect really processed the input: its echoes make the output more than the dry part.
    let left_in: Vec<f64> = channel(&input64, 2, 0);
    let left_out = channel(&layer, 2, 0);
    assert!(left_out
        .iter()
        .zip(&left_in)
        .any(|(o, i)| (o - i * 0.6).abs() > 1e-3));
}
