//! The real-time engine driven directly (no plugin host): the grid of k-periods, latency and
//! sample-accurate events, at many block sizes.

mod common;
use common::fixture;
use csound_plugin::engine::{Engine, Kind};
use csound_plugin::midi_map::MidiEvent;
use csound_plugin::transport::Transport;

fn engine(csd: &str, sr: f64, kind: Kind) -> Engine {
    let text = std::fs::read_to_string(fixture(csd)).unwrap();
    let (mut engine, loaded) = Engine::load(&text, csd, sr, kind).unwrap_or_else(|e| panic!("{e}"));
    let slots: Vec<Option<usize>> = (0..loaded.params.len()).map(Some).collect();
    engine.bind(&loaded.params, &slots).unwrap();
    engine
}

/// Processes `frames` frames in blocks of `sizes` (cycled), events at absolute frames.
fn render(
    engine: &mut Engine,
    frames: usize,
    sizes: &[usize],
    events: &[(usize, MidiEvent)],
) -> Vec<f32> {
    let mut left = Vec::with_capacity(frames);
    let (mut at, mut i) = (0, 0);
    while at < frames {
        let n = sizes[i % sizes.len()].min(frames - at);
        i += 1;
        let mut l = vec![0.0f32; n];
        let mut r = vec![0.0f32; n];
        let mut block_events =
            events
                .iter()
                .filter(|(t, _)| *t >= at && *t < at + n)
                .map(|(t, e)| {
                    let off = (*t - at) as u32;
                    match *e {
                        MidiEvent::NoteOn {
                            channel,
                            key,
                            velocity,
                            ..
                        } => MidiEvent::NoteOn {
                            at: off,
                            channel,
                            key,
                            velocity,
                        },
                        MidiEvent::NoteOff { channel, key, .. } => MidiEvent::NoteOff {
                            at: off,
                            channel,
                            key,
                        },
                        other => other,
                    }
                });
        engine.process(
            &mut [&mut l, &mut r],
            None,
            &mut block_events,
            &|_| None,
            &Transport::default(),
        );
        left.extend_from_slice(&l);
        at += n;
    }
    left
}

#[test]
fn every_onset_offset_is_heard_exactly_one_latency_later() {
    for sizes in [
        vec![1],
        vec![7],
        vec![64],
        vec![100],
        vec![256],
        vec![13, 500, 1, 64, 999, 32],
    ] {
        let mut e = engine("click.csd", 44100.0, Kind::Instrument);
        let latency = e.latency();
        // 2 * 32 + 1 notes: every phase inside the 32-frame k-period, twice over.
        let notes: Vec<usize> = (0..65).map(|n| 100 + n * 200 + n % 32).collect();
        let mut events = Vec::new();
        for &t in &notes {
            events.push((
                t,
                MidiEvent::NoteOn {
                    at: 0,
                    channel: 0,
                    key: 60,
                    velocity: 1.0,
                },
            ));
            events.push((
                t + 100,
                MidiEvent::NoteOff {
                    at: 0,
                    channel: 0,
                    key: 60,
                },
            ));
        }
        let out = render(&mut e, 100 + 66 * 200, &sizes, &events);
        for &t in &notes {
            let first = out[t - 60..]
                .iter()
                .position(|s| s.abs() > 1e-9)
                .map(|i| i + t - 60);
            assert_eq!(
                first,
                Some(t + latency),
                "blocks {sizes:?}: note at {t} (phase {})",
                t % 32
            );
        }
    }
}
