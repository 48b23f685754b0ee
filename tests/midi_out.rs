//! `render --midi-out`: what an orchestra's MIDI output opcodes send, written as a standard MIDI
//! file, byte for byte what `csound --midioutfile` writes for the same CSD (the oracle: same
//! notes, channels, values, and the same times); and a CSD whose options name a MIDI file
//! (`-F`, `--midifile`) plays it in `render`, sample for sample as `csound` does.

mod common;
use common::scratch;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Each MIDI output opcode at its own moment of the score.
const SENDERS: &[(&str, &str)] = &[
    ("midiout", "kdone init 0\n if kdone == 0 then\n  midiout 144, 1, 60, 100\n  kdone = 1\n endif"),
    ("noteon_noteoff", "noteon 2, 61, 90\n noteoff 2, 61, 0"),
    ("noteondur", "noteondur 3, 62, 80, 0.25"),
    ("noteondur2", "noteondur2 4, 63, 70, 0.3"),
    ("midion", "midion 5, 64, 60"),
    ("outic_outipb_outiat_outipc", "outic 6, 7, 100, 0, 127\n outipb 6, 64, 0, 127\n outiat 6, 50, 0, 127\n outipc 6, 5, 0, 127"),
    ("outkc_outkpb_outkat", "kv line 0, p3, 127\n outkc 7, 1, kv, 0, 127\n outkpb 7, kv, 0, 127\n outkat 7, kv, 0, 127"),
];

fn csd(body: &str, options: &str, score: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsOptions>\n{options}\n</CsOptions>\n<CsInstruments>\nsr = 48000\n\
         ksmps = 64\nnchnls = 2\n0dbfs = 1\ninstr 1\n {body}\nendin\n</CsInstruments>\n\
         <CsScore>\n{score}\n</CsScore>\n</CsoundSynthesizer>\n"
    )
}

fn ours(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .args(args)
        .env("CSOUND_PLUGIN_HOME", dir.join("home"))
        .output()
        .expect("the binary runs")
}

fn oracle(args: &[&str]) {
    let ran = Command::new("csound")
        .args(args)
        .output()
        .expect("csound runs");
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
}

/// The MIDI events of a file: (absolute tick, bytes).
fn events(path: &Path) -> Vec<(u64, Vec<u8>)> {
    let data = std::fs::read(path).unwrap();
    let smf = midly::Smf::parse(&data).unwrap();
    let mut out = Vec::new();
    for track in &smf.tracks {
        let mut tick = 0u64;
        for e in track {
            tick += e.delta.as_int() as u64;
            if let midly::TrackEventKind::Midi { channel, message } = e.kind {
                let mut bytes = Vec::new();
                midly::live::LiveEvent::Midi { channel, message }
                    .write_std(&mut bytes)
                    .unwrap();
                out.push((tick, bytes));
            }
        }
    }
    out
}

#[test]
fn every_midi_output_opcode_is_written_as_csound_writes_it() {
    let dir = scratch("midi-out");
    for (name, body) in SENDERS {
        let file = dir.join(format!("{name}.csd"));
        std::fs::write(&file, csd(body, "-n", "i 1 0.1 0.5\ne 1")).unwrap();
        let (mine, theirs) = (
            dir.join(format!("{name}-ours.mid")),
            dir.join(format!("{name}-csound.mid")),
        );
        let wav = dir.join("out.wav");
        let ran = ours(
            &[
                "render",
                file.to_str().unwrap(),
                "-o",
                wav.to_str().unwrap(),
                "--midi-out",
                mine.to_str().unwrap(),
            ],
            &dir,
        );
        assert!(
            ran.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&ran.stderr)
        );
        oracle(&[
            &format!("--midioutfile={}", theirs.display()),
            file.to_str().unwrap(),
            "-o",
            dir.join("oracle.wav").to_str().unwrap(),
        ]);
        let sent = events(&mine);
        assert!(!sent.is_empty(), "{name}: something was sent");
        assert_eq!(
            sent,
            events(&theirs),
            "{name}: the same events at the same ticks"
        );
        assert_eq!(
            std::fs::read(&mine).unwrap(),
            std::fs::read(&theirs).unwrap(),
            "{name}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A one-note standard MIDI file (key 60 for half a second).
fn one_note(path: &PathBuf) {
    use midly::{
        Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind,
    };
    let mut smf = Smf::new(Header::new(
        Format::SingleTrack,
        Timing::Metrical(480.into()),
    ));
    let midi = |delta: u32, message| TrackEvent {
        delta: delta.into(),
        kind: TrackEventKind::Midi {
            channel: 0.into(),
            message,
        },
    };
    smf.tracks.push(vec![
        midi(
            0,
            MidiMessage::NoteOn {
                key: 60.into(),
                vel: 100.into(),
            },
        ),
        midi(
            480,
            MidiMessage::NoteOff {
                key: 60.into(),
                vel: 0.into(),
            },
        ),
        TrackEvent {
            delta: 0.into(),
            kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
        },
    ]);
    smf.save(path).unwrap();
}

#[test]
fn a_midi_file_the_csd_names_plays_in_render_as_in_csound() {
    let dir = scratch("midi-file-option");
    one_note(&dir.join("notes.mid"));
    let body = "aenv madsr 0.01, 0, 1, 0.05\n a1 oscili 0.3 * aenv, cpsmidi()\n outs a1, a1";
    for option in ["-F notes.mid", "--midifile=notes.mid"] {
        let text =
            csd(body, &format!("-n {option}"), "f 0 1").replace("instr 1", "massign 0, 1\ninstr 1");
        let file = dir.join("plays.csd");
        std::fs::write(&file, text).unwrap();
        let (mine, theirs) = (dir.join("ours.wav"), dir.join("csound.wav"));
        let ran = ours(
            &[
                "render",
                file.to_str().unwrap(),
                "-o",
                mine.to_str().unwrap(),
            ],
            &dir,
        );
        let said = String::from_utf8_lossy(&ran.stdout);
        assert!(
            ran.status.success() && said.contains("the CSD's own score"),
            "{option}: {said}"
        );
        // Run beside the file, as a musician runs `csound` on it.
        let ran = Command::new("csound")
            .current_dir(&dir)
            .args(["plays.csd", "-o", "csound.wav"])
            .output()
            .expect("csound runs");
        assert!(
            ran.status.success(),
            "{}",
            String::from_utf8_lossy(&ran.stderr)
        );
        let data = |p: &Path| {
            let bytes = std::fs::read(p).unwrap();
            let at = bytes.windows(4).position(|w| w == b"data").unwrap();
            bytes[at..].to_vec()
        };
        assert_eq!(data(&mine), data(&theirs), "{option}: sample for sample");
        let loud = data(&mine)[8..]
            .chunks(2)
            .map(|s| i16::from_le_bytes([s[0], s[1]]).unsigned_abs())
            .max();
        assert!(loud > Some(5000), "{option}: the note plays ({loud:?})");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn notes_played_through_the_plugins_engine_send_midi_out_too() {
    let dir = scratch("midi-out-notes");
    one_note(&dir.join("in.mid"));
    // An instrument that echoes each note it plays a fifth higher on channel 2.
    let text = "<CsoundSynthesizer>\n<CsInstruments>\nsr = 48000\nksmps = 32\nnchnls = 2\n\
        0dbfs = 1\ninstr 1\n midion 2, p4 + 7, 100\n a1 oscili 0.1, cpsmidinn(p4)\n outs a1, a1\n\
        endin\n</CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n";
    let file = dir.join("echo.csd");
    std::fs::write(&file, text).unwrap();
    let out = dir.join("echo.mid");
    let ran = ours(
        &[
            "render",
            file.to_str().unwrap(),
            "--midi",
            dir.join("in.mid").to_str().unwrap(),
            "-o",
            dir.join("echo.wav").to_str().unwrap(),
            "--midi-out",
            out.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let sent = events(&out);
    assert!(
        sent.iter().any(|(_, b)| b[..2] == [0x91, 67])
            && sent.iter().any(|(_, b)| b[0] & 0xf0 == 0x80 || b[2] == 0),
        "note 67 on channel 2, and its end: {sent:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
