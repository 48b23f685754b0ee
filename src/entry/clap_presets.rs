//! Presets in a CLAP host's browser: the preset-discovery factory (one provider per plugin this
//! library offers, listing its factory presets and the user's `.cspreset` files, often run by
//! the host's indexer with no instance) and the preset-load extension, through which the host
//! loads the one the musician chose into an instance.

use super::c_string as c;
use super::instances;
use super::{offers, Offer};
use crate::orchestra::Kind;
use crate::presets::host::{factory_preset, factory_presets, file_preset, load};
use crate::presets::{user_dir, Preset, EXTENSION};
use clap_sys::ext::preset_load::{
    clap_host_preset_load, clap_plugin_preset_load, CLAP_EXT_PRESET_LOAD,
};
use clap_sys::factory::preset_discovery::*;
use clap_sys::universal_plugin_id::clap_universal_plugin_id;
use nice_plug::wrapper::clap::{clap_host, clap_plugin, CLAP_VERSION};
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::OnceLock;

/// One provider's descriptor and the strings it points into.
struct Descriptor {
    raw: clap_preset_discovery_provider_descriptor,
    /// `raw`'s id, name and vendor (heap data: it stays put when this moves).
    _strings: [CString; 3],
}

// SAFETY: the raw pointers point into this value's own heap strings, never changed after
// creation; sharing read-only pointers between threads is sound.
unsafe impl Send for Descriptor {}
// SAFETY: as above.
unsafe impl Sync for Descriptor {}

/// The providers, in [`offers`] order: `<plugin id>.presets`.
fn descriptors() -> &'static [Descriptor] {
    static DESCRIPTORS: OnceLock<Vec<Descriptor>> = OnceLock::new();
    DESCRIPTORS.get_or_init(|| {
        offers()
            .iter()
            .map(|offer| {
                let strings = [
                    c(&format!("{}.presets", offer.clap_id)),
                    c(&format!("{} presets", offer.name)),
                    c(&offer.vendor),
                ];
                Descriptor {
                    raw: clap_preset_discovery_provider_descriptor {
                        clap_version: CLAP_VERSION,
                        id: strings[0].as_ptr(),
                        name: strings[1].as_ptr(),
                        vendor: strings[2].as_ptr(),
                    },
                    _strings: strings,
                }
            })
            .collect()
    })
}

unsafe extern "C" fn count(_factory: *const clap_preset_discovery_factory) -> u32 {
    descriptors().len() as u32
}

unsafe extern "C" fn get_descriptor(
    _factory: *const clap_preset_discovery_factory,
    index: u32,
) -> *const clap_preset_discovery_provider_descriptor {
    descriptors()
        .get(index as usize)
        .map_or(std::ptr::null(), |d| &d.raw)
}

/// A provider and what it serves; `raw.provider_data` points at this (boxed) value.
struct Provider {
    raw: clap_preset_discovery_provider,
    indexer: *const clap_preset_discovery_indexer,
    offer: &'static Offer,
}

unsafe extern "C" fn create(
    _factory: *const clap_preset_discovery_factory,
    indexer: *const clap_preset_discovery_indexer,
    provider_id: *const c_char,
) -> *const clap_preset_discovery_provider {
    if indexer.is_null() || provider_id.is_null() {
        return std::ptr::null();
    }
    // SAFETY: the host passes a null-terminated id, checked for null above.
    let id = unsafe { CStr::from_ptr(provider_id) };
    let Some((offer, descriptor)) = offers()
        .iter()
        .zip(descriptors())
        // SAFETY: our descriptor's id is one of its own null-terminated strings.
        .find(|(_, d)| unsafe { CStr::from_ptr(d.raw.id) } == id)
    else {
        return std::ptr::null();
    };
    let provider = Box::into_raw(Box::new(Provider {
        raw: clap_preset_discovery_provider {
            desc: &descriptor.raw,
            provider_data: std::ptr::null_mut(),
            init: Some(init),
            destroy: Some(destroy),
            get_metadata: Some(get_metadata),
            get_extension: Some(get_extension),
        },
        indexer,
        offer,
    }));
    // SAFETY: `provider` was just made from a Box and is ours until `destroy`.
    unsafe {
        (*provider).raw.provider_data = provider as *mut c_void;
        &(*provider).raw
    }
}

/// The provider behind a host's pointer.
///
/// # Safety
/// `provider` must be null or a pointer [`create`] returned and `destroy` has not taken back.
unsafe fn provider<'a>(provider: *const clap_preset_discovery_provider) -> Option<&'a Provider> {
    // SAFETY: the caller vouches for `provider`; `provider_data` is the Box made in `create`.
    unsafe {
        provider
            .as_ref()
            .and_then(|p| (p.provider_data as *const Provider).as_ref())
    }
}

unsafe extern "C" fn init(provider_ptr: *const clap_preset_discovery_provider) -> bool {
    // SAFETY: the host passes the pointer `create` gave it.
    let Some(provider) = (unsafe { provider(provider_ptr) }) else {
        return false;
    };
    // SAFETY: the indexer the host passed to `create`, valid for the provider's life.
    let indexer = unsafe { &*provider.indexer };
    let (name, description, extension) = (
        c("Csound preset"),
        c("A Csound plugin preset"),
        c(EXTENSION),
    );
    let filetype = clap_preset_discovery_filetype {
        name: name.as_ptr(),
        description: description.as_ptr(),
        file_extension: extension.as_ptr(),
    };
    let factory_name = c("Factory presets");
    let factory = clap_preset_discovery_location {
        flags: CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
        name: factory_name.as_ptr(),
        kind: CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
        location: std::ptr::null(),
    };
    // SAFETY: the indexer's own functions, called with structs that live for the call.
    unsafe {
        if let Some(declare) = indexer.declare_filetype {
            declare(indexer, &filetype);
        }
        if let Some(declare) = indexer.declare_location {
            declare(indexer, &factory);
            // Declared only where it exists (hosts read what they are told of); made here so
            // presets saved into it later are found.
            let user = user_dir(provider.offer.kind)
                .filter(|dir| std::fs::create_dir_all(dir).is_ok() && dir.is_dir());
            if let Some(dir) = user {
                let (user_name, path) = (c("User presets"), c(&dir.to_string_lossy()));
                let location = clap_preset_discovery_location {
                    flags: CLAP_PRESET_DISCOVERY_IS_USER_CONTENT,
                    name: user_name.as_ptr(),
                    kind: CLAP_PRESET_DISCOVERY_LOCATION_FILE,
                    location: path.as_ptr(),
                };
                declare(indexer, &location);
            }
        }
    }
    true
}

unsafe extern "C" fn destroy(provider: *const clap_preset_discovery_provider) {
    if let Some(p) = unsafe { provider.as_ref() } {
        // SAFETY: `provider_data` is the Box `create` leaked; the host destroys a provider once.
        drop(unsafe { Box::from_raw(p.provider_data as *mut Provider) });
    }
}

unsafe extern "C" fn get_extension(
    _provider: *const clap_preset_discovery_provider,
    _id: *const c_char,
) -> *const c_void {
    std::ptr::null()
}

/// Tells the host's receiver about one preset; `key` is what the host hands back to load it.
fn describe(
    receiver: &clap_preset_discovery_metadata_receiver,
    offer: &Offer,
    preset: &Preset,
    key: Option<&str>,
    flags: u32,
) {
    let (name, key) = (c(&preset.name), key.map(c));
    let (abi, id) = (c("clap"), c(&offer.clap_id));
    let plugin_id = clap_universal_plugin_id {
        abi: abi.as_ptr(),
        id: id.as_ptr(),
    };
    let description = c(&format!("For the orchestra {}", preset.orchestra.name));
    let feature = c(match offer.kind {
        Kind::Instrument => "instrument",
        Kind::Effect => "audio-effect",
    });
    // SAFETY: the receiver's own functions, called with strings that live for each call.
    unsafe {
        let begun = receiver.begin_preset.is_some_and(|begin| {
            begin(
                receiver,
                name.as_ptr(),
                key.as_ref().map_or(std::ptr::null(), |k| k.as_ptr()),
            )
        });
        if !begun {
            return;
        }
        if let Some(add) = receiver.add_plugin_id {
            add(receiver, &plugin_id);
        }
        if let Some(set) = receiver.set_flags {
            set(receiver, flags);
        }
        if flags & CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT != 0 {
            if let Some(add) = receiver.add_creator {
                let creator = c(&offer.vendor);
                add(receiver, creator.as_ptr());
            }
        }
        if let Some(set) = receiver.set_description {
            set(receiver, description.as_ptr());
        }
        if let Some(add) = receiver.add_feature {
            add(receiver, feature.as_ptr());
        }
    }
}

unsafe extern "C" fn get_metadata(
    provider_ptr: *const clap_preset_discovery_provider,
    location_kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    receiver: *const clap_preset_discovery_metadata_receiver,
) -> bool {
    // SAFETY: the host passes the pointer `create` gave it, and a receiver valid for the call.
    let (Some(provider), Some(receiver)) = (unsafe { provider(provider_ptr) }, unsafe {
        receiver.as_ref()
    }) else {
        return false;
    };
    let offer = provider.offer;
    if location_kind == CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN {
        for listed in factory_presets(offer.kind) {
            let flags = CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT;
            describe(receiver, offer, &listed.preset, Some(&listed.key), flags);
        }
        return true;
    }
    if location.is_null() {
        return false;
    }
    // SAFETY: for a file location the host passes a null-terminated path, checked for null.
    let path = unsafe { CStr::from_ptr(location) };
    match file_preset(&path.to_string_lossy()) {
        Ok(preset) if preset.plugin == offer.kind => {
            describe(
                receiver,
                offer,
                &preset,
                None,
                CLAP_PRESET_DISCOVERY_IS_USER_CONTENT,
            );
            true
        }
        // Another plugin's preset: nothing of this provider's in it.
        Ok(_) => true,
        Err(error) => {
            if let Some(on_error) = receiver.on_error {
                let message = c(&error);
                // SAFETY: the receiver's own function, with a string that lives for the call.
                unsafe { on_error(receiver, 0, message.as_ptr()) };
            }
            false
        }
    }
}

/// The preset-discovery factory hosts get from `clap_entry.get_factory`.
pub static FACTORY: clap_preset_discovery_factory = clap_preset_discovery_factory {
    count: Some(count),
    get_descriptor: Some(get_descriptor),
    create: Some(create),
};

/// Whether `id` names the preset-discovery factory (current or draft id).
pub fn is_factory_id(id: &CStr) -> bool {
    id == CLAP_PRESET_DISCOVERY_FACTORY_ID || id == CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT
}

/// The preset-load extension our entry adds to every instance.
pub static PRESET_LOAD: clap_plugin_preset_load = clap_plugin_preset_load {
    from_location: Some(from_location),
};

/// Whether `id` names the preset-load extension (current or draft id).
pub fn is_preset_load_id(id: &CStr) -> bool {
    id == CLAP_EXT_PRESET_LOAD || id == clap_sys::ext::preset_load::CLAP_EXT_PRESET_LOAD_COMPAT
}

unsafe extern "C" fn from_location(
    plugin: *const clap_plugin,
    location_kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    load_key: *const c_char,
) -> bool {
    let Some(instance) = instances::find(plugin as usize) else {
        return false;
    };
    // SAFETY: the host passes null or null-terminated strings.
    let text = |p: *const c_char| {
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    };
    let kind = instance.handles.kind;
    let preset = match (location_kind, text(location), text(load_key)) {
        (CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN, _, Some(key)) => factory_preset(kind, &key),
        (CLAP_PRESET_DISCOVERY_LOCATION_FILE, Some(path), _) => file_preset(&path),
        _ => Err("the host named no preset".to_string()),
    };
    let result = match (preset, instance.handles.upgrade()) {
        (Ok(preset), Some((params, loader))) => load(&preset, &params, &loader, kind),
        (Err(e), _) => Err(e),
        (_, None) => Err("the plugin was released".to_string()),
    };
    let host = instance.host as *const clap_host;
    // SAFETY: the host pointer given at creation, valid for the instance's life; its
    // `get_extension` is called on the main thread, where this runs.
    let ext = unsafe {
        (*host)
            .get_extension
            .map(|get| get(host, CLAP_EXT_PRESET_LOAD.as_ptr()) as *const clap_host_preset_load)
            .and_then(|e| e.as_ref())
    };
    match (&result, ext) {
        (Ok(()), Some(ext)) => {
            if let Some(loaded) = ext.loaded {
                // SAFETY: the host's own function, with the strings it passed us.
                unsafe { loaded(host, location_kind, location, load_key) };
            }
        }
        (Err(error), ext) => {
            nice_plug::nice_warn!(
                "{}: could not load the preset: {error}",
                super::name_of(kind)
            );
            if let Some(on_error) = ext.and_then(|e| e.on_error) {
                let message = c(error);
                // SAFETY: as above, with a string that lives for the call.
                unsafe { on_error(host, location_kind, location, load_key, 0, message.as_ptr()) };
            }
        }
        (Ok(()), None) => {}
    }
    result.is_ok()
}
