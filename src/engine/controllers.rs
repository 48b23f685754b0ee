//! Where MIDI controllers become Csound: named control channels, written from the audio thread
//! through handles resolved at load.
//!
//! Controller channels (all MIDI channels merged): `MIDI_PITCH_BEND` (-1..1), `MIDI_CC0` ..
//! `MIDI_CC127` (0..1; `MIDI_MOD_WHEEL` mirrors CC 1), `MIDI_CHANNEL_PRESSURE` (0..1),
//! `MIDI_POLY_PRESSURE0` .. `MIDI_POLY_PRESSURE127` (0..1, per key).

use crate::csound::{ControlChannel, Csound, Result};

/// Handles to the controller channels, resolved when the orchestra loads so the audio thread
/// never looks a name up.
pub struct MidiControls {
    pitch_bend: ControlChannel,
    mod_wheel: ControlChannel,
    channel_pressure: ControlChannel,
    cc: Vec<ControlChannel>,
    poly_pressure: Vec<ControlChannel>,
}

impl MidiControls {
    /// Creates (or finds) every controller channel of `csound`.
    pub fn resolve(csound: &mut Csound) -> Result<Self> {
        Ok(Self {
            pitch_bend: csound.control_channel("MIDI_PITCH_BEND")?,
            mod_wheel: csound.control_channel("MIDI_MOD_WHEEL")?,
            channel_pressure: csound.control_channel("MIDI_CHANNEL_PRESSURE")?,
            cc: (0..128)
                .map(|n| csound.control_channel(&format!("MIDI_CC{n}")))
                .collect::<Result<_>>()?,
            poly_pressure: (0..128)
                .map(|n| csound.control_channel(&format!("MIDI_POLY_PRESSURE{n}")))
                .collect::<Result<_>>()?,
        })
    }

    /// Pitch bend, 0..1 with 0.5 centred, as -1..1.
    pub fn pitch_bend(&self, csound: &Csound, value: f32) {
        let _ = csound.set_control(self.pitch_bend, value as f64 * 2.0 - 1.0);
    }

    pub fn control_change(&self, csound: &Csound, cc: u8, value: f32) {
        if let Some(&channel) = self.cc.get(cc as usize) {
            let _ = csound.set_control(channel, value as f64);
        }
        if cc == 1 {
            let _ = csound.set_control(self.mod_wheel, value as f64);
        }
    }

    pub fn channel_pressure(&self, csound: &Csound, value: f32) {
        let _ = csound.set_control(self.channel_pressure, value as f64);
    }

    pub fn poly_pressure(&self, csound: &Csound, key: u8, value: f32) {
        if let Some(&channel) = self.poly_pressure.get(key as usize) {
            let _ = csound.set_control(channel, value as f64);
        }
    }
}
