//! What the audio thread and the editor share: output peaks and the on-screen keyboard's notes,
//! through atomics and a lock-free queue.

use crate::engine::events::MidiEvent;
use atomic_float::AtomicF32;
use crossbeam_queue::ArrayQueue;
use std::sync::atomic::Ordering;

/// What the audio thread and the editor share.
pub struct Link {
    /// Peak level of each output channel since the editor last looked (linear).
    pub peaks: [AtomicF32; 2],
    /// Notes from the on-screen keyboard, played at the start of the next block.
    pub keys: ArrayQueue<MidiEvent>,
    /// The window is open: orchestras read it as `IS_EDITOR_OPEN`.
    pub open: std::sync::atomic::AtomicBool,
    /// Asks the window to redraw (an atomic flag it polls): the window redraws when something
    /// moves, not on a timer.
    pub repaint: nice_plug_egui::RepaintNotifier,
    /// The keys held now, from the host and the window (bit `k % 64` of word `k / 64`): a
    /// Cabbage keyboard lights them.
    pub held: [std::sync::atomic::AtomicU64; 2],
}

/// Output quieter than this (about -80 dBFS) does not move the meters.
pub const SILENT: f32 = 1e-4;

impl Default for Link {
    fn default() -> Self {
        Self {
            peaks: [AtomicF32::new(0.0), AtomicF32::new(0.0)],
            keys: ArrayQueue::new(256),
            open: std::sync::atomic::AtomicBool::new(false),
            repaint: nice_plug_egui::RepaintNotifier::new(),
            held: Default::default(),
        }
    }
}

impl Link {
    /// Notes a note event passing to the engine (audio thread: atomics only).
    pub fn saw(&self, event: &MidiEvent) {
        let (key, on) = match *event {
            MidiEvent::NoteOn { key, velocity, .. } => (key, velocity > 0.0),
            MidiEvent::NoteOff { key, .. } => (key, false),
            _ => return,
        };
        let (word, bit) = ((key as usize / 64) & 1, 1u64 << (key % 64));
        match on {
            true => self.held[word].fetch_or(bit, Ordering::Relaxed),
            false => self.held[word].fetch_and(!bit, Ordering::Relaxed),
        };
        self.repaint.request_repaint();
    }

    /// Whether a key is held now.
    pub fn is_held(&self, key: u8) -> bool {
        let (word, bit) = ((key as usize / 64) & 1, 1u64 << (key % 64));
        self.held[word].load(Ordering::Relaxed) & bit != 0
    }

    /// Records the block's output peaks, and asks for a redraw when there is sound (audio
    /// thread: atomics only).
    pub fn meter(&self, output: &[&mut [f32]]) {
        let mut loudest = 0.0f32;
        for (peak, channel) in self.peaks.iter().zip(output) {
            let max = channel.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            peak.fetch_max(max, Ordering::Relaxed);
            loudest = loudest.max(max);
        }
        if loudest > SILENT {
            self.repaint.request_repaint();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_keys_follow_the_notes_that_pass() {
        let link = Link::default();
        let on = |key| MidiEvent::NoteOn {
            at: 0,
            channel: 0,
            key,
            velocity: 0.5,
        };
        link.saw(&on(60));
        link.saw(&on(100));
        assert!(link.is_held(60) && link.is_held(100) && !link.is_held(61));
        link.saw(&MidiEvent::NoteOff {
            at: 0,
            channel: 0,
            key: 60,
        });
        assert!(!link.is_held(60) && link.is_held(100));
    }
}
