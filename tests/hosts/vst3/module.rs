//! The plugin library: loading it, its entry and exit, and the audio buffers of its buses.

use libloading::os::unix::{Library, RTLD_LAZY, RTLD_LOCAL};
use std::ffi::c_void;
use std::path::Path;
use vst3::ComPtr;
use vst3::Steinberg::Vst::{AudioBusBuffers, AudioBusBuffers__type0};
use vst3::Steinberg::{int32, IPluginFactory};

/// The loaded plugin library. Dropping it calls `ModuleExit`, so it must outlive every COM object
/// the library made.
///
/// The library is opened with `RTLD_NODELETE`, so closing it never unmaps it: a plugin may leave
/// thread-exit hooks on the threads that called into it (a Rust plugin's own standard library
/// registers a `pthread_key` destructor on a thread that calls `thread::current()`, as nice-plug
/// does), and those would jump into unmapped code when a test thread ends after its host was
/// dropped. DAWs likewise keep plugin modules loaded.
pub(super) struct Module {
    /// The `dlopen`ed library (closed, not unmapped, when this drops).
    pub(super) library: Library,
    /// Whether `ModuleEntry` ran, so `ModuleExit` is owed.
    pub(super) entered: bool,
}

impl Module {
    /// Opens the library and calls `ModuleEntry` (with the `dlopen` handle) if it exports one.
    pub(super) fn open(path: &Path) -> Self {
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
    pub(super) fn factory(&self) -> ComPtr<IPluginFactory> {
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
pub(super) struct Bus {
    /// Whether this is the main bus of its direction (else auxiliary, e.g. a sidechain).
    pub(super) main: bool,
    /// How many channels the host provides buffers for.
    pub(super) channels: usize,
}

/// Block-sized sample storage for every channel of a list of buses, and the pointer tables that
/// `AudioBusBuffers` point into.
pub(super) struct BusBuffers {
    /// The samples: `[bus][channel][frame]`.
    pub(super) samples: Vec<Vec<Vec<f32>>>,
    /// Per bus, a pointer to each channel of `samples`.
    pub(super) pointers: Vec<Vec<*mut f32>>,
}

impl BusBuffers {
    /// Silent samples of `frames` frames for every channel of `buses`, to fill before wrapping.
    pub(super) fn silence(buses: &[Bus], frames: usize) -> Vec<Vec<Vec<f32>>> {
        buses
            .iter()
            .map(|bus| vec![vec![0.0; frames]; bus.channels])
            .collect()
    }

    /// Wraps filled sample storage; from here on the samples are only reached through the
    /// pointer tables (by the plugin) until the wrapper is taken apart.
    pub(super) fn new(mut samples: Vec<Vec<Vec<f32>>>) -> Self {
        let pointers = samples
            .iter_mut()
            .map(|bus| bus.iter_mut().map(|c| c.as_mut_ptr()).collect())
            .collect();
        BusBuffers { samples, pointers }
    }

    /// The `AudioBusBuffers` describing these buffers; they point into `self`.
    pub(super) fn vst3(&mut self) -> Vec<AudioBusBuffers> {
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
