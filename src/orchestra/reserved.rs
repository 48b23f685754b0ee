//! The channels the plugins write for an orchestra to read: the host's transport (under the
//! names Cabbage uses) and MIDI controllers. They are never parameters. Also: whether an
//! orchestra reads MIDI controllers at all ([`reads_midi_controllers`]).

use crate::orchestra::source::code_words;

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

/// The controller channels the plugins write (poly pressure is not among them: it comes with
/// the notes in every host). A word that starts with one counts (`MIDI_CC` of `"MIDI_CC%d"`).
const CONTROLLER_CHANNELS: &[&str] = &[
    "MIDI_CC",
    "MIDI_PITCH_BEND",
    "MIDI_MOD_WHEEL",
    "MIDI_CHANNEL_PRESSURE",
];

/// Csound's opcodes that read controllers, pitch bend, channel pressure or program changes
/// from its own MIDI system.
const CONTROLLER_OPCODES: &[&str] = &[
    "ctrl7",
    "ctrl14",
    "ctrl21",
    "ctrlinit",
    "ctrlpreset",
    "ctrlprint",
    "ctrlprintpresets",
    "ctrlsave",
    "ctrlselect",
    "midictrl",
    "midic7",
    "midic14",
    "midic21",
    "initc7",
    "initc14",
    "initc21",
    "chanctrl",
    "pchbend",
    "aftouch",
    "midiin",
    "midichannelaftertouch",
    "midicontrolchange",
    "midipitchbend",
    "midiprogramchange",
    "pgmassign",
    "s16b14",
    "s32b14",
];

/// Whether orchestra code reads MIDI controllers, pitch bend or channel pressure: through the
/// channels the plugins write, or through Csound's MIDI opcodes (`ctrl7`, `midictrl`, the
/// `slider` banks...). A word in a comment does not count; a word in a string does (code
/// compiled at run time, a channel name built with `sprintf`). When in doubt it says yes: an
/// exported instrument made without controllers never receives them.
pub fn reads_midi_controllers(code: &str) -> bool {
    code_words(code).any(|(_, word)| {
        CONTROLLER_CHANNELS.iter().any(|c| word.starts_with(c))
            || CONTROLLER_OPCODES.contains(&word)
            || word.starts_with("slider")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controllers_are_read_through_channels_or_midi_opcodes() {
        for code in [
            "kcut chnget \"MIDI_CC74\"",
            "kbend chnget \"MIDI_PITCH_BEND\"",
            "Sname sprintfk \"MIDI_CC%d\", kn",
            "kmod chnget \"MIDI_MOD_WHEEL\"",
            "kp chnget \"MIDI_CHANNEL_PRESSURE\"",
            "kv ctrl7 1, 7, 0, 1",
            "kv midictrl 1",
            "k1, k2 slider16 1, 1, 0, 1, 0, 0, 0",
            "ib pchbend 0, 2",
            "kst, kch, kd1, kd2 midiin",
            "pgmassign 1, 2",
            "ires compilestr {{ instr 2\n k1 ctrl7 1, 1, 0, 1\n endin }}",
        ] {
            assert!(reads_midi_controllers(code), "{code}");
        }
        for code in [
            "a1 oscili 0.5, p4",
            "kp chnget \"MIDI_POLY_PRESSURE60\"",
            "kbpm chnget \"HOST_BPM\"",
            "a1 oscili 0.5, 440 ; no ctrl7 here",
            "a1 oscili 0.5, 440 // nor midictrl",
            "kcontrol chnget \"control\"",
        ] {
            assert!(!reads_midi_controllers(code), "{code}");
        }
    }
}
