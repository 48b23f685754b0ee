//! Containment for `render` and `check`: the work runs in a child process (this same program,
//! started again), so an orchestra that crashes Csound or never returns ends the command with a
//! clear error and a non-zero exit, never a hang or a crash of the command itself.
//!
//! The child sends a heartbeat on its standard output while it makes progress (compiling, then
//! every rendered block, at most every 100 ms); the parent forwards everything else it prints.
//! No heartbeat for [`STALL`] means the child is stuck: it is killed.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Marks the child's environment: the child does the work instead of starting another child.
const CHILD: &str = "CSOUND_PLUGIN_CONTAINED";

/// How long the child may go without progress before it counts as stuck. Tests shorten it
/// with `CSOUND_PLUGIN_STALL_SECONDS`.
const STALL: Duration = Duration::from_secs(15);

/// A heartbeat line: a control character no message of ours starts with.
const BEAT: &str = "\u{1}";

/// Whether this process is the contained child.
pub fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// In the child: says "still making progress" (rate-limited, cheap to call per block).
pub struct Heartbeat {
    last: Option<Instant>,
}

impl Heartbeat {
    pub fn new() -> Heartbeat {
        Heartbeat { last: None }
    }

    pub fn beat(&mut self) {
        if !is_child()
            || self
                .last
                .is_some_and(|t| t.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(Instant::now());
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{BEAT}");
        let _ = out.flush();
    }
}

fn stall() -> Duration {
    std::env::var("CSOUND_PLUGIN_STALL_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(STALL, Duration::from_secs_f64)
}

/// What a signal that ended the child means, in words.
fn signal_name(signal: i32) -> String {
    let name = match signal {
        4 => "SIGILL, an illegal instruction",
        6 => "SIGABRT: Csound found its memory corrupted and aborted",
        7 => "SIGBUS, a memory error",
        8 => "SIGFPE, an arithmetic error",
        9 => "SIGKILL",
        11 => "SIGSEGV, a memory error",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
}

/// Runs this command again as a contained child and reports how it ended. `what` names the
/// work ("rendering song.csd").
pub fn run_contained(what: &str) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("error: could not find this program to contain {what}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut child = match Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env(CHILD, "1")
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("error: could not start {what}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (beats, heard) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line == BEAT {
                    let _ = beats.send(());
                } else {
                    println!("{line}");
                }
            }
        });
    }
    let stall = stall();
    loop {
        match heard.recv_timeout(stall) {
            Ok(()) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                eprintln!(
                    "error: {what} stopped responding: no progress for {:.0} s, so it was \
                     stopped. An endless loop in the orchestra (a k-rate loop that never ends, \
                     `while` in global code, a huge score loop) does this.",
                    stall.as_secs_f64()
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let status = match child.wait() {
        Ok(status) => status,
        Err(e) => {
            eprintln!("error: {what}: {e}");
            return ExitCode::FAILURE;
        }
    };
    use std::os::unix::process::ExitStatusExt;
    if let Some(signal) = status.signal() {
        let unwritten = if what.starts_with("rendering") {
            " No output file was written."
        } else {
            ""
        };
        eprintln!(
            "error: Csound crashed ({}) while {what}.{unwritten} This is a bug in Csound or an \
             orchestra that makes it misbehave (a macro that expands itself, a user-defined \
             opcode that calls itself without end, ...).",
            signal_name(signal)
        );
        return ExitCode::FAILURE;
    }
    // The child printed its own result or error.
    match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(code.clamp(1, 255) as u8),
        None => ExitCode::FAILURE,
    }
}
