//! The process boundary: Csound in an engine process of its own, so that no orchestra and no
//! Csound bug can crash or freeze the host.
//!
//! | Module | What it is for |
//! |---|---|
//! | [`protocol`] | what travels: the shared block's layout, the control messages |
//! | [`server`] | the engine process: load, then answer blocks |
//! | [`proxy`] | the plugin's side: start the process, stand in for the engine, watchdog |
//! | [`health`] | how an engine process is doing, and what happened to it, in words |
//! | [`commands`] | telling a running engine something (a text channel) |

pub mod commands;
pub mod health;
pub mod protocol;
pub mod proxy;
pub mod server;

pub use health::Health;
pub use proxy::RemoteEngine;
