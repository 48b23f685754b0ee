//! Standard MIDI files, read into the engine's events at sample positions.

use crate::engine::events::MidiEvent;
use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};

/// The events of a MIDI file (all tracks merged) at frames of `sample_rate`, in time order,
/// following the file's tempo changes. Errors say what is wrong with the file.
pub fn read(bytes: &[u8], sample_rate: f64) -> Result<Vec<(u64, MidiEvent)>, String> {
    let smf = Smf::parse(bytes).map_err(|e| format!("not a readable standard MIDI file ({e})"))?;
    // (tick, kind) of every event, merged across tracks.
    let mut all: Vec<(u64, TrackEventKind)> = Vec::new();
    for track in &smf.tracks {
        let mut tick = 0u64;
        for event in track {
            tick += event.delta.as_int() as u64;
            all.push((tick, event.kind));
        }
    }
    all.sort_by_key(|(t, _)| *t);
    let seconds_per_tick_fixed = match smf.header.timing {
        Timing::Timecode(fps, sub) => Some(1.0 / (fps.as_f32() as f64 * sub as f64)),
        Timing::Metrical(_) => None,
    };
    let ticks_per_beat = match smf.header.timing {
        Timing::Metrical(t) => t.as_int().max(1) as f64,
        Timing::Timecode(..) => 1.0,
    };
    let mut seconds_per_beat = 0.5; // 120 BPM until a tempo event says otherwise
    let (mut last_tick, mut seconds) = (0u64, 0.0f64);
    let mut events = Vec::new();
    for (tick, kind) in all {
        let per_tick = seconds_per_tick_fixed.unwrap_or(seconds_per_beat / ticks_per_beat);
        seconds += (tick - last_tick) as f64 * per_tick;
        last_tick = tick;
        let frame = (seconds * sample_rate).round() as u64;
        match kind {
            TrackEventKind::Meta(MetaMessage::Tempo(t)) => {
                seconds_per_beat = t.as_int() as f64 / 1e6
            }
            TrackEventKind::Midi { channel, message } => {
                let channel = channel.as_int();
                let event = match message {
                    MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => MidiEvent::NoteOn {
                        at: 0,
                        channel,
                        key: key.as_int(),
                        velocity: vel.as_int() as f32 / 127.0,
                    },
                    MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                        MidiEvent::NoteOff {
                            at: 0,
                            channel,
                            key: key.as_int(),
                        }
                    }
                    MidiMessage::Controller { controller, value } => MidiEvent::ControlChange {
                        at: 0,
                        channel,
                        cc: controller.as_int(),
                        value: value.as_int() as f32 / 127.0,
                    },
                    MidiMessage::PitchBend { bend } => MidiEvent::PitchBend {
                        at: 0,
                        channel,
                        value: bend.0.as_int() as f32 / 16383.0,
                    },
                    MidiMessage::ChannelAftertouch { vel } => MidiEvent::ChannelPressure {
                        at: 0,
                        channel,
                        value: vel.as_int() as f32 / 127.0,
                    },
                    MidiMessage::Aftertouch { key, vel } => MidiEvent::PolyPressure {
                        at: 0,
                        channel,
                        key: key.as_int(),
                        value: vel.as_int() as f32 / 127.0,
                    },
                    MidiMessage::ProgramChange { .. } => continue,
                };
                events.push((frame, event));
            }
            _ => {}
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A type-0 file: 96 ticks per beat, tempo 100 BPM, C4 for one beat, then E4.
    fn file() -> Vec<u8> {
        let track: Vec<u8> = [
            &[0x00, 0xFF, 0x51, 0x03, 0x09, 0x27, 0xC0][..], // 600000 us per beat
            &[0x00, 0x90, 60, 100],
            &[0x60, 0x80, 60, 0],
            &[0x00, 0x90, 64, 0x7F],
            &[0x60, 0x90, 64, 0], // note-on with velocity 0 is a note-off
            &[0x00, 0xFF, 0x2F, 0x00],
        ]
        .concat();
        let mut bytes = b"MThd\0\0\0\x06\0\0\0\x01\0\x60MTrk".to_vec();
        bytes.extend_from_slice(&(track.len() as u32).to_be_bytes());
        bytes.extend_from_slice(&track);
        bytes
    }

    #[test]
    fn notes_land_on_frames_following_the_tempo() {
        let events = read(&file(), 48000.0).unwrap();
        let frames: Vec<u64> = events.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            frames,
            [0, 28800, 28800, 57600],
            "one beat at 100 BPM is 0.6 s"
        );
        assert!(matches!(events[0].1, MidiEvent::NoteOn { key: 60, .. }));
        assert!(matches!(events[1].1, MidiEvent::NoteOff { key: 60, .. }));
        assert!(matches!(events[3].1, MidiEvent::NoteOff { key: 64, .. }));
    }

    #[test]
    fn a_file_that_is_not_midi_is_an_error() {
        let e = read(b"RIFF....WAVE", 48000.0).unwrap_err();
        assert!(e.contains("MIDI"), "{e}");
    }
}
