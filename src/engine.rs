//! The real-time engine: a loaded orchestra, driven block by block from the audio thread.
//!
//! Csound works in k-periods of `ksmps` frames; hosts send blocks of any size. Input frames are
//! gathered into Csound's `spin` until a k-period is full, then it is performed and its `spout`
//! is played out during the next `ksmps` frames. Every frame is therefore delayed by exactly
//! `ksmps` frames, which is the latency the plugin reports. Events land inside that grid:
//!
//! - a note-on at block frame `s` falls `o` frames into the k-period being gathered; it is sent
//!   before that k-period is performed with an onset of `o` frames (see [`midi_map::onset`]),
//!   so it is heard exactly `s + ksmps` frames later;
//! - parameter values and the transport are written at the start of each k-period, so a change
//!   at frame `s` reaches its channel at the first k-period boundary at or after `s`.
//!
//! Nothing here allocates, locks or looks a channel up by name once loaded ([`Engine::load`]
//! does all of that, off the audio thread).

use crate::csound::{
    csd, Csound, Error, ErrorKind, EventKind, FlushDenormals, MessageLevel, MessageLog, MidiInput,
    Perform, Result,
};
use crate::declarations::{self, NoteMode, ParamSpec};
use crate::midi_map::{MidiControls, MidiEvent, NoteMapper};
use crate::params::SLOTS;
use crate::state::OrchestraState;
use crate::transport::{Transport, TransportChannels};
use crate::trust::{self, TrustStore};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::Arc;

/// An orchestra on its way to Csound: its text and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The CSD text.
    pub text: String,
    /// Names it in messages ("pad.csd").
    pub origin: String,
    /// The file it came from, if any: `#include`s and sound files are looked up beside it; the
    /// plugin keeps it in the state and watches it when watching is on.
    pub path: Option<String>,
}

impl Source {
    /// A CSD given as text, named `origin`, from no file.
    pub fn text(text: impl Into<String>, origin: impl Into<String>) -> Source {
        Source {
            text: text.into(),
            origin: origin.into(),
            path: None,
        }
    }

    /// Reads an orchestra file: its name is the origin, its path is kept (and watched).
    pub fn from_file(path: &std::path::Path) -> std::io::Result<Source> {
        Ok(Source {
            text: std::fs::read_to_string(path)?,
            origin: path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            path: Some(path.to_string_lossy().into_owned()),
        })
    }

    /// The folder of its file, where its `#include`s are looked up.
    pub fn dir(&self) -> Option<std::path::PathBuf> {
        let path = std::path::Path::new(self.path.as_deref()?);
        Some(path.parent()?.to_path_buf())
    }
}

/// Which plugin runs the engine: it decides where Csound's input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Notes in; Csound's input is the optional sidechain.
    Instrument,
    /// Audio in, audio out.
    Effect,
}

/// What a load found in the orchestra, for the plugin to bind and show.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub params: Vec<ParamSpec>,
    pub note_mode: NoteMode,
    pub ksmps: usize,
    /// The slot of each parameter (filled by [`Engine::load_bound`]).
    pub slots: Vec<Option<usize>>,
    /// Slots newly bound by this load: their channels start at the declared default.
    pub fresh: Vec<usize>,
}

/// A parameter the engine writes: its slot, channel handle and law.
struct BoundParam {
    slot: usize,
    channel: crate::csound::ControlChannel,
    spec: ParamSpec,
}

/// How notes reach Csound.
enum Notes {
    Score(Box<NoteMapper>),
    Midi(MidiInput),
}

/// A loaded orchestra, ready for the audio thread.
pub struct Engine {
    csound: Csound,
    kind: Kind,
    sr: f64,
    ksmps: usize,
    /// Csound's full scale: host samples are multiplied by it on the way in.
    zero_dbfs: f64,
    /// Frames of the current k-period gathered so far.
    pos: usize,
    /// The last k-period's output, scaled to ±1 and cleaned of NaN/inf, being played out.
    out: Vec<f32>,
    params: Vec<BoundParam>,
    transport: TransportChannels,
    controls: MidiControls,
    notes: Notes,
    /// The performance ended (score end or `exitnow`): output silence from now on.
    ended: bool,
    /// The last k-period was muted for going past [`CEILING`] (the console was told).
    muted: bool,
    /// The console, for saying why output was muted.
    log: Arc<MessageLog>,
    /// The velocity of every note held now, per MIDI channel and key (0: not held), so a
    /// recompiled orchestra can take the held notes over ([`Engine::adopt_notes`]).
    held: Box<[[f32; 128]; 16]>,
    /// This engine's turn at Python, if its orchestra uses Python opcodes. Declared after
    /// `csound`, so the turn is given back only once the engine is destroyed.
    _python: Option<PythonTurn>,
}

/// How many loaded engines use Python opcodes (at most one: see [`PythonTurn`]).
static PYTHON_ENGINES: AtomicUsize = AtomicUsize::new(0);

/// Held by the one engine allowed to use Python opcodes. libpy runs a single interpreter for
/// the process without the GIL: two engines running Python opcodes at once crash the process.
struct PythonTurn;

impl PythonTurn {
    fn take(origin: &str) -> Result<Self> {
        PYTHON_ENGINES
            .compare_exchange(0, 1, AtomicOrdering::AcqRel, AtomicOrdering::Acquire)
            .map(|_| PythonTurn)
            .map_err(|_| {
                Error::new(
                    ErrorKind::Csd,
                    format!(
                        "{origin} uses Python opcodes, and another instance already does: \
                         Csound's Python opcodes can run in only one instance at a time"
                    ),
                )
            })
    }
}

impl Drop for PythonTurn {
    fn drop(&mut self) {
        PYTHON_ENGINES.store(0, AtomicOrdering::Release);
    }
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

/// Channel counts the host always imposes, whatever the CSD header says.
const CHANNELS: usize = 2;

impl Engine {
    /// Compiles and starts a CSD for the audio thread (slow: call it off the audio thread).
    /// The host's sample rate and stereo I/O win over the CSD's header and options.
    ///
    /// This is the one way an orchestra reaches Csound's compiler: it passes the sharing gate
    /// ([`trust::judge`]) first, on this very engine, with the CSD's options applied. An
    /// orchestra that reaches outside the instrument and is not in `trust` is refused with
    /// [`ErrorKind::NotAllowed`], before any of it runs.
    pub fn load(
        source: &Source,
        sample_rate: f64,
        kind: Kind,
        trust: &TrustStore,
    ) -> Result<(Engine, Loaded)> {
        let (text, origin) = (source.text.as_str(), source.origin.as_str());
        let parsed = csd::parse(text, origin)?;
        let note_mode = match parsed.extra.iter().find(|(name, _)| name == "CsPlugin") {
            Some((_, section)) => declarations::parse_plugin_section(section)
                .map_err(|e| Error::new(ErrorKind::Csd, format!("{origin}: {e}")))?,
            None => NoteMode::default(),
        };
        let mut csound = Csound::new()?;
        if let Some(dir) = source.dir() {
            csound.add_search_dir(&dir);
        }
        for option in [
            format!("--sample-rate={sample_rate}"),
            format!("--nchnls={CHANNELS}"),
            format!("--nchnls_i={CHANNELS}"),
            "--sample-accurate".to_string(),
        ] {
            csound.set_option(&option)?;
        }
        let tokens = trust::judge(&mut csound, &parsed, text, origin, trust)?;
        let python = Self::check_opcodes(&tokens, origin)?;
        let midi_in = match note_mode {
            NoteMode::Midi => Some(csound.enable_midi_input()?),
            NoteMode::Score { .. } => None,
        };
        // The score must not end (held notes alone would end it at once): an `f 0 z` in the
        // CSD's own score keeps it running. (Read later, as a line event, it would be too late.)
        csound.compile_csd_text(&csd::append_to_score(text, "f 0 z"), origin)?;
        csound.start()?;
        let ksmps = csound.ksmps();
        let zero_dbfs = csound.zero_dbfs();
        let channels = csound.channels()?;
        let params = declarations::parameters(&channels, &parsed.orchestra);
        let transport = TransportChannels::resolve(&mut csound)?;
        let controls = MidiControls::resolve(&mut csound)?;
        let notes = match (note_mode, midi_in) {
            (
                NoteMode::Score {
                    instrument,
                    pitch,
                    velocity,
                },
                _,
            ) => Notes::Score(Box::new(NoteMapper::new(instrument, pitch, velocity))),
            (NoteMode::Midi, Some(input)) => Notes::Midi(input),
            (NoteMode::Midi, None) => unreachable!("MIDI input is enabled in MIDI mode"),
        };
        let loaded = Loaded {
            params: params.clone(),
            note_mode,
            ksmps,
            slots: Vec::new(),
            fresh: Vec::new(),
        };
        let log = csound.messages();
        let engine = Engine {
            csound,
            kind,
            sr: sample_rate,
            ksmps,
            zero_dbfs,
            pos: 0,
            out: vec![0.0; ksmps * CHANNELS],
            params: Vec::new(),
            transport,
            controls,
            notes,
            ended: false,
            muted: false,
            log,
            held: Box::new([[0.0; 128]; 16]),
            _python: python,
        };
        Ok((engine, loaded))
    }

    /// [`Engine::load`], then binds the parameters to slots as `state` says (updating it) and
    /// writes their defaults; [`Loaded::slots`] and [`Loaded::fresh`] say where they went.
    pub fn load_bound(
        source: &Source,
        sample_rate: f64,
        kind: Kind,
        trust: &TrustStore,
        state: &mut OrchestraState,
    ) -> Result<(Engine, Loaded)> {
        let (mut engine, mut loaded) = Engine::load(source, sample_rate, kind, trust)?;
        (loaded.slots, loaded.fresh) = state.bind(&loaded.params, SLOTS);
        engine.bind(&loaded.params, &loaded.slots)?;
        for (name, value) in &state.strings {
            engine.csound.set_string_channel(name, value)?;
        }
        Ok((engine, loaded))
    }

    /// Refuses opcodes that crash Csound 6.18 whatever the code (`faustcompile`, `faustgen`), and
    /// takes the process's one turn at Python when the orchestra uses Python opcodes. Reads the
    /// parse tree's tokens (file lines), so macros and user-defined opcodes cannot hide them.
    fn check_opcodes(tokens: &[(String, u32)], origin: &str) -> Result<Option<PythonTurn>> {
        if let Some((name, line)) = tokens
            .iter()
            .find(|(t, _)| t == "faustcompile" || t == "faustgen")
        {
            return Err(Error::new(
                ErrorKind::Csd,
                format!(
                    "{origin}: `{name}` at line {line} crashes Csound 6.18; the plugin does not run it"
                ),
            ));
        }
        if tokens.iter().any(|(t, _)| t.starts_with("py")) {
            return PythonTurn::take(origin).map(Some);
        }
        Ok(None)
    }

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

    /// Starts every note `other` holds, at this engine's next frame: a recompiled orchestra
    /// keeps playing the chord the musician holds.
    pub fn adopt_notes(&mut self, other: &Engine) {
        for channel in 0..16u8 {
            for key in 0..128u8 {
                let velocity = other.held[channel as usize][key as usize];
                if velocity > 0.0 {
                    self.apply(&MidiEvent::NoteOn {
                        at: 0,
                        channel,
                        key,
                        velocity,
                    });
                }
            }
        }
    }

    /// The sample rate the engine was loaded for.
    pub fn sample_rate(&self) -> f64 {
        self.sr
    }

    /// The latency the engine adds, in frames.
    pub fn latency(&self) -> usize {
        self.ksmps
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
        match *event {
            MidiEvent::NoteOn {
                channel,
                key,
                velocity,
                ..
            } => self.held[channel as usize & 15][key as usize & 127] = velocity.max(f32::EPSILON),
            MidiEvent::NoteOff { channel, key, .. } => {
                self.held[channel as usize & 15][key as usize & 127] = 0.0
            }
            _ => {}
        }
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
        let scale = 1.0 / self.zero_dbfs;
        let mut wild = false;
        for (o, s) in self.out.iter_mut().zip(self.csound.spout()) {
            *o = (s * scale) as f32;
            wild |= o.is_nan() || o.abs() > CEILING;
        }
        if wild {
            self.out.fill(0.0);
            if !self.muted {
                self.log.push(MessageLevel::Error, MUTED);
            }
        }
        self.muted = wild;
    }

    /// Processes one block in place. `io` holds the stereo channels: the effect's input on the
    /// way in (the instrument's is ignored), the output on the way out. `sidechain` feeds the
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
            let zero = self.zero_dbfs;
            let spin = self.csound.spin_mut();
            for f in i..end {
                let k = (self.pos + f - i) * CHANNELS;
                for ch in 0..CHANNELS {
                    let input = match self.kind {
                        Kind::Effect => io.get(ch).map_or(0.0, |c| c[f]),
                        Kind::Instrument => sidechain
                            .and_then(|s| s.get(ch))
                            .and_then(|c| c.get(f).copied())
                            .unwrap_or(0.0),
                    };
                    if let Some(s) = spin.get_mut(k + ch) {
                        *s = input as f64 * zero;
                    }
                    if let Some(c) = io.get_mut(ch) {
                        c[f] = self.out[k + ch];
                    }
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
        self.held.iter_mut().for_each(|c| c.fill(0.0));
        self.out.fill(0.0);
        self.pos = 0;
    }
}
