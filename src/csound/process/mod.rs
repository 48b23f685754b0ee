//! Running Csound in a process of its own: the operating-system pieces the engine process is
//! built from (shared memory with futex wake-ups, and starting the process from the plugin
//! library itself). What travels through them is the engine's business (`engine::remote`).
//!
//! | Module | What it is for |
//! |---|---|
//! | [`shared`] | memory shared with the engine process, and waiting on it |
//! | [`spawn`] | finding the plugin library and starting the zygote from it |
//! | [`zygote`] | the warm process engine processes are forked from, and their handles |
//! | [`sandbox`] | confining an engine process: no programs, network or file writes |

pub mod sandbox;
pub mod shared;
pub mod spawn;
pub mod zygote;
