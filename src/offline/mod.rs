//! Playing without a DAW: the plugins' own engine, parameter and MIDI code driven from a
//! timeline, for the command line and the benchmarks.
//!
//! | Module | What it is for |
//! |---|---|
//! | [`render`] | rendering a job (notes, automation, input) to audio |
//! | [`csd`] | rendering a CSD's own score the way `csound -o` does |
//! | [`midi_file`] | standard MIDI files into engine events |

pub mod csd;
pub mod midi_file;
pub mod render;
