//! Test hosts: load the built plugin bundles through real host libraries (clack-host for CLAP,
//! the `vst3` crate for VST3) and drive them as a DAW would, at any block size.

#![allow(dead_code)]

pub mod catalogue;
pub mod clap;
pub mod clap_gui;
pub mod clap_handlers;
pub mod clap_ports;
pub mod clap_presets;
pub mod drive;
pub mod vst3;

use std::path::{Path, PathBuf};

/// How the host sets the plugin up.
#[derive(Clone, Debug)]
pub struct Setup {
    pub sample_rate: f64,
    /// The largest block `process` will be called with.
    pub max_block: u32,
    /// Channels of the main audio input (0 for an instrument).
    pub inputs: u32,
    /// Channels of the main audio output.
    pub outputs: u32,
}

/// One event inside a processed block; `at` is the frame offset in that block.
#[derive(Clone, Debug)]
pub enum Event {
    NoteOn {
        at: u32,
        channel: u8,
        key: u8,
        velocity: f64,
    },
    NoteOff {
        at: u32,
        channel: u8,
        key: u8,
    },
    /// Raw MIDI 1.0 (control change, pitch bend, channel/poly pressure).
    Midi {
        at: u32,
        bytes: [u8; 3],
    },
    /// A parameter change to a normalized value in 0..=1.
    Param {
        at: u32,
        id: u32,
        value: f64,
    },
}

/// The transport state the host reports for a block (at its first frame).
#[derive(Clone, Debug, Default)]
pub struct Transport {
    pub playing: bool,
    pub recording: bool,
    pub tempo: f64,
    pub pos_samples: i64,
    pub pos_seconds: f64,
    pub pos_beats: f64,
    pub time_sig: (u16, u16),
}

/// A parameter as the host lists it.
#[derive(Clone, Debug)]
pub struct ParamInfo {
    pub id: u32,
    pub name: String,
    /// Normalized default.
    pub default: f64,
    /// The group path (CLAP's module, the VST3 unit's path), empty for none.
    pub group: String,
    /// How many steps a stepped parameter has (0: continuous).
    pub steps: u32,
}

/// A loaded, activated, processing plugin instance.
pub trait TestHost {
    /// The latency the plugin reports now, in frames.
    fn latency(&mut self) -> u32;
    /// The plugin's parameters, as a musician would pick them (VST3's MIDI controller
    /// parameters left out).
    fn params(&mut self) -> Vec<ParamInfo>;
    /// How many parameters the host lists in all (VST3's MIDI controller ones included).
    fn param_count(&mut self) -> usize {
        self.params().len()
    }
    /// Processes one block of `frames` frames (1..=max_block). `input` holds one Vec per input
    /// channel (each `frames` long) or is empty. Returns one Vec per output channel.
    fn process(
        &mut self,
        input: &[Vec<f32>],
        frames: usize,
        events: &[Event],
        transport: Option<&Transport>,
    ) -> Vec<Vec<f32>>;
    /// Parameter `id`'s value (normalized) and its text, as the host reads them now.
    fn param_value(&mut self, id: u32) -> (f64, String);
    /// How many times the plugin told the host to read every value again (CLAP: a rescan of
    /// values and texts; VST3: `restartComponent(kParamValuesChanged)`).
    fn values_told(&mut self) -> usize;
    /// Asks what a host must not ask (a parameter's info at index == count; VST3: state into
    /// and out of a null stream), and says for each whether the plugin refused it.
    fn bad_requests(&mut self) -> Vec<(&'static str, bool)>;
    /// From now on, passes only the main audio input port, none for the plugin's other input
    /// ports (a sidechain), as some hosts do (CLAP only; VST3 hosts always pass every bus).
    fn withhold_aux_inputs(&mut self) {}
    /// Loads a preset the host's browser listed (CLAP preset-load): from the plugin itself by
    /// `key`, or from the file at `file`. Says whether the plugin loaded it and told the host.
    fn load_preset(&mut self, _file: Option<&Path>, _key: Option<&str>) -> bool {
        panic!("this host has no preset browser")
    }
    /// Takes the host's component handler away from the plugin, or gives it back (VST3 only:
    /// some hosts give it only after activating the plugin).
    fn set_component_handler(&mut self, _attached: bool) {
        panic!("only VST3 plugins have a component handler")
    }
    fn save_state(&mut self) -> Vec<u8>;
    fn load_state(&mut self, state: &[u8]);
    /// Opens the plugin's editor embedded in the X11 window `parent` (of the display in
    /// `DISPLAY`); false where the harness cannot (VST3).
    fn open_editor(&mut self, _parent: u64) -> bool {
        false
    }
}

/// `target/bundled/`, where `cargo xtask bundle` writes the bundles.
pub fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bundled")
}
