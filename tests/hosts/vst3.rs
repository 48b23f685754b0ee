//! The VST3 test host: loads a `.vst3` bundle through the `vst3` crate's COM bindings and drives
//! one plugin instance as a DAW would. The calling thread is both the UI and the audio thread.
//!
//! The host implements the COM objects a host owes a plugin: the event list (notes), the
//! parameter changes (automation, and MIDI controllers, which VST3 delivers as parameters found
//! through `IMidiMapping`) and a memory stream (state). It sets no component handler (nice-plug
//! logs a debug warning about that): installing one made concurrent instances crash in this
//! host, not yet understood; latency is read from the processor on demand instead.

use super::{Event, ParamInfo, Setup, TestHost, Transport};
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_void, CStr};
use std::path::Path;
use std::ptr;
use vst3::Steinberg::Vst::ProcessContext_::StatesAndFlags_;
use vst3::Steinberg::Vst::*;
use vst3::Steinberg::*;
use vst3::{Class, ComPtr, ComWrapper, Interface};

/// Loads class `class_name` from the bundle, initialises and activates it for `setup`.
pub fn load(bundle: &Path, class_name: &str, setup: &Setup) -> Box<dyn TestHost> {
    Box::new(Vst3Host::new(bundle, class_name, setup))
}

/// The notes of one block.
struct EventList {
    events: RefCell<Vec<vst3::Steinberg::Vst::Event>>,
}

impl Class for EventList {
    type Interfaces = (IEventList,);
}

impl IEventListTrait for EventList {
    unsafe fn getEventCount(&self) -> int32 {
        self.events.borrow().len() as int32
    }

    unsafe fn getEvent(&self, index: int32, e: *mut vst3::Steinberg::Vst::Event) -> tresult {
        match self.events.borrow().get(index as usize) {
            Some(event) if !e.is_null() => {
                // SAFETY: the plugin hands us a valid `Event` to fill.
                unsafe { *e = *event };
                kResultOk
            }
            _ => kInvalidArgument,
        }
    }

    unsafe fn addEvent(&self, e: *mut vst3::Steinberg::Vst::Event) -> tresult {
        if e.is_null() {
            return kInvalidArgument;
        }
        // SAFETY: a non-null event from the caller.
        self.events.borrow_mut().push(unsafe { *e });
        kResultOk
    }
}

/// The automation points of one parameter in one block.
struct ParamQueue {
    id: ParamID,
    points: RefCell<Vec<(int32, ParamValue)>>,
}

impl Class for ParamQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for ParamQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }

    unsafe fn getPointCount(&self) -> int32 {
        self.points.borrow().len() as int32
    }

    unsafe fn getPoint(&self, index: int32, offset: *mut int32, value: *mut ParamValue) -> tresult {
        match self.points.borrow().get(index as usize) {
            Some(&(o, v)) if !offset.is_null() && !value.is_null() => {
                // SAFETY: the plugin hands us valid places for the point.
                unsafe {
                    *offset = o;
                    *value = v;
                }
                kResultOk
            }
            _ => kInvalidArgument,
        }
    }

    unsafe fn addPoint(&self, offset: int32, value: ParamValue, index: *mut int32) -> tresult {
        let mut points = self.points.borrow_mut();
        points.push((offset, value));
        if !index.is_null() {
            // SAFETY: a non-null out-pointer from the caller.
            unsafe { *index = points.len() as int32 - 1 };
        }
        kResultOk
    }
}

/// The parameter changes of one block: one queue per parameter.
struct ParamChanges {
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
        self.queues
            .get(index as usize)
            .and_then(|q| q.as_com_ref::<IParamValueQueue>())
            .map_or(ptr::null_mut(), |r| r.as_ptr())
    }

    unsafe fn addParameterData(
        &self,
        _id: *const ParamID,
        _index: *mut int32,
    ) -> *mut IParamValueQueue {
        ptr::null_mut()
    }
}

/// An in-memory stream for saving and loading state.
struct Stream {
    data: RefCell<Vec<u8>>,
    pos: Cell<usize>,
}

impl Class for Stream {
    type Interfaces = (IBStream,);
}

impl IBStreamTrait for Stream {
    unsafe fn read(&self, buffer: *mut c_void, bytes: int32, read: *mut int32) -> tresult {
        let data = self.data.borrow();
        let start = self.pos.get().min(data.len());
        let n = (bytes.max(0) as usize).min(data.len() - start);
        // SAFETY: the caller's buffer holds `bytes` >= `n` bytes.
        unsafe { ptr::copy_nonoverlapping(data[start..].as_ptr(), buffer as *mut u8, n) };
        self.pos.set(start + n);
        if !read.is_null() {
            // SAFETY: a non-null out-pointer from the caller.
            unsafe { *read = n as int32 };
        }
        kResultOk
    }

    unsafe fn write(&self, buffer: *mut c_void, bytes: int32, written: *mut int32) -> tresult {
        let n = bytes.max(0) as usize;
        // SAFETY: the caller's buffer holds `bytes` bytes.
        let src = unsafe { std::slice::from_raw_parts(buffer as *const u8, n) };
        let mut data = self.data.borrow_mut();
        let pos = self.pos.get();
        if data.len() < pos + n {
            data.resize(pos + n, 0);
        }
        data[pos..pos + n].copy_from_slice(src);
        self.pos.set(pos + n);
        if !written.is_null() {
            // SAFETY: a non-null out-pointer from the caller.
            unsafe { *written = n as int32 };
        }
        kResultOk
    }

    unsafe fn seek(&self, pos: int64, mode: int32, result: *mut int64) -> tresult {
        let base = match mode {
            0 => 0,
            1 => self.pos.get() as i64,
            _ => self.data.borrow().len() as i64,
        };
        let new = (base + pos).max(0) as usize;
        self.pos.set(new);
        if !result.is_null() {
            // SAFETY: a non-null out-pointer from the caller.
            unsafe { *result = new as int64 };
        }
        kResultOk
    }

    unsafe fn tell(&self, pos: *mut int64) -> tresult {
        if !pos.is_null() {
            // SAFETY: a non-null out-pointer from the caller.
            unsafe { *pos = self.pos.get() as int64 };
        }
        kResultOk
    }
}

/// One loaded plugin instance.
struct Vst3Host {
    /// The plugin's component: buses, activation, state.
    component: ComPtr<IComponent>,
    /// The audio processing interface of the same object.
    processor: ComPtr<IAudioProcessor>,
    /// Parameters (nice-plug implements the controller on the component).
    controller: ComPtr<IEditController>,
    /// Where MIDI controllers map to parameters, if the plugin takes MIDI.
    midi_mapping: Option<ComPtr<IMidiMapping>>,
    /// Channels of each audio input bus (all activated; the sidechain gets silence).
    input_buses: Vec<usize>,
    /// Channels of the main output.
    outputs: usize,
}

fn c_str(bytes: &[c_char]) -> String {
    // SAFETY: VST3 fixed-size strings are NUL-terminated within their arrays.
    unsafe { CStr::from_ptr(bytes.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

impl Vst3Host {
    fn new(bundle: &Path, class_name: &str, setup: &Setup) -> Self {
        let stem = bundle
            .file_stem()
            .expect("bundle name")
            .to_string_lossy()
            .into_owned();
        let so = bundle
            .join("Contents/x86_64-linux")
            .join(format!("{stem}.so"));
        // SAFETY: loading the plugin library runs its initialisers; it is the code under test.
        let library = unsafe { libloading::Library::new(&so) }.expect("load the VST3 library");
        // Never unloaded, as in a DAW: the plugin's own threads may outlive any one instance.
        let library: &'static libloading::Library = Box::leak(Box::new(library));
        // SAFETY: the symbols have the signatures the VST3 SDK defines for Linux modules.
        let factory = unsafe {
            if let Ok(entry) =
                library.get::<unsafe extern "C" fn(*mut c_void) -> bool>(b"ModuleEntry")
            {
                entry(ptr::null_mut());
            }
            let get = library
                .get::<unsafe extern "C" fn() -> *mut IPluginFactory>(b"GetPluginFactory")
                .expect("GetPluginFactory");
            ComPtr::from_raw(get()).expect("a plugin factory")
        };
        // SAFETY (this block): COM calls on live objects with valid out-pointers.
        unsafe {
            let mut cid = None;
            for i in 0..factory.countClasses() {
                let mut info: PClassInfo = std::mem::zeroed();
                factory.getClassInfo(i, &mut info);
                if c_str(&info.name) == class_name && c_str(&info.category) == "Audio Module Class"
                {
                    cid = Some(info.cid);
                }
            }
            let cid = cid.unwrap_or_else(|| panic!("no class {class_name}"));
            let mut obj: *mut c_void = ptr::null_mut();
            let rc = factory.createInstance(
                cid.as_ptr(),
                IComponent::IID.as_ptr() as *const c_char,
                &mut obj,
            );
            assert_eq!(rc, kResultOk, "createInstance");
            let component =
                ComPtr::<IComponent>::from_raw(obj as *mut IComponent).expect("a component");
            assert_eq!(
                component.initialize(ptr::null_mut()),
                kResultOk,
                "initialize"
            );
            let processor = component
                .cast::<IAudioProcessor>()
                .expect("IAudioProcessor");
            let controller = component
                .cast::<IEditController>()
                .expect("IEditController on the component");
            let midi_mapping = component.cast::<IMidiMapping>();

            let mut input_buses = Vec::new();
            for bus in
                0..component.getBusCount(MediaTypes_::kAudio as i32, BusDirections_::kInput as i32)
            {
                let mut info: BusInfo = std::mem::zeroed();
                component.getBusInfo(
                    MediaTypes_::kAudio as i32,
                    BusDirections_::kInput as i32,
                    bus,
                    &mut info,
                );
                component.activateBus(
                    MediaTypes_::kAudio as i32,
                    BusDirections_::kInput as i32,
                    bus,
                    1,
                );
                input_buses.push(info.channelCount as usize);
            }
            for bus in
                0..component.getBusCount(MediaTypes_::kAudio as i32, BusDirections_::kOutput as i32)
            {
                component.activateBus(
                    MediaTypes_::kAudio as i32,
                    BusDirections_::kOutput as i32,
                    bus,
                    1,
                );
            }
            if component.getBusCount(MediaTypes_::kEvent as i32, BusDirections_::kInput as i32) > 0
            {
                component.activateBus(
                    MediaTypes_::kEvent as i32,
                    BusDirections_::kInput as i32,
                    0,
                    1,
                );
            }
            let mut process_setup = ProcessSetup {
                processMode: ProcessModes_::kRealtime as i32,
                symbolicSampleSize: SymbolicSampleSizes_::kSample32 as i32,
                maxSamplesPerBlock: setup.max_block as i32,
                sampleRate: setup.sample_rate,
            };
            assert_eq!(
                processor.setupProcessing(&mut process_setup),
                kResultOk,
                "setupProcessing"
            );
            let host = Vst3Host {
                component,
                processor,
                controller,
                midi_mapping,
                input_buses,
                outputs: setup.outputs as usize,
            };
            host.start();
            host
        }
    }

    fn start(&self) {
        // SAFETY: COM calls on live objects.
        unsafe {
            self.component.setActive(1);
            self.processor.setProcessing(1);
        }
    }

    fn stop(&self) {
        // SAFETY: COM calls on live objects.
        unsafe {
            self.processor.setProcessing(0);
            self.component.setActive(0);
        }
    }

    /// The parameter a MIDI controller (a CC number, or 128 aftertouch, 129 pitch bend) maps to.
    fn controller_param(&self, channel: u8, controller: i16) -> Option<ParamID> {
        let mapping = self.midi_mapping.as_ref()?;
        let mut id: ParamID = 0;
        // SAFETY: a COM call with a valid out-pointer.
        let rc =
            unsafe { mapping.getMidiControllerAssignment(0, channel as i16, controller, &mut id) };
        (rc == kResultOk).then_some(id)
    }
}

impl Drop for Vst3Host {
    fn drop(&mut self) {
        self.stop();
        // SAFETY: the component is live; terminate is the last call before release.
        unsafe {
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
        // SAFETY: COM calls with valid out-pointers.
        unsafe {
            (0..self.controller.getParameterCount())
                .map(|i| {
                    let mut info: ParameterInfo = std::mem::zeroed();
                    self.controller.getParameterInfo(i, &mut info);
                    let end = info
                        .title
                        .iter()
                        .position(|&c| c == 0)
                        .unwrap_or(info.title.len());
                    ParamInfo {
                        id: info.id,
                        name: String::from_utf16_lossy(&info.title[..end]),
                        default: info.defaultNormalizedValue,
                    }
                })
                .collect()
        }
    }

    fn process(
        &mut self,
        input: &[Vec<f32>],
        frames: usize,
        events: &[Event],
        transport: Option<&Transport>,
    ) -> Vec<Vec<f32>> {
        // Audio: every input bus gets buffers (the main input the test's, others silence).
        let mut in_data: Vec<Vec<Vec<f32>>> = self
            .input_buses
            .iter()
            .enumerate()
            .map(|(bus, &channels)| {
                (0..channels)
                    .map(|c| match input.get(c) {
                        Some(samples) if bus == 0 && !input.is_empty() => {
                            samples[..frames].to_vec()
                        }
                        _ => vec![0.0; frames],
                    })
                    .collect()
            })
            .collect();
        let mut in_ptrs: Vec<Vec<*mut f32>> = in_data
            .iter_mut()
            .map(|bus| bus.iter_mut().map(|c| c.as_mut_ptr()).collect())
            .collect();
        let mut in_buses: Vec<AudioBusBuffers> = in_ptrs
            .iter_mut()
            .map(|p| AudioBusBuffers {
                numChannels: p.len() as i32,
                silenceFlags: 0,
                __field0: AudioBusBuffers__type0 {
                    channelBuffers32: p.as_mut_ptr(),
                },
            })
            .collect();
        let mut out_data: Vec<Vec<f32>> = vec![vec![0.0; frames]; self.outputs];
        let mut out_ptrs: Vec<*mut f32> = out_data.iter_mut().map(|c| c.as_mut_ptr()).collect();
        let mut out_bus = AudioBusBuffers {
            numChannels: out_ptrs.len() as i32,
            silenceFlags: 0,
            __field0: AudioBusBuffers__type0 {
                channelBuffers32: out_ptrs.as_mut_ptr(),
            },
        };

        // Notes, and controllers and automation as parameter changes.
        let mut notes = Vec::new();
        let mut changes: Vec<(ParamID, i32, f64)> = Vec::new();
        for event in events {
            // SAFETY: an all-zero Event is a valid value of this plain C struct.
            let mut e: vst3::Steinberg::Vst::Event = unsafe { std::mem::zeroed() };
            match *event {
                Event::NoteOn {
                    at,
                    channel,
                    key,
                    velocity,
                } => {
                    e.sampleOffset = at as i32;
                    e.r#type = Event_::EventTypes_::kNoteOnEvent as u16;
                    e.__field0.noteOn = NoteOnEvent {
                        channel: channel as i16,
                        pitch: key as i16,
                        tuning: 0.0,
                        velocity: velocity as f32,
                        length: 0,
                        noteId: -1,
                    };
                    notes.push(e);
                }
                Event::NoteOff { at, channel, key } => {
                    e.sampleOffset = at as i32;
                    e.r#type = Event_::EventTypes_::kNoteOffEvent as u16;
                    e.__field0.noteOff = NoteOffEvent {
                        channel: channel as i16,
                        pitch: key as i16,
                        velocity: 0.0,
                        noteId: -1,
                        tuning: 0.0,
                    };
                    notes.push(e);
                }
                Event::Param { at, id, value } => changes.push((id, at as i32, value)),
                Event::Midi { at, bytes } => {
                    let channel = bytes[0] & 15;
                    let (controller, value) = match bytes[0] & 0xF0 {
                        0xB0 => (bytes[1] as i16, bytes[2] as f64 / 127.0),
                        0xE0 => (
                            ControllerNumbers_::kPitchBend as i16,
                            ((bytes[2] as u16) << 7 | bytes[1] as u16) as f64 / 16383.0,
                        ),
                        0xD0 => (
                            ControllerNumbers_::kAfterTouch as i16,
                            bytes[1] as f64 / 127.0,
                        ),
                        _ => continue,
                    };
                    let id = self
                        .controller_param(channel, controller)
                        .expect("the plugin maps this MIDI controller");
                    changes.push((id, at as i32, value));
                }
            }
        }
        let events = ComWrapper::new(EventList {
            events: RefCell::new(notes),
        });
        let mut queues: Vec<ComWrapper<ParamQueue>> = Vec::new();
        for (id, at, value) in changes {
            match queues.iter().find(|q| q.id == id) {
                Some(q) => q.points.borrow_mut().push((at, value)),
                None => queues.push(ComWrapper::new(ParamQueue {
                    id,
                    points: RefCell::new(vec![(at, value)]),
                })),
            }
        }
        let changes = ComWrapper::new(ParamChanges { queues });

        let mut context = transport.map(|t| {
            // SAFETY: an all-zero ProcessContext is a valid value of this plain C struct.
            let mut c: ProcessContext = unsafe { std::mem::zeroed() };
            c.state = StatesAndFlags_::kTempoValid
                | StatesAndFlags_::kTimeSigValid
                | StatesAndFlags_::kProjectTimeMusicValid;
            if t.playing {
                c.state |= StatesAndFlags_::kPlaying;
            }
            if t.recording {
                c.state |= StatesAndFlags_::kRecording;
            }
            c.sampleRate = 0.0;
            c.projectTimeSamples = t.pos_samples;
            c.projectTimeMusic = t.pos_beats;
            c.tempo = t.tempo;
            c.timeSigNumerator = t.time_sig.0 as i32;
            c.timeSigDenominator = t.time_sig.1 as i32;
            c
        });

        let mut data = ProcessData {
            processMode: ProcessModes_::kRealtime as i32,
            symbolicSampleSize: SymbolicSampleSizes_::kSample32 as i32,
            numSamples: frames as i32,
            numInputs: in_buses.len() as i32,
            numOutputs: 1,
            inputs: if in_buses.is_empty() {
                ptr::null_mut()
            } else {
                in_buses.as_mut_ptr()
            },
            outputs: &mut out_bus,
            inputParameterChanges: changes
                .as_com_ref::<IParameterChanges>()
                .map_or(ptr::null_mut(), |r| r.as_ptr()),
            outputParameterChanges: ptr::null_mut(),
            inputEvents: events
                .as_com_ref::<IEventList>()
                .map_or(ptr::null_mut(), |r| r.as_ptr()),
            outputEvents: ptr::null_mut(),
            processContext: context
                .as_mut()
                .map_or(ptr::null_mut(), |c| c as *mut ProcessContext),
        };
        // SAFETY: every pointer in `data` points to buffers and objects alive for this call.
        let rc = unsafe { self.processor.process(&mut data) };
        assert_eq!(rc, kResultOk, "process");
        out_data
    }

    fn save_state(&mut self) -> Vec<u8> {
        let stream = ComWrapper::new(Stream {
            data: RefCell::new(Vec::new()),
            pos: Cell::new(0),
        });
        let ptr = stream.as_com_ref::<IBStream>().expect("IBStream").as_ptr();
        // SAFETY: the stream lives for the call.
        assert_eq!(
            unsafe { self.component.getState(ptr) },
            kResultOk,
            "getState"
        );
        let data = stream.data.borrow().clone();
        data
    }

    fn load_state(&mut self, state: &[u8]) {
        let stream = ComWrapper::new(Stream {
            data: RefCell::new(state.to_vec()),
            pos: Cell::new(0),
        });
        let ptr = stream.as_com_ref::<IBStream>().expect("IBStream").as_ptr();
        self.stop();
        // SAFETY: the stream lives for the call.
        assert_eq!(
            unsafe { self.component.setState(ptr) },
            kResultOk,
            "setState"
        );
        self.start();
    }
}
