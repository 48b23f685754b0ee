//! Csound orchestras as CLAP and VST3 instruments and effects.
//!
//! Two plugins come from this library: [`Instrument`] (notes in, stereo out, optional stereo
//! sidechain in) and [`Effect`] (stereo in, stereo out). Each runs a Csound orchestra: a built-in
//! one from `presets/`, or a CSD the user points it at, whose text is saved with the project.
//!
//! | Module | What it is for |
//! |---|---|
//! | [`csound`] | the Csound layer, a safe host for Csound 6.18 (the only `unsafe` code) |
//! | [`engine`] | the real-time engine: blocks, k-periods, latency, events into Csound |
//! | [`declarations`] | what an orchestra declares: parameters (`chn_k`) and note mode |
//! | [`params`] | the fixed pool of parameter slots bound to channels |
//! | [`midi_map`] | where MIDI becomes score events and controller channels |
//! | [`transport`] | host transport into the channels Csound plugin users know |
//! | [`state`] | what a saved project keeps of the orchestra |
//! | [`render`] | offline rendering with the same engine (the command line) |
//! | [`midi_file`] | standard MIDI files into engine events |
//! | [`safety`] | which opcodes of a shared orchestra reach outside the instrument |

pub mod csound;
pub mod declarations;
pub mod engine;
pub mod midi_file;
pub mod midi_map;
pub mod params;
pub mod render;
pub mod safety;
pub mod state;
pub mod transport;

use engine::{Engine, Kind};
use midi_map::MidiEvent;
use nice_plug::prelude::*;
use params::PluginParams;
use std::marker::PhantomData;
use std::sync::Arc;

/// What differs between the two plugins.
pub trait Flavour: Send + Sync + 'static {
    const KIND: Kind;
    const NAME: &'static str;
    /// The built-in orchestra (a file under `presets/`).
    const DEFAULT_CSD: &'static str;
    const DEFAULT_ORIGIN: &'static str;
    const LAYOUTS: &'static [AudioIOLayout];
    const MIDI: MidiConfig;
    const CLAP_ID: &'static str;
    const CLAP_FEATURES: &'static [ClapFeature];
    const VST3_CLASS_ID: [u8; 16];
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory];
}

/// Marker for the instrument.
pub struct InstrumentFlavour;
/// Marker for the effect.
pub struct EffectFlavour;

impl Flavour for InstrumentFlavour {
    const KIND: Kind = Kind::Instrument;
    const NAME: &'static str = "Csound Instrument";
    const DEFAULT_CSD: &'static str = include_str!("../presets/instrument/poly-synth.csd");
    const DEFAULT_ORIGIN: &'static str = "poly-synth.csd (built in)";
    const LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: None,
        main_output_channels: NonZeroU32::new(2),
        aux_input_ports: &[new_nonzero_u32(2)],
        aux_output_ports: &[],
        names: PortNames {
            layout: Some("Stereo with sidechain"),
            main_input: None,
            main_output: Some("Output"),
            aux_inputs: &["Sidechain"],
            aux_outputs: &[],
        },
    }];
    const MIDI: MidiConfig = MidiConfig::MidiCCs;
    const CLAP_ID: &'static str = "net.csound-plugin.instrument";
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::Instrument,
        ClapFeature::Synthesizer,
        ClapFeature::Stereo,
    ];
    const VST3_CLASS_ID: [u8; 16] = *b"CsoundPlugInstr1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Instrument,
        Vst3SubCategory::Synth,
        Vst3SubCategory::Stereo,
    ];
}

impl Flavour for EffectFlavour {
    const KIND: Kind = Kind::Effect;
    const NAME: &'static str = "Csound Effect";
    const DEFAULT_CSD: &'static str = include_str!("../presets/effect/ping-pong-delay.csd");
    const DEFAULT_ORIGIN: &'static str = "ping-pong-delay.csd (built in)";
    const LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
        aux_input_ports: &[],
        aux_output_ports: &[],
        names: PortNames::const_default(),
    }];
    const MIDI: MidiConfig = MidiConfig::None;
    const CLAP_ID: &'static str = "net.csound-plugin.effect";
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Delay,
        ClapFeature::Stereo,
    ];
    const VST3_CLASS_ID: [u8; 16] = *b"CsoundPlugEffect";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Delay,
        Vst3SubCategory::Stereo,
    ];
}

/// A Csound orchestra as a plugin.
pub struct CsoundPlugin<F: Flavour> {
    params: Arc<PluginParams>,
    /// The running orchestra; `None` when it failed to load (silence, or pass-through).
    engine: Option<Engine>,
    _flavour: PhantomData<F>,
}

/// The Csound instrument plugin.
pub type Instrument = CsoundPlugin<InstrumentFlavour>;
/// The Csound effect plugin.
pub type Effect = CsoundPlugin<EffectFlavour>;

impl<F: Flavour> Default for CsoundPlugin<F> {
    fn default() -> Self {
        Self {
            params: Arc::new(PluginParams::new()),
            engine: None,
            _flavour: PhantomData,
        }
    }
}

impl<F: Flavour> CsoundPlugin<F> {
    /// The CSD to run: the saved text, else the saved path's file, else the built-in one.
    fn source(state: &state::OrchestraState) -> Result<(String, String), String> {
        if let Some(text) = &state.text {
            let origin = state
                .path
                .as_deref()
                .and_then(|p| std::path::Path::new(p).file_name())
                .map_or_else(
                    || "the saved orchestra".to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
            return Ok((text.clone(), origin));
        }
        if let Some(path) = &state.path {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("could not read {path}: {e}"))?;
            return Ok((text, path.clone()));
        }
        Ok((F::DEFAULT_CSD.to_string(), F::DEFAULT_ORIGIN.to_string()))
    }

    /// Loads the orchestra the state names, binds its parameters, and records the outcome in
    /// the state. Returns the latency. Runs on the host's main thread, never the audio thread.
    fn load(&mut self, sample_rate: f64) -> u32 {
        self.engine = None;
        let mut state = self.params.orchestra();
        let loaded = Self::source(&state).and_then(|(text, origin)| {
            let loaded = Engine::load_bound(&text, &origin, sample_rate, F::KIND, &mut state)
                .map_err(|e| e.to_string())?;
            if state.path.is_some() {
                state.text = Some(text);
            }
            Ok(loaded)
        });
        let latency = match loaded {
            Ok((engine, loaded)) => {
                self.params.disengage(&loaded.fresh);
                if let Ok(mut specs) = self.params.specs.write() {
                    specs.iter_mut().for_each(|s| *s = None);
                    for (spec, slot) in loaded.params.iter().zip(&loaded.slots) {
                        if let Some(slot) = *slot {
                            specs[slot] = Some(spec.clone());
                        }
                    }
                }
                state.error = None;
                let latency = engine.latency() as u32;
                self.engine = Some(engine);
                latency
            }
            Err(error) => {
                nice_warn!("{}: {error}", F::NAME);
                state.error = Some(error);
                0
            }
        };
        self.params.set_orchestra(state);
        latency
    }
}

impl<F: Flavour> Plugin for CsoundPlugin<F> {
    const NAME: &'static str = F::NAME;
    const VENDOR: &'static str = "csound-plugin";
    const URL: &'static str = "https://csound.com";
    const EMAIL: &'static str = "csound-plugin@users.noreply.invalid";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = F::LAYOUTS;
    const MIDI_INPUT: MidiConfig = F::MIDI;
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn activate(
        &mut self,
        _layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let latency = self.load(buffer_config.sample_rate as f64);
        context.set_latency_samples(latency);
        true
    }

    fn reset(&mut self) {
        if let Some(engine) = &mut self.engine {
            engine.reset();
        }
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let Some(engine) = &mut self.engine else {
            // A broken orchestra: the instrument is silent, the effect passes its input.
            if F::KIND == Kind::Instrument {
                for channel in buffer.as_slice() {
                    channel.fill(0.0);
                }
            }
            return ProcessStatus::Normal;
        };
        let t = context.transport();
        let transport = transport::Transport {
            tempo: t.tempo.unwrap_or(120.0),
            playing: t.playing,
            recording: t.recording,
            pos_samples: t.pos_samples().unwrap_or(0),
            pos_beats: t.pos_beats().unwrap_or(0.0),
            sig_num: t.time_sig_numerator.unwrap_or(4),
            sig_denom: t.time_sig_denominator.unwrap_or(4),
        };
        let params = &self.params;
        let values = |slot: usize| {
            params
                .is_engaged(slot)
                .then(|| params.slots[slot].value.modulated_normalized_value())
        };
        let mut events = std::iter::from_fn(|| loop {
            if let Some(event) = MidiEvent::from_note_event(context.next_event()?) {
                return Some(event);
            }
        });
        let sidechain = aux.inputs.first_mut().map(|b| &*b.as_slice());
        engine.process(
            buffer.as_slice(),
            sidechain,
            &mut events,
            &values,
            &transport,
        );
        ProcessStatus::Normal
    }
}

impl<F: Flavour> ClapPlugin for CsoundPlugin<F> {
    const CLAP_ID: &'static str = F::CLAP_ID;
    const CLAP_DESCRIPTION: Option<&'static str> = Some("A Csound orchestra as a plugin");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = F::CLAP_FEATURES;
}

impl<F: Flavour> Vst3Plugin for CsoundPlugin<F> {
    const VST3_CLASS_ID: [u8; 16] = F::VST3_CLASS_ID;
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = F::VST3_SUBCATEGORIES;
}

nice_export_clap!(Instrument, Effect);
nice_export_vst3!(Instrument, Effect);

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
