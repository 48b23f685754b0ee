//! Section 7, the open editor at rest: the standalone application (release build) under Xvfb,
//! its window open, nothing playing; the CPU its process uses over 10 s (its audio thread
//! included: the dummy backend runs it in real time). Skipped, with a note, without Xvfb.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The percentage of one core the open, idle editor's process uses, or why it was not measured.
fn idle_cpu(root: &Path, dir: &Path) -> Result<f64, String> {
    let built = Command::new(env!("CARGO"))
        .args(["build", "--release", "--features", "standalone", "--bin"])
        .arg("csound-plugin-standalone")
        .current_dir(root)
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("could not build the standalone application: {e}"))?;
    if !built.success() {
        return Err("the standalone application did not build".into());
    }
    let display = ":93";
    let mut xvfb = Command::new("Xvfb")
        .args([display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|_| "Xvfb is not installed".to_string())?;
    std::thread::sleep(Duration::from_secs(1));
    let mut app = Command::new(root.join("target/release/csound-plugin-standalone"))
        .args(["--backend", "dummy"])
        .env("DISPLAY", display)
        .env("CSOUND_PLUGIN_HOME", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("the standalone application did not start: {e}"))?;
    // Let the window open and settle.
    std::thread::sleep(Duration::from_secs(6));
    let (before, t) = (
        super::engine_process::cpu_of_pid(app.id() as i32),
        Instant::now(),
    );
    std::thread::sleep(Duration::from_secs(10));
    let used = super::engine_process::cpu_of_pid(app.id() as i32) - before;
    let share = used / t.elapsed().as_secs_f64() * 100.0;
    let _ = app.kill();
    let _ = app.wait();
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    Ok(share)
}

/// Measures and writes section 7.
pub fn section(report: &mut String, dir: &Path) {
    use std::fmt::Write;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let figure = match idle_cpu(root, dir) {
        Ok(share) => format!("**{share:.1} %** of one core"),
        Err(why) => format!("not measured: {why}"),
    };
    let _ = writeln!(report, "\n## 7. The open editor at rest\n\nThe standalone application (release build) under Xvfb, its window open, nothing playing, for 10 s: {figure} (its audio thread included). The window redraws when something moves (sound, a parameter the host moved, input, new console lines) and otherwise looks at the console and the loader twice a second; it used to redraw 30 times a second.");
}
