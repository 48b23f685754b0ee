//! The CLAP test host: loads a `.clap` bundle through clack-host and drives one plugin instance
//! as a DAW would.
//!
//! Everything runs on the calling thread, which plays both CLAP's main thread and its audio
//! thread. Requests the plugin makes of the host (`request_callback`, `request_restart`) are
//! recorded and acted on between blocks, as a DAW's main loop would.
//!
//! The plugin is queried through the audio-ports, latency, params and state extensions; the host
//! offers the latency, params and state extensions (with no-op callbacks: this host reads
//! everything on demand).

use super::clap_handlers::{Handlers, MainThread, Shared};
use super::clap_ports::{main_port, port_layout, select_config};
use super::{Event, ParamInfo, Setup, TestHost, Transport};
use clack_extensions::audio_ports::PluginAudioPorts;
use clack_extensions::gui::PluginGui;
use clack_extensions::latency::PluginLatency;
use clack_extensions::params::{ParamInfoBuffer, ParamInfoFlags, PluginParams};
use clack_extensions::preset_discovery::prelude::{Location, PluginPresetLoad};
use clack_extensions::state::PluginState;
use clack_host::events::event_types::{
    MidiEvent, NoteOffEvent, NoteOnEvent, ParamValueEvent, TransportEvent, TransportFlags,
};
use clack_host::events::{EventFlags, EventHeader, Match, Pckn};
use clack_host::prelude::*;
use clack_host::utils::FixedPoint;
use std::collections::HashMap;
use std::ffi::CString;
use std::path::Path;
use std::sync::atomic::Ordering;

/// Loads the plugin `plugin_id` from the `.clap` file `bundle`, activates it for `setup` and
/// starts processing.
pub fn load(bundle: &Path, plugin_id: &str, setup: &Setup) -> Box<dyn TestHost> {
    Box::new(ClapHost::new(bundle, plugin_id, setup))
}

/// A new instance of `plugin_id` from the bundle, not yet activated.
pub fn new_instance(bundle: &Path, plugin_id: &str) -> PluginInstance<Handlers> {
    let entry = entry(bundle);
    let host_info = HostInfo::new(
        "csound-plugin test host",
        "csound-plugin",
        "https://csound.com",
        "0.1.0",
    )
    .expect("host info strings have no NUL");
    let id = CString::new(plugin_id).expect("plugin id has no NUL");
    PluginInstance::<Handlers>::new(
        |_| Shared::default(),
        |shared| MainThread(shared),
        &entry,
        &id,
        &host_info,
    )
    .unwrap_or_else(|e| panic!("could not create {plugin_id}: {e}"))
}

/// The loaded entry of each bundle, kept for the whole process as a DAW keeps its plugins:
/// the entry's `deinit` and unloading must not run while another thread's instance (or the
/// plugin's own threads) may still use the library.
pub fn entry(bundle: &Path) -> PluginEntry {
    static ENTRIES: std::sync::OnceLock<
        std::sync::Mutex<HashMap<std::path::PathBuf, PluginEntry>>,
    > = std::sync::OnceLock::new();
    let mut entries = ENTRIES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    entries
        .entry(bundle.to_path_buf())
        .or_insert_with(|| {
            // SAFETY: loading a CLAP library runs its initialization code. The bundle is the
            // plugin under test, built by this project, and trusted to be a compliant CLAP entry.
            unsafe { PluginEntry::load(bundle) }
                .unwrap_or_else(|e| panic!("could not load {}: {e}", bundle.display()))
        })
        .clone()
}

/// One audio port's sample storage: a `max_block`-long buffer per channel.
type PortBuffers = Vec<Vec<f32>>;

/// An activated, processing CLAP plugin instance and the buffers it is driven with.
struct ClapHost {
    /// The plugin instance (main-thread side); it also keeps the loaded library alive.
    instance: PluginInstance<Handlers>,
    /// The plugin's editor, while it is open.
    gui: Option<PluginGui>,
    /// The started audio processor; `None` only while re-activating or dropping.
    processor: Option<StartedPluginAudioProcessor<Handlers>>,
    /// The activation settings, reused on every re-activation.
    config: PluginAudioConfiguration,
    /// What the test asked for (channel counts, largest block).
    setup: Setup,
    /// The plugin's latency extension, if it has one (otherwise the latency is 0).
    latency: Option<PluginLatency>,
    /// The plugin's params extension, if it has one.
    params: Option<PluginParams>,
    /// The plugin's state extension, if it has one.
    state: Option<PluginState>,
    /// Each parameter's CLAP value range by id, to turn the tests' normalized values into CLAP
    /// values (for nice-plug's continuous parameters the range is 0..1, so they pass unchanged).
    ranges: HashMap<u32, (f64, f64)>,
    /// The input port that receives the test's input; `None` when `setup.inputs` is 0.
    main_input: Option<usize>,
    /// The output port whose channels `process` returns.
    main_output: usize,
    /// Storage for every input port the plugin declares; ports other than the main one (such as
    /// a sidechain) are given silence. Every declared port gets a buffer: nice-plug's wrapper
    /// reads each auxiliary port it declares.
    inputs: Vec<PortBuffers>,
    /// Storage for every output port the plugin declares.
    outputs: Vec<PortBuffers>,
    /// clack-host's pointer tables for the input ports, reused every block.
    input_ports: AudioPorts,
    /// clack-host's pointer tables for the output ports, reused every block.
    output_ports: AudioPorts,
    /// The block's input events, sorted by time.
    events: EventBuffer,
    /// Where the plugin writes its output events (the tests do not read them).
    out_events: EventBuffer,
    /// The running sample counter given to the plugin as `steady_time`.
    steady_time: u64,
    /// Pass no buffers for input ports other than the main one.
    withhold_aux: bool,
}

impl ClapHost {
    fn new(bundle: &Path, plugin_id: &str, setup: &Setup) -> Self {
        let mut instance = new_instance(bundle, plugin_id);

        let shared = instance.plugin_shared_handle();
        let audio_ports = shared.get_extension::<PluginAudioPorts>();
        let latency = shared.get_extension::<PluginLatency>();
        let params = shared.get_extension::<PluginParams>();
        let state = shared.get_extension::<PluginState>();

        select_config(&mut instance, setup);
        let (input_layout, output_layout) = match audio_ports {
            Some(ext) => (
                port_layout(&mut instance, ext, true),
                port_layout(&mut instance, ext, false),
            ),
            // Without the extension, assume exactly the ports the test asks for.
            None => (
                if setup.inputs > 0 {
                    vec![(setup.inputs, true)]
                } else {
                    Vec::new()
                },
                vec![(setup.outputs, true)],
            ),
        };
        let main_input = (setup.inputs > 0).then(|| {
            main_port(&input_layout, setup.inputs, "input")
                .unwrap_or_else(|| panic!("{plugin_id}: no main input port: {input_layout:?}"))
        });
        let main_output = main_port(&output_layout, setup.outputs, "output")
            .unwrap_or_else(|| panic!("{plugin_id}: no main output port: {output_layout:?}"));

        let max = setup.max_block as usize;
        let storage = |layout: &[(u32, bool)]| -> Vec<PortBuffers> {
            layout
                .iter()
                .map(|&(channels, _)| vec![vec![0.0; max]; channels as usize])
                .collect()
        };
        let inputs = storage(&input_layout);
        let outputs = storage(&output_layout);
        // Capacity for every channel up front: clack-host then never has to grow (and re-point)
        // its pointer tables.
        let channel_count = |ports: &[PortBuffers]| ports.iter().map(Vec::len).sum::<usize>();
        let input_ports = AudioPorts::with_capacity(channel_count(&inputs), inputs.len());
        let output_ports = AudioPorts::with_capacity(channel_count(&outputs), outputs.len());

        let mut host = Self {
            instance,
            gui: None,
            processor: None,
            config: PluginAudioConfiguration {
                sample_rate: setup.sample_rate,
                min_frames_count: 1,
                max_frames_count: setup.max_block,
            },
            setup: setup.clone(),
            latency,
            params,
            state,
            ranges: HashMap::new(),
            main_input,
            main_output,
            inputs,
            outputs,
            input_ports,
            output_ports,
            events: EventBuffer::with_capacity(64),
            out_events: EventBuffer::with_capacity(64),
            steady_time: 0,
            withhold_aux: false,
        };
        // Reads the parameter ranges `Event::Param` needs.
        host.params();
        host.activate();
        host.handle_requests();
        host
    }

    /// Activates the plugin with `self.config` and starts processing.
    fn activate(&mut self) {
        let stopped = self
            .instance
            .activate(|_, _| (), self.config)
            .unwrap_or_else(|e| panic!("plugin failed to activate: {e}"));
        let started = stopped
            .start_processing()
            .unwrap_or_else(|_| panic!("plugin failed to start processing"));
        self.processor = Some(started);
    }

    /// Stops processing and deactivates the plugin, if it is active.
    fn deactivate(&mut self) {
        if let Some(started) = self.processor.take() {
            self.instance.deactivate(started.stop_processing());
        }
    }

    /// Does what the plugin asked of the host since the last call: runs its main-thread
    /// callback, and restarts it (deactivate, activate, start processing).
    fn handle_requests(&mut self) {
        // A callback may request a restart and a restart may request a callback; a plugin that
        // keeps asking forever is a bug the harness reports.
        for _ in 0..16 {
            let callback = self
                .instance
                .access_shared_handler(|s| s.callback.swap(false, Ordering::SeqCst));
            if callback {
                self.instance.call_on_main_thread_callback();
            }
            let restart = self
                .instance
                .access_shared_handler(|s| s.restart.swap(false, Ordering::SeqCst));
            if restart {
                self.deactivate();
                self.activate();
            }
            if !callback && !restart {
                return;
            }
        }
        panic!("the plugin keeps requesting callbacks or restarts");
    }

    /// Writes the test's events into `self.events` as CLAP events, in time order.
    fn fill_events(&mut self, events: &[Event], frames: usize) {
        self.events.clear();
        for event in events {
            let at = match *event {
                Event::NoteOn { at, .. }
                | Event::NoteOff { at, .. }
                | Event::Midi { at, .. }
                | Event::Param { at, .. } => at,
            };
            assert!(
                (at as usize) < frames,
                "event at {at} outside a block of {frames}"
            );
            match *event {
                Event::NoteOn {
                    channel,
                    key,
                    velocity,
                    ..
                } => self
                    .events
                    .push(&NoteOnEvent::new(at, note(channel, key), velocity)),
                Event::NoteOff { channel, key, .. } => {
                    self.events
                        .push(&NoteOffEvent::new(at, note(channel, key), 0.0))
                }
                Event::Midi { bytes, .. } => self.events.push(&MidiEvent::new(at, 0, bytes)),
                Event::Param { id, value, .. } => {
                    let (min, max) = self.ranges.get(&id).copied().unwrap_or((0.0, 1.0));
                    self.events.push(&ParamValueEvent::new(
                        at,
                        ClapId::new(id),
                        Pckn::match_all(),
                        min + value * (max - min),
                    ));
                }
            }
        }
        // Stable for equal times: events at one frame keep the order the test gave.
        self.events.sort();
    }
}

impl TestHost for ClapHost {
    fn latency(&mut self) -> u32 {
        self.handle_requests();
        match self.latency {
            Some(ext) => ext.get(&self.instance.plugin_handle()),
            None => 0,
        }
    }

    fn params(&mut self) -> Vec<ParamInfo> {
        let Some(ext) = self.params else {
            return Vec::new();
        };
        let handle = self.instance.plugin_handle();
        let mut buffer = ParamInfoBuffer::new();
        let mut list = Vec::new();
        for index in 0..ext.count(&handle) {
            let info = ext
                .get_info(&handle, index, &mut buffer)
                .unwrap_or_else(|| panic!("plugin has no info for parameter {index}"));
            let (min, max) = (info.min_value, info.max_value);
            self.ranges.insert(info.id.get(), (min, max));
            list.push(ParamInfo {
                id: info.id.get(),
                name: String::from_utf8_lossy(info.name).into_owned(),
                group: String::from_utf8_lossy(info.module).into_owned(),
                steps: if info.flags.contains(ParamInfoFlags::IS_STEPPED) {
                    (max - min) as u32
                } else {
                    0
                },
                default: if max > min {
                    (info.default_value - min) / (max - min)
                } else {
                    0.0
                },
            });
        }
        list
    }

    fn process(
        &mut self,
        input: &[Vec<f32>],
        frames: usize,
        events: &[Event],
        transport: Option<&Transport>,
    ) -> Vec<Vec<f32>> {
        assert!(
            (1..=self.setup.max_block as usize).contains(&frames),
            "block of {frames} frames, max_block is {}",
            self.setup.max_block
        );
        assert!(
            input.is_empty() || input.len() == self.setup.inputs as usize,
            "{} input channels given, the setup has {}",
            input.len(),
            self.setup.inputs
        );
        assert!(
            input.iter().all(|channel| channel.len() >= frames),
            "an input channel is shorter than the block of {frames}"
        );
        for (index, port) in self.inputs.iter_mut().enumerate() {
            let given = if Some(index) == self.main_input {
                input
            } else {
                &[]
            };
            for (channel, samples) in port.iter_mut().enumerate() {
                match given.get(channel) {
                    Some(source) => samples[..frames].copy_from_slice(&source[..frames]),
                    None => samples[..frames].fill(0.0),
                }
            }
        }
        for samples in self.outputs.iter_mut().flatten() {
            samples[..frames].fill(0.0);
        }
        self.fill_events(events, frames);
        self.out_events.clear();
        let transport = transport.map(transport_event);

        // Withholding: the ports up to the main one (none for an instrument).
        let ports = match self.withhold_aux {
            true => self.main_input.map_or(0, |main| main + 1),
            false => self.inputs.len(),
        };
        let audio_in = self
            .input_ports
            .with_input_buffers(self.inputs.iter_mut().take(ports).map(|port| {
                AudioPortBuffer {
                    latency: 0,
                    channels: AudioPortBufferType::f32_input_only(
                        port.iter_mut()
                            .map(|samples| InputChannel::variable(&mut samples[..frames])),
                    ),
                }
            }));
        let mut audio_out = self
            .output_ports
            .with_output_buffers(self.outputs.iter_mut().map(|port| AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_output_only(
                    port.iter_mut().map(|samples| &mut samples[..frames]),
                ),
            }));
        self.processor
            .as_mut()
            .expect("the plugin is processing")
            .process(
                &audio_in,
                &mut audio_out,
                &self.events.as_input(),
                &mut OutputEvents::from_buffer(&mut self.out_events),
                Some(self.steady_time),
                transport.as_ref(),
            )
            .unwrap_or_else(|e| panic!("plugin process failed: {e}"));
        self.steady_time += frames as u64;

        let output = self.outputs[self.main_output]
            .iter()
            .map(|samples| samples[..frames].to_vec())
            .collect();
        self.handle_requests();
        output
    }

    fn save_state(&mut self) -> Vec<u8> {
        let ext = self.state.expect("plugin has no state extension");
        let mut stream = Vec::new();
        ext.save(&self.instance.plugin_handle(), &mut stream)
            .unwrap_or_else(|e| panic!("plugin failed to save its state: {e}"));
        unframe(&stream).to_vec()
    }

    fn load_state(&mut self, state: &[u8]) {
        let ext = self.state.expect("plugin has no state extension");
        let stream = frame(state);
        ext.load(&self.instance.plugin_handle(), &mut stream.as_slice())
            .unwrap_or_else(|e| panic!("plugin failed to load its state: {e}"));
        // nice-plug applies a loaded state's non-parameter fields when the plugin is next
        // activated, and its CLAP wrapper does not ask for that itself. A DAW loading a project
        // activates plugins after restoring them; the harness matches that by restarting.
        self.instance
            .access_shared_handler(|s| s.restart.store(true, Ordering::SeqCst));
        self.handle_requests();
    }

    fn param_value(&mut self, id: u32) -> (f64, String) {
        self.handle_requests();
        let ext = self.params.expect("plugin has no params extension");
        let handle = self.instance.plugin_handle();
        let value = ext
            .get_value(&handle, ClapId::new(id))
            .unwrap_or_else(|| panic!("no value for parameter {id}"));
        let mut buffer = [0u8; 256];
        let text = ext
            .value_to_text(&handle, ClapId::new(id), value, &mut buffer)
            .map(|t| String::from_utf8_lossy(t).into_owned())
            .unwrap_or_else(|_| panic!("no text for parameter {id}"));
        let (min, max) = self.ranges.get(&id).copied().unwrap_or((0.0, 1.0));
        ((value - min) / (max - min), text)
    }

    fn values_told(&mut self) -> usize {
        self.handle_requests();
        self.instance
            .access_shared_handler(|s| s.values_rescanned.load(Ordering::SeqCst))
    }

    fn bad_requests(&mut self) -> Vec<(&'static str, bool)> {
        let ext = self.params.expect("plugin has no params extension");
        let handle = self.instance.plugin_handle();
        let mut buffer = ParamInfoBuffer::new();
        let count = ext.count(&handle);
        let refused = ext.get_info(&handle, count, &mut buffer).is_none();
        vec![("params.get_info(count)", refused)]
    }

    fn load_preset(&mut self, file: Option<&Path>, key: Option<&str>) -> bool {
        let ext = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginPresetLoad>()
            .expect("the plugin has the preset-load extension");
        let path = file.map(|f| CString::new(f.to_string_lossy().into_owned()).expect("path"));
        let location = match &path {
            Some(path) => Location::File { path },
            None => Location::Plugin,
        };
        let key = key.map(|k| CString::new(k).expect("key"));
        let before = self
            .instance
            .access_shared_handler(|s| s.presets_loaded.load(Ordering::SeqCst));
        let handle = self.instance.plugin_handle();
        let loaded = ext
            .load_from_location(&handle, location, key.as_deref())
            .is_ok();
        self.handle_requests();
        let told = self
            .instance
            .access_shared_handler(|s| s.presets_loaded.load(Ordering::SeqCst));
        loaded && told == before + 1
    }

    fn withhold_aux_inputs(&mut self) {
        self.withhold_aux = true;
        // Fresh tables that never held a port: with no port given, the list the plugin gets is
        // an empty one's (dangling, not null) pointer, as from a host's empty array. A plugin
        // must read none of it (CLAP: `audio_inputs_count` is 0).
        self.input_ports = AudioPorts::with_capacity(0, 0);
    }

    fn open_editor(&mut self, parent: u64) -> bool {
        self.gui = super::clap_gui::open(&mut self.instance, parent);
        self.handle_requests();
        self.gui.is_some()
    }
}

impl Drop for ClapHost {
    fn drop(&mut self) {
        if let Some(gui) = self.gui.take() {
            gui.destroy(&self.instance.plugin_handle());
        }
        // clack-host leaks an instance whose audio processor outlives it: hand it back first.
        self.deactivate();
    }
}

/// A note on note port 0 with no note id (-1): the plugin matches on channel and key.
fn note(channel: u8, key: u8) -> Pckn {
    Pckn::new(0u16, u16::from(channel), u16::from(key), Match::All)
}

/// The CLAP transport for a block. CLAP has no position in samples: plugins derive it from the
/// seconds timeline. Both CLAP fixed-point factors (beats and seconds) are 2^31, the factor
/// [`FixedPoint`] uses.
fn transport_event(t: &Transport) -> TransportEvent {
    let mut flags = TransportFlags::HAS_TEMPO
        | TransportFlags::HAS_BEATS_TIMELINE
        | TransportFlags::HAS_SECONDS_TIMELINE;
    flags.set(TransportFlags::IS_PLAYING, t.playing);
    flags.set(TransportFlags::IS_RECORDING, t.recording);
    let (numerator, denominator) = t.time_sig;
    // Bars only mean something with a time signature; (0, 0) (the default) is "none".
    let (bar_start, bar_number) = if numerator > 0 && denominator > 0 {
        flags |= TransportFlags::HAS_TIME_SIGNATURE;
        let bar_beats = f64::from(numerator) * 4.0 / f64::from(denominator);
        let bar = (t.pos_beats / bar_beats).floor();
        (bar * bar_beats, bar as i32)
    } else {
        (0.0, 0)
    };
    TransportEvent {
        header: EventHeader::new_core(0, EventFlags::empty()),
        flags,
        song_pos_beats: FixedPoint::from_float(t.pos_beats),
        song_pos_seconds: FixedPoint::from_float(t.pos_seconds),
        tempo: t.tempo,
        tempo_inc: 0.0,
        loop_start_beats: FixedPoint::default(),
        loop_end_beats: FixedPoint::default(),
        loop_start_seconds: FixedPoint::default(),
        loop_end_seconds: FixedPoint::default(),
        bar_start: FixedPoint::from_float(bar_start),
        bar_number,
        time_signature_numerator: numerator,
        time_signature_denominator: denominator,
    }
}

/// nice-plug's CLAP wrapper frames its state as an 8-byte little-endian length, then the
/// payload (the same JSON its VST3 wrapper saves bare). The harness hands tests the payload, so
/// both hosts' states read and edit alike.
fn unframe(stream: &[u8]) -> &[u8] {
    let (length, payload) = stream
        .split_first_chunk::<8>()
        .expect("the state stream is shorter than its length prefix");
    assert_eq!(
        u64::from_le_bytes(*length),
        payload.len() as u64,
        "the state stream's length prefix does not match its payload"
    );
    payload
}

/// The state stream nice-plug's CLAP wrapper reads: the payload behind its length.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut stream = (payload.len() as u64).to_le_bytes().to_vec();
    stream.extend_from_slice(payload);
    stream
}
