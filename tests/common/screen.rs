//! A screen to test windows on: Xvfb on a free display, screenshots through `xwd` and netpbm
//! (scripts/setup-system.sh installs them).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills a child process when dropped, so a failing test leaves nothing running.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn tool(name: &str) -> Command {
    let mut command = Command::new(name);
    command.stderr(Stdio::null());
    command
}

/// Starts Xvfb on a free display, which Xvfb itself picks and reports when it is ready
/// (`-displayfd`): sockets left behind by killed servers do not count as taken, and two tests
/// never race for one number. Returns the server and the display name.
pub fn xvfb() -> (Running, String) {
    use std::io::BufRead;
    let mut child = tool("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("Xvfb runs (install the xvfb package: scripts/setup-system.sh)");
    let stdout = child.stdout.take().expect("Xvfb's stdout");
    let server = Running(child);
    // Written once the server accepts connections.
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("Xvfb reports its display");
    let number: u32 = line
        .trim()
        .parse()
        .expect("Xvfb started and named its display");
    (server, format!(":{number}"))
}

/// A screenshot of the whole screen as (width, height, RGB bytes), also written to `ppm`.
pub fn screenshot(display: &str, ppm: &Path) -> (usize, usize, Vec<u8>) {
    let xwd = tool("xwd")
        .args(["-root", "-silent", "-display", display])
        .output()
        .expect("xwd runs (x11-apps)");
    let xwd_file = ppm.with_extension("xwd");
    std::fs::write(&xwd_file, &xwd.stdout).unwrap();
    let pnm = tool("xwdtopnm")
        .arg(&xwd_file)
        .output()
        .expect("xwdtopnm runs (netpbm)")
        .stdout;
    std::fs::write(ppm, &pnm).unwrap();
    parse_ppm(&pnm)
}

/// The text on a screenshot (`ppm`), read by tesseract at twice the size, as it prefers.
pub fn ocr(ppm: &Path) -> String {
    let scaled = ppm.with_extension("x2.ppm");
    let big = tool("pamscale")
        .args(["2", ppm.to_str().unwrap()])
        .output()
        .expect("pamscale runs (netpbm)");
    std::fs::write(&scaled, big.stdout).unwrap();
    let ocr = tool("tesseract")
        .args([scaled.to_str().unwrap(), "-"])
        .output()
        .expect("tesseract runs (tesseract-ocr)");
    String::from_utf8_lossy(&ocr.stdout).into_owned()
}

/// The X11 root window of `display` (a plugin editor's parent: there is no window manager).
pub fn root_window(display: &str) -> u64 {
    let info = tool("xwininfo")
        .args(["-root", "-display", display])
        .output()
        .expect("xwininfo runs (x11-utils)");
    let text = String::from_utf8_lossy(&info.stdout);
    let id = text
        .split_whitespace()
        .skip_while(|w| *w != "id:")
        .nth(1)
        .and_then(|w| u64::from_str_radix(w.trim_start_matches("0x"), 16).ok());
    id.unwrap_or_else(|| panic!("no root window id in: {text}"))
}

/// This process's threads.
pub fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

/// Stops the X server once the threads editors started are gone (down to `alone`, or 10 s):
/// an editor's window thread closes its X connection after the host lets it go, and Xlib ends
/// the process if the server went first.
pub fn close_after_editors(server: Running, alone: usize) {
    let closing = Instant::now();
    while threads() > alone && closing.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(server);
}

/// Reads a binary PPM (P6, 8-bit).
pub fn parse_ppm(data: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while data[i].is_ascii_whitespace() {
            i += 1;
        }
        if data[i] == b'#' {
            while data[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while !data[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&data[start..i]).into_owned());
    }
    assert_eq!(fields[0], "P6", "a binary PPM");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let max: u32 = fields[3].parse().unwrap();
    let body = &data[i + 1..];
    // Samples are one byte up to a maxval of 255, else two (big-endian): keep the high byte.
    let pixels = if max > 255 {
        body.chunks(2).take(w * h * 3).map(|s| s[0]).collect()
    } else {
        body[..w * h * 3].to_vec()
    };
    (w, h, pixels)
}
