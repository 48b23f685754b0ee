//! The VST3 test host: loads a `.vst3` bundle through the `vst3` crate's COM bindings and drives
//! one plugin instance as a DAW would.
//!
//! Everything runs on the calling thread, which plays both the host's UI thread and its audio
//! thread (a VST3 plugin may treat the thread that created it as its main thread, so an instance
//! stays on the thread that loaded it: the host is not `Send`).
//!
//! The host implements the COM objects a DAW owes a plugin: a host context
//! (`IHostApplication`), a component handler, the per-block event list (notes), the per-block
//! parameter changes (automation, and MIDI controllers, which VST3 delivers as parameter changes
//! of the parameters the plugin names through `IMidiMapping`) and a memory stream (state).
//!
//! This is the Linux flavour of VST3: the library lives at
//! `<bundle>/Contents/x86_64-linux/<bundle stem>.so` and exports `ModuleEntry`/`ModuleExit`.

mod com;
mod module;
mod process;

use super::{Setup, TestHost, Transport};
use com::*;
use module::*;
use std::collections::HashSet;
use std::ffi::{c_char, c_void};
use std::path::Path;
use std::ptr;
use std::time::Instant;
use vst3::Steinberg::Vst::BusDirections_::{kInput, kOutput};
use vst3::Steinberg::Vst::BusTypes_::kMain;
use vst3::Steinberg::Vst::MediaTypes_::{kAudio, kEvent};
use vst3::Steinberg::Vst::ProcessContext_::StatesAndFlags_::{
    kContTimeValid, kPlaying, kProjectTimeMusicValid, kRecording, kSystemTimeValid, kTempoValid,
    kTimeSigValid,
};
use vst3::Steinberg::Vst::ProcessModes_::kRealtime;
use vst3::Steinberg::Vst::SymbolicSampleSizes_::kSample32;
use vst3::Steinberg::Vst::{
    BusInfo, IAudioProcessor, IAudioProcessorTrait, IComponent, IComponentHandler, IComponentTrait,
    IConnectionPoint, IConnectionPointTrait, IEditController, IEditControllerTrait, IMidiMapping,
    IMidiMappingTrait, IUnitInfo, IUnitInfoTrait, ParamID, ProcessContext, ProcessSetup, UnitInfo,
};
use vst3::Steinberg::{
    int32, int64, kNotImplemented, kResultOk, FUnknown, IBStream, IPluginBaseTrait, IPluginFactory,
    IPluginFactory2, IPluginFactory2Trait, IPluginFactoryTrait, PClassInfo, PClassInfo2, TUID,
};
use vst3::{ComPtr, ComWrapper, Interface};

/// The factory category of processor components (`kVstAudioEffectClass`).
const AUDIO_MODULE_CLASS: &str = "Audio Module Class";

/// MIDI channels a VST3 event bus addresses.
const MIDI_CHANNELS: i16 = 16;

/// Controller numbers `IMidiMapping` knows: the 128 CCs, then channel pressure (`kAfterTouch`,
/// 128) and pitch bend (`kPitchBend`, 129).
const MIDI_CONTROLLERS: i16 = 130;

/// The name this host gives plugins that ask.
const HOST_NAME: &str = "csound-plugin test host";

/// The audio module classes of the `.vst3` bundle: class id (hex), name and vendor.
pub fn classes(bundle: &Path) -> Vec<super::catalogue::Listed> {
    let module = Module::open(&library_of(bundle));
    let factory = module.factory();
    let factory2 = factory
        .cast::<IPluginFactory2>()
        .expect("the factory implements IPluginFactory2");
    // SAFETY: COM calls on a live factory.
    let count = unsafe { factory2.countClasses() };
    (0..count)
        .filter_map(|index| {
            // SAFETY: an all-zero PClassInfo2 is a valid value of this plain C struct.
            let mut info: PClassInfo2 = unsafe { std::mem::zeroed() };
            // SAFETY: a COM call with a valid out-pointer.
            let rc = unsafe { factory2.getClassInfo2(index, &mut info) };
            assert_eq!(rc, kResultOk, "getClassInfo2({index})");
            (read_c_string(&info.category) == AUDIO_MODULE_CLASS).then(|| {
                super::catalogue::Listed {
                    id: info
                        .cid
                        .iter()
                        .map(|b| format!("{:02x}", *b as u8))
                        .collect(),
                    name: read_c_string(&info.name),
                    vendor: read_c_string(&info.vendor),
                }
            })
        })
        .collect()
}

/// The library inside a `.vst3` bundle (`Contents/x86_64-linux/<stem>.so`).
fn library_of(bundle: &Path) -> std::path::PathBuf {
    let stem = bundle.file_stem().expect("the bundle has a file name");
    let mut file = stem.to_os_string();
    file.push(".so");
    bundle.join("Contents/x86_64-linux").join(file)
}

/// Loads the class named `class_name` from the `.vst3` bundle, initialises and activates it for
/// `setup` and starts processing.
pub fn load(bundle: &Path, class_name: &str, setup: &Setup) -> Box<dyn TestHost> {
    Box::new(Vst3Host::new(bundle, class_name, setup))
}

/// A loaded, active, processing VST3 plugin instance.
///
/// Fields drop in declaration order: the COM references go first, then the host's own objects,
/// and `_module` last, so the library is unloaded only after everything it made is released.
struct Vst3Host {
    /// The plugin's processor component: buses, activation, state.
    component: ComPtr<IComponent>,
    /// The audio processing interface of the component.
    processor: ComPtr<IAudioProcessor>,
    /// The edit controller: parameters. nice-plug implements it on the component object.
    controller: ComPtr<IEditController>,
    /// Whether `controller` is a separate object this host created (and must terminate and keep
    /// informed of the component's state).
    separate_controller: bool,
    /// The component's and the controller's connection points, when they are separate objects
    /// that talk to each other; disconnected on drop.
    connection: Option<(ComPtr<IConnectionPoint>, ComPtr<IConnectionPoint>)>,
    /// Which parameters MIDI controllers (CC, channel pressure, pitch bend) drive, if the plugin
    /// takes MIDI controllers at all.
    midi_mapping: Option<ComPtr<IMidiMapping>>,
    /// The factory the instance came from; a DAW keeps it while instances live.
    _factory: ComPtr<IPluginFactory>,
    /// The context passed to `initialize`; the plugin may keep a reference to it.
    _host_application: ComWrapper<HostApplication>,
    /// The handler set on the controller; the plugin keeps a reference to it.
    component_handler: ComWrapper<ComponentHandler>,
    /// The plugin's audio inputs, in bus order; the main one gets the test's input, the others
    /// (a sidechain) silence.
    inputs: Vec<Bus>,
    /// The plugin's audio outputs, in bus order; only the main one is returned.
    outputs: Vec<Bus>,
    /// The test's setup: sample rate and the largest block.
    setup: Setup,
    /// Frames processed since loading, reported as the continuous time.
    frames_processed: i64,
    /// When the host was loaded, the origin of the reported system time.
    started: Instant,
    /// The plugin's library; the last field, so it unloads after everything above is released.
    _module: Module,
}

impl Vst3Host {
    fn new(bundle: &Path, class_name: &str, setup: &Setup) -> Self {
        let module = Module::open(&library_of(bundle));
        let factory = module.factory();
        let host_application = ComWrapper::new(HostApplication);
        let context = host_application
            .as_com_ref::<FUnknown>()
            .expect("the host application is an FUnknown")
            .as_ptr();

        let cid = Self::find_class(&factory, class_name);
        let component: ComPtr<IComponent> = Self::create(&factory, &cid);
        // SAFETY: `context` is a live host object for the duration of the call (and beyond: the
        // host keeps `host_application` until the component is released).
        let rc = unsafe { component.initialize(context) };
        assert_eq!(rc, kResultOk, "IComponent::initialize");
        let processor = component
            .cast::<IAudioProcessor>()
            .expect("the component implements IAudioProcessor");

        // The edit controller: on the component itself (nice-plug), else the class it names.
        let (controller, separate_controller) = match component.cast::<IEditController>() {
            Some(controller) => (controller, false),
            None => {
                let mut controller_cid: TUID = [0; 16];
                // SAFETY: a COM call on a live object with a valid out-pointer.
                let rc = unsafe { component.getControllerClassId(&mut controller_cid) };
                assert_eq!(rc, kResultOk, "the component names no edit controller");
                let controller: ComPtr<IEditController> = Self::create(&factory, &controller_cid);
                // SAFETY: as for the component's `initialize` above.
                let rc = unsafe { controller.initialize(context) };
                assert_eq!(rc, kResultOk, "IEditController::initialize");
                (controller, true)
            }
        };
        let connection = if separate_controller {
            match (
                component.cast::<IConnectionPoint>(),
                controller.cast::<IConnectionPoint>(),
            ) {
                (Some(a), Some(b)) => {
                    // SAFETY: COM calls on live objects, each given the other's live pointer.
                    unsafe {
                        a.connect(b.as_ptr());
                        b.connect(a.as_ptr());
                    }
                    Some((a, b))
                }
                _ => None,
            }
        } else {
            None
        };
        let component_handler = ComWrapper::new(ComponentHandler::default());
        let handler = component_handler
            .as_com_ref::<IComponentHandler>()
            .expect("the handler is an IComponentHandler")
            .as_ptr();
        // SAFETY: the handler is a live host object; the plugin takes its own reference.
        unsafe { controller.setComponentHandler(handler) };
        let midi_mapping = controller.cast::<IMidiMapping>();

        let mut host = Vst3Host {
            component,
            processor,
            controller,
            separate_controller,
            connection,
            midi_mapping,
            _factory: factory,
            _host_application: host_application,
            component_handler,
            inputs: Vec::new(),
            outputs: Vec::new(),
            setup: setup.clone(),
            frames_processed: 0,
            started: Instant::now(),
            _module: module,
        };
        if host.separate_controller {
            host.sync_controller();
        }
        host.configure_buses();
        host.setup_processing();
        host.start();
        host
    }

    /// The class ID of the audio module class named `class_name`.
    fn find_class(factory: &ComPtr<IPluginFactory>, class_name: &str) -> TUID {
        let mut found = Vec::new();
        // SAFETY: COM calls on a live factory.
        let count = unsafe { factory.countClasses() };
        for index in 0..count {
            // SAFETY: an all-zero PClassInfo is a valid value of this plain C struct.
            let mut info: PClassInfo = unsafe { std::mem::zeroed() };
            // SAFETY: a COM call with a valid out-pointer.
            let rc = unsafe { factory.getClassInfo(index, &mut info) };
            assert_eq!(rc, kResultOk, "getClassInfo({index})");
            let (name, category) = (read_c_string(&info.name), read_c_string(&info.category));
            if name == class_name && category == AUDIO_MODULE_CLASS {
                return info.cid;
            }
            found.push(format!("{name} ({category})"));
        }
        panic!("no audio module class named {class_name:?}; the factory has {found:?}")
    }

    /// The controller's units (parameter groups) by id, each named by its path from the root
    /// (`Filter`, `Osc/Sub`); empty when the plugin has no `IUnitInfo`.
    fn unit_names(&self) -> std::collections::HashMap<i32, String> {
        let Some(units) = self.controller.cast::<IUnitInfo>() else {
            return Default::default();
        };
        let mut found = std::collections::HashMap::new();
        // SAFETY: COM calls on a live object with valid out-pointers.
        let count = unsafe { units.getUnitCount() };
        for index in 0..count {
            // SAFETY: an all-zero UnitInfo is a valid value of this plain C struct.
            let mut info: UnitInfo = unsafe { std::mem::zeroed() };
            // SAFETY: a COM call with a valid out-pointer.
            if unsafe { units.getUnitInfo(index, &mut info) } == kResultOk {
                found.insert(info.id, (info.parentUnitId, read_string128(&info.name)));
            }
        }
        let path = |mut id: i32| {
            let mut parts = Vec::new();
            while let Some((parent, name)) = found.get(&id).filter(|_| id != 0) {
                parts.push(name.clone());
                id = *parent;
            }
            parts.reverse();
            parts.join("/")
        };
        found.keys().map(|&id| (id, path(id))).collect()
    }

    /// Creates an instance of class `cid` from the factory, as interface `I`.
    fn create<I: Interface>(factory: &ComPtr<IPluginFactory>, cid: &TUID) -> ComPtr<I> {
        let mut obj: *mut c_void = ptr::null_mut();
        // SAFETY: a COM call with a valid class ID, interface ID and out-pointer.
        let rc = unsafe {
            factory.createInstance(cid.as_ptr(), I::IID.as_ptr().cast::<c_char>(), &mut obj)
        };
        assert_eq!(rc, kResultOk, "IPluginFactory::createInstance");
        // SAFETY: on success `obj` is an owned reference to an `I`.
        unsafe { ComPtr::from_raw(obj.cast::<I>()) }.expect("createInstance returned an object")
    }

    /// Reads the audio buses, checks the main ones against the setup, and activates every audio
    /// bus (auxiliary inputs get silence, as from an unrouted sidechain) and the event input.
    fn configure_buses(&mut self) {
        self.arrange_buses();
        self.inputs = self.audio_buses(kInput as i32);
        self.outputs = self.audio_buses(kOutput as i32);
        let main_channels = |buses: &[Bus]| buses.iter().find(|b| b.main).map_or(0, |b| b.channels);
        assert_eq!(
            main_channels(&self.inputs),
            self.setup.inputs as usize,
            "main input channels: the plugin's vs the setup's"
        );
        assert_eq!(
            main_channels(&self.outputs),
            self.setup.outputs as usize,
            "main output channels: the plugin's vs the setup's"
        );

        for (direction, count) in [
            (kInput as i32, self.inputs.len()),
            (kOutput as i32, self.outputs.len()),
        ] {
            for index in 0..count {
                // SAFETY: a COM call on a live object.
                let rc = unsafe {
                    self.component
                        .activateBus(kAudio as i32, direction, index as int32, 1)
                };
                assert_eq!(rc, kResultOk, "activateBus(audio, {direction}, {index})");
            }
        }
        // SAFETY: COM calls on a live object.
        unsafe {
            if self.component.getBusCount(kEvent as i32, kInput as i32) > 0 {
                let rc = self
                    .component
                    .activateBus(kEvent as i32, kInput as i32, 0, 1);
                assert_eq!(rc, kResultOk, "activateBus(event input 0)");
            }
        }
    }

    /// Asks for the setup's main channel counts, as a DAW does for a track of that width: every
    /// bus keeps its channel count but the main ones (speaker arrangements with that many
    /// speakers). A plugin that refuses keeps its default, which the caller then checks.
    fn arrange_buses(&mut self) {
        let arrangement = |channels: u32| -> u64 { (1u64 << channels) - 1 };
        let main_channels = |buses: &[Bus]| buses.iter().find(|b| b.main).map_or(0, |b| b.channels);
        if main_channels(&self.audio_buses(kInput as i32)) == self.setup.inputs as usize
            && main_channels(&self.audio_buses(kOutput as i32)) == self.setup.outputs as usize
        {
            // Already so: many plugins take no request they need not.
            return;
        }
        let wanted = |direction: i32, main: u32| -> Vec<u64> {
            self.audio_buses(direction)
                .iter()
                .map(|bus| match bus.main {
                    true => arrangement(main),
                    false => arrangement(bus.channels as u32),
                })
                .collect()
        };
        let (mut inputs, mut outputs) = (
            wanted(kInput as i32, self.setup.inputs),
            wanted(kOutput as i32, self.setup.outputs),
        );
        // SAFETY: a COM call on a live object with arrays of the lengths given.
        unsafe {
            self.processor.setBusArrangements(
                inputs.as_mut_ptr(),
                inputs.len() as int32,
                outputs.as_mut_ptr(),
                outputs.len() as int32,
            );
        }
    }

    /// The audio buses of one direction.
    fn audio_buses(&self, direction: i32) -> Vec<Bus> {
        // SAFETY: COM calls on a live object with valid out-pointers.
        unsafe {
            (0..self.component.getBusCount(kAudio as i32, direction))
                .map(|index| {
                    let mut info: BusInfo = std::mem::zeroed();
                    let rc = self
                        .component
                        .getBusInfo(kAudio as i32, direction, index, &mut info);
                    assert_eq!(rc, kResultOk, "getBusInfo(audio, {direction}, {index})");
                    Bus {
                        main: info.busType == kMain as i32,
                        channels: info.channelCount.max(0) as usize,
                    }
                })
                .collect()
        }
    }

    /// Realtime processing of 32-bit floats at the setup's rate and largest block.
    fn setup_processing(&self) {
        // SAFETY: COM calls on a live object with a valid setup.
        unsafe {
            assert_eq!(
                self.processor.canProcessSampleSize(kSample32 as int32),
                kResultOk,
                "the plugin cannot process 32-bit floats"
            );
            let mut setup = ProcessSetup {
                processMode: kRealtime as int32,
                symbolicSampleSize: kSample32 as int32,
                maxSamplesPerBlock: self.setup.max_block as int32,
                sampleRate: self.setup.sample_rate,
            };
            let rc = self.processor.setupProcessing(&mut setup);
            assert_eq!(rc, kResultOk, "setupProcessing");
        }
    }

    /// `setActive(true)`, then `setProcessing(true)`.
    fn start(&self) {
        // SAFETY: COM calls on live objects.
        unsafe {
            assert_eq!(self.component.setActive(1), kResultOk, "setActive(true)");
            let rc = self.processor.setProcessing(1);
            assert!(
                rc == kResultOk || rc == kNotImplemented,
                "setProcessing(true) returned {rc}"
            );
        }
    }

    /// `setProcessing(false)`, then `setActive(false)`.
    fn stop(&self) {
        // SAFETY: COM calls on live objects.
        unsafe {
            self.processor.setProcessing(0);
            self.component.setActive(0);
        }
    }

    /// Hands a separate controller the component's current state, as a DAW does after creating
    /// it and after loading state.
    fn sync_controller(&self) {
        let stream = ComWrapper::new(MemoryStream::new(self.get_state()));
        let ptr = stream
            .as_com_ref::<IBStream>()
            .expect("the stream is an IBStream")
            .as_ptr();
        // SAFETY: a COM call with a stream that lives for the call.
        let rc = unsafe { self.controller.setComponentState(ptr) };
        assert_eq!(rc, kResultOk, "IEditController::setComponentState");
    }

    /// The component's state (`IComponent::getState`).
    fn get_state(&self) -> Vec<u8> {
        let stream = ComWrapper::new(MemoryStream::new(Vec::new()));
        let ptr = stream
            .as_com_ref::<IBStream>()
            .expect("the stream is an IBStream")
            .as_ptr();
        // SAFETY: a COM call with a stream that lives for the call.
        let rc = unsafe { self.component.getState(ptr) };
        assert_eq!(rc, kResultOk, "IComponent::getState");
        stream.data.take()
    }

    /// The parameter a MIDI controller (a CC number, `kAfterTouch` or `kPitchBend`) on `channel`
    /// drives.
    fn midi_controller_param(&self, channel: u8, controller: i16) -> ParamID {
        let mapping = self
            .midi_mapping
            .as_ref()
            .expect("the plugin takes no MIDI controllers (no IMidiMapping)");
        let mut id: ParamID = 0;
        // SAFETY: a COM call with a valid out-pointer.
        let rc =
            unsafe { mapping.getMidiControllerAssignment(0, channel as i16, controller, &mut id) };
        assert_eq!(
            rc, kResultOk,
            "the plugin maps no parameter to MIDI controller {controller} on channel {channel}"
        );
        id
    }

    /// Every parameter some MIDI controller drives: the plugin's stand-ins for MIDI, not
    /// parameters a user sees.
    fn midi_controller_params(&self) -> HashSet<ParamID> {
        let Some(mapping) = &self.midi_mapping else {
            return HashSet::new();
        };
        let mut ids = HashSet::new();
        for channel in 0..MIDI_CHANNELS {
            for controller in 0..MIDI_CONTROLLERS {
                let mut id: ParamID = 0;
                // SAFETY: a COM call with a valid out-pointer.
                let rc =
                    unsafe { mapping.getMidiControllerAssignment(0, channel, controller, &mut id) };
                if rc == kResultOk {
                    ids.insert(id);
                }
            }
        }
        ids
    }

    /// The `ProcessContext` reporting `t` for the next block.
    fn process_context(&self, t: &Transport) -> ProcessContext {
        // SAFETY: an all-zero ProcessContext is a valid value of this plain C struct.
        let mut c: ProcessContext = unsafe { std::mem::zeroed() };
        c.state = kProjectTimeMusicValid | kContTimeValid | kSystemTimeValid;
        if t.playing {
            c.state |= kPlaying;
        }
        if t.recording {
            c.state |= kRecording;
        }
        if t.tempo > 0.0 {
            c.state |= kTempoValid;
        }
        if t.time_sig.0 > 0 && t.time_sig.1 > 0 {
            c.state |= kTimeSigValid;
        }
        c.sampleRate = self.setup.sample_rate;
        // VST3 has no seconds field: the position in seconds follows from the samples and rate.
        c.projectTimeSamples = t.pos_samples;
        c.projectTimeMusic = t.pos_beats;
        c.tempo = t.tempo;
        c.timeSigNumerator = t.time_sig.0.into();
        c.timeSigDenominator = t.time_sig.1.into();
        c.continousTimeSamples = self.frames_processed;
        c.systemTime = self.started.elapsed().as_nanos() as int64;
        c
    }
}

impl Drop for Vst3Host {
    fn drop(&mut self) {
        self.stop();
        // SAFETY: COM calls on live objects; afterwards the plugin holds no host object it may
        // call back into, and the references themselves are released as the fields drop.
        unsafe {
            if let Some((a, b)) = &self.connection {
                a.disconnect(b.as_ptr());
                b.disconnect(a.as_ptr());
            }
            self.controller.setComponentHandler(ptr::null_mut());
            if self.separate_controller {
                self.controller.terminate();
            }
            self.component.terminate();
        }
    }
}
