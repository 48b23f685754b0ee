//! The COM objects a VST3 host owes a plugin: the host context, a component handler, the
//! per-block event list and parameter changes, and a memory stream for state.

use super::HOST_NAME;
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_void};
use std::ptr;
use vst3::Steinberg::IBStream_::IStreamSeekMode_::{kIBSeekCur, kIBSeekEnd, kIBSeekSet};
use vst3::Steinberg::Vst::{
    IComponentHandler, IComponentHandlerTrait, IEventList, IEventListTrait, IHostApplication,
    IHostApplicationTrait, IParamValueQueue, IParamValueQueueTrait, IParameterChanges,
    IParameterChangesTrait, ParamID, ParamValue, String128,
};
use vst3::Steinberg::{
    int32, int64, kInvalidArgument, kNoInterface, kResultFalse, kResultOk, tresult, IBStream,
    IBStreamTrait, TUID,
};
use vst3::{Class, ComWrapper};

/// Copies `text` into a NUL-terminated UTF-16 VST3 string, truncating it to fit.
pub(super) fn write_string128(text: &str, dest: &mut String128) {
    let units: Vec<u16> = text.encode_utf16().take(dest.len() - 1).collect();
    dest[..units.len()].copy_from_slice(&units);
    dest[units.len()] = 0;
}

/// Reads a NUL-terminated UTF-16 VST3 string.
pub(super) fn read_string128(text: &String128) -> String {
    let end = text.iter().position(|&u| u == 0).unwrap_or(text.len());
    String::from_utf16_lossy(&text[..end])
}

/// Reads one of the NUL-terminated 8-bit strings of a `PClassInfo`.
pub(super) fn read_c_string(text: &[c_char]) -> String {
    let bytes: Vec<u8> = text
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The host context passed to `IPluginBase::initialize`: it tells the plugin who is hosting it.
pub(super) struct HostApplication;

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
/// everything (latency, parameters) on demand, so it only acknowledges them, and counts the
/// requests to read every parameter value again.
#[derive(Default)]
pub(super) struct ComponentHandler {
    /// `restartComponent` calls with `kParamValuesChanged`.
    pub(super) values_changed: std::sync::atomic::AtomicUsize,
}

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

    unsafe fn restartComponent(&self, flags: int32) -> tresult {
        // A latency change is picked up by the next `latency()` call; re-activations this host
        // does itself (after loading state).
        if flags & vst3::Steinberg::Vst::RestartFlags_::kParamValuesChanged != 0 {
            self.values_changed
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        kResultOk
    }
}

/// The note events of one block, in time order (an input list: the plugin only reads it).
pub(super) struct EventList {
    /// The events, sorted by `sampleOffset`.
    pub(super) events: Vec<vst3::Steinberg::Vst::Event>,
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
pub(super) struct ParamQueue {
    /// The parameter these points change.
    pub(super) id: ParamID,
    /// (sample offset, normalized value) points, in time order.
    pub(super) points: Vec<(int32, ParamValue)>,
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
pub(super) struct ParamChanges {
    /// The queues, in order of each parameter's first change.
    pub(super) queues: Vec<ComWrapper<ParamQueue>>,
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
pub(super) struct MemoryStream {
    /// The bytes written so far, or the state to be read.
    pub(super) data: RefCell<Vec<u8>>,
    /// The read/write position (may lie past the end after a seek; a write there zero-fills).
    pub(super) pos: Cell<usize>,
}

impl MemoryStream {
    pub(super) fn new(data: Vec<u8>) -> Self {
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
