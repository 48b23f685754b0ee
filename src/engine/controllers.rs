//! Where MIDI controllers become Csound: named control channels, written from the audio thread
//! through handles resolved at load.
//!
//! Controller channels (all MIDI channels merged): `MIDI_PITCH_BEND` (-1..1), `MIDI_CC0` ..
//! `MIDI_CC127` (0..1; `MIDI_MOD_WHEEL` mirrors CC 1), `MIDI_CHANNEL_PRESSURE` (0..1),
//! `MIDI_POLY_PRESSURE0` .. `MIDI_POLY_PRESSURE127` (0..1, per key).

use crate::csound::{ControlChannel, Csound, Result};

/// VST3's number for channel pressure among controllers (CC numbers are 0..=127).
pub const VST3_CHANNEL_PRESSURE: u8 = 128;
/// VST3's number for pitch bend among controllers.
pub const VST3_PITCH_BEND: u8 = 129;
/// The per-note controller MPE sends on its member channels (timbre, "slide").
pub const MPE_TIMBRE: u8 = 74;

/// Whether a VST3 instance receives controller `cc` (0..=127, [`VST3_CHANNEL_PRESSURE`],
/// [`VST3_PITCH_BEND`]) on MIDI channel `channel` (0..=15).
///
/// VST3 has no MIDI controller input: a host maps each (channel, controller) to a hidden
/// parameter, and all 16 x 130 make 2,080 parameters that some hosts take tens of seconds to
/// load and some list. So: everything on channel 1 (where a keyboard and MPE's master channel
/// send, mod wheel and sustain included), and on channels 2-16 what MPE sends per note: pitch
/// bend, channel pressure and CC 74. 130 + 15 x 3 = 175 parameters. CLAP receives every
/// controller on every channel.
pub fn vst3_midi_controller(channel: u8, cc: u8) -> bool {
    channel == 0 || matches!(cc, VST3_PITCH_BEND | VST3_CHANNEL_PRESSURE | MPE_TIMBRE)
}

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
