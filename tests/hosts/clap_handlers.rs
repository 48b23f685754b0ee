//! What the CLAP test host offers the plugin: its callbacks, which record what the plugin asked
//! for (a callback, a restart, a rescan) for the host to act on between blocks.

use clack_extensions::gui::{GuiSize, HostGui, HostGuiImpl};
use clack_extensions::latency::{HostLatency, HostLatencyImpl};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamRescanFlags,
};
use clack_extensions::preset_discovery::prelude::{HostPresetLoad, Location};
use clack_extensions::preset_discovery::HostPresetLoadImpl;
use clack_extensions::state::{HostState, HostStateImpl};
use clack_host::prelude::*;
use std::ffi::CStr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Ties the host's callback handlers together for clack-host.
pub struct Handlers;

impl HostHandlers for Handlers {
    type Shared<'a> = Shared;
    type MainThread<'a> = MainThread<'a>;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLatency>()
            .register::<HostParams>()
            .register::<HostState>()
            .register::<HostPresetLoad>()
            .register::<HostGui>();
    }
}

/// The thread-safe callbacks: what the plugin asked of the host, acted on between blocks.
#[derive(Default)]
pub struct Shared {
    /// The plugin asked to be deactivated and activated again (`request_restart`).
    pub restart: AtomicBool,
    /// The plugin asked for its `on_main_thread` callback (`request_callback`).
    pub callback: AtomicBool,
    /// How many times the plugin asked the host to read its parameters' values and texts
    /// again (`params.rescan` with VALUES and TEXT).
    pub values_rescanned: AtomicUsize,
    /// Presets the plugin said it loaded (`preset_load.loaded`).
    pub presets_loaded: AtomicUsize,
    /// Presets the plugin said it could not load (`preset_load.on_error`).
    pub preset_errors: AtomicUsize,
}

impl SharedHandler<'_> for Shared {
    fn request_restart(&self) {
        self.restart.store(true, Ordering::SeqCst);
    }

    fn request_process(&self) {
        // The plugin is always active and processing between calls: nothing to start.
    }

    fn request_callback(&self) {
        self.callback.store(true, Ordering::SeqCst);
    }
}

/// The editor lives in a window the harness never resizes, shows or hides on request.
impl HostGuiImpl for Shared {
    fn resize_hints_changed(&self) {}
    fn request_resize(&self, _size: GuiSize) -> Result<(), HostError> {
        Ok(())
    }
    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn closed(&self, _was_destroyed: bool) {}
}

impl HostParamsImplShared for Shared {
    fn request_flush(&self) {
        // The next `process` call flushes parameters; the harness never stays idle.
    }
}

/// The main-thread callbacks. This host asks the plugin for latency, parameters and state
/// whenever a test does; it counts rescans in the shared state.
pub struct MainThread<'a>(pub &'a Shared);

impl<'a> MainThreadHandler<'a> for MainThread<'a> {}

impl HostLatencyImpl for MainThread<'_> {
    fn changed(&self) {}
}

impl HostParamsImplMainThread for MainThread<'_> {
    fn rescan(&self, flags: ParamRescanFlags) {
        if flags.contains(ParamRescanFlags::VALUES | ParamRescanFlags::TEXT) {
            self.0.values_rescanned.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {}
}

impl HostStateImpl for MainThread<'_> {
    fn mark_dirty(&self) {}
}

impl HostPresetLoadImpl for MainThread<'_> {
    fn on_error(&self, _: Location, _: Option<&CStr>, _: i32, message: Option<&CStr>) {
        eprintln!("preset-load error: {message:?}");
        self.0.preset_errors.fetch_add(1, Ordering::SeqCst);
    }

    fn loaded(&self, _: Location, _: Option<&CStr>) {
        self.0.presets_loaded.fetch_add(1, Ordering::SeqCst);
    }
}
