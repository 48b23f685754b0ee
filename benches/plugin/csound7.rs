//! Section 9, the two Csounds: the minute of music rendered through the plugins' engine on
//! Debian's 6.18 and on the bundled 7.0 (CPU per second of audio, one core), and what the
//! bundled Csound costs a process the first time (unpacking into an empty cache, opening,
//! measuring its layout) against later times, seen from `csound-plugin check`.

use csound_plugin::csound::Version;
use csound_plugin::engine::MidiEvent;
use csound_plugin::offline::render::{self, Job};
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::Kind;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

#[allow(clippy::too_many_arguments)]
pub fn section(
    report: &mut String,
    ours: &Path,
    runs: usize,
    dir: &Path,
    events: &[(u64, MidiEvent)],
    sample_rate: f64,
    thread_cpu: fn() -> f64,
    median: fn(Vec<f64>) -> f64,
) {
    let seconds = 60.0;
    let cpu = |version: Version| {
        let job = Job {
            csd: super::INSTRUMENT,
            origin: "instrument.csd",
            kind: Kind::Instrument,
            sample_rate,
            block: 256,
            events: events.to_vec(),
            automation: Vec::new(),
            input: None,
            frames: (seconds * sample_rate) as usize,
            strings: Default::default(),
            csound: Some(version),
            midi_out: None,
        };
        let t = thread_cpu();
        render::render(&job, &TrustStore::default(), |_| {}).expect("render");
        (thread_cpu() - t) / seconds * 1000.0
    };
    let per_second: Vec<f64> = Version::ALL
        .into_iter()
        .map(|v| median((0..runs).map(|_| cpu(v)).collect()))
        .collect();
    let check = |home: &Path| {
        let t = Instant::now();
        let status = Command::new(ours)
            .args(["check", "--csound", "7"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/instrument/poly-synth.csd"))
            .env("CSOUND_PLUGIN_HOME", home)
            .stdout(Stdio::null())
            .status()
            .expect("csound-plugin runs");
        assert!(status.success(), "check failed");
        t.elapsed().as_secs_f64() * 1000.0
    };
    let first = median(
        (0..runs)
            .map(|i| {
                let home = dir.join(format!("csound7-home-{i}"));
                let ms = check(&home);
                let _ = std::fs::remove_dir_all(&home);
                ms
            })
            .collect(),
    );
    let warm_home = dir.join("csound7-home-warm");
    check(&warm_home);
    let later = median((0..runs).map(|_| check(&warm_home)).collect());
    let _ = writeln!(
        report,
        "\n## 9. Csound 6.18 and the bundled 7.0\n\n\
         | measure | 6.18 (system) | 7.0 (bundled) |\n|---|---|---|\n\
         | CPU per second of the minute of music, plugin engine, block 256 | {:.1} ms | {:.1} ms |\n\
         | `csound-plugin check --csound 7` of the default instrument, empty cache (unpack + open + layout) | | {first:.0} ms |\n\
         | the same, cache filled | | {later:.0} ms |",
        per_second[0], per_second[1]
    );
}
