//! "Export plugin" in the editor: the open orchestra becomes a plugin of its own, byte for
//! byte what `csound-plugin export` makes of the same file, and both test hosts load it with
//! the orchestra's own parameters.

mod common;
mod exported;
mod hosts;

use common::scratch;
use csound_plugin::csound::process::spawn::Program;
use csound_plugin::editor::export_panel::{export_running, ExportForm};
use csound_plugin::engine::live::{Launch, Loader};
use csound_plugin::orchestra::{Kind, Source};
use csound_plugin::params::PluginParams;
use exported::{bundle_at, export, open_export, params, play, write};
use hosts::drive::*;
use std::sync::Arc;

const SYNTH: &str = "<Cabbage>\nform caption(\"Window Synth\") size(300, 100)\n\
rslider bounds(0, 0, 60, 60), channel(\"level\"), range(0, 1, 0.5), text(\"Level\")\n\
combobox bounds(70, 0, 90, 20), channel(\"wave\"), text(\"Sine\", \"Square\"), value(1)\n</Cabbage>\n\
<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
instr 1\n klevel chnget \"level\"\n aenv madsr 0.005, 0, 1, 0.05\n \
a1 oscili klevel * aenv, cpsmidinn(p4)\n outs a1, a1\nendin\n\
</CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n";

#[test]
fn the_windows_export_is_the_command_lines_and_plays_in_both_hosts() {
    let dir = scratch("export-window");
    let csd = write(&dir, "synth.csd", SYNTH);
    // The orchestra open in a plugin, as a host runs it.
    let plugin = Arc::new(PluginParams::new());
    let launch = Launch::Process(Program::Library(common::plugin_library()));
    let (loader, _player) = Loader::with_launch(plugin.clone(), Kind::Instrument, launch);
    loader.configure(48000.0, 256, true);
    loader
        .load_now(&plugin, &Source::from_file(&csd).unwrap(), Kind::Instrument)
        .unwrap_or_else(|e| panic!("{e}"));
    let form = ExportForm {
        folder: dir.join("window").display().to_string(),
        install: false,
        from: Some(bundle(Format::Clap)),
        ..ExportForm::for_running(&plugin, Kind::Instrument)
    };
    assert_eq!(form.name, "Window Synth", "named after its caption");
    let made = export_running(&plugin, &form).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(made.manifest.params.len(), 2);
    export(&csd, &["--name", "Window Synth"], &dir.join("cli"));
    let base = |from: &str| dir.join(from).join("Window Synth");
    let clap = |from: &str| std::fs::read(bundle_at(Format::Clap, &base(from))).unwrap();
    assert!(
        clap("window") == clap("cli"),
        "the same bytes as the command line's"
    );
    for format in FORMATS {
        let mut host = open_export(format, &base("window"));
        let names: Vec<String> = params(host.as_mut()).into_iter().map(|p| p.0).collect();
        assert_eq!(names, ["Level", "wave"], "{format:?}");
        let sound = play(host.as_mut(), 69);
        assert!(
            sound.iter().fold(0.0f64, |m, s| m.max(s.abs())) > 0.1,
            "{format:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
