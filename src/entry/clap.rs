//! The CLAP entry point (`clap_entry`): a plugin factory whose descriptors are the library's
//! [`offers`], each instance a nice-plug CLAP wrapper whose descriptor is pointed at ours and
//! which answers our own extensions first (preset-load); and the preset-discovery factory
//! ([`clap_presets`]).

use super::{clap_presets, instances, offers, Offer};
use crate::orchestra::Kind;
use crate::{Effect, Instrument, NotesOnlyInstrument};
use nice_plug::prelude::ClapPlugin;
use nice_plug::wrapper::clap::{
    clap_host, clap_plugin, clap_plugin_descriptor, clap_plugin_entry, clap_plugin_factory,
    Wrapper, CLAP_PLUGIN_FACTORY_ID, CLAP_VERSION,
};
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::{Arc, OnceLock};

/// A CLAP descriptor and the strings it points into.
struct Descriptor {
    raw: clap_plugin_descriptor,
    /// The strings `raw` points to (heap data: it stays put when this moves).
    _strings: Vec<CString>,
    /// The feature list `raw.features` points to, null-terminated.
    _features: Vec<*const c_char>,
}

// SAFETY: the raw pointers point into this value's own heap data, which is never changed after
// creation; sharing read-only pointers between threads is sound.
unsafe impl Send for Descriptor {}
// SAFETY: as above: the descriptor is immutable once made.
unsafe impl Sync for Descriptor {}

impl Descriptor {
    fn new(offer: &Offer) -> Descriptor {
        let c = super::c_string;
        let strings = vec![
            c(&offer.clap_id),
            c(&offer.name),
            c(&offer.vendor),
            c(crate::URL),
            c(crate::VERSION),
            c(Instrument::CLAP_DESCRIPTION.unwrap_or("")),
        ];
        let feature_strings: Vec<CString> = offer.clap_features.iter().map(|f| c(f)).collect();
        let mut features: Vec<*const c_char> = feature_strings.iter().map(|f| f.as_ptr()).collect();
        features.push(std::ptr::null());
        let raw = clap_plugin_descriptor {
            clap_version: CLAP_VERSION,
            id: strings[0].as_ptr(),
            name: strings[1].as_ptr(),
            vendor: strings[2].as_ptr(),
            url: strings[3].as_ptr(),
            manual_url: std::ptr::null(),
            support_url: std::ptr::null(),
            version: strings[4].as_ptr(),
            description: strings[5].as_ptr(),
            features: features.as_ptr(),
        };
        let mut all = strings;
        all.extend(feature_strings);
        Descriptor {
            raw,
            _strings: all,
            _features: features,
        }
    }
}

fn descriptors() -> &'static [Descriptor] {
    static DESCRIPTORS: OnceLock<Vec<Descriptor>> = OnceLock::new();
    DESCRIPTORS.get_or_init(|| offers().iter().map(Descriptor::new).collect())
}

unsafe extern "C" fn get_plugin_count(_factory: *const clap_plugin_factory) -> u32 {
    descriptors().len() as u32
}

unsafe extern "C" fn get_plugin_descriptor(
    _factory: *const clap_plugin_factory,
    index: u32,
) -> *const clap_plugin_descriptor {
    descriptors()
        .get(index as usize)
        .map_or(std::ptr::null(), |d| &d.raw)
}

/// The `get_extension` of nice-plug's wrapper for each plugin type, by [`create`]'s `TYPE`.
static WRAPPER_EXTENSIONS: [OnceLock<GetExtension>; 3] =
    [OnceLock::new(), OnceLock::new(), OnceLock::new()];

type GetExtension = unsafe extern "C" fn(*const clap_plugin, *const c_char) -> *const c_void;

/// An instance's `get_extension`: ours (preset-load), else the wrapper's for plugin type `TYPE`.
unsafe extern "C" fn get_extension<const TYPE: usize>(
    plugin: *const clap_plugin,
    id: *const c_char,
) -> *const c_void {
    // SAFETY: the host passes a null-terminated id, checked for null first.
    if !id.is_null() && clap_presets::is_preset_load_id(unsafe { CStr::from_ptr(id) }) {
        return &clap_presets::PRESET_LOAD as *const _ as *const c_void;
    }
    match WRAPPER_EXTENSIONS[TYPE].get() {
        // SAFETY: the wrapper's own function, with the host's arguments.
        Some(wrapper) => unsafe { wrapper(plugin, id) },
        None => std::ptr::null(),
    }
}

/// Creates a nice-plug wrapper for `P`, points its descriptor at `descriptor`, adds our
/// extensions (`TYPE` numbers the plugin type) and records the instance for them.
fn create<P: ClapPlugin, const TYPE: usize>(
    host: *const clap_host,
    descriptor: &'static clap_plugin_descriptor,
) -> *const clap_plugin {
    // SAFETY: `host` is the host's pointer, valid for the plugin's life as CLAP requires; the
    // wrapper checks it for null.
    let wrapper = unsafe { Wrapper::<P>::new(host) };
    let handles = instances::take_created();
    {
        let mut raw = wrapper.clap_plugin.borrow_mut();
        raw.desc = descriptor;
        if let Some(own) = raw.get_extension {
            WRAPPER_EXTENSIONS[TYPE].get_or_init(|| own);
            raw.get_extension = Some(get_extension::<TYPE>);
        }
    }
    let plugin = wrapper.clap_plugin.as_ptr();
    if let Some(handles) = handles {
        let host = host as usize;
        instances::register(plugin as usize, instances::Registered { handles, host });
    }
    // The reference this leaks is taken back by the wrapper's `destroy` (as nice-plug's own
    // factory does).
    let _ = Arc::into_raw(wrapper);
    plugin
}

unsafe extern "C" fn create_plugin(
    _factory: *const clap_plugin_factory,
    host: *const clap_host,
    plugin_id: *const c_char,
) -> *const clap_plugin {
    if plugin_id.is_null() || host.is_null() {
        return std::ptr::null();
    }
    // SAFETY: the host passes a null-terminated id, checked for null above.
    let id = unsafe { CStr::from_ptr(plugin_id) };
    for (offer, descriptor) in offers().iter().zip(descriptors()) {
        // SAFETY: our descriptor's id is one of its own null-terminated strings.
        if id == unsafe { CStr::from_ptr(descriptor.raw.id) } {
            return match offer.kind {
                Kind::Instrument if !offer.midi_controllers => {
                    create::<NotesOnlyInstrument, 0>(host, &descriptor.raw)
                }
                Kind::Instrument => create::<Instrument, 1>(host, &descriptor.raw),
                Kind::Effect => create::<Effect, 2>(host, &descriptor.raw),
            };
        }
    }
    std::ptr::null()
}

const FACTORY: clap_plugin_factory = clap_plugin_factory {
    get_plugin_count: Some(get_plugin_count),
    get_plugin_descriptor: Some(get_plugin_descriptor),
    create_plugin: Some(create_plugin),
};

extern "C" fn init(_plugin_path: *const c_char) -> bool {
    // Keeps the mark `export` looks for in the library file.
    std::hint::black_box(crate::export::pack::MARK);
    nice_plug::wrapper::setup_logger::<Instrument>();
    // Reads an export's payload now, on the host's scanning thread, not in the first instance.
    let _ = offers();
    true
}

extern "C" fn deinit() {}

extern "C" fn get_factory(factory_id: *const c_char) -> *const c_void {
    if factory_id.is_null() {
        return std::ptr::null();
    }
    // SAFETY: the host passes a null-terminated id, checked for null above.
    let id = unsafe { CStr::from_ptr(factory_id) };
    if id == CLAP_PLUGIN_FACTORY_ID {
        &FACTORY as *const clap_plugin_factory as *const c_void
    } else if clap_presets::is_factory_id(id) {
        &clap_presets::FACTORY as *const _ as *const c_void
    } else {
        std::ptr::null()
    }
}

/// The CLAP entry point hosts look up by name.
#[allow(non_upper_case_globals)]
#[unsafe(no_mangle)]
#[used]
pub static clap_entry: clap_plugin_entry = clap_plugin_entry {
    clap_version: CLAP_VERSION,
    init: Some(init),
    deinit: Some(deinit),
    get_factory: Some(get_factory),
};
