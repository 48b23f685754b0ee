//! The Csound Instrument as a standalone application (JACK, else ALSA, else no audio device),
//! with its editor: `csound-plugin-standalone --help` lists the audio options. Its Csound runs
//! in an engine process: this same program, started with the engine argument.

use csound_plugin::csound::process::spawn::ENGINE_ARGUMENT;
use csound_plugin::engine::live::Launch;

fn main() {
    if std::env::args().nth(1).as_deref() == Some(ENGINE_ARGUMENT) {
        let code =
            csound_plugin::engine::remote::server::csound_plugin_engine_main(0, std::ptr::null());
        std::process::exit(code);
    }
    if let Ok(program) = std::env::current_exe() {
        Launch::use_program(program);
    }
    nice_plug::nice_export_standalone::<csound_plugin::Instrument>();
}
