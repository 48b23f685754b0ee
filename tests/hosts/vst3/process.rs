//! Driving an instance block by block: notes, automation, MIDI controllers and transport in,
//! audio out; state saved and restored.

use super::super::{Event, ParamInfo, TestHost, Transport};
use super::com::*;
use super::module::*;
use super::*;
use std::ptr;
use vst3::ComWrapper;
use vst3::Steinberg::Vst::ControllerNumbers_::{kAfterTouch, kPitchBend};
use vst3::Steinberg::Vst::Event_::EventTypes_::{kNoteOffEvent, kNoteOnEvent, kPolyPressureEvent};
use vst3::Steinberg::Vst::ProcessModes_::kRealtime;
use vst3::Steinberg::Vst::SymbolicSampleSizes_::kSample32;
use vst3::Steinberg::Vst::{
    IAudioProcessorTrait, IComponentTrait, IEditControllerTrait, IEventList, IParameterChanges,
    NoteOffEvent, NoteOnEvent, ParamID, ParameterInfo, PolyPressureEvent, ProcessContext,
    ProcessData,
};
use vst3::Steinberg::{int32, kResultOk, IBStream};

/// A zeroed VST3 event of `type_` at `at`; the caller fills in the payload.
pub(super) fn vst3_event(at: u32, type_: u32) -> vst3::Steinberg::Vst::Event {
    // SAFETY: an all-zero Event is a valid value of this plain C struct.
    let mut e: vst3::Steinberg::Vst::Event = unsafe { std::mem::zeroed() };
    e.sampleOffset = at as int32;
    e.r#type = type_ as u16;
    e
}

/// A VST3 note-on (no note ID: the plugin matches notes by channel and key).
pub(super) fn note_on(at: u32, channel: u8, key: u8, velocity: f64) -> vst3::Steinberg::Vst::Event {
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
pub(super) fn note_off(
    at: u32,
    channel: u8,
    key: u8,
    velocity: f64,
) -> vst3::Steinberg::Vst::Event {
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

impl TestHost for Vst3Host {
    fn latency(&mut self) -> u32 {
        // SAFETY: a COM call on a live object.
        unsafe { self.processor.getLatencySamples() }
    }

    fn params(&mut self) -> Vec<ParamInfo> {
        let midi = self.midi_controller_params();
        let units = self.unit_names();
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
                    group: units.get(&info.unitId).cloned().unwrap_or_default(),
                    steps: info.stepCount as u32,
                })
            })
            .collect()
    }

    fn param_value(&mut self, id: u32) -> (f64, String) {
        // SAFETY: COM calls on a live object with a valid out-pointer.
        let value = unsafe { self.controller.getParamNormalized(id) };
        // SAFETY: an all-zero String128 is a valid value of this plain C array.
        let mut text: vst3::Steinberg::Vst::String128 = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let rc = unsafe { self.controller.getParamStringByValue(id, value, &mut text) };
        assert_eq!(rc, kResultOk, "getParamStringByValue({id})");
        (value, read_string128(&text))
    }

    fn values_told(&mut self) -> usize {
        self.component_handler
            .values_changed
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    fn param_count(&mut self) -> usize {
        // SAFETY: a COM call on a live object.
        unsafe { self.controller.getParameterCount() as usize }
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

    fn bad_requests(&mut self) -> Vec<(&'static str, bool)> {
        // SAFETY: COM calls on a live object; the out-pointers are valid or (on purpose) null,
        // which the interface allows the plugin to refuse.
        unsafe {
            let count = self.controller.getParameterCount();
            let mut info: ParameterInfo = std::mem::zeroed();
            vec![
                (
                    "getParameterInfo(count)",
                    self.controller.getParameterInfo(count, &mut info) != kResultOk,
                ),
                (
                    "getParameterInfo(-1)",
                    self.controller.getParameterInfo(-1, &mut info) != kResultOk,
                ),
                (
                    "IComponent::setState(null)",
                    self.component.setState(ptr::null_mut()) != kResultOk,
                ),
                (
                    "IComponent::getState(null)",
                    self.component.getState(ptr::null_mut()) != kResultOk,
                ),
            ]
        }
    }

    fn set_component_handler(&mut self, attached: bool) {
        let handler = match attached {
            true => self
                .component_handler
                .as_com_ref::<vst3::Steinberg::Vst::IComponentHandler>()
                .expect("the handler is an IComponentHandler")
                .as_ptr(),
            false => ptr::null_mut(),
        };
        // SAFETY: a COM call with a live host object (the plugin takes its own reference) or
        // null, which takes the handler away.
        unsafe { self.controller.setComponentHandler(handler) };
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
