//! The host's transport, written into the control channels Csound plugin users already know
//! (the names Cabbage uses), once per k-period: positions advance within a host block.

use crate::csound::{ControlChannel, Csound, Result};
use crate::orchestra::reserved::TRANSPORT as NAMES;

/// The transport as the host reported it for the first frame of a block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transport {
    pub tempo: f64,
    pub playing: bool,
    pub recording: bool,
    pub pos_samples: i64,
    pub pos_beats: f64,
    pub sig_num: i32,
    pub sig_denom: i32,
    /// The plugin's window is open (not the host's transport; travels with it).
    pub editor_open: bool,
}

impl Default for Transport {
    fn default() -> Self {
        Self {
            tempo: 120.0,
            playing: false,
            recording: false,
            pos_samples: 0,
            pos_beats: 0.0,
            sig_num: 4,
            sig_denom: 4,
            editor_open: false,
        }
    }
}

impl Transport {
    /// The channel values `frames` frames after the block's first frame: while playing, time
    /// moves on with the frames and beats with the tempo.
    pub fn values(&self, frames: usize, sr: f64) -> [f64; 9] {
        let moved = if self.playing { frames as f64 } else { 0.0 };
        let samples = self.pos_samples as f64 + moved;
        [
            self.tempo,
            self.playing as u8 as f64,
            self.recording as u8 as f64,
            samples / sr,
            samples,
            self.sig_num as f64,
            self.sig_denom as f64,
            self.pos_beats + moved / sr * self.tempo / 60.0,
            self.editor_open as u8 as f64,
        ]
    }
}

/// Handles to the transport channels of one engine.
pub struct TransportChannels {
    channels: [ControlChannel; 9],
}

impl TransportChannels {
    pub fn resolve(csound: &mut Csound) -> Result<Self> {
        let mut channels = Vec::with_capacity(NAMES.len());
        for name in NAMES {
            channels.push(csound.control_channel(name)?);
        }
        let channels = channels
            .try_into()
            .unwrap_or_else(|_| unreachable!("one handle per name"));
        Ok(Self { channels })
    }

    /// Writes the transport as it stands `frames` into the block.
    pub fn write(&self, csound: &Csound, transport: &Transport, frames: usize, sr: f64) {
        for (channel, value) in self.channels.iter().zip(transport.values(frames, sr)) {
            let _ = csound.set_control(*channel, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_advance_while_playing_and_hold_while_stopped() {
        let t = Transport {
            tempo: 90.0,
            playing: true,
            pos_samples: 48000,
            pos_beats: 1.5,
            ..Transport::default()
        };
        let v = t.values(24000, 48000.0);
        assert_eq!(v[4], 72000.0);
        assert_eq!(v[3], 1.5);
        assert!(
            (v[7] - (1.5 + 0.75)).abs() < 1e-12,
            "half a second at 90 BPM is 0.75 beats"
        );
        let stopped = Transport {
            playing: false,
            ..t
        };
        assert_eq!(stopped.values(24000, 48000.0)[4], 48000.0);
        assert_eq!(stopped.values(0, 48000.0)[1], 0.0);
    }
}
