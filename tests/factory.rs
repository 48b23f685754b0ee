//! The factory content built into the binaries: every orchestra and every preset renders through
//! the offline path (the plugins' engine) without NaN, clipping or silence, and every preset
//! fits its orchestra exactly.

use csound_plugin::offline::render::{self, AutomationPoint, Job};
use csound_plugin::orchestra::factory::{self, FactoryOrchestra};
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::Kind;
use csound_plugin::presets::Preset;
use std::collections::BTreeMap;

const SR: f64 = 48_000.0;

/// An effect's test input: plucked decaying tones, noise bursts (drum-like) and a held chord,
/// peaking near -12 dBFS; deterministic.
fn effect_input() -> [Vec<f32>; 2] {
    let n = (4.0 * SR) as usize;
    let mut seed = 0x2545_f491_u32;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as f32 / u32::MAX as f32 * 2.0 - 1.0
    };
    let mut left = vec![0.0f32; n];
    for (i, s) in left.iter_mut().enumerate() {
        let t = i as f32 / SR as f32;
        let beat = t % 0.5;
        let pluck = (2.0 * std::f32::consts::PI * 330.0 * t).sin() * (-beat * 8.0).exp();
        let hit = if (t % 1.0) < 0.05 {
            noise() * (-(t % 1.0) * 60.0).exp()
        } else {
            0.0
        };
        let chord = if t > 2.0 {
            [220.0f32, 277.2, 329.6]
                .iter()
                .map(|f| (2.0 * std::f32::consts::PI * f * t).sin())
                .sum::<f32>()
                / 3.0
        } else {
            0.0
        };
        *s = 0.25 * (0.6 * pluck + 0.5 * hit + 0.5 * chord);
    }
    let right = left.iter().rev().copied().collect();
    [left, right]
}

/// A job rendering `orchestra` alone for `frames` frames: no notes, input or automation.
fn job(orchestra: &FactoryOrchestra, frames: usize) -> Job<'static> {
    Job {
        csd: orchestra.text,
        origin: orchestra.file,
        kind: orchestra.kind,
        sample_rate: SR,
        block: 256,
        events: Vec::new(),
        automation: Vec::new(),
        input: None,
        frames,
        strings: BTreeMap::new(),
        csound: None,
        midi_out: None,
    }
}

/// Renders an orchestra with a preset's values (or its defaults) and checks the result.
fn check(orchestra: &FactoryOrchestra, preset: Option<&Preset>) {
    let name = format!(
        "{} / {}",
        orchestra.file,
        preset.map_or("defaults", |p| p.name.as_str())
    );
    let automation = preset.map_or_else(Vec::new, |p| {
        p.values
            .iter()
            .map(|(channel, &value)| AutomationPoint {
                frame: 0,
                channel: channel.clone(),
                value,
            })
            .collect()
    });
    let (events, input) = match orchestra.kind {
        Kind::Instrument => (render::demo_phrase(SR), None),
        Kind::Effect => (Vec::new(), Some(effect_input().to_vec())),
    };
    // Long reverbs need 6 s after the input to die away.
    let seconds = if orchestra.kind == Kind::Effect {
        10.0
    } else {
        7.0
    };
    let job = Job {
        events,
        automation,
        input,
        strings: preset.map(|p| p.strings.clone()).unwrap_or_default(),
        csound: None,
        midi_out: None,
        ..job(orchestra, (seconds * SR) as usize)
    };
    let rendered = render::render(&job, &TrustStore::default(), |_| {})
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(rendered.unknown_channels.is_empty(), "{name}");
    let all: Vec<f32> = rendered.channels[0]
        .iter()
        .chain(&rendered.channels[1])
        .copied()
        .collect();
    assert!(all.iter().all(|s| s.is_finite()), "{name}: NaN or inf");
    let peak = all.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!(peak < 0.99, "{name}: clips (peak {peak})");
    // Not silent: the loud part (the first 4 s, where the notes or the input are) has level.
    let loud = &rendered.channels[0][..(4.0 * SR) as usize];
    let rms = (loud.iter().map(|s| s * s).sum::<f32>() / loud.len() as f32).sqrt();
    let db = 20.0 * rms.log10();
    assert!(db > -40.0, "{name}: too quiet ({db:.1} dBFS RMS)");
    // The sound ends: no endless feedback, DC or denormal tail in the last 100 ms.
    let tail = &rendered.channels[0][rendered.channels[0].len() - (0.1 * SR) as usize..];
    let tail_peak = tail.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    assert!(
        tail_peak < 1e-3,
        "{name}: still sounding after the tail ({tail_peak})"
    );
}

#[test]
fn the_factory_set_is_complete() {
    let instruments = factory::orchestras(Kind::Instrument).count();
    let effects = factory::orchestras(Kind::Effect).count();
    assert!(instruments >= 6, "{instruments} instruments");
    assert!(effects >= 3, "{effects} effects");
    for orchestra in factory::ORCHESTRAS {
        assert!(
            orchestra.presets.len() >= 3,
            "{} has {} presets",
            orchestra.file,
            orchestra.presets.len()
        );
    }
}

#[test]
fn every_preset_parses_and_fits_its_orchestra_exactly() {
    for orchestra in factory::ORCHESTRAS {
        let specs = render::render(&job(orchestra, 256), &TrustStore::default(), |_| {})
            .unwrap()
            .params;
        for file in orchestra.presets {
            let preset = Preset::parse(file.text, file.file).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(preset.plugin, orchestra.kind, "{}", file.file);
            assert_eq!(preset.orchestra.name, orchestra.file, "{}", file.file);
            assert!(
                preset.made_for(orchestra.text),
                "{}: stale hash for {}",
                file.file,
                orchestra.file
            );
            // Every channel of the orchestra has a value, and nothing else.
            let applied = preset.apply_to(&specs, orchestra.text);
            assert_eq!(applied.report(), None, "{}", file.file);
        }
    }
}

#[test]
fn every_orchestra_and_preset_renders_clean() {
    for orchestra in factory::ORCHESTRAS {
        check(orchestra, None);
        for preset in orchestra.presets() {
            check(orchestra, Some(&preset));
        }
    }
}
