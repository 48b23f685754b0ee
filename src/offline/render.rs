//! Offline rendering: the plugins' own engine, parameter and MIDI code, driven from a timeline
//! instead of a DAW. Used by the `csound-plugin render` command and the benchmarks.

use crate::csound::{Result, Version};
use crate::engine::events::MidiEvent;
use crate::engine::transport::Transport;
use crate::engine::{Engine, MAX_CHANNELS};
use crate::orchestra::declarations::ParamSpec;
use crate::orchestra::source::{Kind, Source};
use crate::orchestra::trust::TrustStore;
use crate::params::state::OrchestraState;
use crate::params::SLOTS;

/// A point of automation: at `frame`, set `channel` to `value` (in the channel's own units).
#[derive(Debug, Clone, PartialEq)]
pub struct AutomationPoint {
    pub frame: u64,
    pub channel: String,
    pub value: f64,
}

/// What to render.
pub struct Job<'a> {
    pub csd: &'a str,
    /// Names the CSD in error messages.
    pub origin: &'a str,
    pub kind: Kind,
    pub sample_rate: f64,
    /// Host block size in frames (the engine sees blocks of this size, split at automation
    /// points as a plugin host with sample-accurate automation does).
    pub block: usize,
    /// MIDI events at absolute frames, in time order (their `at` is ignored).
    pub events: Vec<(u64, MidiEvent)>,
    /// Automation points, in time order.
    pub automation: Vec<AutomationPoint>,
    /// The effect's input, one `Vec` per channel (ignored by the instrument). A mono orchestra
    /// hears the mean of the first two, as in the plugins.
    pub input: Option<Vec<Vec<f32>>>,
    /// Frames of output wanted (the render runs `latency` frames longer and drops them).
    pub frames: usize,
    /// String channel values (from a preset), written when the orchestra loads.
    pub strings: std::collections::BTreeMap<String, String>,
    /// The Csound to run on; `None`: the one the orchestra needs.
    pub csound: Option<Version>,
    /// Csound writes what the orchestra's MIDI output opcodes send to this standard MIDI file.
    pub midi_out: Option<std::path::PathBuf>,
}

/// A finished render.
pub struct Rendered {
    /// One `Vec` per channel: the orchestra's `nchnls` (up to
    /// [`MAX_CHANNELS`](crate::engine::MAX_CHANNELS)).
    pub channels: Vec<Vec<f32>>,
    pub params: Vec<ParamSpec>,
    /// The latency that was compensated, in frames.
    pub latency: usize,
    /// Automation points for channels the orchestra does not declare.
    pub unknown_channels: Vec<String>,
}

/// Renders a job; `progress` is called after every block with the fraction done. The orchestra
/// passes the sharing gate with `trust` (see [`Engine::load`]).
pub fn render(job: &Job, trust: &TrustStore, mut progress: impl FnMut(f64)) -> Result<Rendered> {
    let mut state = OrchestraState {
        strings: job.strings.clone(),
        csound: job.csound.map(|v| v.key().to_string()),
        ..OrchestraState::default()
    };
    let source = Source::text(job.csd, job.origin);
    let setup = crate::engine::Setup {
        csound: crate::engine::csound_for(state.chosen_csound()).0,
        midi_out: job.midi_out.clone(),
        ..crate::engine::Setup::plugin(job.sample_rate)
    };
    let (mut engine, loaded) =
        Engine::load_bound_with(&source, &setup, job.kind, trust, &mut state)?;
    engine.set_host_buffer_size(job.block)?;
    let slots = &loaded.slots;
    let slot_of = |channel: &str| {
        loaded
            .params
            .iter()
            .zip(slots)
            .find(|(p, _)| p.channel == channel)
            .and_then(|(p, s)| s.map(|s| (s, p.clone())))
    };
    let mut unknown_channels: Vec<String> = job
        .automation
        .iter()
        .filter(|p| slot_of(&p.channel).is_none())
        .map(|p| p.channel.clone())
        .collect();
    unknown_channels.dedup();

    let latency = engine.latency();
    let total = job.frames + latency;
    let width = engine.orchestra_channels().0.clamp(1, MAX_CHANNELS);
    let mut out = vec![Vec::with_capacity(total); width];
    let mut values: Vec<Option<f32>> = vec![None; SLOTS];
    let (mut next_event, mut next_point) = (0, 0);
    let mut buffers = vec![vec![0.0f32; job.block]; width];
    // The effect's input as the plugin would get it on a track of this width.
    let input_at = |ch: usize, frame: usize| -> f32 {
        let Some(input) = job.input.as_ref().filter(|_| job.kind == Kind::Effect) else {
            return 0.0;
        };
        let sample = |c: usize| input.get(c).and_then(|c| c.get(frame)).copied();
        match (width, sample(1)) {
            (1, Some(right)) => (sample(0).unwrap_or(0.0) + right) * 0.5,
            _ => sample(ch).unwrap_or(0.0),
        }
    };
    let mut at = 0usize;
    while at < total {
        // Apply automation due now, then cut the block at the next point.
        while let Some(p) = job
            .automation
            .get(next_point)
            .filter(|p| p.frame as usize <= at)
        {
            if let Some((slot, spec)) = slot_of(&p.channel) {
                values[slot] = Some(spec.normalized(p.value) as f32);
            }
            next_point += 1;
        }
        let mut n = job.block.min(total - at);
        if let Some(p) = job.automation.get(next_point) {
            n = n.min(p.frame as usize - at);
        }
        for (ch, buf) in buffers.iter_mut().enumerate() {
            for (i, s) in buf[..n].iter_mut().enumerate() {
                *s = input_at(ch, at + i);
            }
        }
        let first = next_event;
        while job
            .events
            .get(next_event)
            .is_some_and(|(f, _)| (*f as usize) < at + n)
        {
            next_event += 1;
        }
        let mut events = job.events[first..next_event]
            .iter()
            .map(|(f, e)| e.at_frame((*f as usize - at) as u32));
        let transport = Transport {
            playing: true,
            pos_samples: at as i64,
            pos_beats: at as f64 / job.sample_rate * 2.0,
            ..Transport::default()
        };
        let mut io: Vec<&mut [f32]> = buffers.iter_mut().map(|b| &mut b[..n]).collect();
        engine.process(&mut io, None, &mut events, &|slot| values[slot], &transport);
        for (o, b) in out.iter_mut().zip(&buffers) {
            o.extend_from_slice(&b[..n]);
        }
        at += n;
        progress(at as f64 / total as f64);
    }
    for channel in &mut out {
        channel.drain(..latency.min(channel.len()));
    }
    // Closes what Csound writes itself (the MIDI output file).
    engine.finish();
    Ok(Rendered {
        channels: out,
        params: loaded.params,
        latency,
        unknown_channels,
    })
}

/// Note-on and note-off events for notes given as (start s, length s, key, velocity 0..1),
/// at frames of `sample_rate`, in time order.
pub fn note_events(notes: &[(f64, f64, u8, f32)], sample_rate: f64) -> Vec<(u64, MidiEvent)> {
    let frame = |seconds: f64| (seconds * sample_rate) as u64;
    let mut events: Vec<(u64, MidiEvent)> = notes
        .iter()
        .flat_map(|&(start, length, key, velocity)| {
            let (at, channel) = (0, 0);
            [
                (
                    frame(start),
                    MidiEvent::NoteOn {
                        at,
                        channel,
                        key,
                        velocity,
                    },
                ),
                (
                    frame(start + length),
                    MidiEvent::NoteOff { at, channel, key },
                ),
            ]
        })
        .collect();
    events.sort_by_key(|(f, _)| *f);
    events
}

/// A short phrase to hear an instrument by: an arpeggio, a chord, a bass note (4 s at 120 BPM).
pub fn demo_phrase(sample_rate: f64) -> Vec<(u64, MidiEvent)> {
    let notes: [(f64, f64, u8, f32); 9] = [
        (0.0, 0.45, 60, 0.8),
        (0.5, 0.45, 64, 0.7),
        (1.0, 0.45, 67, 0.75),
        (1.5, 0.45, 72, 0.8),
        (2.0, 1.75, 60, 0.6),
        (2.0, 1.75, 64, 0.6),
        (2.0, 1.75, 67, 0.6),
        (2.0, 1.75, 71, 0.55),
        (2.0, 1.9, 48, 0.7),
    ];
    note_events(&notes, sample_rate)
}

/// Reads an automation file: one point a line, `<seconds> <channel> <value>`, in any order;
/// blank lines and `#` comments are skipped. Errors name the line.
///
/// ```text
/// # fade the filter in
/// 0.0  cutoff  200
/// 2.5  cutoff  8000
/// 2.5  resonance 0.6
/// ```
pub fn parse_automation(text: &str, sample_rate: f64) -> Result<Vec<AutomationPoint>, String> {
    let mut points = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = |why: &str| format!("line {}: {why}: `{line}`", n + 1);
        let words: Vec<&str> = line.split_whitespace().collect();
        let [time, channel, value] = words[..] else {
            return Err(bad("expected `<seconds> <channel> <value>`"));
        };
        let time: f64 = time
            .parse()
            .ok()
            .filter(|t: &f64| t.is_finite() && *t >= 0.0)
            .ok_or_else(|| bad("the time is not a number of seconds"))?;
        let value: f64 = value
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| bad("the value is not a number"))?;
        points.push(AutomationPoint {
            frame: (time * sample_rate).round() as u64,
            channel: channel.to_string(),
            value,
        });
    }
    points.sort_by_key(|p| p.frame);
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automation_files_parse_sort_and_name_bad_lines() {
        let points =
            parse_automation("# c\n1.0 cutoff 800\n\n0.5 res 0.2 # why\n", 1000.0).unwrap();
        assert_eq!(
            points
                .iter()
                .map(|p| (p.frame, p.channel.as_str(), p.value))
                .collect::<Vec<_>>(),
            [(500, "res", 0.2), (1000, "cutoff", 800.0)]
        );
        assert!(parse_automation("1 cutoff", 48000.0)
            .unwrap_err()
            .contains("line 1"));
        assert!(parse_automation("\n-1 cutoff 3", 48000.0)
            .unwrap_err()
            .contains("line 2"));
        assert!(parse_automation("x cutoff 3", 48000.0).is_err());
    }
}
