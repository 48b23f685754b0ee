//! An engine the audio thread plays, wherever Csound runs: in this process ([`Engine`]), or in
//! an engine process of its own ([`RemoteEngine`], what the plugins use).

use crate::csound::MessageLog;
use crate::engine::driver::Engine;
use crate::engine::events::MidiEvent;
use crate::engine::remote::commands::Commands;
use crate::engine::remote::proxy::WidgetInbox;
use crate::engine::remote::{Health, RemoteEngine};
use crate::engine::transport::Transport;
use std::sync::Arc;

/// An engine in this process or in its own.
pub enum Voice {
    Local(Box<Engine>),
    Remote(Box<RemoteEngine>),
}

impl Voice {
    /// Processes one block in place (see [`Engine::process`]).
    pub fn process(
        &mut self,
        io: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        events: &mut dyn Iterator<Item = MidiEvent>,
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
    ) {
        match self {
            Voice::Local(e) => e.process(io, sidechain, events, values, transport),
            Voice::Remote(e) => e.process(io, sidechain, events, values, transport),
        }
    }

    pub fn latency(&self) -> usize {
        match self {
            Voice::Local(e) => e.latency(),
            Voice::Remote(e) => e.latency(),
        }
    }

    pub fn sample_rate(&self) -> f64 {
        match self {
            Voice::Local(e) => e.sample_rate(),
            Voice::Remote(e) => e.sample_rate(),
        }
    }

    /// Starts the notes `other` holds (a recompiled orchestra takes over the held chord).
    pub fn adopt_notes(&mut self, other: &Voice) {
        let held = match other {
            Voice::Local(e) => e.held(),
            Voice::Remote(e) => e.held(),
        };
        match self {
            Voice::Local(e) => e.adopt_notes(held),
            Voice::Remote(e) => e.adopt_notes(held),
        }
    }

    /// Releases held notes and clears buffered output (host `reset`).
    pub fn reset(&mut self) {
        match self {
            Voice::Local(e) => e.reset(),
            Voice::Remote(e) => e.reset(),
        }
    }

    /// Csound's messages.
    pub fn messages(&self) -> Arc<MessageLog> {
        match self {
            Voice::Local(e) => e.csound().messages(),
            Voice::Remote(e) => e.messages(),
        }
    }

    /// What the orchestra changed in widgets (`None` in this process: nothing to show it).
    pub fn widget_changes(&self) -> Option<Arc<WidgetInbox>> {
        match self {
            Voice::Local(_) => None,
            Voice::Remote(e) => Some(e.widget_changes()),
        }
    }

    /// Commands to the running engine (`None` in this process).
    pub fn commands(&self) -> Option<Arc<Commands>> {
        match self {
            Voice::Local(_) => None,
            Voice::Remote(e) => Some(e.commands()),
        }
    }

    /// How the engine process is doing (`None` in this process).
    pub fn health(&self) -> Option<Arc<Health>> {
        match self {
            Voice::Local(_) => None,
            Voice::Remote(e) => Some(e.health()),
        }
    }
}
