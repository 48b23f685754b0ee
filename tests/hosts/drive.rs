//! Driving the built bundles as a DAW would: open an instance of either plugin in either format,
//! point it at an orchestra through its saved state, and run blocks with events.

use super::{Event, Setup, TestHost};
use std::path::PathBuf;

pub const INSTRUMENT_CLAP: &str = "net.csound-plugin.instrument";
pub const EFFECT_CLAP: &str = "net.csound-plugin.effect";
pub const INSTRUMENT_VST3: &str = "Csound Instrument";
pub const EFFECT_VST3: &str = "Csound Effect";

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Clap,
    Vst3,
}

pub const FORMATS: [Format; 2] = [Format::Clap, Format::Vst3];

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Which {
    Instrument,
    Effect,
}

pub fn bundle(format: Format) -> PathBuf {
    let path = super::bundled().join(match format {
        Format::Clap => "Csound Plugin.clap",
        Format::Vst3 => "Csound Plugin.vst3",
    });
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask bundle csound-plugin` first (scripts/test.sh does)",
        path.display()
    );
    path
}

pub fn open(format: Format, which: Which, sample_rate: f64, max_block: u32) -> Box<dyn TestHost> {
    open_wide(format, which, sample_rate, max_block, 2)
}

/// [`open`] on a track of `channels` channels (the effect takes as many in).
pub fn open_wide(
    format: Format,
    which: Which,
    sample_rate: f64,
    max_block: u32,
    channels: u32,
) -> Box<dyn TestHost> {
    let setup = Setup {
        sample_rate,
        max_block,
        inputs: if which == Which::Effect { channels } else { 0 },
        outputs: channels,
    };
    match (format, which) {
        (Format::Clap, Which::Instrument) => {
            super::clap::load(&bundle(format), INSTRUMENT_CLAP, &setup)
        }
        (Format::Clap, Which::Effect) => super::clap::load(&bundle(format), EFFECT_CLAP, &setup),
        (Format::Vst3, Which::Instrument) => {
            super::vst3::load(&bundle(format), INSTRUMENT_VST3, &setup)
        }
        (Format::Vst3, Which::Effect) => super::vst3::load(&bundle(format), EFFECT_VST3, &setup),
    }
}

/// The plugin's state as JSON, and its orchestra field as JSON.
pub fn state_json(host: &mut dyn TestHost) -> (serde_json::Value, serde_json::Value) {
    let state: serde_json::Value =
        serde_json::from_slice(&host.save_state()).expect("state is JSON");
    let orchestra = state["fields"]["orchestra"]
        .as_str()
        .map(|s| serde_json::from_str(s).expect("orchestra field is JSON"))
        .unwrap_or(serde_json::Value::Null);
    (state, orchestra)
}

/// Points the plugin at a CSD through its saved state: by text, or by path with no text.
pub fn load_orchestra(host: &mut dyn TestHost, text: Option<&str>, path: Option<&str>) {
    let (mut state, _) = state_json(host);
    let orchestra =
        serde_json::json!({ "path": path, "text": text, "bindings": {}, "error": null });
    state["fields"]["orchestra"] = serde_json::Value::String(orchestra.to_string());
    host.load_state(&serde_json::to_vec(&state).expect("json"));
}

/// Points the plugin at a CSD's text, to run on Csound `csound` ("6" or "7"), through its
/// saved state.
pub fn load_orchestra_on(host: &mut dyn TestHost, text: &str, csound: &str) {
    let (mut state, _) = state_json(host);
    let orchestra = serde_json::json!({
        "path": null, "text": text, "bindings": {}, "error": null, "csound": csound
    });
    state["fields"]["orchestra"] = serde_json::Value::String(orchestra.to_string());
    host.load_state(&serde_json::to_vec(&state).expect("json"));
}

/// Runs `frames` frames in blocks from `sizes` (cycled), with events at absolute frames.
pub fn run(
    host: &mut dyn TestHost,
    frames: usize,
    sizes: &[usize],
    events: &[(usize, Event)],
    input: Option<&[Vec<f32>]>,
) -> Vec<Vec<f32>> {
    let mut out: Vec<Vec<f32>> = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < frames {
        let n = sizes[i % sizes.len()].min(frames - at);
        i += 1;
        let block_events: Vec<Event> = events
            .iter()
            .filter(|(t, _)| *t >= at && *t < at + n)
            .map(|(t, e)| shift(e, (*t - at) as u32))
            .collect();
        let block_input: Vec<Vec<f32>> = input
            .map(|inp| inp.iter().map(|c| c[at..at + n].to_vec()).collect())
            .unwrap_or_default();
        let block = host.process(&block_input, n, &block_events, None);
        out.resize_with(block.len(), || Vec::with_capacity(frames));
        for (o, b) in out.iter_mut().zip(block) {
            o.extend_from_slice(&b);
        }
        at += n;
    }
    out
}

/// The same event at block offset `at`.
pub fn shift(event: &Event, at: u32) -> Event {
    match event.clone() {
        Event::NoteOn {
            channel,
            key,
            velocity,
            ..
        } => Event::NoteOn {
            at,
            channel,
            key,
            velocity,
        },
        Event::NoteOff { channel, key, .. } => Event::NoteOff { at, channel, key },
        Event::Midi { bytes, .. } => Event::Midi { at, bytes },
        Event::Param { id, value, .. } => Event::Param { at, id, value },
    }
}

pub fn note_on(key: u8) -> Event {
    Event::NoteOn {
        at: 0,
        channel: 0,
        key,
        velocity: 0.8,
    }
}

pub fn note_off(key: u8) -> Event {
    Event::NoteOff {
        at: 0,
        channel: 0,
        key,
    }
}

pub fn first_sound(samples: &[f32], from: usize) -> Option<usize> {
    samples[from..]
        .iter()
        .position(|s| s.abs() > 1e-6)
        .map(|i| i + from)
}

pub fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0, |m, s| m.max(s.abs()))
}

/// Deterministic pseudo-random block sizes in 1..=max.
pub fn random_sizes(seed: u32, count: usize, max: usize) -> Vec<usize> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as usize % max + 1
        })
        .collect()
}
