//! Section 10, a VST3 host loading the generic instrument: how long a JUCE-based host
//! (pedalboard, from PyPI) takes to load the release bundle and list its parameters. Every
//! parameter VST3 receives MIDI controllers through is one more the host reads; with the
//! framework's default 16 x 130 of them this took 21 to 29 s on this project's machines.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The pedalboard the measure uses, installed beside the build when Python lacks it.
const PEDALBOARD: &str = "pedalboard==0.9.26";

/// A `PYTHONPATH` under which `import pedalboard` works, installing it there if needed.
fn pedalboard(root: &Path) -> Option<PathBuf> {
    let target = root.join("target/bench-python");
    let works = |path: &Path| {
        Command::new("python3")
            .args(["-c", "import pedalboard"])
            .env("PYTHONPATH", path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if works(&target) {
        return Some(target);
    }
    let installed = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg("--target")
        .arg(&target)
        .arg(PEDALBOARD)
        .status()
        .is_ok_and(|s| s.success());
    (installed && works(&target)).then_some(target)
}

pub fn section(report: &mut String, runs: usize, median: fn(Vec<f64>) -> f64) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let _ = writeln!(
        report,
        "\n## 10. A VST3 host loading the generic instrument\n"
    );
    let bundled = Command::new(env!("CARGO"))
        .args(["xtask", "bundle", "csound-plugin", "--release"])
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let Some(path) = pedalboard(root).filter(|_| bundled) else {
        let _ = writeln!(
            report,
            "Not measured: the release bundle did not build or {PEDALBOARD} is not to be had."
        );
        return;
    };
    let bundle = root.join("target/bundled/Csound Plugin.vst3");
    let script = "import sys, time, pedalboard\n\
                  t = time.perf_counter()\n\
                  p = pedalboard.load_plugin(sys.argv[1], plugin_name='Csound Instrument')\n\
                  n = len(p.parameters)\n\
                  print(time.perf_counter() - t, n)\n";
    let mut count = 0;
    let mut load = || -> Option<f64> {
        let out = Command::new("python3")
            .args(["-c", script])
            .arg(&bundle)
            .env("PYTHONPATH", &path)
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let mut words = text.split_whitespace();
        let seconds = words.next()?.parse().ok()?;
        count = words.next()?.parse().ok()?;
        Some(seconds)
    };
    let times: Option<Vec<f64>> = (0..runs).map(|_| load()).collect();
    match times {
        Some(times) => {
            let _ = writeln!(
                report,
                "{PEDALBOARD} (JUCE) loading `Csound Plugin.vst3`'s Csound Instrument, release \
                 build, a fresh process each time: **{:.2} s** to load and list its parameters \
                 ({count} listed: the 64 slots and the 175 MIDI controllers VST3 receives as \
                 parameters). With the framework's default 2,080 controller parameters (2,144 \
                 in all) it took 21 to 29 s on this project's machines (measured with patch 03 \
                 left out).",
                median(times)
            );
        }
        None => {
            let _ = writeln!(
                report,
                "Not measured: pedalboard could not load the bundle."
            );
        }
    }
}
