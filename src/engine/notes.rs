//! Where MIDI becomes a score event: a note-on becomes a tagged, held `i` event starting at its
//! exact frame, and its note-off releases exactly that note.
//!
//! p-field convention of a note event: `p1` = instrument + tag / 10000 (a fixed-width fractional
//! tag unique among held notes), `p2` = onset, `p3` = -1 (held until note-off), `p4` = MIDI key
//! (or Hz), `p5` = velocity 0..1 (or 0..127), `p6` = MIDI channel 1..16, `p7` onward what the
//! `<CsPlugin>` section gives them.

use crate::orchestra::declarations::{
    NoteLength, PFields, Pitch, Velocity, FIRST_EXTRA, MAX_PFIELD,
};

/// Tags run 1..=9999: four digits after the instrument number's point.
const TAGS: usize = 9999;

/// The score time and extra duration that make a note start exactly `offset` frames into the
/// next k-period under Csound 6.18's `--sample-accurate`, which picks the k-period by rounding
/// but the in-block offset by truncation: without this, offsets of `ksmps/2` and more start one
/// k-period late. Half a sample is added against rounding down; past the middle one k-period is
/// taken off the onset (and given back to a finite duration).
pub fn onset(offset: usize, ksmps: usize, sr: f64) -> (f64, f64) {
    let frames = offset as f64 + 0.5;
    if frames >= ksmps as f64 / 2.0 {
        let k = ksmps as f64 / sr;
        (frames / sr - k, k)
    } else {
        (frames / sr, 0.0)
    }
}

/// A note's start event: its p-fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteStart {
    fields: [f64; MAX_PFIELD as usize],
    len: usize,
}

impl std::ops::Deref for NoteStart {
    type Target = [f64];
    fn deref(&self) -> &[f64] {
        &self.fields[..self.len]
    }
}

/// Turns note-ons and note-offs into score events, remembering which tag each held key got.
pub struct NoteMapper {
    instrument: f64,
    pitch: Pitch,
    velocity: Velocity,
    fields: PFields,
    /// Csound's full scale, for velocities as amplitudes.
    zero_dbfs: f64,
    /// The p3 of a note: -1 (held), or a fixed length in seconds.
    length: f64,
    /// The p1 of the note each (channel, key) holds, or 0.
    held: [[f64; 128]; 16],
    /// Which tags are held now (index = tag - 1).
    in_use: Box<[bool; TAGS]>,
    /// Where the search for a free tag starts: tags are handed out round-robin so a released
    /// tag is not reused at once (its release segment may still be playing).
    next: usize,
}

impl NoteMapper {
    /// A mapper for notes of `instrument`; `length` is resolved ([`NoteLength::Auto`] plays as
    /// held).
    pub fn new(instrument: f64, pitch: Pitch, velocity: Velocity, length: NoteLength) -> Self {
        Self {
            instrument,
            pitch,
            velocity,
            fields: PFields::default(),
            zero_dbfs: 1.0,
            length: match length {
                NoteLength::Fixed(seconds) => seconds,
                NoteLength::Auto | NoteLength::Held => -1.0,
            },
            held: [[0.0; 128]; 16],
            in_use: Box::new([false; TAGS]),
            next: 0,
        }
    }

    /// Puts pitch and velocity in these p-fields; velocities as amplitudes use this full scale.
    pub fn with_fields(mut self, fields: PFields, zero_dbfs: f64) -> Self {
        let valid = |f: u8| (4..=MAX_PFIELD).contains(&f);
        if valid(fields.pitch) && valid(fields.velocity) && fields.pitch != fields.velocity {
            self.fields = fields;
        }
        self.zero_dbfs = zero_dbfs;
        self
    }

    /// The p-fields of a note-on `offset` frames into the next k-period. A key already held on
    /// the channel is released first (returned too). `None` only if no tag were free, which
    /// cannot happen: at most 16 x 128 = 2048 notes are held, and there are 9999 tags.
    pub fn note_on(
        &mut self,
        channel: u8,
        key: u8,
        velocity: f32,
        offset: usize,
        ksmps: usize,
        sr: f64,
    ) -> (Option<[f64; 3]>, Option<NoteStart>) {
        let retrigger = self.note_off(channel, key);
        let Some(tag) = (0..TAGS)
            .map(|i| (self.next + i) % TAGS)
            .find(|&t| !self.in_use[t])
        else {
            return (retrigger, None);
        };
        self.in_use[tag] = true;
        self.next = (tag + 1) % TAGS;
        let p1 = self.instrument + (tag + 1) as f64 / 10_000.0;
        self.held[channel as usize & 15][key as usize & 127] = p1;
        let (p2, extra) = onset(offset, ksmps, sr);
        let p3 = if self.length > 0.0 {
            self.length + extra
        } else {
            -1.0
        };
        let p4 = match self.pitch {
            Pitch::Key => key as f64,
            Pitch::Cps => 440.0 * 2f64.powf((key as f64 - 69.0) / 12.0),
        };
        let p5 = match self.velocity {
            Velocity::Unit => velocity as f64,
            Velocity::Midi => (velocity as f64 * 127.0).round(),
            Velocity::Amp => velocity as f64 * self.zero_dbfs,
        };
        let mut fields = [0.0; MAX_PFIELD as usize];
        fields[..3].copy_from_slice(&[p1, p2, p3]);
        let (pitch, vel) = (self.fields.pitch as usize, self.fields.velocity as usize);
        fields[pitch - 1] = p4;
        fields[vel - 1] = p5;
        if pitch != 6 && vel != 6 {
            fields[5] = (channel & 15) as f64 + 1.0;
        }
        let mut len = pitch.max(vel).max(6);
        for (i, extra) in self.fields.extra.iter().enumerate() {
            let at = FIRST_EXTRA as usize + i;
            if let Some(value) = extra.filter(|_| at != pitch && at != vel) {
                fields[at - 1] = value.value(channel, key, velocity);
                len = len.max(at);
            }
        }
        (retrigger, Some(NoteStart { fields, len }))
    }

    /// The p-fields releasing the note held on (channel, key), if any: a negative p1 lets the
    /// instrument's release segment play.
    pub fn note_off(&mut self, channel: u8, key: u8) -> Option<[f64; 3]> {
        let slot = &mut self.held[channel as usize & 15][key as usize & 127];
        if *slot == 0.0 {
            return None;
        }
        let p1 = std::mem::take(slot);
        let tag = ((p1 - self.instrument) * 10_000.0).round() as usize;
        if (1..=TAGS).contains(&tag) {
            self.in_use[tag - 1] = false;
        }
        // A note of fixed length ends by itself: nothing to release.
        (self.length < 0.0).then_some([-p1, 0.0, 0.0])
    }

    /// Releases every held note (e.g. on a reset); calls `release` with each event.
    pub fn release_all(&mut self, mut release: impl FnMut([f64; 3])) {
        for channel in 0..16u8 {
            for key in 0..128u8 {
                if let Some(p) = self.note_off(channel, key) {
                    release(p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onsets_before_the_middle_are_rounded_up_by_half_a_sample() {
        let (p2, extra) = onset(10, 64, 48000.0);
        assert_eq!((p2, extra), (10.5 / 48000.0, 0.0));
        let (p2, extra) = onset(40, 64, 48000.0);
        assert!((p2 - (40.5 - 64.0) / 48000.0).abs() < 1e-15);
        assert_eq!(extra, 64.0 / 48000.0);
    }

    #[test]
    fn each_held_note_gets_its_own_fixed_width_tag_and_its_release() {
        let mut m = NoteMapper::new(2.0, Pitch::Key, Velocity::Unit, NoteLength::Held);
        let (_, a) = m.note_on(0, 60, 0.5, 0, 32, 48000.0);
        let (_, b) = m.note_on(0, 64, 1.0, 0, 32, 48000.0);
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a[0], 2.0001);
        assert_eq!(b[0], 2.0002);
        assert_eq!((a[2], a[3], a[4], a[5]), (-1.0, 60.0, 0.5, 1.0));
        assert_eq!(m.note_off(0, 64), Some([-2.0002, 0.0, 0.0]));
        assert_eq!(m.note_off(0, 64), None, "released twice");
        assert_eq!(m.note_off(1, 60), None, "another channel's key");
        // The same key again while held: the old note is released first.
        let (retrigger, c) = m.note_on(0, 60, 0.7, 0, 32, 48000.0);
        assert_eq!(retrigger, Some([-2.0001, 0.0, 0.0]));
        assert_ne!(
            c.unwrap()[0],
            2.0001,
            "a just-released tag is not reused at once"
        );
    }

    #[test]
    fn every_key_of_every_channel_can_be_held_at_once_with_distinct_tags() {
        let mut m = NoteMapper::new(1.0, Pitch::Cps, Velocity::Midi, NoteLength::Auto);
        let mut tags = std::collections::BTreeSet::new();
        for ch in 0..16u8 {
            for key in 0..128u8 {
                let (release, p) = m.note_on(ch, key, 1.0, 0, 32, 48000.0);
                assert!(release.is_none());
                let p = p.expect("a free tag");
                assert!(p[0] > 1.0 && p[0] < 2.0);
                assert!(tags.insert(p[0].to_bits()), "tag {} handed out twice", p[0]);
            }
        }
        let (_, again) = m.note_on(15, 127, 1.0, 0, 32, 48000.0);
        let again = again.expect("a retriggered key gets a tag");
        assert_eq!(again[4], 127.0);
        assert!((again[3] - 12543.85).abs() < 0.01, "key 127 in Hz");
    }

    #[test]
    fn notes_of_fixed_length_end_by_themselves() {
        let mut m = NoteMapper::new(1.0, Pitch::Key, Velocity::Unit, NoteLength::Fixed(2.0));
        let (_, on) = m.note_on(0, 60, 1.0, 40, 64, 48000.0);
        let on = on.unwrap();
        let (_, extra) = onset(40, 64, 48000.0);
        assert_eq!(
            on[2],
            2.0 + extra,
            "p3 is the length (and the onset's correction)"
        );
        assert_eq!(m.note_off(0, 60), None, "no release event");
        let (_, again) = m.note_on(0, 60, 1.0, 0, 64, 48000.0);
        assert_ne!(again.unwrap()[0], on[0], "a new tag");
    }
}
