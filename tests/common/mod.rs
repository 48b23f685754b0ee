//! Helpers shared by the integration tests: renders through the layer and through Csound's
//! own command line (the oracle), and small signal measurements.

#![allow(dead_code)]

pub mod csound7;
pub mod screen;

use csound_plugin::csound::{Csound, Perform, Version};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A fixture under `tests/csd/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/csd")
        .join(name)
}

/// A fresh scratch folder for one test.
/// The plugin library engine processes start from (built by `cargo xtask bundle`).
pub fn plugin_library() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bundled/Csound Plugin.clap");
    assert!(
        path.exists(),
        "run `cargo xtask bundle csound-plugin` first"
    );
    path
}

pub fn scratch(test: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("csound-plugin-tests-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Renders a CSD through the host layer until its score ends, feeding `input` (interleaved,
/// `nchnls_i` channels) into spin and zeros after it. Returns interleaved output.
pub fn render_layer(csd: &Path, input: &[f64]) -> Vec<f64> {
    render_layer_on(Version::preferred(), csd, input)
}

/// [`render_layer`] on Csound `version`.
pub fn render_layer_on(version: Version, csd: &Path, input: &[f64]) -> Vec<f64> {
    let mut cs = Csound::on(version).expect("create");
    cs.compile_csd_file(csd).expect("compile");
    cs.start().expect("start");
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let spin = cs.spin_mut();
        for s in spin.iter_mut() {
            *s = input.get(at).copied().unwrap_or(0.0);
            at += 1;
        }
        if cs.perform_ksmps() != Perform::Running {
            break;
        }
        out.extend_from_slice(cs.spout());
    }
    out
}

/// Renders a CSD with the `csound` command line to raw 64-bit floats and reads them back.
pub fn render_cli(csd: &Path, input_wav: Option<&Path>, dir: &Path) -> Vec<f64> {
    let out = dir.join(format!(
        "{}.raw",
        csd.file_stem().and_then(|s| s.to_str()).unwrap_or("out")
    ));
    let mut cmd = Command::new("csound");
    cmd.arg("-d")
        .arg("-m0")
        .arg(csd)
        .arg("-o")
        .arg(&out)
        .arg("-h")
        .arg("--format=double");
    if let Some(wav) = input_wav {
        cmd.arg("-i").arg(wav);
    }
    let result = cmd.output().expect("the csound command line is installed");
    assert!(
        result.status.success(),
        "csound failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    let bytes = std::fs::read(&out).expect("csound wrote its output");
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect()
}

/// Writes interleaved samples as a 32-bit float WAV (what the oracle reads as input).
pub fn write_wav_f32(path: &Path, samples: &[f32], channels: u16, sr: u32) {
    let data_len = (samples.len() * 4) as u32;
    let mut b = Vec::with_capacity(44 + samples.len() * 4);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&3u16.to_le_bytes()); // IEEE float
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&sr.to_le_bytes());
    b.extend_from_slice(&(sr * channels as u32 * 4).to_le_bytes());
    b.extend_from_slice(&(channels * 4).to_le_bytes());
    b.extend_from_slice(&32u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        b.extend_from_slice(&s.to_le_bytes());
    }
    std::fs::write(path, b).expect("write wav");
}

/// Largest absolute sample.
pub fn peak(samples: &[f64]) -> f64 {
    samples.iter().fold(0.0, |m, s| m.max(s.abs()))
}

/// One channel of interleaved audio.
pub fn channel(samples: &[f64], channels: usize, which: usize) -> Vec<f64> {
    samples
        .iter()
        .skip(which)
        .step_by(channels)
        .copied()
        .collect()
}

/// Frequency estimated from upward zero crossings.
pub fn frequency(mono: &[f64], sr: f64) -> f64 {
    let crossings: Vec<usize> = (1..mono.len())
        .filter(|&i| mono[i - 1] < 0.0 && mono[i] >= 0.0)
        .collect();
    assert!(crossings.len() > 2, "no periodic signal to measure");
    let span = (crossings[crossings.len() - 1] - crossings[0]) as f64;
    sr * (crossings.len() - 1) as f64 / span
}

/// Index of the first sample whose magnitude exceeds `threshold`.
pub fn onset(mono: &[f64], threshold: f64) -> Option<usize> {
    mono.iter().position(|s| s.abs() > threshold)
}

/// Fundamental frequency by autocorrelation (robust to rich, filtered waveforms), 40..2000 Hz.
pub fn pitch(mono: &[f64], sr: f64) -> f64 {
    let n = mono.len().min(8192);
    let x = &mono[..n];
    let (min_lag, max_lag) = ((sr / 2000.0) as usize, (sr / 40.0) as usize);
    let corr = |lag: usize| -> f64 { x[..n - lag].iter().zip(&x[lag..]).map(|(a, b)| a * b).sum() };
    let values: Vec<f64> = (0..=max_lag + 1)
        .map(|lag| if lag < min_lag { f64::MIN } else { corr(lag) })
        .collect();
    let best = values.iter().cloned().fold(f64::MIN, f64::max);
    // The first peak close to the best one: the fundamental, not a multiple of its period.
    let lag = (min_lag + 1..max_lag)
        .find(|&l| {
            values[l] >= 0.9 * best && values[l] >= values[l - 1] && values[l] >= values[l + 1]
        })
        .unwrap_or(min_lag);
    // Parabolic interpolation around the peak for sub-sample accuracy.
    let (a, b, c) = (values[lag - 1], values[lag], values[lag + 1]);
    let shift = 0.5 * (a - c) / (a - 2.0 * b + c);
    sr / (lag as f64 + if shift.is_finite() { shift } else { 0.0 })
}

/// Runs `blocks` blocks of 64 frames without notes.
pub fn run_silent(
    engine: &mut csound_plugin::engine::Engine,
    blocks: usize,
    transport: &csound_plugin::engine::transport::Transport,
) {
    for _ in 0..blocks {
        let (mut l, mut r) = (vec![0.0f32; 64], vec![0.0f32; 64]);
        engine.process(
            &mut [&mut l, &mut r],
            None,
            &mut std::iter::empty(),
            &|_| None,
            transport,
        );
    }
}
