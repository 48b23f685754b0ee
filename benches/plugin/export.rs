//! Section 8, exporting an orchestra: how long `csound-plugin export` takes (release build,
//! from the release library beside the program), what an export weighs, and what its first
//! load costs a host (reading the payload and unpacking its files into the cache).

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

pub fn section(
    report: &mut String,
    ours: &Path,
    runs: usize,
    dir: &Path,
    median: fn(Vec<f64>) -> f64,
) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = Command::new(env!("CARGO"))
        .args(["build", "--release", "--lib"])
        .current_dir(root)
        .stderr(Stdio::null())
        .status();
    if !built.is_ok_and(|s| s.success()) {
        let _ = writeln!(
            report,
            "\n## 8. Exporting an orchestra\n\nNot measured: the release library did not build."
        );
        return;
    }
    // The bass with its folder of presets, as a musician's folder would be.
    let src = dir.join("export-src");
    let factory = root.join("presets/instrument");
    std::fs::create_dir_all(src.join("bass")).expect("folder");
    std::fs::copy(factory.join("bass.csd"), src.join("bass.csd")).expect("copy");
    for entry in std::fs::read_dir(factory.join("bass"))
        .expect("presets")
        .flatten()
    {
        let _ = std::fs::copy(entry.path(), src.join("bass").join(entry.file_name()));
    }
    let out = dir.join("export-out");
    let export = || {
        let t = Instant::now();
        let status = Command::new(ours)
            .args(["export", "--name", "Bench Bass", "--out"])
            .arg(&out)
            .arg(src.join("bass.csd"))
            .env("CSOUND_PLUGIN_HOME", dir.join("export-home"))
            .stdout(Stdio::null())
            .status()
            .expect("csound-plugin runs");
        assert!(status.success(), "export failed");
        t.elapsed().as_secs_f64()
    };
    let time = median((0..runs).map(|_| export()).collect());
    let clap = out.join("Bench Bass.clap");
    let size = std::fs::metadata(&clap).map_or(0, |m| m.len());
    let library =
        std::fs::metadata(ours.with_file_name("libcsound_plugin.so")).map_or(0, |m| m.len());
    // A host's first load of the export: the payload read and unpacked into an empty cache;
    // then a load that finds the cache.
    let mut first = Vec::new();
    let mut cached = Vec::new();
    for run in 0..runs {
        std::env::set_var("CSOUND_PLUGIN_HOME", dir.join(format!("export-load-{run}")));
        for times in [&mut first, &mut cached] {
            let t = Instant::now();
            let opened = csound_plugin::export::open(&clap).expect("opens");
            assert!(
                opened.is_some_and(|(own, _)| own.unpacked.is_ok()),
                "unpacked"
            );
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    std::env::remove_var("CSOUND_PLUGIN_HOME");
    let mb = |bytes: u64| bytes as f64 / 1048576.0;
    let _ = writeln!(
        report,
        "\n## 8. Exporting an orchestra\n\n`csound-plugin export` of the built-in bass (its CSD and 4 presets) from the release library: **{time:.2} s** (target: about a minute). The export is the library ({:.1} MB) with a {:.1} KB payload: {:.1} MB per format. A host's first load of it reads the manifest and unpacks the files into the cache in **{:.1} ms**; later loads find the cache in {:.1} ms.",
        mb(library),
        (size.saturating_sub(library)) as f64 / 1024.0,
        mb(size),
        median(first),
        median(cached),
    );
}
