//! The channels the plugins write for an orchestra to read: the host's transport (under the
//! names Cabbage uses) and MIDI controllers. They are never parameters.

/// The transport channels, in the order of
/// [`Transport::values`](crate::engine::transport::Transport::values).
pub const TRANSPORT: [&str; 8] = [
    "HOST_BPM",
    "IS_PLAYING",
    "IS_RECORDING",
    "TIME_IN_SECONDS",
    "TIME_IN_SAMPLES",
    "TIME_SIG_NUM",
    "TIME_SIG_DENOM",
    "HOST_PPQ_POS",
];

/// Whether `name` is one of the transport channels (never a parameter).
pub fn is_transport_channel(name: &str) -> bool {
    TRANSPORT.contains(&name)
}

/// Whether `name` is a MIDI controller channel (`MIDI_PITCH_BEND`, `MIDI_CC1`, ...).
pub fn is_midi_channel(name: &str) -> bool {
    name.starts_with("MIDI_")
}
