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

use super::{Event, ParamInfo, Setup, TestHost, Transport};
use libloading::os::unix::{Library, RTLD_LAZY, RTLD_LOCAL};
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::ffi::{c_char, c_void};
use std::path::Path;
use std::ptr;
use std::time::Instant;
use vst3::Steinberg::IBStream_::IStreamSeekMode_::{kIBSeekCur, kIBSeekEnd, kIBSeekSet};
use vst3::Steinberg::Vst::BusDirections_::{kInput, kOutput};
use vst3::Steinberg::Vst::BusTypes_::kMain;
use vst3::Steinberg::Vst::ControllerNumbers_::{kAfterTouch, kPitchBend};
use vst3::Steinberg::Vst::Event_::EventTypes_::{kNoteOffEvent, kNoteOnEvent, kPolyPressureEvent};
use vst3::Steinberg::Vst::MediaTypes_::{kAudio, kEvent};
use vst3::Steinberg::Vst::ProcessContext_::StatesAndFlags_::{
    kContTimeValid, kPlaying, kProjectTimeMusicValid, kRecording, kSystemTimeValid, kTempoValid,
    kTimeSigValid,
};
use vst3::Steinberg::Vst::ProcessModes_::kRealtime;
use vst3::Steinberg::Vst::SymbolicSampleSizes_::kSample32;
use vst3::Steinberg::Vst::{
    AudioBusBuffers, AudioBusBuffers__type0, BusInfo, IAudioProcessor, IAudioProcessorTrait,
    IComponent, IComponentHandler, IComponentHandlerTrait, IComponentTrait, IConnectionPoint,
    IConnectionPointTrait, IEditController, IEditControllerTrait, IEventList, IEventListTrait,
    IHostApplication, IHostApplicationTrait, IMidiMapping, IMidiMappingTrait, IParamValueQueue,
    IParamValueQueueTrait, IParameterChanges, IParameterChangesTrait, NoteOffEvent, NoteOnEvent,
    ParamID, ParamValue, ParameterInfo, PolyPressureEvent, ProcessContext, ProcessData,
    ProcessSetup, String128,
};
use vst3::Steinberg::{
    int32, int64, kInvalidArgument, kNoInterface, kNotImplemented, kResultFalse, kResultOk,
    tresult, FUnknown, IBStream, IBStreamTrait, IPluginBaseTrait, IPluginFactory,
    IPluginFactoryTrait, PClassInfo, TUID,
};
use vst3::{Class, ComPtr, ComWrapper, Interface};

/// The factory category of processor components (`kVstAudioEffectClass`).
const AUDIO_MODULE_CLASS: &str = "Audio Module Class";

/// MIDI channels a VST3 event bus addresses.
const MIDI_CHANNELS: i16 = 16;

/// Controller numbers `IMidiMapping` knows: the 128 CCs, then channel pressure (`kAfterTouch`,
/// 128) and pitch bend (`kPitchBend`, 129).
const MIDI_CONTROLLERS: i16 = 130;

/// The name this host gives plugins that ask.
const HOST_NAME: &str = "csound-plugin test host";

/// Loads the class named `class_name` from the `.vst3` bundle, initialises and activates it for
/// `setup` and starts processing.
pub fn load(bundle: &Path, class_name: &str, setup: &Setup) -> Box<dyn TestHost> {
    Box::new(Vst3Host::new(bundle, class_name, setup))
}

/// Copies `text` into a NUL-terminated UTF-16 VST3 string, truncating it to fit.
fn write_string128(text: &str, dest: &mut String128) {
    let units: Vec<u16> = text.encode_utf16().take(dest.len() - 1).collect();
    dest[..units.len()].copy_from_slice(&units);
    dest[units.len()] = 0;
}

/// Reads a NUL-terminated UTF-16 VST3 string.
fn read_string128(text: &String128) -> String {
    let end = text.iter().position(|&u| u == 0).unwrap_or(text.len());
    String::from_utf16_lossy(&text[..end])
}

/// Reads one of the NUL-terminated 8-bit strings of a `PClassInfo`.
fn read_c_string(text: &[c_char]) -> String {
    let bytes: Vec<u8> = text
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The host context passed to `IPluginBase::initialize`: it tells the plugin who is hosting it.
struct HostApplication;

impl Class for HostApplication {
    type Interfaces = (IHostApplication,);
}

impl IHostApplicationTrait for HostApplication {
    unsafe fn getName(&self, name: *mut String128) -> tresult {
        if name.is_null() {
            return kInvalidArgument;
        }
        // SAFETY: the plugin passes a valid `String128` to fill.
        write_string128(HOST_NAME, unsafe { &mut *name });
        kResultOk
    }

    unsafe fn createInstance(
        &self,
        _cid: *mut TUID,
        _iid: *mut TUID,
        obj: *mut *mut c_void,
    ) -> tresult {
        // Host-made objects (`IMessage`, `IAttributeList`) only serve a processor and a
        // controller living in separate objects that talk through messages; nice-plug's single
        // object needs none, so this host makes none.
        if !obj.is_null() {
            // SAFETY: the plugin passes a valid place for the object pointer.
            unsafe { *obj = ptr::null_mut() };
        }
        kNoInterface
    }
}

/// What a DAW hands the edit controller to hear about edits and restart requests. This host reads
/// everything (latency, parameters) on demand, so it only acknowledges them.
struct ComponentHandler;

impl Class for ComponentHandler {
    type Interfaces = (IComponentHandler,);
}

impl IComponentHandlerTrait for ComponentHandler {
    unsafe fn beginEdit(&self, _id: ParamID) -> tresult {
        kResultOk
    }

    unsafe fn performEdit(&self, _id: ParamID, _value: ParamValue) -> tresult {
        kResultOk
    }

    unsafe fn endEdit(&self, _id: ParamID) -> tresult {
        kResultOk
    }

    unsafe fn restartComponent(&self, _flags: int32) -> tresult {
        // A latency change is picked up by the next `latency()` call; re-activations this host
        // does itself (after loading state).
        kResultOk
    }
}

/// The note events of one block, in time order (an input list: the plugin only reads it).
struct EventList {
    /// The events, sorted by `sampleOffset`.
    events: Vec<vst3::Steinberg::Vst::Event>,
}

impl Class for EventList {
    type Interfaces = (IEventList,);
}

impl IEventListTrait for EventList {
    unsafe fn getEventCount(&self) -> int32 {
        self.events.len() as int32
    }

    unsafe fn getEvent(&self, index: int32, e: *mut vst3::Steinberg::Vst::Event) -> tresult {
        match usize::try_from(index).ok().and_then(|i| self.events.get(i)) {
            Some(event) if !e.is_null() => {
                // SAFETY: the plugin passes a valid `Event` to fill.
                unsafe { *e = *event };
                kResultOk
            }
            _ => kInvalidArgument,
        }
    }

    unsafe fn addEvent(&self, _e: *mut vst3::Steinberg::Vst::Event) -> tresult {
        kResultFalse
    }
}

/// The changes of one parameter within one block (an input queue: the plugin only reads it).
struct ParamQueue {
    /// The parameter these points change.
    id: ParamID,
    /// (sample offset, normalized value) points, in time order.
    points: Vec<(int32, ParamValue)>,
}

impl Class for ParamQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for ParamQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }

    unsafe fn getPointCount(&self) -> int32 {
        self.points.len() as int32
    }

    unsafe fn getPoint(
        &self,
        index: int32,
        sample_offset: *mut int32,
        value: *mut ParamValue,
    ) -> tresult {
        match usize::try_from(index).ok().and_then(|i| self.points.get(i)) {
            Some(&(at, v)) if !sample_offset.is_null() && !value.is_null() => {
                // SAFETY: the plugin passes valid places for the point's offset and value.
                unsafe {
                    *sample_offset = at;
                    *value = v;
                }
                kResultOk
            }
            _ => kInvalidArgument,
        }
    }

    unsafe fn addPoint(&self, _offset: int32, _value: ParamValue, _index: *mut int32) -> tresult {
        kResultFalse
    }
}

/// The parameter changes of one block: one queue per changed parameter.
struct ParamChanges {
    /// The queues, in order of each parameter's first change.
    queues: Vec<ComWrapper<ParamQueue>>,
}

impl Class for ParamChanges {
    type Interfaces = (IParameterChanges,);
}

impl IParameterChangesTrait for ParamChanges {
    unsafe fn getParameterCount(&self) -> int32 {
        self.queues.len() as int32
    }

    unsafe fn getParameterData(&self, index: int32) -> *mut IParamValueQueue {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.queues.get(i))
            .and_then(|q| q.as_com_ref::<IParamValueQueue>())
            .map_or(ptr::null_mut(), |q| q.as_ptr())
    }

    unsafe fn addParameterData(
        &self,
        _id: *const ParamID,
        index: *mut int32,
    ) -> *mut IParamValueQueue {
        if !index.is_null() {
            // SAFETY: the plugin passes a valid place for the index.
            unsafe { *index = 0 };
        }
        ptr::null_mut()
    }
}

/// An in-memory `IBStream`, for saving and loading state.
struct MemoryStream {
    /// The bytes written so far, or the state to be read.
    data: RefCell<Vec<u8>>,
    /// The read/write position (may lie past the end after a seek; a write there zero-fills).
    pos: Cell<usize>,
}

impl MemoryStream {
    fn new(data: Vec<u8>) -> Self {
        Self {
            data: RefCell::new(data),
            pos: Cell::new(0),
        }
    }
}

impl Class for MemoryStream {
    type Interfaces = (IBStream,);
}

impl IBStreamTrait for MemoryStream {
    unsafe fn read(&self, buffer: *mut c_void, num_bytes: int32, num_read: *mut int32) -> tresult {
        let Ok(wanted) = usize::try_from(num_bytes) else {
            return kInvalidArgument;
        };
        if buffer.is_null() && wanted > 0 {
            return kInvalidArgument;
        }
        let data = self.data.borrow();
        let start = self.pos.get().min(data.len());
        let n = wanted.min(data.len() - start);
        if n > 0 {
            // SAFETY: the plugin's buffer holds `num_bytes` >= `n` bytes and is not ours.
            unsafe { ptr::copy_nonoverlapping(data[start..].as_ptr(), buffer.cast::<u8>(), n) };
        }
        self.pos.set(start + n);
        if !num_read.is_null() {
            // SAFETY: the plugin passes a valid place for the count.
            unsafe { *num_read = n as int32 };
        }
        kResultOk
    }

    unsafe fn write(
        &self,
        buffer: *mut c_void,
        num_bytes: int32,
        num_written: *mut int32,
    ) -> tresult {
        let Ok(n) = usize::try_from(num_bytes) else {
            return kInvalidArgument;
        };
        if buffer.is_null() && n > 0 {
            return kInvalidArgument;
        }
        if n > 0 {
            // SAFETY: the plugin's buffer holds `num_bytes` readable bytes.
            let bytes = unsafe { std::slice::from_raw_parts(buffer.cast::<u8>(), n) };
            let mut data = self.data.borrow_mut();
            let pos = self.pos.get();
            if data.len() < pos + n {
                data.resize(pos + n, 0);
            }
            data[pos..pos + n].copy_from_slice(bytes);
            self.pos.set(pos + n);
        }
        if !num_written.is_null() {
            // SAFETY: the plugin passes a valid place for the count.
            unsafe { *num_written = n as int32 };
        }
        kResultOk
    }

    unsafe fn seek(&self, pos: int64, mode: int32, result: *mut int64) -> tresult {
        let base = match mode as u32 {
            m if m == kIBSeekSet => 0,
            m if m == kIBSeekCur => self.pos.get() as i64,
            m if m == kIBSeekEnd => self.data.borrow().len() as i64,
            _ => return kInvalidArgument,
        };
        let Ok(new) = usize::try_from(base + pos) else {
            return kInvalidArgument;
        };
        self.pos.set(new);
        if !result.is_null() {
            // SAFETY: the plugin passes a valid place for the new position.
            unsafe { *result = new as int64 };
        }
        kResultOk
    }

    unsafe fn tell(&self, pos: *mut int64) -> tresult {
        if pos.is_null() {
            return kInvalidArgument;
        }
        // SAFETY: the plugin passes a valid place for the position.
        unsafe { *pos = self.pos.get() as int64 };
        kResultOk
    }
}

/// The loaded plugin library. Dropping it calls `ModuleExit`, so it must outlive every COM object
/// the library made.
///
/// The library is opened with `RTLD_NODELETE`, so closing it never unmaps it: a plugin may leave
/// thread-exit hooks on the threads that called into it (a Rust plugin's own standard library
/// registers a `pthread_key` destructor on a thread that calls `thread::current()`, as nice-plug
/// does), and those would jump into unmapped code when a test thread ends after its host was
/// dropped. DAWs likewise keep plugin modules loaded.
struct Module {
    /// The `dlopen`ed library (closed, not unmapped, when this drops).
    library: Library,
    /// Whether `ModuleEntry` ran, so `ModuleExit` is owed.
    entered: bool,
}

impl Module {
    /// Opens the library and calls `ModuleEntry` (with the `dlopen` handle) if it exports one.
    fn open(path: &Path) -> Self {
        let flags = RTLD_LAZY | RTLD_LOCAL | libc::RTLD_NODELETE;
        // SAFETY: loading the plugin runs its initialisers; the plugin is the code under test.
        let library = unsafe { Library::open(Some(path), flags) }
            .unwrap_or_else(|e| panic!("cannot load {}: {e}", path.display()));
        let handle = library.into_raw();
        // SAFETY: `handle` came from `into_raw` just above and is not used elsewhere.
        let library = unsafe { Library::from_raw(handle) };
        // SAFETY: the Linux VST3 entry point is `bool ModuleEntry(void* sharedLibraryHandle)`.
        let entry =
            unsafe { library.get::<unsafe extern "C" fn(*mut c_void) -> bool>(b"ModuleEntry") };
        let entered = match entry {
            Ok(entry) => {
                // SAFETY: called once for this load, with this load's handle.
                assert!(unsafe { entry(handle) }, "ModuleEntry failed");
                true
            }
            Err(_) => false,
        };
        Module { library, entered }
    }

    /// The plugin factory (`GetPluginFactory`).
    fn factory(&self) -> ComPtr<IPluginFactory> {
        // SAFETY: the VST3 entry point is `IPluginFactory* GetPluginFactory()`.
        let get = unsafe {
            self.library
                .get::<unsafe extern "system" fn() -> *mut IPluginFactory>(b"GetPluginFactory")
        }
        .expect("the library exports GetPluginFactory");
        // SAFETY: `GetPluginFactory` returns an owned reference to a factory (or null).
        unsafe { ComPtr::from_raw(get()) }.expect("GetPluginFactory returned a factory")
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        if self.entered {
            // SAFETY: the Linux VST3 exit point is `bool ModuleExit()`; it pairs with the
            // `ModuleEntry` call of this load.
            if let Ok(exit) = unsafe {
                self.library
                    .get::<unsafe extern "C" fn() -> bool>(b"ModuleExit")
            } {
                // SAFETY: every object of this load has been released (see `Vst3Host`'s fields).
                unsafe { exit() };
            }
        }
    }
}

/// One audio bus of the plugin, as this host drives it.
#[derive(Clone, Copy, Debug)]
struct Bus {
    /// Whether this is the main bus of its direction (else auxiliary, e.g. a sidechain).
    main: bool,
    /// How many channels the host provides buffers for.
    channels: usize,
}

/// Block-sized sample storage for every channel of a list of buses, and the pointer tables that
/// `AudioBusBuffers` point into.
struct BusBuffers {
    /// The samples: `[bus][channel][frame]`.
    samples: Vec<Vec<Vec<f32>>>,
    /// Per bus, a pointer to each channel of `samples`.
    pointers: Vec<Vec<*mut f32>>,
}

impl BusBuffers {
    /// Silent samples of `frames` frames for every channel of `buses`, to fill before wrapping.
    fn silence(buses: &[Bus], frames: usize) -> Vec<Vec<Vec<f32>>> {
        buses
            .iter()
            .map(|bus| vec![vec![0.0; frames]; bus.channels])
            .collect()
    }

    /// Wraps filled sample storage; from here on the samples are only reached through the
    /// pointer tables (by the plugin) until the wrapper is taken apart.
    fn new(mut samples: Vec<Vec<Vec<f32>>>) -> Self {
        let pointers = samples
            .iter_mut()
            .map(|bus| bus.iter_mut().map(|c| c.as_mut_ptr()).collect())
            .collect();
        BusBuffers { samples, pointers }
    }

    /// The `AudioBusBuffers` describing these buffers; they point into `self`.
    fn vst3(&mut self) -> Vec<AudioBusBuffers> {
        self.pointers
            .iter_mut()
            .map(|channels| AudioBusBuffers {
                numChannels: channels.len() as int32,
                silenceFlags: 0,
                __field0: AudioBusBuffers__type0 {
                    channelBuffers32: channels.as_mut_ptr(),
                },
            })
            .collect()
    }
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
    _component_handler: ComWrapper<ComponentHandler>,
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
        let stem = bundle.file_stem().expect("the bundle has a file name");
        let mut file = stem.to_os_string();
        file.push(".so");
        let library = bundle.join("Contents/x86_64-linux").join(file);
        let module = Module::open(&library);
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
        let component_handler = ComWrapper::new(ComponentHandler);
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
            _component_handler: component_handler,
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

/// A zeroed VST3 event of `type_` at `at`; the caller fills in the payload.
fn vst3_event(at: u32, type_: u32) -> vst3::Steinberg::Vst::Event {
    // SAFETY: an all-zero Event is a valid value of this plain C struct.
    let mut e: vst3::Steinberg::Vst::Event = unsafe { std::mem::zeroed() };
    e.sampleOffset = at as int32;
    e.r#type = type_ as u16;
    e
}

/// A VST3 note-on (no note ID: the plugin matches notes by channel and key).
fn note_on(at: u32, channel: u8, key: u8, velocity: f64) -> vst3::Steinberg::Vst::Event {
    let mut e = vst3_event(at, kNoteOnEvent);
    e.__field0.noteOn = NoteOnEvent {
        channel: channel.into(),
        pitch: key.into(),
        tuning: 0.0,
        velocity: velocity as f32,
        length: 0,
        noteId: -1,
    };
    e
}

/// A VST3 note-off (no note ID: the plugin matches notes by channel and key).
fn note_off(at: u32, channel: u8, key: u8, velocity: f64) -> vst3::Steinberg::Vst::Event {
    let mut e = vst3_event(at, kNoteOffEvent);
    e.__field0.noteOff = NoteOffEvent {
        channel: channel.into(),
        pitch: key.into(),
        velocity: velocity as f32,
        noteId: -1,
        tuning: 0.0,
    };
    e
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

impl TestHost for Vst3Host {
    fn latency(&mut self) -> u32 {
        // SAFETY: a COM call on a live object.
        unsafe { self.processor.getLatencySamples() }
    }

    fn params(&mut self) -> Vec<ParamInfo> {
        let midi = self.midi_controller_params();
        // SAFETY: COM calls on a live object with valid out-pointers.
        let count = unsafe { self.controller.getParameterCount() };
        (0..count)
            .filter_map(|index| {
                // SAFETY: an all-zero ParameterInfo is a valid value of this plain C struct.
                let mut info: ParameterInfo = unsafe { std::mem::zeroed() };
                // SAFETY: a COM call with a valid out-pointer.
                let rc = unsafe { self.controller.getParameterInfo(index, &mut info) };
                assert_eq!(rc, kResultOk, "getParameterInfo({index})");
                (!midi.contains(&info.id)).then(|| ParamInfo {
                    id: info.id,
                    name: read_string128(&info.title),
                    default: info.defaultNormalizedValue,
                })
            })
            .collect()
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
            "block of {frames} frames outside 1..={}",
            self.setup.max_block
        );

        // Audio: the main input carries the test's input, other inputs (a sidechain) silence.
        let mut input_samples = BusBuffers::silence(&self.inputs, frames);
        if let Some(main) = self.inputs.iter().position(|b| b.main) {
            let channels = &mut input_samples[main];
            assert!(
                input.len() <= channels.len(),
                "{} input channels for a {}-channel main input",
                input.len(),
                channels.len()
            );
            for (channel, samples) in channels.iter_mut().zip(input) {
                assert!(
                    samples.len() >= frames,
                    "an input channel shorter than the block"
                );
                channel.copy_from_slice(&samples[..frames]);
            }
        } else {
            assert!(
                input.is_empty(),
                "input for a plugin without an audio input"
            );
        }
        let mut inputs = BusBuffers::new(input_samples);
        let mut outputs = BusBuffers::new(BusBuffers::silence(&self.outputs, frames));
        let mut in_buses = inputs.vst3();
        let mut out_buses = outputs.vst3();

        // Events in time order: notes into the event list; controllers and automation into
        // per-parameter queues.
        let mut order: Vec<&Event> = events.iter().collect();
        order.sort_by_key(|e| match **e {
            Event::NoteOn { at, .. }
            | Event::NoteOff { at, .. }
            | Event::Midi { at, .. }
            | Event::Param { at, .. } => at,
        });
        let mut notes = Vec::new();
        let mut changes: Vec<(ParamID, u32, f64)> = Vec::new();
        for event in order {
            match *event {
                Event::NoteOn {
                    at,
                    channel,
                    key,
                    velocity,
                } => notes.push(note_on(at, channel, key, velocity)),
                Event::NoteOff { at, channel, key } => notes.push(note_off(at, channel, key, 0.0)),
                Event::Param { at, id, value } => changes.push((id, at, value)),
                Event::Midi { at, bytes } => {
                    let channel = bytes[0] & 0x0F;
                    let (data1, data2) = (bytes[1] & 0x7F, bytes[2] & 0x7F);
                    match bytes[0] & 0xF0 {
                        0x80 => notes.push(note_off(at, channel, data1, data2 as f64 / 127.0)),
                        0x90 if data2 == 0 => notes.push(note_off(at, channel, data1, 0.0)),
                        0x90 => notes.push(note_on(at, channel, data1, data2 as f64 / 127.0)),
                        0xA0 => {
                            let mut e = vst3_event(at, kPolyPressureEvent);
                            e.__field0.polyPressure = PolyPressureEvent {
                                channel: channel.into(),
                                pitch: data1.into(),
                                pressure: data2 as f32 / 127.0,
                                noteId: -1,
                            };
                            notes.push(e);
                        }
                        0xB0 => {
                            let id = self.midi_controller_param(channel, data1.into());
                            changes.push((id, at, data2 as f64 / 127.0));
                        }
                        0xD0 => {
                            let id = self.midi_controller_param(channel, kAfterTouch as i16);
                            changes.push((id, at, data1 as f64 / 127.0));
                        }
                        0xE0 => {
                            let id = self.midi_controller_param(channel, kPitchBend as i16);
                            let bend = (data2 as u16) << 7 | data1 as u16;
                            changes.push((id, at, bend as f64 / 16383.0));
                        }
                        _ => panic!("this host cannot send MIDI message {bytes:02X?} over VST3"),
                    }
                }
            }
        }
        let event_list = ComWrapper::new(EventList { events: notes });
        let mut queues: Vec<ParamQueue> = Vec::new();
        for (id, at, value) in changes {
            let point = (at as int32, value);
            match queues.iter_mut().find(|q| q.id == id) {
                Some(queue) => queue.points.push(point),
                None => queues.push(ParamQueue {
                    id,
                    points: vec![point],
                }),
            }
        }
        let param_changes = ComWrapper::new(ParamChanges {
            queues: queues.into_iter().map(ComWrapper::new).collect(),
        });
        let mut context = transport.map(|t| self.process_context(t));

        let mut data = ProcessData {
            processMode: kRealtime as int32,
            symbolicSampleSize: kSample32 as int32,
            numSamples: frames as int32,
            numInputs: in_buses.len() as int32,
            numOutputs: out_buses.len() as int32,
            inputs: if in_buses.is_empty() {
                ptr::null_mut()
            } else {
                in_buses.as_mut_ptr()
            },
            outputs: if out_buses.is_empty() {
                ptr::null_mut()
            } else {
                out_buses.as_mut_ptr()
            },
            inputParameterChanges: param_changes
                .as_com_ref::<IParameterChanges>()
                .expect("the changes are an IParameterChanges")
                .as_ptr(),
            outputParameterChanges: ptr::null_mut(),
            inputEvents: event_list
                .as_com_ref::<IEventList>()
                .expect("the event list is an IEventList")
                .as_ptr(),
            outputEvents: ptr::null_mut(),
            processContext: context
                .as_mut()
                .map_or(ptr::null_mut(), |c| c as *mut ProcessContext),
        };
        // SAFETY: every pointer in `data` points to buffers and objects that live until after
        // the call: `inputs`, `outputs`, their bus tables, the event list, the changes and the
        // context are all locals of this function.
        let rc = unsafe { self.processor.process(&mut data) };
        assert_eq!(rc, kResultOk, "IAudioProcessor::process");
        self.frames_processed += frames as i64;

        let main = self
            .outputs
            .iter()
            .position(|b| b.main)
            .expect("the plugin has a main audio output");
        std::mem::take(&mut outputs.samples[main])
    }

    fn save_state(&mut self) -> Vec<u8> {
        self.get_state()
    }

    fn load_state(&mut self, state: &[u8]) {
        // The plugin applies some state (here: which orchestra runs) when it is activated, so
        // the state is loaded while inactive and the plugin activated again, as a DAW does when
        // it loads a project into an existing instance.
        self.stop();
        let stream = ComWrapper::new(MemoryStream::new(state.to_vec()));
        let ptr = stream
            .as_com_ref::<IBStream>()
            .expect("the stream is an IBStream")
            .as_ptr();
        // SAFETY: a COM call with a stream that lives for the call.
        let rc = unsafe { self.component.setState(ptr) };
        assert_eq!(rc, kResultOk, "IComponent::setState");
        if self.separate_controller {
            self.sync_controller();
        }
        self.start();
    }
}
