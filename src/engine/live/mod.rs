//! Live recompilation: the orchestra can change while the DAW plays.
//!
//! Compiling takes milliseconds to seconds, so it never happens on the audio thread. A
//! [`Loader`] owns a worker thread that compiles a new [`Engine`] and hands it to the audio
//! thread through a wait-free ring; the audio thread's [`Player`] takes it at a block boundary,
//! lets it take over the held notes, waits out its latency and crossfades to it over
//! [`FADE_SECONDS`]. The old engine goes back through a second ring to the worker, which destroys
//! it: the audio thread never compiles, allocates or frees an engine.
//!
//! ```text
//!  editor / file watch ──request──▶ Loader thread ──Engine──▶ Player (audio thread)
//!                                       ▲                         │
//!                                       └───── retired Engine ────┘
//! ```
//!
//! A compile that fails changes nothing: the old engine keeps playing, untouched, and the
//! error is reported ([`Status::Failed`]). Parameter values carry over by channel name, because
//! slots are bound to channel names ([`OrchestraState::bind`](crate::params::state::OrchestraState::bind)).

pub mod launch;
pub mod loader;
pub mod player;

pub use launch::{load_into, saved_source, Launch, Setup};
pub use loader::{Loader, Status};
pub use player::{Player, FADE_SECONDS};
