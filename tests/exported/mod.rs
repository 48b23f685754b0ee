//! What the export tests share: the orchestras they export, running `csound-plugin export`,
//! and opening and playing what it made.

#![allow(dead_code)]

use crate::common::scratch;
use crate::hosts::catalogue::{self, Listed};
use crate::hosts::drive::*;
use crate::hosts::{Setup, TestHost};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A sine at the note's pitch; two parameters in two groups, one of them a menu.
pub const SINE: &str = r#"<CsoundSynthesizer>
<CsPlugin>
notes = score
instrument = 1
pitch = key
velocity = unit
</CsPlugin>
<CsInstruments>
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1
chn_k "level", 1, 2, 0.5, 0, 1, 0, 0, 0, 0, "label=Level; group=Output"
chn_k "tone", 1, 1, 0, 0, 2, 0, 0, 0, 0, "label=Tone; steps=Pure|Warm|Bright; group=Colour"
instr 1
  klevel chnget "level"
  aenv madsr 0.005, 0, 1, 0.05
  a1 poscil klevel * aenv, cpsmidinn(p4)
  outs a1, a1
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
"#;

/// A sine whose level is the modulation wheel (CC 1), as score events: it reads MIDI
/// controllers, so its export receives them.
pub const WHEEL: &str = r#"<CsoundSynthesizer>
<CsInstruments>
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1
chn_k "tune", 1, 2, 0, -1, 1, 0, 0, 0, 0, "label=Tune"
instr 1
  kwheel chnget "MIDI_CC1"
  a1 poscil 0.5 * kwheel, cpsmidinn(p4) * semitone(chnget:k("tune"))
  outs a1, a1
endin
</CsInstruments>
<CsScore>
</CsScore>
</CsoundSynthesizer>
"#;

/// A Cabbage instrument: a square wave an octave below the note, played through Csound's MIDI
/// system; its widgets (one inside a group box) are its parameters.
pub const SQUARE: &str = r#"<Cabbage>
form caption("Square Bass") size(300, 200)
rslider bounds(10, 10, 70, 70), channel("drive"), range(0, 1, 0.25, 1, 0.01), text("Drive")
combobox bounds(90, 10, 80, 20), channel("octave"), items("Low", "Mid"), value(1)
groupbox bounds(10, 90, 200, 100), text("Envelope") {
  rslider bounds(10, 20, 60, 60), channel("attack"), range(0.001, 1, 0.005, 0.5), text("Attack")
}
</Cabbage>
<CsoundSynthesizer>
<CsOptions>
-n -d -m0d
</CsOptions>
<CsInstruments>
sr = 48000
ksmps = 32
nchnls = 2
0dbfs = 1
instr 1
  icps cpsmidi
  iatt chnget "attack"
  aenv madsr iatt, 0, 1, 0.05
  a1 vco2 0.3, icps / 2, 10
  outs a1 * aenv, a1 * aenv
endin
</CsInstruments>
<CsScore>
f 0 z
</CsScore>
</CsoundSynthesizer>
"#;

/// The user's folder for this test process (trust store, and the cache exports unpack into),
/// set before any plugin loads.
pub fn home() -> PathBuf {
    static HOME: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        let dir = scratch("export-home");
        std::env::set_var("CSOUND_PLUGIN_HOME", &dir);
        dir
    })
    .clone()
}

/// Writes `text` to `dir/name`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `csound-plugin export CSD ARGS --out OUT` from the bundled library; returns its output.
pub fn export(csd: &Path, args: &[&str], out: &Path) -> String {
    export_with(csd, args, out, &[])
}

/// [`export`] with more environment variables.
pub fn export_with(csd: &Path, args: &[&str], out: &Path, env: &[(&str, &Path)]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .envs(env.iter().copied())
        .arg("export")
        .arg(csd)
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--from")
        .arg(bundle(Format::Clap))
        .env("CSOUND_PLUGIN_HOME", home())
        .output()
        .expect("csound-plugin runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "export failed:\n{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

/// The manifest of an exported `.clap` file.
pub fn manifest_of(clap: &Path) -> csound_plugin::export::Manifest {
    csound_plugin::export::read_manifest(clap)
        .expect("readable")
        .expect("an export")
}

/// The one plugin an exported bundle lists.
pub fn listed(format: Format, bundle: &Path) -> Listed {
    let list = match format {
        Format::Clap => catalogue::clap(bundle),
        Format::Vst3 => catalogue::vst3(bundle),
    };
    assert_eq!(list.len(), 1, "{}: one plugin", bundle.display());
    list[0].clone()
}

/// The bundle of the export at `base` (`base.clap` / `base.vst3`).
pub fn bundle_at(format: Format, base: &Path) -> PathBuf {
    let mut path = base.as_os_str().to_os_string();
    path.push(match format {
        Format::Clap => ".clap",
        Format::Vst3 => ".vst3",
    });
    PathBuf::from(path)
}

/// An instance of the exported instrument at `base`.
pub fn open_export(format: Format, base: &Path) -> Box<dyn TestHost> {
    open_export_with(format, base, 0)
}

/// An instance of the export at `base` on a stereo track, with `inputs` input channels.
pub fn open_export_with(format: Format, base: &Path, inputs: u32) -> Box<dyn TestHost> {
    let setup = Setup {
        sample_rate: 48000.0,
        max_block: 256,
        inputs,
        outputs: 2,
    };
    let bundle = bundle_at(format, base);
    let listed = listed(format, &bundle);
    match format {
        Format::Clap => crate::hosts::clap::load(&bundle, &listed.id, &setup),
        Format::Vst3 => crate::hosts::vst3::load(&bundle, &listed.name, &setup),
    }
}

/// Plays MIDI key `key` for 0.75 s; returns the left channel after the attack.
pub fn play(host: &mut dyn TestHost, key: u8) -> Vec<f64> {
    let out = run(host, 36000, &[256], &[(512, note_on(key))], None);
    out[0][4800..].iter().map(|&s| f64::from(s)).collect()
}

/// The parameters the host lists: name, group, steps.
pub fn params(host: &mut dyn TestHost) -> Vec<(String, String, u32)> {
    host.params()
        .into_iter()
        .map(|p| (p.name, p.group, p.steps))
        .collect()
}
