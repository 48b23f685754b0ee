//! Csound orchestras as CLAP and VST3 instruments and effects.
//!
//! - [`csound`]: the Csound layer, a safe host for Csound 6.18 (the only `unsafe` code).

pub mod csound;

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
