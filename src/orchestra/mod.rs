//! What an orchestra is and declares, and whether it may run: everything the plugin knows about
//! an orchestra before Csound performs it.
//!
//! | Module | What it is for |
//! |---|---|
//! | [`source`] | an orchestra's text and origin, the plugin kind, its content hash |
//! | [`declarations`] | its parameters (`chn_k`) and rates |
//! | [`note_mode`] | how notes reach it (`<CsPlugin>`, or inferred) |
//! | [`needs`] | which Csound it needs when nobody chose one |
//! | [`preview`] | its parameters read from the text alone, before Csound compiles it |
//! | [`cabbage`] | the widgets of a `<Cabbage>` section: parameters and the instrument's face |
//! | [`reserved`] | the channels the plugins write for it (transport, MIDI controllers) |
//! | [`factory`] | the orchestras built into the binaries |
//! | [`safety`] | which of its opcodes reach outside the instrument |
//! | [`trust`] | the sharing gate: refusing those until the user allows them |

pub mod cabbage;
pub mod declarations;
pub mod factory;
pub mod needs;
pub mod note_mode;
pub mod preview;
pub mod reserved;
pub mod safety;
pub mod source;
pub mod trust;

pub use source::{content_hash, Kind, Source};
