//! The VST3 entry point (`GetPluginFactory`): a factory whose classes are the library's
//! [`offers`], each instance a nice-plug VST3 wrapper.

use super::offers;
use crate::orchestra::Kind;
use crate::{Effect, Instrument, NotesOnlyInstrument};
use nice_plug::prelude::Vst3Plugin;
use nice_plug::wrapper::vst3::vst3::Steinberg::{
    int32, kInvalidArgument, kResultOk, tresult, FIDString, FUnknown, IPluginFactory,
    IPluginFactory2, IPluginFactory2Trait, IPluginFactory3, IPluginFactory3Trait,
    IPluginFactoryTrait, PClassInfo, PClassInfo2, PClassInfoW, PFactoryInfo, TUID,
};
use nice_plug::wrapper::vst3::vst3::{Class, ComWrapper};
use nice_plug::wrapper::vst3::{PluginInfo, Wrapper};
use std::ffi::c_void;
use std::sync::OnceLock;

/// The classes' information, in [`offers`] order.
fn infos() -> &'static [PluginInfo] {
    static INFOS: OnceLock<Vec<PluginInfo>> = OnceLock::new();
    INFOS.get_or_init(|| {
        offers()
            .iter()
            .map(|offer| PluginInfo {
                cid: &offer.vst3_id,
                name: &offer.name,
                subcategories: offer.vst3_subcategories.clone(),
                vendor: &offer.vendor,
                version: crate::VERSION,
                url: crate::URL,
                email: crate::EMAIL,
            })
            .collect()
    })
}

/// The plugin factory hosts get from `GetPluginFactory`.
pub struct Factory;

impl Class for Factory {
    type Interfaces = (IPluginFactory, IPluginFactory2, IPluginFactory3);
}

/// The info at `index`, or `None` when out of range.
fn info(index: int32) -> Option<&'static PluginInfo> {
    infos().get(usize::try_from(index).ok()?)
}

/// Writes what `make` makes of class `index` into the host's `out`.
///
/// # Safety
/// `out` must be null or point to a writable `T`.
unsafe fn write_info<T>(index: int32, out: *mut T, make: fn(&PluginInfo) -> T) -> tresult {
    match info(index) {
        Some(i) if !out.is_null() => {
            // SAFETY: checked for null; the caller vouches that it is writable.
            unsafe { *out = make(i) };
            kResultOk
        }
        _ => kInvalidArgument,
    }
}

/// A new instance of `P`, as the interface `iid` in `obj`.
///
/// # Safety
/// `iid` and `obj` must be the valid pointers `createInstance` was given.
unsafe fn create<P: Vst3Plugin>(iid: FIDString, obj: *mut *mut c_void) -> tresult {
    let wrapper = ComWrapper::new(Wrapper::<P>::new());
    let Some(unknown) = wrapper.as_com_ref::<FUnknown>() else {
        return kInvalidArgument;
    };
    let ptr = unknown.as_ptr();
    // SAFETY: `ptr` is a live COM object (held by `wrapper` until queryInterface has added the
    // reference the caller gets); `iid` and `obj` are the caller's valid pointers.
    unsafe { ((*(*ptr).vtbl).queryInterface)(ptr, iid as *const TUID, obj) }
}

impl IPluginFactoryTrait for Factory {
    unsafe fn getFactoryInfo(&self, info: *mut PFactoryInfo) -> tresult {
        let Some(first) = infos().first() else {
            return kInvalidArgument;
        };
        if info.is_null() {
            return kInvalidArgument;
        }
        // SAFETY: the host passes a writable PFactoryInfo, checked for null above.
        unsafe { *info = first.create_factory_info() };
        kResultOk
    }

    unsafe fn countClasses(&self) -> int32 {
        infos().len() as int32
    }

    unsafe fn getClassInfo(&self, index: int32, out: *mut PClassInfo) -> tresult {
        // SAFETY: the host's out-pointer, passed on.
        unsafe { write_info(index, out, PluginInfo::create_class_info) }
    }

    unsafe fn createInstance(
        &self,
        cid: FIDString,
        iid: FIDString,
        obj: *mut *mut c_void,
    ) -> tresult {
        if cid.is_null() || iid.is_null() || obj.is_null() {
            return kInvalidArgument;
        }
        // SAFETY: a class id is 16 bytes, and the host's pointer is checked for null.
        let cid = unsafe { &*(cid as *const [u8; 16]) };
        for offer in offers() {
            if &offer.vst3_id == cid {
                // SAFETY: the caller's pointers, checked above.
                return unsafe {
                    match offer.kind {
                        Kind::Instrument if !offer.midi_controllers => {
                            create::<NotesOnlyInstrument>(iid, obj)
                        }
                        Kind::Instrument => create::<Instrument>(iid, obj),
                        Kind::Effect => create::<Effect>(iid, obj),
                    }
                };
            }
        }
        kInvalidArgument
    }
}

impl IPluginFactory2Trait for Factory {
    unsafe fn getClassInfo2(&self, index: int32, out: *mut PClassInfo2) -> tresult {
        // SAFETY: the host's out-pointer, passed on.
        unsafe { write_info(index, out, PluginInfo::create_class_info_2) }
    }
}

impl IPluginFactory3Trait for Factory {
    unsafe fn getClassInfoUnicode(&self, index: int32, out: *mut PClassInfoW) -> tresult {
        // SAFETY: the host's out-pointer, passed on.
        unsafe { write_info(index, out, PluginInfo::create_class_info_unicode) }
    }

    unsafe fn setHostContext(&self, _context: *mut FUnknown) -> tresult {
        kResultOk
    }
}

/// The VST3 factory entry point.
#[unsafe(no_mangle)]
pub extern "system" fn GetPluginFactory() -> *mut c_void {
    ComWrapper::new(Factory)
        .to_com_ptr::<IPluginFactory>()
        .map_or(std::ptr::null_mut(), |f| f.into_raw() as *mut c_void)
}

/// Called by Linux hosts when they load the library.
#[unsafe(no_mangle)]
pub extern "C" fn ModuleEntry(_library: *mut c_void) -> bool {
    // Keeps the mark `export` looks for in the library file.
    std::hint::black_box(crate::export::pack::MARK);
    nice_plug::wrapper::setup_logger::<Instrument>();
    let _ = offers();
    true
}

/// Called by Linux hosts before they unload the library.
#[unsafe(no_mangle)]
pub extern "C" fn ModuleExit() -> bool {
    true
}
