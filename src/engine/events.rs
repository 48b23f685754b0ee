//! What the host sends inside a block, in the engine's terms: notes and controllers at a frame
//! of the block, from nice-plug's note events or from MIDI files.

use nice_plug::midi::{Channel, Key, NoteEvent};

/// An event inside a block, at frame `at` of that block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MidiEvent {
    NoteOn {
        at: u32,
        channel: u8,
        key: u8,
        velocity: f32,
    },
    NoteOff {
        at: u32,
        channel: u8,
        key: u8,
    },
    /// 0..1, 0.5 = centre.
    PitchBend {
        at: u32,
        channel: u8,
        value: f32,
    },
    ControlChange {
        at: u32,
        channel: u8,
        cc: u8,
        value: f32,
    },
    ChannelPressure {
        at: u32,
        channel: u8,
        value: f32,
    },
    PolyPressure {
        at: u32,
        channel: u8,
        key: u8,
        value: f32,
    },
}

impl MidiEvent {
    pub fn at(&self) -> u32 {
        match *self {
            MidiEvent::NoteOn { at, .. }
            | MidiEvent::NoteOff { at, .. }
            | MidiEvent::PitchBend { at, .. }
            | MidiEvent::ControlChange { at, .. }
            | MidiEvent::ChannelPressure { at, .. }
            | MidiEvent::PolyPressure { at, .. } => at,
        }
    }

    /// The same event at another frame of its block.
    pub fn at_frame(&self, frame: u32) -> Self {
        let mut e = *self;
        match &mut e {
            MidiEvent::NoteOn { at, .. }
            | MidiEvent::NoteOff { at, .. }
            | MidiEvent::PitchBend { at, .. }
            | MidiEvent::ControlChange { at, .. }
            | MidiEvent::ChannelPressure { at, .. }
            | MidiEvent::PolyPressure { at, .. } => *at = frame,
        }
        e
    }

    /// The event as MIDI 1.0 bytes, for Csound's own MIDI system.
    pub fn midi_bytes(&self) -> [u8; 3] {
        let seven = |v: f32| (v.clamp(0.0, 1.0) * 127.0).round() as u8;
        match *self {
            MidiEvent::NoteOn {
                channel,
                key,
                velocity,
                ..
            } => [0x90 | (channel & 15), key & 127, seven(velocity).max(1)],
            MidiEvent::NoteOff { channel, key, .. } => [0x80 | (channel & 15), key & 127, 0],
            MidiEvent::PitchBend { channel, value, .. } => {
                let v = (value.clamp(0.0, 1.0) * 16383.0).round() as u16;
                [0xE0 | (channel & 15), (v & 127) as u8, (v >> 7) as u8]
            }
            MidiEvent::ControlChange {
                channel, cc, value, ..
            } => [0xB0 | (channel & 15), cc & 127, seven(value)],
            MidiEvent::ChannelPressure { channel, value, .. } => {
                [0xD0 | (channel & 15), seven(value), 0]
            }
            MidiEvent::PolyPressure {
                channel,
                key,
                value,
                ..
            } => [0xA0 | (channel & 15), key & 127, seven(value)],
        }
    }
}

impl MidiEvent {
    /// Converts what nice-plug delivers; `None` for events the engine does not use.
    pub fn from_note_event<S>(event: NoteEvent<S>) -> Option<Self> {
        let key_of = |key: Key| match key {
            Key::Number(k) => Some(k),
            Key::Wildcard => None,
        };
        let channel_of = |channel: Channel| match channel {
            Channel::Number(c) => c,
            Channel::Wildcard => 0,
        };
        Some(match event {
            NoteEvent::NoteOn {
                timing,
                channel,
                key,
                velocity,
                ..
            } => MidiEvent::NoteOn {
                at: timing,
                channel: channel_of(channel),
                key: key_of(key)?,
                velocity,
            },
            NoteEvent::NoteOff {
                timing,
                channel,
                key,
                ..
            } => MidiEvent::NoteOff {
                at: timing,
                channel: channel_of(channel),
                key: key_of(key)?,
            },
            NoteEvent::MidiPitchBend {
                timing,
                channel,
                value,
            } => MidiEvent::PitchBend {
                at: timing,
                channel,
                value,
            },
            NoteEvent::MidiCC {
                timing,
                channel,
                cc,
                value,
            } => MidiEvent::ControlChange {
                at: timing,
                channel,
                cc,
                value,
            },
            NoteEvent::MidiChannelPressure {
                timing,
                channel,
                pressure,
            } => MidiEvent::ChannelPressure {
                at: timing,
                channel,
                value: pressure,
            },
            NoteEvent::PolyPressure {
                timing,
                channel,
                key,
                pressure,
                ..
            } => MidiEvent::PolyPressure {
                at: timing,
                channel: channel_of(channel),
                key: key_of(key)?,
                value: pressure,
            },
            _ => return None,
        })
    }
}

/// The velocity of every note held now, per MIDI channel and key (0: not held): what a
/// recompiled orchestra takes over, so the chord the musician holds keeps sounding.
#[derive(Clone)]
pub struct HeldNotes(Box<[[f32; 128]; 16]>);

impl Default for HeldNotes {
    fn default() -> Self {
        HeldNotes(Box::new([[0.0; 128]; 16]))
    }
}

impl HeldNotes {
    /// Follows a note-on or note-off (other events change nothing).
    pub fn track(&mut self, event: &MidiEvent) {
        match *event {
            MidiEvent::NoteOn {
                channel,
                key,
                velocity,
                ..
            } => self.0[channel as usize & 15][key as usize & 127] = velocity.max(f32::EPSILON),
            MidiEvent::NoteOff { channel, key, .. } => {
                self.0[channel as usize & 15][key as usize & 127] = 0.0
            }
            _ => {}
        }
    }

    /// Becomes a copy of `other` (in place: no allocation, fit for the audio thread).
    pub fn copy_from(&mut self, other: &HeldNotes) {
        *self.0 = *other.0;
    }

    /// Forgets every note.
    pub fn clear(&mut self) {
        self.0.iter_mut().for_each(|c| c.fill(0.0));
    }

    /// A note-on at frame 0 for every held note.
    pub fn note_ons(&self) -> impl Iterator<Item = MidiEvent> + '_ {
        self.0.iter().enumerate().flat_map(|(channel, keys)| {
            keys.iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .map(move |(key, &velocity)| MidiEvent::NoteOn {
                    at: 0,
                    channel: channel as u8,
                    key: key as u8,
                    velocity,
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midi_bytes_follow_the_midi_1_format() {
        let on = MidiEvent::NoteOn {
            at: 0,
            channel: 2,
            key: 60,
            velocity: 1.0,
        };
        assert_eq!(on.midi_bytes(), [0x92, 60, 127]);
        let bend = MidiEvent::PitchBend {
            at: 0,
            channel: 0,
            value: 0.5,
        };
        assert_eq!(bend.midi_bytes(), [0xE0, 0x00, 0x40]);
        let cc = MidiEvent::ControlChange {
            at: 0,
            channel: 15,
            cc: 1,
            value: 0.0,
        };
        assert_eq!(cc.midi_bytes(), [0xBF, 1, 0]);
    }
}
