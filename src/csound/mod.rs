//! The Csound layer: a safe Rust host for Csound 6.18 (Debian's `libcsound64`) and 7.0 (carried
//! inside the plugin), one API for both ([`Csound::on`] picks; [`Version`]).
//!
//! Everything else in the crate (plugins, command line, editor) drives Csound through this
//! module, and only this module contains `unsafe` code. It is built around the measured hazards
//! of hosting Csound inside another program:
//!
//! - **Opened, not linked**: libcsound is opened at run time (`sys::Api::of`), so a missing
//!   Csound is an error message from the first instance, not a plugin the host cannot load;
//!   the bundled 7.0 privately, so no other Csound in the process can take its place.
//! - **No signal handlers, no `exit`**: libcsound is initialised once without its signal
//!   handlers and `atexit` hook; `exitnow` and Csound's fatal errors end the performance
//!   ([`Perform::Exited`]) instead of the process.
//! - **Nothing unchecked reaches Csound**: options pass the allowlist in [`options`]; a CSD is
//!   split by [`csd`] first, so `<CsOptions>` are filtered and sections that run programs or
//!   write files are refused.
//! - **The host's threads stay as they were**: creating an engine restores the caller's
//!   floating-point control state; messages go to a lock-free [`MessageLog`], never stdout.
//! - **Real-time paths are real-time safe**: [`Csound::perform_ksmps`], [`ControlChannel`]
//!   handles, [`Csound::score_event`] and [`MidiInput`] neither allocate nor lock on our side.
//!
//! | Module | What it is for |
//! |---|---|
//! | [`instance`] | [`Csound`], one engine: creation, options, messages, teardown |
//! | [`compile`] | compiling and parsing CSDs, orchestras and scores |
//! | `includes` | finding `#include`d files first (a missing one crashes Csound 6.18) |
//! | [`perform`] | starting, performing k-periods through `spin`/`spout`, rates |
//! | [`events`] | score and line events, killing instances, function tables |
//! | [`midi`] | raw MIDI into Csound's MIDI system |
//! | [`opcodes`] | Cabbage's opcodes, implemented and registered with every engine |
//! | [`options`] | the option allowlist |
//! | [`output`] | Csound writing a performance to a sound file itself (`render` of a CSD) |
//! | [`csd`] | splitting a CSD file before Csound reads it |
//! | [`channels`] | channels: declarations, hints, audio-thread handles, values |
//! | [`messages`] | Csound's messages, captured |
//! | [`perf_thread`] | running an engine on its own thread |
//! | [`process`] | running an engine in a process of its own (shared memory, launching) |

pub mod channels;
pub mod compile;
pub mod csd;
pub mod error;
pub mod events;
pub mod fpu;
mod includes;
pub mod instance;
pub mod messages;
pub mod midi;
pub mod opcodes;
pub mod options;
pub mod output;
pub mod perf_thread;
pub mod perform;
pub mod process;
mod sys;

pub use channels::{
    Behaviour, ChannelHints, ChannelInfo, ChannelKind, ControlChannel, StaleChannel,
};
pub use error::{Error, ErrorKind, Result};
pub use events::{EventKind, EventRefused, KillMode};
#[cfg(target_arch = "x86_64")]
pub use fpu::mxcsr;
pub use fpu::FlushDenormals;
pub use instance::Csound;
pub use messages::{Message, MessageLevel, MessageLog};
pub use midi::{MidiFull, MidiInput};
pub use output::SampleFormat;
pub use perf_thread::PerformanceThread;
pub use perform::Perform;
pub use sys::Version;
