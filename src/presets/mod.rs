//! Presets: single human-readable files that people pass to each other.
//!
//! A preset names the plugin and the orchestra it was made for (file name and SHA-256 of its
//! text), keeps parameter values by channel name in the channel's own units, string channels,
//! and optionally the orchestra itself, so the file alone reproduces the sound:
//!
//! ```json
//! {
//!   "format": 1,
//!   "plugin": "instrument",
//!   "name": "Warm Strings",
//!   "orchestra": { "name": "pad.csd", "hash": "3b0c…" },
//!   "values": { "cutoff": 1200.0, "shape": 1.0 },
//!   "strings": {},
//!   "source": "<CsoundSynthesizer>…"
//! }
//! ```
//!
//! Applying a preset to an orchestra matches channels by name ([`Preset::apply_to`]): values for
//! channels the orchestra has are applied (clamped to its range), the rest are reported. Cabbage
//! `.snaps` files import as presets ([`import_snaps`]).
//!
//! | Module | What it is for |
//! |---|---|
//! | [`file`] | the preset file: reading, writing, applying to an orchestra |
//! | [`library`] | the user's preset folder and file names |
//! | [`factory`] | the built-in presets |
//! | [`host`] | presets in a DAW's browser: keys, and loading one the host chose |
//! | [`snaps`] | Cabbage `.snaps` import |

pub mod factory;
pub mod file;
pub mod host;
pub mod library;
pub mod snaps;

pub use crate::orchestra::source::content_hash;
pub use file::{Applied, OrchestraRef, Preset, PresetError, EXTENSION, FORMAT};
pub use library::{file_name, user_dir, user_presets};
pub use snaps::import_snaps;
