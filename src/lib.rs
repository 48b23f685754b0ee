//! Csound orchestras as CLAP and VST3 instruments and effects.
//!
//! Two plugins come from this library: [`Instrument`] (notes in, stereo out, optional stereo
//! sidechain in) and [`Effect`] (stereo in, stereo out). Each runs a Csound orchestra: a built-in
//! one from `presets/`, or a CSD the user points it at, whose text is saved with the project.
//! A copy of the library carrying an exported orchestra ([`export`]) is instead one plugin of
//! its own, named and with parameters as that orchestra says ([`entry`]).
//!
//! Data flows host -> engine -> Csound -> host; a lower layer never imports a higher one
//! (`tests/layout.rs` holds that):
//!
//! | Module | What it is for |
//! |---|---|
//! | [`csound`] | the Csound layer, a safe host for Csound 6.18 (the only `unsafe` code but what the framework requires: [`entry`], the slots' `Params`) |
//! | [`home`] | the user's folder (trust store, presets) |
//! | [`orchestra`] | what an orchestra is and declares, the safety check and the sharing gate |
//! | [`params`] | the parameter slots the host sees, and the saved orchestra state |
//! | [`engine`] | the real-time path: k-periods, notes, controllers, transport, live recompilation |
//! | [`presets`] | preset files, factory presets, `.snaps` import |
//! | [`export`] | an orchestra as its own plugin: the payload an exported library carries |
//! | [`offline`] | rendering without a DAW (the command line, the benchmarks) |
//! | [`editor`] | the plugin window (egui) |
//! | [`entry`] | the library's CLAP and VST3 entry points: the plugins this file offers |

pub mod csound;
pub mod editor;
pub mod engine;
pub mod entry;
pub mod export;
pub mod home;
pub mod offline;
pub mod orchestra;
pub mod params;
pub mod presets;

use editor::Link;
use engine::live::{self, Loader, Player};
use engine::voice::Voice;
use engine::MidiEvent;
use nice_plug::prelude::*;
use orchestra::Kind;
use params::PluginParams;
use std::marker::PhantomData;
use std::sync::Arc;

/// Who makes the generic plugins (an export names its own vendor).
pub const VENDOR: &str = "csound-plugin";
/// Where to learn about the plugins.
pub const URL: &str = "https://csound.com";
/// Where to write (nowhere that delivers: there is no support address).
pub const EMAIL: &str = "csound-plugin@users.noreply.invalid";
/// This library's version, also an export's.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What differs between the two plugins.
pub trait Flavour: Send + Sync + 'static {
    const KIND: Kind;
    const NAME: &'static str;
    const LAYOUTS: &'static [AudioIOLayout];
    const MIDI: MidiConfig;
    const CLAP_ID: &'static str;
    const CLAP_FEATURES: &'static [ClapFeature];
    const VST3_CLASS_ID: [u8; 16];
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory];
}

/// The widths offered besides stereo (the first, what hosts pick by default): mono, and the
/// wider ones an orchestra with more `nchnls` fills (quad to 7.1). Hosts that take one (CLAP
/// audio-ports-config, VST3 speaker arrangements) hear every channel the orchestra has.
const WIDTHS: [(u32, &str); 7] = [
    (2, "Stereo"),
    (1, "Mono"),
    (4, "4 channels"),
    (5, "5 channels"),
    (6, "6 channels"),
    (7, "7 channels"),
    (8, "8 channels"),
];

/// The instrument's stereo sidechain input.
const SIDECHAIN: [std::num::NonZeroU32; 1] = [new_nonzero_u32(2)];

/// The instrument's layouts: every width, each with the stereo sidechain (VST3 lets a host
/// change channel counts, not buses). Hosts of both formats pick them (VST3 since our framework
/// patch to `setBusArrangements`, framework/patches/nice-plug/06).
const INSTRUMENT_LAYOUTS: [AudioIOLayout; 7] = {
    let mut layouts = [AudioIOLayout::const_default(); 7];
    let mut i = 0;
    while i < WIDTHS.len() {
        layouts[i] = AudioIOLayout {
            main_input_channels: None,
            main_output_channels: NonZeroU32::new(WIDTHS[i].0),
            aux_input_ports: &SIDECHAIN,
            aux_output_ports: &[],
            names: PortNames {
                layout: Some(WIDTHS[i].1),
                main_input: None,
                main_output: Some("Output"),
                aux_inputs: &["Sidechain"],
                aux_outputs: &[],
            },
        };
        i += 1;
    }
    layouts
};

/// The effect's layouts: every width, as many channels in as out.
const EFFECT_LAYOUTS: [AudioIOLayout; 7] = {
    let mut layouts = [AudioIOLayout::const_default(); 7];
    let mut i = 0;
    while i < WIDTHS.len() {
        layouts[i] = AudioIOLayout {
            main_input_channels: NonZeroU32::new(WIDTHS[i].0),
            main_output_channels: NonZeroU32::new(WIDTHS[i].0),
            aux_input_ports: &[],
            aux_output_ports: &[],
            names: PortNames {
                layout: Some(WIDTHS[i].1),
                ..PortNames::const_default()
            },
        };
        i += 1;
    }
    layouts
};

/// Marker for the instrument.
pub struct InstrumentFlavour;
/// Marker for an exported instrument whose orchestra reads no MIDI controllers: notes only, so
/// VST3 hosts, which receive controllers as 2,080 parameters, list only the orchestra's.
pub struct NotesOnlyFlavour;
/// Marker for the effect.
pub struct EffectFlavour;

impl Flavour for InstrumentFlavour {
    const KIND: Kind = Kind::Instrument;
    const NAME: &'static str = "Csound Instrument";
    const LAYOUTS: &'static [AudioIOLayout] = &INSTRUMENT_LAYOUTS;
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

impl Flavour for NotesOnlyFlavour {
    const KIND: Kind = Kind::Instrument;
    const NAME: &'static str = InstrumentFlavour::NAME;
    const LAYOUTS: &'static [AudioIOLayout] = InstrumentFlavour::LAYOUTS;
    const MIDI: MidiConfig = MidiConfig::Basic;
    const CLAP_ID: &'static str = InstrumentFlavour::CLAP_ID;
    const CLAP_FEATURES: &'static [ClapFeature] = InstrumentFlavour::CLAP_FEATURES;
    const VST3_CLASS_ID: [u8; 16] = InstrumentFlavour::VST3_CLASS_ID;
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = InstrumentFlavour::VST3_SUBCATEGORIES;
}

impl Flavour for EffectFlavour {
    const KIND: Kind = Kind::Effect;
    const NAME: &'static str = "Csound Effect";
    const LAYOUTS: &'static [AudioIOLayout] = &EFFECT_LAYOUTS;
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
    /// Compiles new orchestras off the audio thread (the editor asks it to).
    loader: Arc<Loader>,
    /// The audio thread's side: the running engine and any crossfade to a new one.
    player: Player,
    /// Meters and the on-screen keyboard, shared with the editor.
    link: Arc<Link>,
    _flavour: PhantomData<F>,
}

/// The Csound instrument plugin.
pub type Instrument = CsoundPlugin<InstrumentFlavour>;
/// An exported instrument without MIDI controllers (its name and ids are the export's).
pub type NotesOnlyInstrument = CsoundPlugin<NotesOnlyFlavour>;
/// The Csound effect plugin.
pub type Effect = CsoundPlugin<EffectFlavour>;

impl<F: Flavour> Default for CsoundPlugin<F> {
    fn default() -> Self {
        // The slots start at what the orchestra this instance will load declares, where its
        // text says, so the host sees no value move when activation compiles it.
        let first = live::saved_source(&PluginParams::starting_state(), F::KIND).ok();
        let params = Arc::new(PluginParams::for_this_library_showing(
            first.as_ref().map(|(source, _)| source.text.as_str()),
        ));
        let (loader, player) = Loader::new(params.clone(), F::KIND);
        let loader = Arc::new(loader);
        // For the host calls that reach our entry, not the framework (CLAP preset-load).
        entry::instances::created(entry::instances::Handles {
            params: Arc::downgrade(&params),
            loader: Arc::downgrade(&loader),
            kind: F::KIND,
        });
        Self {
            params,
            loader,
            player,
            link: Arc::new(Link::default()),
            _flavour: PhantomData,
        }
    }
}

impl<F: Flavour> CsoundPlugin<F> {
    /// Loads the orchestra the state names, binds its parameters, and records the outcome in
    /// the state. Runs on the host's main thread, never the audio thread. An orchestra the
    /// sharing gate refuses stays in the state untouched (allowing it later plays it) and the
    /// editor offers to allow it.
    fn load(&mut self) -> Option<Voice> {
        let state = self.params.orchestra();
        let error = match live::saved_source(&state, F::KIND) {
            Ok((source, built_in)) => match self.loader.load_now(&self.params, &source, F::KIND) {
                Ok(engine) => {
                    if built_in {
                        let mut state = self.params.orchestra();
                        state.text = None;
                        state.path = None;
                        self.params.set_orchestra(state);
                    }
                    return Some(engine);
                }
                Err(error) => {
                    let message = error.to_string();
                    self.loader.failed(error, source);
                    message
                }
            },
            Err(error) => error,
        };
        nice_warn!("{}: {error}", entry::name_of(F::KIND));
        let mut state = self.params.orchestra();
        state.error = Some(error);
        self.params.set_orchestra(state);
        None
    }
}

impl<F: Flavour> Plugin for CsoundPlugin<F> {
    const NAME: &'static str = F::NAME;
    const VENDOR: &'static str = VENDOR;
    const URL: &'static str = URL;
    const EMAIL: &'static str = EMAIL;
    const VERSION: &'static str = VERSION;
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = F::LAYOUTS;

    /// An export whose Cabbage 3 `channelConfig` asks for other channels than stereo starts
    /// on the layout that has them (our framework patch 07).
    fn default_audio_io_layout() -> usize {
        let Some(wanted) = export::own_manifest().and_then(|m| m.channels) else {
            return 0;
        };
        let count = |n: Option<NonZeroU32>| n.map_or(0, NonZeroU32::get);
        F::LAYOUTS
            .iter()
            .position(|l| {
                count(l.main_output_channels) == wanted.outputs
                    && (F::KIND == Kind::Instrument
                        || count(l.main_input_channels) == wanted.inputs)
            })
            .unwrap_or(0)
    }
    const MIDI_INPUT: MidiConfig = F::MIDI;
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;
    /// Room for a block's events without growing on the audio thread: the VST3 wrapper queues
    /// every parameter point and note of a block here (Ardour and Steinberg's validator send
    /// more than the default 1,024), and a full queue is grown there.
    const INPUT_EVENT_CAPACITY: usize = 16384;

    type SysExMessage = ();
    type BackgroundTask = ();
    type Editor = editor::CsoundEditor;

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        // nice-plug asks for the editor once, when it creates the plugin: the executor is how
        // the host hears of values the plugin sets itself (framework/patches).
        self.params
            .on_values_changed(Box::new(move || executor.notify_param_values_changed()));
        Some(editor::CsoundEditor::new(
            entry::name_of(F::KIND),
            F::KIND,
            self.params.clone(),
            self.loader.clone(),
            self.link.clone(),
        ))
    }

    fn activate(
        &mut self,
        _layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let max_block = buffer_config.max_buffer_size as usize;
        let offline = buffer_config.process_mode == ProcessMode::Offline;
        self.loader
            .configure(buffer_config.sample_rate as f64, max_block, offline);
        let engine = self.load();
        context.set_latency_samples(engine.as_ref().map_or(0, Voice::latency) as u32);
        self.loader.loaded(engine.as_ref());
        self.player.install(engine, max_block);
        true
    }

    fn reset(&mut self) {
        self.player.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let t = context.transport();
        let transport = engine::transport::Transport {
            tempo: t.tempo.unwrap_or(120.0),
            playing: t.playing,
            recording: t.recording,
            pos_samples: t.pos_samples().unwrap_or(0),
            pos_beats: t.pos_beats().unwrap_or(0.0),
            sig_num: t.time_sig_numerator.unwrap_or(4),
            sig_denom: t.time_sig_denominator.unwrap_or(4),
            editor_open: self.link.open.load(std::sync::atomic::Ordering::Relaxed),
        };
        let params = &self.params;
        let values = |slot: usize| {
            params
                .is_engaged(slot)
                .then(|| params.slots[slot].normalized())
        };
        // The on-screen keyboard's notes come first, at the block's start.
        let link = &self.link;
        let keys = std::iter::from_fn(|| link.keys.pop());
        let host = std::iter::from_fn(|| loop {
            if let Some(event) = MidiEvent::from_note_event(context.next_event()?) {
                return Some(event);
            }
        });
        let mut events = keys.chain(host).inspect(|e| link.saw(e));
        let side = aux.inputs.first_mut().and_then(|b| match b.as_slice() {
            [l, r, ..] => Some([&**l, &**r]),
            _ => None,
        });
        let new_latency = self.player.process(
            buffer.as_slice(),
            side.as_ref().map(|s| &s[..]),
            &mut events,
            &values,
            &transport,
        );
        drop(events);
        if let Some(latency) = new_latency {
            context.set_latency_samples(latency as u32);
        }
        self.link.meter(buffer.as_slice_immutable());
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

    /// VST3 delivers MIDI controllers as parameters (16 channels x 130 would list 2,080 of
    /// them): every controller, pressure and pitch bend on channel 1, and on the other
    /// fifteen what MPE sends per note (pitch bend, channel pressure, CC 74). 175 in all.
    fn vst3_midi_controller(channel: u8, cc: u8) -> bool {
        engine::vst3_midi_controller(channel, cc)
    }
}

// The entry points (`clap_entry`, `GetPluginFactory`) are in `entry`: nice-plug's export
// macros would fix the plugins' names and ids at build time.

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
