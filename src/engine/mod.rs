//! The real-time engine: a loaded orchestra, driven block by block from the audio thread.
//!
//! Csound works in k-periods of `ksmps` frames; hosts send blocks of any size. Input frames are
//! gathered into Csound's `spin` until a k-period is full, then it is performed and its `spout`
//! is played out during the next `ksmps` frames. Every frame is therefore delayed by exactly
//! `ksmps` frames, which is the latency the plugin reports. Events land inside that grid:
//!
//! - a note-on at block frame `s` falls `o` frames into the k-period being gathered; it is sent
//!   before that k-period is performed with an onset of `o` frames (see [`notes::onset`]),
//!   so it is heard exactly `s + ksmps` frames later;
//! - parameter values and the transport are written at the start of each k-period, so a change
//!   at frame `s` reaches its channel at the first k-period boundary at or after `s`.
//!
//! Nothing here allocates, locks or looks a channel up by name once loaded ([`Engine::load`]
//! does all of that, off the audio thread).
//!
//! | Module | What it is for |
//! |---|---|
//! | [`driver`] | the [`Engine`]: blocks in, k-periods performed, output played out |
//! | [`load`] | loading an orchestra: the sharing gate, the compile, handles resolved |
//! | `choose` | which Csound an orchestra loads on when nobody chose |
//! | [`events`] | what the host sends inside a block ([`MidiEvent`]) |
//! | [`notes`] | where MIDI notes become score events |
//! | [`controllers`] | where MIDI controllers become control channels |
//! | [`transport`] | the host's transport into the channels Cabbage users know |
//! | [`python`] | Python opcodes in one engine at a time |
//! | [`live`] | live recompilation: compile off the audio thread, crossfade |
//! | [`remote`] | the engine in a process of its own, and its watchdog |
//! | [`voice`] | an engine in this process or in its own, behind one interface |

mod choose;
pub mod controllers;
pub mod driver;
pub mod events;
pub mod live;
pub mod load;
pub mod notes;
pub mod python;
pub mod remote;
pub mod transport;
pub mod voice;

pub use controllers::vst3_midi_controller;
pub use driver::{Engine, CEILING, MAX_CHANNELS, STEREO};
pub use events::MidiEvent;
pub use load::{csound_for, Loaded, ScorePlay, Setup};
