//! The channels the plugins write for an orchestra to read: the host's transport (under the
//! names Cabbage uses) and MIDI controllers. They are never parameters.

/// The transport channels, in the order of
/// [`Transport::values`](crate::engine::transport::Transport::values).
pub const TRANSPORT: [&str; 9] = [
    "HOST_BPM",
    "IS_PLAYING",
    "IS_RECORDING",
    "TIME_IN_SECONDS",
    "TIME_IN_SAMPLES",
    "TIME_SIG_NUM",
    "TIME_SIG_DENOM",
    "HOST_PPQ_POS",
    // Not the transport, but written with it: 1 while the plugin's window is open.
    "IS_EDITOR_OPEN",
];

/// Text channels written once at load, the names Cabbage instruments read: the CSD's folder
/// and the user's folders.
pub const FOLDERS: [&str; 5] = [
    "CSD_PATH",
    "USER_HOME_DIRECTORY",
    "USER_DESKTOP_DIRECTORY",
    "USER_MUSIC_DIRECTORY",
    "USER_DOCUMENTS_DIRECTORY",
];

/// Number channels written once at load: `IS_A_PLUGIN` (1) and `HOST_BUFFER_SIZE` (the host's
/// largest block, in frames).
pub const HOST: [&str; 2] = ["IS_A_PLUGIN", "HOST_BUFFER_SIZE"];

/// Whether `name` is one of the transport channels (never a parameter).
pub fn is_transport_channel(name: &str) -> bool {
    TRANSPORT.contains(&name) || HOST.contains(&name)
}

/// Whether `name` is a MIDI controller channel (`MIDI_PITCH_BEND`, `MIDI_CC1`, ...).
pub fn is_midi_channel(name: &str) -> bool {
    name.starts_with("MIDI_")
}
