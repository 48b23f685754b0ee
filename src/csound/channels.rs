//! Csound's named channels as the host sees them: declarations with their hints, and a
//! handle to a control channel that the audio thread can use without a lookup.

use std::fmt;

/// What a channel carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// One number per k-period (`chn_k`).
    Control,
    /// One k-period of audio (`chn_a`).
    Audio,
    /// Text (`chn_S`).
    String,
    /// A phase-vocoder stream.
    Pvs,
    /// A variable of another type.
    Var,
}

/// How a control channel's value moves between its minimum and maximum (the `itype` of
/// `chn_k`): what a host shows as a knob's law.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// No range was declared.
    None,
    /// Whole numbers only.
    Integer,
    /// Linear.
    Linear,
    /// Exponential: `min` and `max` share a sign and are not zero.
    Exponential,
}

/// The range and presentation hints of a control channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelHints {
    pub behaviour: Behaviour,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    /// The free-form attribute string of `chn_k` (label, unit, steps, ... as the plugin reads it).
    pub attributes: Option<String>,
}

/// A channel that exists in the running orchestra.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelInfo {
    pub name: String,
    pub kind: ChannelKind,
    /// The orchestra reads it: the host may write it.
    pub input: bool,
    /// The orchestra writes it: the host may read it.
    pub output: bool,
    /// Hints, for control channels.
    pub hints: ChannelHints,
}

/// A control channel of one instance, resolved once so the audio thread reads and writes it
/// through a pointer: no name lookup, no lock (about 1 ns against 25 ns by name).
///
/// Get one with [`Csound::control_channel`](super::Csound::control_channel) and use it with
/// [`Csound::set_control`](super::Csound::set_control) and
/// [`Csound::control`](super::Csound::control). It is `Copy` and may be sent to another thread.
/// A handle outlives nothing: after a reset, or on another instance, it is refused with
/// [`StaleChannel`] instead of touching freed memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlChannel {
    /// The channel's value inside Csound.
    pub(crate) ptr: *mut f64,
    /// The instance-and-reset key the pointer belongs to.
    pub(crate) key: u64,
}

// SAFETY: the pointer is only dereferenced by `Csound` methods after checking that `key` is the
// key of that very instance since its last reset, i.e. while the pointed-to value is alive; the
// value is read and written atomically.
unsafe impl Send for ControlChannel {}
// SAFETY: as above; the handle itself is an immutable pair of values.
unsafe impl Sync for ControlChannel {}

/// A [`ControlChannel`] used on an instance it does not belong to, or after a reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleChannel;

impl fmt::Display for StaleChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("this channel handle belongs to another Csound instance or was reset")
    }
}

impl std::error::Error for StaleChannel {}
