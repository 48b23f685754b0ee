//! Which plugin instance a host's call is about, for the calls that reach our entry rather than
//! the framework's wrapper (CLAP preset-load): each instance's parameters and loader, found by
//! the `clap_plugin` pointer the host holds.
//!
//! nice-plug creates the plugin inside its wrapper, so the plugin leaves its handles here, on
//! the creating thread, and the entry that asked for the wrapper takes them right after.

use crate::engine::live::Loader;
use crate::orchestra::Kind;
use crate::params::PluginParams;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// What a host's call needs of an instance. Weak: an entry never keeps an instance alive.
#[derive(Clone)]
pub struct Handles {
    pub params: Weak<PluginParams>,
    pub loader: Weak<Loader>,
    pub kind: Kind,
}

impl Handles {
    /// Both handles, while the instance lives.
    pub fn upgrade(&self) -> Option<(Arc<PluginParams>, Arc<Loader>)> {
        Some((self.params.upgrade()?, self.loader.upgrade()?))
    }
}

thread_local! {
    /// The handles of the instance created last on this thread.
    static CREATED: RefCell<Option<Handles>> = const { RefCell::new(None) };
}

/// Called by a new instance: leaves its handles for the entry creating it.
pub fn created(handles: Handles) {
    CREATED.with(|c| *c.borrow_mut() = Some(handles));
}

/// The handles the instance just created on this thread left, once.
pub fn take_created() -> Option<Handles> {
    CREATED.with(|c| c.borrow_mut().take())
}

/// One CLAP instance as our entry knows it.
#[derive(Clone)]
pub struct Registered {
    pub handles: Handles,
    /// The host's `clap_host`, as an address (valid for the instance's life, as CLAP says).
    pub host: usize,
}

fn registry() -> &'static Mutex<HashMap<usize, Registered>> {
    static REGISTRY: OnceLock<Mutex<HashMap<usize, Registered>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// Records the instance whose `clap_plugin` is at `plugin`. Entries of released instances are
/// dropped here (their handles no longer upgrade); a reused address is overwritten.
pub fn register(plugin: usize, registered: Registered) {
    if let Ok(mut map) = registry().lock() {
        map.retain(|_, r| r.handles.params.strong_count() > 0);
        map.insert(plugin, registered);
    }
}

/// The instance whose `clap_plugin` is at `plugin`. Main thread only (it locks).
pub fn find(plugin: usize) -> Option<Registered> {
    registry().lock().ok()?.get(&plugin).cloned()
}
