//! Files are bytes: a CSD in Latin-1, with a UTF-8 byte-order mark or with CRLF line ends
//! loads and renders (the same samples as its plain UTF-8 twin); NUL and 0xFF bytes, which
//! Csound's reader takes for the end of the file, give a clear error naming the line.

mod common;
use common::scratch;
use std::process::{Command, Output};

/// A CSD whose comment and string hold `é` as given by `e_acute` (its bytes in the file's
/// encoding); `line_end` ends every line.
fn csd(e_acute: &[u8], line_end: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    let lines: [&[u8]; 14] = [
        b"<CsoundSynthesizer>",
        b"<CsInstruments>",
        b"; caf\xff\xfe placeholder",
        b"sr = 48000",
        b"ksmps = 32",
        b"nchnls = 2",
        b"0dbfs = 1",
        b"instr 1",
        b" Sname = \"caf\xff\xfe\"",
        b" a1 oscili p4, p5",
        b" outs a1, a1",
        b"endin",
        b"</CsInstruments>",
        b"<CsScore>\ni 1 0 0.5 0.4 440\n</CsScore>\n</CsoundSynthesizer>",
    ];
    for line in lines {
        let mut line = line.to_vec();
        if let Some(at) = line.windows(2).position(|w| w == b"\xff\xfe") {
            line.splice(at..at + 2, e_acute.iter().copied());
        }
        bytes.extend_from_slice(&line);
        bytes.extend_from_slice(line_end.as_bytes());
    }
    bytes
}

fn render(dir: &std::path::Path, name: &str, bytes: &[u8]) -> (Output, Vec<u8>) {
    let file = dir.join(format!("{name}.csd"));
    std::fs::write(&file, bytes).unwrap();
    let out = dir.join(format!("{name}.wav"));
    let run = Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .args([
            "render",
            file.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let wav = std::fs::read(&out).unwrap_or_default();
    (run, wav)
}

/// A WAV file's `data` chunk (the samples), not empty and not silent.
fn samples(wav: &[u8]) -> &[u8] {
    let at = wav
        .windows(4)
        .position(|w| w == b"data")
        .expect("a data chunk");
    let data = &wav[at + 8..];
    assert!(data.iter().any(|&b| b != 0), "the render is silent");
    data
}

#[test]
fn latin1_bom_and_crlf_files_load_and_render_like_their_utf8_twin() {
    let dir = scratch("encodings");
    let (plain, reference) = render(&dir, "utf8", &csd("é".as_bytes(), "\n"));
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(csd("é".as_bytes(), "\n"));
    for (name, bytes) in [
        ("latin1", csd(b"\xE9", "\n")),
        ("bom", bom),
        ("crlf", csd("é".as_bytes(), "\r\n")),
        ("latin1-crlf", csd(b"\xE9", "\r\n")),
    ] {
        let (run, wav) = render(&dir, name, &bytes);
        assert!(
            run.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            samples(&wav) == samples(&reference),
            "{name}: the render differs from the UTF-8 file's"
        );
    }
}

#[test]
fn nul_and_ff_bytes_are_refused_naming_the_line() {
    let dir = scratch("encodings-bad");
    for (name, byte) in [("nul", b"\x00"), ("ff", b"\xFF")] {
        // The byte goes on line 3 (the comment).
        let bytes = csd(byte, "\n");
        for command in ["render", "check"] {
            let file = dir.join(format!("{name}.csd"));
            std::fs::write(&file, &bytes).unwrap();
            let run = Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
                .args([command, file.to_str().unwrap()])
                .current_dir(&dir)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&run.stderr);
            assert!(!run.status.success(), "{name} {command}: accepted");
            assert!(
                stderr.contains("line 3") && stderr.contains("end of the file"),
                "{name} {command}: {stderr}"
            );
        }
    }
}
