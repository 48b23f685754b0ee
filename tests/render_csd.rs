//! `csound-plugin render FILE` renders a CSD exactly as `csound -o out.wav FILE` does: the same
//! samples, sample format, channel count, rate and length, for CSDs exercising what Csound's
//! own score and timing decide (tempo, sections, carried and ramped p-fields, notes off the
//! k-period grid, release tails, `f 0 N`, `e`).

mod common;
use common::scratch;
use std::path::Path;
use std::process::Command;

/// The `fmt ` fields that matter (format tag, channels, rate, bits) and the `data` bytes.
#[derive(Debug, PartialEq)]
struct Wav {
    format_tag: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    data: Vec<u8>,
}

impl Wav {
    fn frames(&self) -> usize {
        self.data.len() / (self.channels as usize * self.bits as usize / 8)
    }
}

/// Reads a RIFF WAVE file's `fmt ` and `data` chunks (other chunks, such as Csound's `PEAK`
/// with its time stamp, are skipped).
fn read_wav(path: &Path) -> Wav {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..4], b"RIFF", "{}", path.display());
    assert_eq!(&bytes[8..12], b"WAVE", "{}", path.display());
    let (mut fmt, mut data) = (None, None);
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        match id {
            b"fmt " => fmt = Some(body.to_vec()),
            b"data" => data = Some(body.to_vec()),
            _ => {}
        }
        at += 8 + len + (len & 1);
    }
    let fmt = fmt.expect("a fmt chunk");
    let u16_at = |i: usize| u16::from_le_bytes([fmt[i], fmt[i + 1]]);
    let mut format_tag = u16_at(0);
    if format_tag == 0xFFFE {
        // WAVE_FORMAT_EXTENSIBLE: the real tag opens the sub-format GUID.
        format_tag = u16_at(24);
    }
    Wav {
        format_tag,
        channels: u16_at(2),
        rate: u32::from_le_bytes(fmt[4..8].try_into().unwrap()),
        bits: u16_at(14),
        data: data.expect("a data chunk"),
    }
}

/// Renders `csd` with `csound -o` and with `csound-plugin render` (each with its own extra
/// options) and returns both files.
fn both(name: &str, csd: &str, csound_args: &[&str], ours_args: &[&str]) -> (Wav, Wav) {
    let dir = scratch(&format!("render-csd-{name}"));
    let file = dir.join(format!("{name}.csd"));
    std::fs::write(&file, csd).unwrap();
    let reference = dir.join("csound.wav");
    let status = Command::new("csound")
        .args(csound_args)
        .arg("-o")
        .arg(&reference)
        .arg(&file)
        .output()
        .expect("the csound command line is installed");
    assert!(
        status.status.success(),
        "{name}: csound failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let ours = dir.join("ours.wav");
    let run = Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .arg("render")
        .arg(&file)
        .arg("-o")
        .arg(&ours)
        .args(ours_args)
        .output()
        .expect("csound-plugin runs");
    assert!(
        run.status.success(),
        "{name}: render failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    (read_wav(&reference), read_wav(&ours))
}

/// The render equals Csound's, and Csound's is not silence (or nothing was compared).
fn assert_identical(name: &str, csd: &str, csound_args: &[&str], ours_args: &[&str]) -> Wav {
    let (reference, ours) = both(name, csd, csound_args, ours_args);
    assert!(
        reference.data.iter().any(|&b| b != 0),
        "{name}: Csound's render is silent, nothing was compared"
    );
    assert_eq!(
        (ours.format_tag, ours.channels, ours.rate, ours.bits),
        (
            reference.format_tag,
            reference.channels,
            reference.rate,
            reference.bits
        ),
        "{name}: the formats differ"
    );
    assert_eq!(
        ours.frames(),
        reference.frames(),
        "{name}: the lengths differ"
    );
    let differing = ours
        .data
        .iter()
        .zip(&reference.data)
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differing, 0, "{name}: {differing} bytes of samples differ");
    ours
}

/// A CSD with this header, instruments and score.
fn csd(options: &str, header: &str, instruments: &str, score: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsOptions>\n{options}\n</CsOptions>\n<CsInstruments>\n{header}\n\
         {instruments}\n</CsInstruments>\n<CsScore>\n{score}\n</CsScore>\n</CsoundSynthesizer>\n"
    )
}

/// An enveloped sine with a release segment, writing `outs` (p4 amplitude, p5 Hz).
const TONE: &str = "instr 1\n aenv linsegr 0, 0.01, 1, 0.2, 0\n a1 oscili p4 * aenv, p5\n outs a1, a1 * 0.5\nendin";

#[test]
fn a_mono_orchestra_renders_one_channel_as_csound_does() {
    let wav = assert_identical(
        "mono",
        &csd(
            "-d",
            "sr = 44100\nksmps = 32\nnchnls = 1\n0dbfs = 1",
            "instr 1\n a1 oscili p4, p5\n out a1 * linseg(0, 0.05, 1, p3 - 0.1, 1, 0.05, 0)\nendin",
            "i 1 0 1 0.5 440\ni 1 1.2 0.5 0.3 660\ne",
        ),
        &[],
        &[],
    );
    assert_eq!((wav.channels, wav.rate, wav.bits), (1, 44100, 16));
}

#[test]
fn an_orchestra_without_nchnls_is_mono_as_in_csound() {
    let wav = assert_identical(
        "default-channels",
        &csd(
            "",
            "sr = 48000\nksmps = 16\n0dbfs = 1",
            "instr 1\n out oscili(p4, p5)\nendin",
            "i 1 0 0.5 0.4 220",
        ),
        &[],
        &[],
    );
    assert_eq!(wav.channels, 1);
}

#[test]
fn stereo_with_f0_ends_where_the_score_says() {
    let wav = assert_identical(
        "f0",
        &csd(
            "-d -m0",
            "sr = 48000\nksmps = 64\nnchnls = 2\n0dbfs = 1",
            TONE,
            "f 0 3\ni 1 0 0.5 0.5 440",
        ),
        &[],
        &[],
    );
    assert_eq!(wav.frames(), 3 * 48000, "f 0 3 renders three seconds");
}

#[test]
fn quad_with_tempo_and_sections_renders_four_channels() {
    let wav = assert_identical(
        "quad",
        &csd(
            "-odac -d",
            "sr = 44100\nksmps = 10\nnchnls = 4\n0dbfs = 1",
            "instr 1\n a1 oscili p4, p5\n aenv linsegr 0, 0.01, 1, 0.3, 0\n \
             outq a1*aenv, a1*0.5*aenv, a1*0.25*aenv, a1*0.1*aenv\nendin",
            "t 0 90\ni 1 0.0013 1 0.5 440\ni 1 + . . 660\ns\ni 1 0.5 0.75 0.3 330\ne",
        ),
        &[],
        &[],
    );
    assert_eq!(wav.channels, 4);
}

#[test]
fn five_channels_render_five() {
    let wav = assert_identical(
        "five",
        &csd(
            "",
            "sr = 48000\nksmps = 32\nnchnls = 5\n0dbfs = 1",
            "instr 1\n a1 oscili p4, p5\n outch 1, a1, 3, a1 * 0.5, 5, a1 * 0.25\nendin",
            "i 1 0 0.5 0.5 440",
        ),
        &[],
        &[],
    );
    assert_eq!(wav.channels, 5);
}

#[test]
fn carried_and_ramped_p_fields_and_tempo_changes() {
    assert_identical(
        "carry-ramp",
        &csd(
            "",
            "sr = 48000\nksmps = 48\nnchnls = 2\n0dbfs = 1",
            TONE,
            "t 0 120 2 60\ni 1 0 0.5 0.5 220\ni . + . < 330\ni . + . < 440\ni . + . 0.2 880\ne",
        ),
        &[],
        &[],
    );
}

#[test]
fn notes_off_the_k_period_grid_keep_csounds_timing() {
    assert_identical(
        "off-grid",
        &csd(
            "",
            "sr = 44100\nksmps = 100\nnchnls = 2\n0dbfs = 1",
            TONE,
            "i 1 0.00123 0.3 0.5 440\ni 1 0.40711 0.3 0.5 550\ni 1 0.777777 0.1 0.5 660",
        ),
        &[],
        &[],
    );
}

#[test]
fn a_long_release_tail_is_rendered_as_csound_ends_it() {
    assert_identical(
        "release",
        &csd(
            "",
            "sr = 48000\nksmps = 32\nnchnls = 2\n0dbfs = 1",
            "instr 1\n xtratim 1.5\n aenv linsegr 0, 0.01, 1, 1.5, 0\n a1 vco2 p4, p5\n a1 = a1 * aenv\n \
             outs a1, a1\nendin",
            "i 1 0 0.5 0.3 110\ne",
        ),
        &[],
        &[],
    );
}

#[test]
fn float_and_24_bit_formats_follow_the_csds_options() {
    let float = assert_identical(
        "float",
        &csd(
            "-f",
            "sr = 48000\nksmps = 32\nnchnls = 2\n0dbfs = 1",
            TONE,
            "i 1 0 0.5 0.9 440",
        ),
        &[],
        &[],
    );
    assert_eq!((float.format_tag, float.bits), (3, 32));
    let int24 = assert_identical(
        "int24",
        &csd(
            "-d3",
            "sr = 48000\nksmps = 32\nnchnls = 2\n0dbfs = 1",
            TONE,
            "i 1 0 0.5 0.9 440",
        ),
        &[],
        &[],
    );
    assert_eq!((int24.format_tag, int24.bits), (1, 24));
}

#[test]
fn the_hosts_options_override_when_given() {
    let text = csd(
        "",
        "sr = 44100\nksmps = 32\nnchnls = 2\n0dbfs = 1",
        TONE,
        "i 1 0 0.5 0.5 440\ni 1 0.25 0.5 0.5 660",
    );
    let wav = assert_identical(
        "override",
        &text,
        &["-r", "48000", "-f"],
        &["--sample-rate", "48000", "--bits", "32", "--block", "100"],
    );
    assert_eq!((wav.rate, wav.bits), (48000, 32));
}

#[test]
fn a_loud_table_based_orchestra_clips_as_csound_clips() {
    // Over full scale on purpose: 16-bit conversion clips, and must clip the same way.
    assert_identical(
        "tables",
        &csd(
            "",
            "sr = 48000\nksmps = 1\nnchnls = 2\n0dbfs = 1\ngitab ftgen 1, 0, 8192, 10, 1, 0.5, 0.3",
            "instr 1\n a1 poscil p4, p5, gitab\n outs a1, -a1\nendin",
            "i 1 0 0.3 1.4 330\ni 1 0.3 0.3 0.7 331",
        ),
        &[],
        &[],
    );
}

#[test]
fn an_instrument_with_no_score_events_gets_the_demo_phrase() {
    let dir = scratch("render-csd-demo");
    let file = dir.join("waiting.csd");
    std::fs::write(
        &file,
        csd(
            "",
            "nchnls = 2\n0dbfs = 1",
            "instr 1\n a1 oscili 0.3 * linsegr(1, 0.1, 0), cpsmidinn(p4)\n outs a1, a1\nendin",
            "",
        ),
    )
    .unwrap();
    let out = dir.join("demo.wav");
    let run = Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .args([
            "render",
            file.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let wav = read_wav(&out);
    // The demo phrase lasts about 4 s plus the 2 s tail, in stereo at 48 kHz, 24-bit.
    assert_eq!((wav.channels, wav.rate, wav.bits), (2, 48000, 24));
    assert!(wav.frames() > 5 * 48000, "{} frames", wav.frames());
    assert!(wav.data.iter().any(|&b| b != 0), "the demo phrase is heard");
}

#[test]
fn a_notes_render_writes_the_orchestras_channels() {
    let dir = scratch("render-csd-notes-width");
    for (nchnls, out_line, expected) in [
        (4, "outq a1, a1 * 0.5, a1 * 0.25, a1 * 0.125", 4u16),
        (1, "out a1", 1),
    ] {
        let file = dir.join(format!("width{nchnls}.csd"));
        std::fs::write(
            &file,
            csd(
                "",
                &format!("nchnls = {nchnls}\n0dbfs = 1"),
                &format!("instr 1\n a1 oscili 0.3 * linsegr(1, 0.1, 0), 440\n {out_line}\nendin"),
                "i 1 0 1",
            ),
        )
        .unwrap();
        let out = dir.join(format!("width{nchnls}.wav"));
        let run = Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
            .args(["render", file.to_str().unwrap(), "--demo", "-o"])
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let wav = read_wav(&out);
        assert_eq!(wav.channels, expected, "nchnls = {nchnls}");
        assert!(
            wav.data.iter().any(|&b| b != 0),
            "nchnls = {nchnls}: silent"
        );
    }
}
