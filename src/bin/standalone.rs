//! The Csound Instrument as a standalone application (JACK, else ALSA, else no audio device),
//! with its editor: `csound-plugin-standalone --help` lists the audio options;
//! `--orchestra FILE.csd` starts it with that orchestra. Its Csound runs in an engine process:
//! this same program, started with the engine argument.

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
    // `--orchestra FILE` is ours; the rest are the framework's audio options.
    let mut args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--orchestra") {
        if let Some(path) = args.get(i + 1).cloned() {
            let path = std::fs::canonicalize(&path)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or(path);
            csound_plugin::params::start_with_orchestra(path);
            args.drain(i..i + 2);
        }
    }
    nice_plug::prelude::nice_export_standalone_with_args::<csound_plugin::Instrument, _>(args);
}
