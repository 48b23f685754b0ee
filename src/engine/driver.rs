//! The k-period driver: the [`Engine`] the audio thread runs, block by block.

use crate::csound::{
    Csound, EventKind, FlushDenormals, MessageLevel, MessageLog, MidiInput, Perform, Result,
};
use crate::engine::controllers::MidiControls;
use crate::engine::events::{HeldNotes, MidiEvent};
use crate::engine::notes::NoteMapper;
use crate::engine::python::PythonTurn;
use crate::engine::transport::{Transport, TransportChannels};
use crate::orchestra::declarations::ParamSpec;
use crate::orchestra::source::Kind;
use std::sync::Arc;

/// A parameter the engine writes: its slot, channel handle and law.
pub(super) struct BoundParam {
    pub(super) slot: usize,
    pub(super) channel: crate::csound::ControlChannel,
    pub(super) spec: ParamSpec,
}

/// How notes reach Csound.
pub(super) enum Notes {
    Score(Box<NoteMapper>),
    Midi(MidiInput),
}

/// A loaded orchestra, ready for the audio thread.
pub struct Engine {
    pub(super) csound: Csound,
    pub(super) kind: Kind,
    pub(super) sr: f64,
    pub(super) ksmps: usize,
    /// Csound's full scale: host samples are multiplied by it on the way in.
    pub(super) zero_dbfs: f64,
    /// The orchestra's output channels (`nchnls`): one is heard on the first two host channels
    /// (left and right), more than the host has play their first ones.
    pub(super) nchnls: usize,
    /// The orchestra's input channels (`nchnls_i`): one gets the mean of the host's first two.
    pub(super) nchnls_i: usize,
    /// The host's channels in the last block (1..=[`MAX_CHANNELS`]): the k-periods fill only
    /// these in [`out`](Self::out).
    pub(super) width: usize,
    /// Frames of the current k-period gathered so far.
    pub(super) pos: usize,
    /// The last k-period's output, scaled to ±1 and cleaned of NaN/inf, being played out:
    /// [`MAX_CHANNELS`] samples a frame, one for each host channel there may be.
    pub(super) out: Vec<f32>,
    pub(super) params: Vec<BoundParam>,
    pub(super) transport: TransportChannels,
    pub(super) controls: MidiControls,
    pub(super) notes: Notes,
    /// The performance ended (score end or `exitnow`): output silence from now on.
    pub(super) ended: bool,
    /// The last k-period was muted for going past [`CEILING`] (the console was told).
    pub(super) muted: bool,
    /// The console, for saying why output was muted.
    pub(super) log: Arc<MessageLog>,
    /// The velocity of every note held now, per MIDI channel and key (0: not held), so a
    /// recompiled orchestra can take the held notes over ([`Engine::adopt_notes`]).
    pub(super) held: HeldNotes,
    /// This engine's turn at Python, if its orchestra uses Python opcodes. Declared after
    /// `csound`, so the turn is given back only once the engine is destroyed.
    pub(super) _python: Option<PythonTurn>,
}

/// The loudest sample the plugins hand the host, relative to full scale: +24 dBFS. A k-period
/// holding a louder sample, or one that is not a number, is muted whole, and the console says
/// why: the next plugin in the chain and the listener's speakers never get it. An orchestra's
/// own level below it passes untouched, bit for bit.
pub const CEILING: f32 = 16.0;

/// What the console says when a k-period is muted (written from the audio thread: no
/// formatting, no allocation).
const MUTED: &[u8] = b"csound-plugin: output muted: the orchestra's output went above +24 dBFS \
or was not a number (NaN or infinite); check its levels and 0dbfs\n";

/// The channels a plugin's main bus has unless the host picks a wider layout; an orchestra that
/// never says `nchnls` gets this many.
pub const STEREO: usize = 2;

/// The widest main bus the plugins offer hosts (7.1).
pub const MAX_CHANNELS: usize = 8;

impl Engine {
    /// Binds parameters to slots (`slots[i]` is the slot of `loaded.params[i]`) and writes every
    /// parameter's default into its channel.
    pub fn bind(&mut self, specs: &[ParamSpec], slots: &[Option<usize>]) -> Result<()> {
        self.params.clear();
        for (spec, slot) in specs.iter().zip(slots) {
            let channel = self.csound.control_channel(&spec.channel)?;
            let _ = self.csound.set_control(channel, spec.default);
            if let Some(slot) = *slot {
                self.params.push(BoundParam {
                    slot,
                    channel,
                    spec: spec.clone(),
                });
            }
        }
        Ok(())
    }

    /// Starts every note in `held` (another engine's [`held`](Self::held)) at this engine's next
    /// frame: a recompiled orchestra keeps playing the chord the musician holds.
    pub fn adopt_notes(&mut self, held: &HeldNotes) {
        for note in held.note_ons() {
            self.apply(&note);
        }
    }

    /// The notes held now.
    pub fn held(&self) -> &HeldNotes {
        &self.held
    }

    /// The sample rate the engine was loaded for.
    pub fn sample_rate(&self) -> f64 {
        self.sr
    }

    /// The latency the engine adds, in frames.
    pub fn latency(&self) -> usize {
        self.ksmps
    }

    /// The last k-period's output (interleaved, [`MAX_CHANNELS`] samples a frame, scaled to
    /// ±1), which the next `ksmps` frames play.
    pub fn last_output(&self) -> &[f32] {
        &self.out
    }

    /// Sets a text channel (looked up by name).
    pub fn set_string(&mut self, name: &str, value: &str) -> Result<()> {
        self.csound.set_string_channel(name, value)
    }

    /// A control channel's value now (looked up by name: never on the audio thread).
    pub fn channel_value(&mut self, name: &str) -> Result<f64> {
        self.csound.control_by_name(name)
    }

    /// A text channel's value now (looked up by name: never on the audio thread).
    pub fn string_value(&mut self, name: &str) -> Result<String> {
        self.csound.string_channel(name)
    }

    /// Whether the performance ended (its score's end, or `exitnow`): only silence follows.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// The orchestra's output and input channel counts (`nchnls`, `nchnls_i`).
    pub fn orchestra_channels(&self) -> (usize, usize) {
        (self.nchnls, self.nchnls_i)
    }

    /// Ends the performance and closes what Csound opened: a file Csound writes
    /// ([`Setup::file`](super::load::Setup::file)) is complete afterwards.
    pub fn finish(&mut self) {
        self.csound.cleanup();
        self.ended = true;
    }

    /// The engine's Csound, e.g. to read its messages.
    pub fn csound(&self) -> &Csound {
        &self.csound
    }

    /// Writes parameters and transport at the start of a k-period, `frame` frames into the block.
    fn begin_k_period(
        &self,
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
        frame: usize,
    ) {
        for p in &self.params {
            if let Some(normalized) = values(p.slot) {
                let _ = self
                    .csound
                    .set_control(p.channel, p.spec.plain(normalized as f64));
            }
        }
        self.transport
            .write(&self.csound, transport, frame, self.sr);
    }

    fn apply(&mut self, event: &MidiEvent) {
        self.held.track(event);
        let offset = self.pos;
        let (ksmps, sr) = (self.ksmps, self.sr);
        match (&mut self.notes, *event) {
            (
                Notes::Score(mapper),
                MidiEvent::NoteOn {
                    channel,
                    key,
                    velocity,
                    ..
                },
            ) => {
                let (release, start) = mapper.note_on(channel, key, velocity, offset, ksmps, sr);
                if let Some(p) = release {
                    let _ = self.csound.score_event(EventKind::Instrument, &p);
                }
                if let Some(p) = start {
                    let _ = self.csound.score_event(EventKind::Instrument, &p);
                }
            }
            (Notes::Score(mapper), MidiEvent::NoteOff { channel, key, .. }) => {
                if let Some(p) = mapper.note_off(channel, key) {
                    let _ = self.csound.score_event(EventKind::Instrument, &p);
                }
            }
            (Notes::Midi(input), e) => {
                let bytes = e.midi_bytes();
                let len = if matches!(e, MidiEvent::ChannelPressure { .. }) {
                    2
                } else {
                    3
                };
                let _ = input.send(&bytes[..len]);
            }
            _ => {}
        }
        let cs = &self.csound;
        match *event {
            MidiEvent::PitchBend { value, .. } => self.controls.pitch_bend(cs, value),
            MidiEvent::ControlChange { cc, value, .. } => {
                self.controls.control_change(cs, cc, value)
            }
            MidiEvent::ChannelPressure { value, .. } => self.controls.channel_pressure(cs, value),
            MidiEvent::PolyPressure { key, value, .. } => {
                self.controls.poly_pressure(cs, key, value)
            }
            _ => {}
        }
    }

    /// Performs the gathered k-period and keeps its output for the next `ksmps` frames.
    fn perform(&mut self) {
        let result = if self.ended {
            Perform::Ended
        } else {
            self.csound.perform_ksmps()
        };
        if result != Perform::Running {
            self.ended = true;
            self.out.fill(0.0);
            return;
        }
        self.csound.poll_idents();
        self.csound.poll_tables();
        let scale = 1.0 / self.zero_dbfs;
        let mut wild = false;
        // Csound's frames of `nchnls` samples onto host channels: mono on left and right.
        // Only the host's channels are filled: the others stay silent and are never played.
        let (nchnls, width) = (self.nchnls.max(1), self.width);
        let spout = self.csound.spout();
        for (frame, o) in self.out.chunks_exact_mut(MAX_CHANNELS).enumerate() {
            for (ch, o) in o[..width].iter_mut().enumerate() {
                let from = if nchnls == 1 && ch < STEREO { 0 } else { ch };
                *o = if from < nchnls {
                    (spout.get(frame * nchnls + from).copied().unwrap_or(0.0) * scale) as f32
                } else {
                    0.0
                };
                wild |= o.is_nan() || o.abs() > CEILING;
            }
        }
        if wild {
            self.out.fill(0.0);
            if !self.muted {
                self.log.push(MessageLevel::Error, MUTED);
            }
        }
        self.muted = wild;
    }

    /// Processes one block in place. `io` holds the main bus's channels (up to
    /// [`MAX_CHANNELS`]): the effect's input on the way in (the instrument's is ignored), the
    /// output on the way out. `sidechain` feeds the
    /// instrument's Csound input. `events` must come in time order; `values(slot)` gives a
    /// slot's normalized value when it drives its channel.
    pub fn process(
        &mut self,
        io: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        events: &mut dyn Iterator<Item = MidiEvent>,
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
    ) {
        let _denormals = FlushDenormals::new();
        let frames = io.iter().map(|c| c.len()).min().unwrap_or(0);
        self.width = io.len().clamp(1, MAX_CHANNELS);
        let mut pending = events.next();
        let mut i = 0;
        while i < frames {
            while let Some(event) = pending.filter(|e| e.at() as usize <= i) {
                self.apply(&event);
                pending = events.next();
            }
            if self.pos == 0 {
                self.begin_k_period(values, transport, i);
            }
            let next_event = pending.map_or(frames, |e| (e.at() as usize).clamp(i + 1, frames));
            let end = frames.min(i + self.ksmps - self.pos).min(next_event);
            let (zero, nchnls_i) = (self.zero_dbfs, self.nchnls_i);
            let spin = self.csound.spin_mut();
            for f in i..end {
                let k = self.pos + f - i;
                let input = |ch: usize| match self.kind {
                    Kind::Effect => io.get(ch).map_or(0.0, |c| c[f]),
                    Kind::Instrument => sidechain
                        .and_then(|s| s.get(ch))
                        .and_then(|c| c.get(f).copied())
                        .unwrap_or(0.0),
                };
                // Inputs are read before the outputs overwrite the effect's buffers in place.
                if nchnls_i == 1 {
                    // A mono input hears the mean of left and right (or the one channel).
                    let mean = match io.len() {
                        1 if self.kind == Kind::Effect => input(0),
                        _ => (input(0) + input(1)) * 0.5,
                    };
                    if let Some(s) = spin.get_mut(k) {
                        *s = mean as f64 * zero;
                    }
                } else {
                    for ch in 0..nchnls_i {
                        if let Some(s) = spin.get_mut(k * nchnls_i + ch) {
                            *s = input(ch) as f64 * zero;
                        }
                    }
                }
                for (ch, c) in io.iter_mut().take(MAX_CHANNELS).enumerate() {
                    c[f] = self.out[k * MAX_CHANNELS + ch];
                }
            }
            self.pos += end - i;
            i = end;
            if self.pos == self.ksmps {
                self.perform();
                self.pos = 0;
            }
        }
        // Events stamped past the block's end (should not happen) still apply.
        while let Some(event) = pending {
            self.apply(&event);
            pending = events.next();
        }
    }

    /// Releases held notes and clears the buffered output (host `reset`).
    pub fn reset(&mut self) {
        if let Notes::Score(mapper) = &mut self.notes {
            let csound = &mut self.csound;
            mapper.release_all(|p| {
                let _ = csound.score_event(EventKind::Instrument, &p);
            });
        }
        self.held.clear();
        self.out.fill(0.0);
        self.pos = 0;
    }
}
