//! The Csound Instrument as a standalone application (JACK, else ALSA, else no audio device),
//! with its editor: `csound-plugin-standalone --help` lists the audio options.

fn main() {
    nice_plug::nice_export_standalone::<csound_plugin::Instrument>();
}
