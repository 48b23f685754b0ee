//! The music the benchmarks play: a minute of chords and bass for the default instrument, as
//! note events, as a standard MIDI file, and as a score for the `csound` command line.

use super::INSTRUMENT;
use std::fmt::Write as _;
use std::path::Path;

/// A minute of music for the default instrument: chords and a bass line, 4 to 5 voices.
pub fn minute_of_notes() -> Vec<(f64, f64, u8, f32)> {
    let chords: [[u8; 4]; 4] = [
        [60, 64, 67, 71],
        [57, 60, 64, 67],
        [62, 65, 69, 72],
        [55, 59, 62, 65],
    ];
    let mut notes = Vec::new();
    for bar in 0..30 {
        let t = bar as f64 * 2.0;
        for &k in &chords[bar % 4] {
            notes.push((t, 1.8, k, 0.6));
        }
        for step in 0..4 {
            notes.push((t + step as f64 * 0.5, 0.4, chords[bar % 4][0] - 24, 0.8));
        }
    }
    notes
}

/// The same notes as a standard MIDI file (120 BPM, 480 ticks per beat).
pub fn write_midi(path: &Path, notes: &[(f64, f64, u8, f32)]) {
    let mut timed: Vec<(u64, [u8; 3])> = notes
        .iter()
        .flat_map(|&(t, d, key, v)| {
            [
                ((t * 960.0) as u64, [0x90, key, (v * 127.0) as u8]),
                (((t + d) * 960.0) as u64, [0x80, key, 0]),
            ]
        })
        .collect();
    timed.sort_by_key(|(t, _)| *t);
    let mut track = Vec::new();
    let mut last = 0;
    for (t, bytes) in timed {
        let mut delta = t - last;
        last = t;
        let mut vlq = vec![(delta & 0x7F) as u8];
        delta >>= 7;
        while delta > 0 {
            vlq.insert(0, (delta & 0x7F) as u8 | 0x80);
            delta >>= 7;
        }
        track.extend(vlq);
        track.extend(bytes);
    }
    track.extend([0, 0xFF, 0x2F, 0]);
    let mut file = b"MThd\0\0\0\x06\0\0\0\x01\x01\xe0MTrk".to_vec();
    file.extend((track.len() as u32).to_be_bytes());
    file.extend(track);
    std::fs::write(path, file).expect("write MIDI");
}

/// The default instrument as a plain CSD with the same notes as a score, for the command line.
/// `chn_k` defaults are only hints to Csound (the plugin writes them into the channels), so
/// each declaration gets a `chnset` of its default: both renders then play the same sound.
pub fn write_score_csd(path: &Path, notes: &[(f64, f64, u8, f32)]) {
    let mut score = String::new();
    for &(t, d, key, v) in notes {
        let _ = writeln!(score, "i 1 {t} {d} {key} {v} 1");
    }
    let mut orchestra = String::new();
    for line in INSTRUMENT.lines() {
        orchestra.push_str(line);
        orchestra.push('\n');
        if let Some(rest) = line.strip_prefix("chn_k ") {
            let fields: Vec<&str> = rest.split(',').map(str::trim).collect();
            let _ = writeln!(orchestra, "chnset {}, {}", fields[3], fields[0]);
        }
    }
    let csd = orchestra.replace(
        "<CsScore>\n</CsScore>",
        &format!("<CsScore>\n{score}</CsScore>"),
    );
    std::fs::write(path, csd).expect("write CSD");
}
