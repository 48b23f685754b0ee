//! `csound-plugin export`: orchestras exported as plugins of their own, loaded from their bundles
//! by the CLAP and VST3 test hosts beside the generic instrument, moved away from their source,
//! and exported again. Run after `cargo xtask bundle csound-plugin` (exports are made from that
//! library, as a user's are made from the installed one).

mod common;
mod exported;
mod hosts;

use common::{peak, pitch, scratch};
use exported::*;
use hosts::catalogue;
use hosts::drive::*;
use hosts::Event;
use std::path::Path;
use std::process::Command;

#[test]
fn two_exports_and_the_generic_instrument_play_side_by_side() {
    let dir = scratch("side-by-side");
    let out = dir.join("plugins");
    let sine = write(&dir, "src/sine.csd", SINE);
    let square = write(&dir, "src/square.csd", SQUARE);
    export(
        &sine,
        &["--name", "Sine Lead", "--vendor", "Test Vendor"],
        &out,
    );
    // No --name: the Cabbage form's caption names it.
    export(&square, &["--vendor", "Test Vendor"], &out);
    let (sine, square) = (out.join("Sine Lead"), out.join("Square Bass"));

    for format in FORMATS {
        let generic = match format {
            Format::Clap => catalogue::clap(&bundle(format)),
            Format::Vst3 => catalogue::vst3(&bundle(format)),
        };
        assert_eq!(
            generic.len(),
            2,
            "{format:?}: the generic bundle keeps both plugins"
        );
        let a = listed(format, &bundle_at(format, &sine));
        let b = listed(format, &bundle_at(format, &square));
        assert_eq!(
            (a.name.as_str(), a.vendor.as_str()),
            ("Sine Lead", "Test Vendor")
        );
        assert_eq!(
            (b.name.as_str(), b.vendor.as_str()),
            ("Square Bass", "Test Vendor")
        );
        assert_ne!(a.id, b.id, "{format:?}");
        for g in &generic {
            assert!(
                a.id != g.id && b.id != g.id,
                "{format:?}: an export takes {g:?}'s id"
            );
        }
        if format == Format::Clap {
            assert!(a
                .id
                .starts_with("net.csound-plugin.export.test-vendor.sine-lead."));
        }

        // All three in one process, played in turn, block by block.
        let mut hosts = [
            open_export(format, &sine),
            open_export(format, &square),
            open(format, Which::Instrument, 48000.0, 256),
        ];
        let listed: Vec<_> = hosts.iter_mut().map(|h| params(h.as_mut())).collect();
        let names = |i: usize| -> Vec<&str> { listed[i].iter().map(|p| p.0.as_str()).collect() };
        assert_eq!(names(0), ["Level", "Tone"], "{format:?}");
        // A combobox without text is named by its channel, as Cabbage shows it.
        assert_eq!(names(1), ["Drive", "octave", "Attack"], "{format:?}");
        assert!(
            names(2).iter().all(|n| n.starts_with("Param ")),
            "{format:?}"
        );
        // The menus are stepped parameters with a step per item.
        assert_eq!(listed[0][1].2, 2, "{format:?}: Tone has three steps");
        assert_eq!(listed[1][1].2, 1, "{format:?}: Octave has two steps");
        assert_eq!(listed[0][0].2, 0, "{format:?}: Level is continuous");
        // Groups: CLAP modules, VST3 units.
        let groups: Vec<&str> = listed[0].iter().map(|p| p.1.as_str()).collect();
        assert_eq!(groups, ["Output", "Colour"], "{format:?}");
        assert_eq!(listed[1][2].1, "Envelope", "{format:?}");

        let sounds: Vec<Vec<f64>> = hosts.iter_mut().map(|h| play(h.as_mut(), 69)).collect();
        assert!(
            (pitch(&sounds[0], 48000.0) - 440.0).abs() < 2.0,
            "{format:?}: the sine"
        );
        assert!(
            (pitch(&sounds[1], 48000.0) - 220.0).abs() < 2.0,
            "{format:?}: the square"
        );
        assert!(
            peak(&sounds[2]) > 0.01,
            "{format:?}: the generic instrument plays"
        );
        // Each its own sound: the sine at its level (0.5), the band-limited square at 0.3
        // (its ripple peaks above).
        let peaks: Vec<f64> = sounds.iter().map(|s| peak(s)).collect();
        assert!((peaks[0] - 0.5).abs() < 0.02, "{format:?}: {peaks:?}");
        assert!((0.28..0.4).contains(&peaks[1]), "{format:?}: {peaks:?}");
    }
    // Exports are whole libraries (hundreds of MB in a debug build): not left behind.
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_instrument_receives_midi_controllers_only_if_its_orchestra_reads_them() {
    let dir = scratch("controllers");
    let out = dir.join("plugins");
    let sine = write(&dir, "src/sine.csd", SINE);
    let wheel = write(&dir, "src/wheel.csd", WHEEL);
    let said = export(&sine, &["--name", "No Wheel", "--vendor", "T"], &out);
    assert!(said.contains("MIDI controllers: not received"), "{said}");
    let said = export(&wheel, &["--name", "Wheel", "--vendor", "T"], &out);
    assert!(said.contains("MIDI controllers: received"), "{said}");
    // Asked for, an orchestra that does not read them receives them too.
    let args = ["--name", "Asked", "--vendor", "T", "--midi-controllers"];
    export(&sine, &args, &out);
    // Every controller on channel 1, pitch bend, pressure and CC 74 on the other 15.
    let vst3_controllers = 130 + 15 * 3;
    let wheel_up = Event::Midi {
        at: 0,
        bytes: [0xB0, 1, 127],
    };
    for format in FORMATS {
        let mut plain = open_export(format, &out.join("No Wheel"));
        let mut wheel = open_export(format, &out.join("Wheel"));
        let mut asked = open_export(format, &out.join("Asked"));
        let extra = if format == Format::Vst3 {
            vst3_controllers
        } else {
            0
        };
        // Hosts list exactly the orchestra's parameters, and the controllers' where it reads them.
        assert_eq!(plain.param_count(), 2, "{format:?}");
        assert_eq!(wheel.param_count(), 1 + extra, "{format:?}");
        assert_eq!(asked.param_count(), 2 + extra, "{format:?}");
        assert!(
            (peak(&play(plain.as_mut(), 69)) - 0.5).abs() < 0.02,
            "{format:?}"
        );
        // The wheel reaches the orchestra: silent until it moves, then at its full level.
        assert!(peak(&play(wheel.as_mut(), 69)) < 1e-3, "{format:?}");
        let up = run(
            wheel.as_mut(),
            36000,
            &[256],
            &[(0, wheel_up.clone()), (512, note_on(69))],
            None,
        );
        let level = up[0][4800..].iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!((level - 0.5).abs() < 0.02, "{format:?}: {level}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Plays a tone from a sound file named by an absolute path, scaled by a value from a table read
/// from a file in a subfolder and by a gain from an `#include`d file.
fn with_files(tone: &Path) -> String {
    format!(
        r#"<CsoundSynthesizer>
<CsPlugin>
notes = score
instrument = 1
</CsPlugin>
<CsInstruments>
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1
#include "lib/gain.inc"
giLevel ftgen 0, 0, 0, -1, "samples/level.wav", 0, 0, 0
instr 1
  ilevel table 10, giLevel
  a1 diskin2 "{}", 1, 0, 1
  aenv madsr 0.005, 0, 1, 0.05
  aout = a1 * ilevel * giGain * aenv
  outs aout, aout
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
"#,
        tone.display()
    )
}

#[test]
fn a_moved_export_plays_without_its_source_files() {
    let dir = scratch("moved");
    let (src, elsewhere) = (dir.join("src"), dir.join("elsewhere"));
    let tone: Vec<f32> = (0..48000)
        .map(|i| (2.0 * std::f32::consts::PI * 330.0 * i as f32 / 48000.0).sin())
        .collect();
    std::fs::create_dir_all(&elsewhere).unwrap();
    common::write_wav_f32(&elsewhere.join("tone.wav"), &tone, 1, 48000);
    std::fs::create_dir_all(src.join("samples")).unwrap();
    common::write_wav_f32(&src.join("samples/level.wav"), &[0.5; 64], 1, 48000);
    write(&src, "lib/gain.inc", "giGain = 0.8\n");
    let csd = write(&src, "hum.csd", &with_files(&elsewhere.join("tone.wav")));
    let said = export(&csd, &["--name", "Hum"], &dir.join("out"));
    for file in [
        "hum.csd",
        "lib/gain.inc",
        "samples/level.wav",
        "files/tone.wav",
    ] {
        assert!(
            said.contains(&format!("  {file} (")),
            "{file} is not in:\n{said}"
        );
    }

    // Moved and renamed (a VST3 bundle's library is named after its folder), then the source,
    // its files and the export's first place are gone.
    let moved = dir.join("moved");
    std::fs::create_dir_all(moved.join("Renamed.vst3/Contents/x86_64-linux")).unwrap();
    std::fs::rename(dir.join("out/Hum.clap"), moved.join("Renamed.clap")).unwrap();
    std::fs::rename(
        dir.join("out/Hum.vst3/Contents/x86_64-linux/Hum.so"),
        moved.join("Renamed.vst3/Contents/x86_64-linux/Renamed.so"),
    )
    .unwrap();
    for gone in [&src, &elsewhere, &dir.join("out")] {
        std::fs::remove_dir_all(gone).unwrap();
    }

    for format in FORMATS {
        let mut host = open_export(format, &moved.join("Renamed"));
        let sound = play(host.as_mut(), 60);
        assert!(
            (pitch(&sound, 48000.0) - 330.0).abs() < 2.0,
            "{format:?}: the tone file"
        );
        // 0.5 from the table file, 0.8 from the include.
        assert!(
            (peak(&sound) - 0.4).abs() < 0.01,
            "{format:?}: {}",
            peak(&sound)
        );
    }
    // Exports are whole libraries (hundreds of MB in a debug build): not left behind.
    let _ = std::fs::remove_dir_all(&dir);
}

/// The manifest of an exported `.clap` file.
fn manifest(clap: &Path) -> csound_plugin::export::Manifest {
    exported::manifest_of(clap)
}

#[test]
fn exporting_again_keeps_the_ids_and_the_automation() {
    let dir = scratch("again");
    let sine = write(&dir, "sine.csd", SINE);
    let args = ["--name", "Sine Lead", "--vendor", "Acme"];
    export(&sine, &args, &dir.join("v1"));
    // The same names in other words: the same plugin.
    export(
        &sine,
        &["--name", " Sine  Lead", "--vendor", "Acme "],
        &dir.join("again"),
    );
    export(
        &sine,
        &["--name", "Sine Lead 2", "--vendor", "Acme"],
        &dir.join("other"),
    );
    export(
        &sine,
        &["--name", "Sine Lead", "--vendor", "Other"],
        &dir.join("vendor"),
    );
    let v1 = manifest(&dir.join("v1/Sine Lead.clap"));
    let again = manifest(&dir.join("again/Sine Lead.clap"));
    assert_eq!((&v1.clap_id, &v1.vst3_id), (&again.clap_id, &again.vst3_id));
    for other in [
        manifest(&dir.join("other/Sine Lead 2.clap")),
        manifest(&dir.join("vendor/Sine Lead.clap")),
    ] {
        assert_ne!(v1.clap_id, other.clap_id);
        assert_ne!(v1.vst3_id, other.vst3_id);
    }

    // The orchestra edited: a new channel before `level`. A project saved with the first export
    // (level automated to 0.25) plays the second at that level.
    let edited = SINE.replace(
        "chn_k \"level\"",
        "chn_k \"pan\", 1, 2, 0.5, 0, 1, 0, 0, 0, 0, \"label=Pan\"\nchn_k \"level\"",
    );
    write(&dir, "sine.csd", &edited);
    export(&sine, &args, &dir.join("v2"));
    let v2 = manifest(&dir.join("v2/Sine Lead.clap"));
    assert_eq!((&v1.clap_id, &v1.vst3_id), (&v2.clap_id, &v2.vst3_id));
    for format in FORMATS {
        let mut first = open_export(format, &dir.join("v1/Sine Lead"));
        let level = first.params()[0].clone();
        assert_eq!(level.name, "Level");
        let set = hosts::Event::Param {
            at: 0,
            id: level.id,
            value: 0.25,
        };
        run(first.as_mut(), 256, &[256], &[(0, set)], None);
        let saved = first.save_state();

        let mut second = open_export(format, &dir.join("v2/Sine Lead"));
        let params = second.params();
        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Pan", "Level", "Tone"], "{format:?}");
        assert_eq!(params[1].id, level.id, "{format:?}: the same parameter id");
        second.load_state(&saved);
        let sound = play(second.as_mut(), 69);
        assert!(
            (peak(&sound) - 0.25).abs() < 0.01,
            "{format:?}: {}",
            peak(&sound)
        );
    }
    // Exports are whole libraries (hundreds of MB in a debug build): not left behind.
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_locked_export_plays_only_its_own_orchestra() {
    let dir = scratch("locked");
    let sine = write(&dir, "sine.csd", SINE);
    // --install: also into the plugin folders hosts scan.
    let (clap, vst3) = (dir.join("clap"), dir.join("vst3"));
    let env = [
        ("CLAP_PATH_OVERRIDE", &*clap),
        ("VST3_PATH_OVERRIDE", &*vst3),
    ];
    let args = ["--name", "Locked Sine", "--lock", "--install"];
    export_with(&sine, &args, &dir.join("out"), &env);
    let installed = std::fs::read(clap.join("Locked Sine.clap")).expect("installed CLAP");
    assert!(installed == std::fs::read(dir.join("out/Locked Sine.clap")).unwrap());
    assert!(vst3
        .join("Locked Sine.vst3/Contents/x86_64-linux/Locked Sine.so")
        .is_file());
    export(&sine, &["--name", "Open Sine"], &dir.join("out"));
    for format in FORMATS {
        // A project (or a preset) that brings another orchestra: the open export plays it,
        // the locked one stays itself.
        for (name, expected) in [("Open Sine", 220.0), ("Locked Sine", 440.0)] {
            let mut host = open_export(format, &dir.join("out").join(name));
            load_orchestra(host.as_mut(), Some(SQUARE), None);
            let sound = play(host.as_mut(), 69);
            let heard = pitch(&sound, 48000.0);
            assert!(
                (heard - expected).abs() < 2.0,
                "{format:?} {name}: {heard} Hz"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_exported_effect_processes_its_input() {
    let dir = scratch("effect");
    let gain = r#"<CsoundSynthesizer>
<CsInstruments>
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1
chn_k "gain", 1, 2, 0.5, 0, 1, 0, 0, 0, 0, "label=Gain"
instr 1
  kgain chnget "gain"
  al, ar ins
  outs al * kgain, ar * kgain
endin
</CsInstruments>
<CsScore>
i 1 0 -1
</CsScore>
</CsoundSynthesizer>
"#;
    let csd = write(&dir, "gain.csd", gain);
    export(
        &csd,
        &["--kind", "effect", "--name", "Half Gain"],
        &dir.join("out"),
    );
    let input: Vec<f32> = (0..9600)
        .map(|i| 0.8 * (2.0 * std::f32::consts::PI * 300.0 * i as f32 / 48000.0).sin())
        .collect();
    for format in FORMATS {
        let mut host = open_export_with(format, &dir.join("out/Half Gain"), 2);
        let names: Vec<String> = host.params().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["Gain"], "{format:?}");
        let stereo = [input.clone(), input.clone()];
        let out = run(host.as_mut(), input.len(), &[256], &[], Some(&stereo));
        let latency = host.latency() as usize;
        for (channel, samples) in out.iter().enumerate() {
            for (i, s) in samples[latency..].iter().enumerate() {
                assert!(
                    (s - 0.5 * input[i]).abs() < 1e-4,
                    "{format:?} {channel} {i}"
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_exports_presets_are_its_factory_presets() {
    let dir = scratch("presets");
    let factory = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/instrument");
    std::fs::create_dir_all(dir.join("src/bass")).unwrap();
    std::fs::copy(factory.join("bass.csd"), dir.join("src/bass.csd")).unwrap();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(factory.join("bass")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        names.push(
            csound_plugin::presets::Preset::parse(&text, "p")
                .unwrap()
                .name,
        );
        std::fs::write(dir.join("src/bass").join(path.file_name().unwrap()), text).unwrap();
    }
    assert!(names.len() >= 2, "the bass has presets to carry");
    export(
        &dir.join("src/bass.csd"),
        &["--name", "Preset Bass"],
        &dir.join("out"),
    );
    std::fs::remove_dir_all(dir.join("src")).unwrap();

    let (own, orchestra) = csound_plugin::export::open(&dir.join("out/Preset Bass.clap"))
        .expect("opens")
        .expect("an export");
    assert_eq!(orchestra.file, "bass.csd");
    assert!(
        orchestra.path.is_some_and(|p| Path::new(p).is_file()),
        "unpacked"
    );
    let mut found: Vec<String> = orchestra.presets().map(|p| p.name).collect();
    found.sort();
    names.sort();
    assert_eq!(found, names);
    assert!(orchestra.presets().all(|p| p.made_for(orchestra.text)));
    assert_eq!(own.manifest.presets.len(), names.len());
    // In a CLAP host's browser: listed under the export's own id, and each loads.
    home();
    let listed = hosts::clap_presets::index(&dir.join("out/Preset Bass.clap"));
    let mut shown: Vec<String> = listed.iter().map(|l| l.name.clone()).collect();
    shown.sort();
    assert_eq!(shown, names);
    let id = ("clap".to_string(), own.manifest.clap_id.clone());
    assert!(
        listed.iter().all(|l| l.plugins == [id.clone()]),
        "{listed:?}"
    );
    let mut host = open_export(Format::Clap, &dir.join("out/Preset Bass"));
    for l in &listed {
        assert!(host.load_preset(None, l.load_key.as_deref()), "{}", l.name);
    }
    drop(host);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_installed_command_exports_from_the_installed_plugin_without_the_source_tree() {
    let dir = scratch("installed");
    // The command in a folder of its own (a hard link, or a copy), the generic plugin in the
    // user's CLAP folder, the working folder and home outside the source tree.
    let (bin, clap, user) = (dir.join("bin"), dir.join("clap"), dir.join("user"));
    for folder in [&bin, &clap, &user] {
        std::fs::create_dir_all(folder).unwrap();
    }
    let command = bin.join("csound-plugin");
    let program = Path::new(env!("CARGO_BIN_EXE_csound-plugin"));
    if std::fs::hard_link(program, &command).is_err() {
        std::fs::copy(program, &command).unwrap();
    }
    std::os::unix::fs::symlink(bundle(Format::Clap), clap.join("Csound Plugin.clap")).unwrap();
    let sine = write(&dir, "sine.csd", SINE);
    let output = Command::new(&command)
        .args(["export", "sine.csd", "--name", "Far Sine", "--out", "out"])
        .current_dir(&dir)
        .env("HOME", &user)
        .env("CSOUND_PLUGIN_HOME", home())
        .env("CLAP_PATH_OVERRIDE", &clap)
        .output()
        .expect("the command runs");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let from = clap.join("Csound Plugin.clap");
    assert!(
        said.contains(&format!("from: {}", from.display())),
        "{said}"
    );
    assert!(sine.is_file());
    let listed = listed(Format::Clap, &dir.join("out/Far Sine.clap"));
    assert_eq!(listed.name, "Far Sine");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_export_for_csound_7_starts_its_instances_on_it() {
    let dir = scratch("export-csound");
    let sine = write(&dir, "sine.csd", SINE);
    let printed = export(
        &sine,
        &["--name", "Seven Sine", "--csound", "7"],
        &dir.join("out"),
    );
    assert!(printed.contains("on Csound 7.0 (bundled)"), "{printed}");
    export(&sine, &["--name", "Any Sine"], &dir.join("out"));
    for format in FORMATS {
        // Without a choice, the machine's preferred Csound (6.18 is installed here).
        for (name, csound) in [("Seven Sine", "7"), ("Any Sine", "6")] {
            let mut host = open_export(format, &dir.join("out").join(name));
            let sound = play(host.as_mut(), 69);
            let heard = pitch(&sound, 48000.0);
            assert!((heard - 440.0).abs() < 2.0, "{format:?} {name}: {heard} Hz");
            let (_, orchestra) = state_json(host.as_mut());
            assert_eq!(orchestra["csound"], csound, "{format:?} {name}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
