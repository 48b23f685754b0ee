//! Cabbage's MIDI file opcodes: `cabbageMidiFileInfo SFile` prints what a standard MIDI file
//! holds; `kStatus[], kChan[], kNote[], kVel[], kCount, kNew cabbageMidiFileReader SFile,
//! iTrack, kPlay, kLoop, kSpeed, kReset [, iSkipSeconds]` plays one track's events into arrays,
//! each k-period those that fall in it (status numbers as Cabbage gives them: 144 note on, 128
//! note off, 160 aftertouch, 176 controller, 208 program change, 244 pitch bend).
//!
//! The file is read when the opcode starts (a disk read, as Csound's own file opcodes do);
//! the events are kept in memory Csound owns, so a k-period only copies numbers.

use super::arrays::fill_numbers;
use super::shared::{args, bytes};
use crate::csound::sys::{self, Flavor};
use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};
use std::ffi::{c_int, c_void};

/// One event, as the reader gives it: seconds, status, channel (1-16), two data bytes.
type Event = [f64; 5];

/// The events of every track, with their times in seconds (the tempo map of the whole file).
fn read(data: &[u8]) -> Result<(Smf<'_>, Vec<Vec<Event>>), String> {
    let smf = Smf::parse(data).map_err(|e| e.to_string())?;
    let (per_beat, per_second) = match smf.header.timing {
        Timing::Metrical(t) => (t.as_int().max(1) as f64, None),
        Timing::Timecode(fps, sub) => (480.0, Some((fps.as_f32() as f64 * sub as f64).max(1.0))),
    };
    // Tempo changes at absolute ticks, from every track.
    let mut tempos: Vec<(u64, f64)> = Vec::new();
    for track in &smf.tracks {
        let mut tick = 0u64;
        for e in track {
            tick += e.delta.as_int() as u64;
            if let TrackEventKind::Meta(MetaMessage::Tempo(t)) = e.kind {
                tempos.push((tick, t.as_int() as f64 / 1e6));
            }
        }
    }
    tempos.sort_by_key(|(t, _)| *t);
    let seconds = |tick: u64| {
        if let Some(per_second) = per_second {
            return tick as f64 / per_second;
        }
        let (mut at, mut last, mut beat) = (0.0, 0u64, 0.5);
        for &(t, b) in tempos.iter().take_while(|(t, _)| *t <= tick) {
            at += (t - last) as f64 / per_beat * beat;
            (last, beat) = (t, b);
        }
        at + (tick - last) as f64 / per_beat * beat
    };
    let tracks = smf
        .tracks
        .iter()
        .map(|track| {
            let mut tick = 0u64;
            track
                .iter()
                .filter_map(|e| {
                    tick += e.delta.as_int() as u64;
                    let TrackEventKind::Midi { channel, message } = e.kind else {
                        return None;
                    };
                    let (status, a, b) = match message {
                        MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                            (144, key.as_int(), vel.as_int())
                        }
                        MidiMessage::NoteOn { key, vel } | MidiMessage::NoteOff { key, vel } => {
                            (128, key.as_int(), vel.as_int())
                        }
                        MidiMessage::Aftertouch { key, vel } => (160, key.as_int(), vel.as_int()),
                        MidiMessage::Controller { controller, value } => {
                            (176, controller.as_int(), value.as_int())
                        }
                        MidiMessage::ProgramChange { program } => (208, program.as_int(), 0),
                        MidiMessage::PitchBend { bend } => {
                            let v = bend.0.as_int();
                            (244, (v & 0x7f) as u8, (v >> 7) as u8)
                        }
                        MidiMessage::ChannelAftertouch { vel } => (0, vel.as_int(), 0),
                    };
                    let channel = channel.as_int() as f64 + 1.0;
                    Some([seconds(tick), status as f64, channel, a as f64, b as f64])
                })
                .collect()
        })
        .collect();
    Ok((smf, tracks))
}

/// What `cabbageMidiFileInfo` prints about a file.
fn describe(name: &str, data: &[u8]) -> String {
    let (smf, tracks) = match read(data) {
        Ok(read) => read,
        Err(e) => {
            return format!("cabbageMidiFileInfo: {name} is not a MIDI file Csound can play: {e}\n")
        }
    };
    let length = tracks.iter().flatten().map(|e| e[0]).fold(0.0, f64::max);
    let mut text = format!(
        "cabbageMidiFileInfo: {name}: type {:?}, {} track(s), {length:.2} s\n",
        smf.header.format,
        smf.tracks.len()
    );
    for (i, track) in smf.tracks.iter().enumerate() {
        for e in track {
            match e.kind {
                TrackEventKind::Meta(MetaMessage::Tempo(t)) => {
                    text += &format!(
                        "  track {}: tempo {:.2} BPM\n",
                        i + 1,
                        6e7 / t.as_int() as f64
                    )
                }
                TrackEventKind::Meta(MetaMessage::TimeSignature(n, d, _, _)) => {
                    text += &format!("  track {}: time signature {n}/{}\n", i + 1, 1u32 << d)
                }
                _ => {}
            }
        }
        text += &format!("  track {}: {} event(s)\n", i + 1, tracks[i].len());
    }
    text
}

/// `cabbageMidiFileInfo "file.mid"`.
#[repr(C)]
pub(super) struct FileInfo {
    file: *mut sys::STRINGDAT,
}

pub(super) unsafe extern "C" fn file_info<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `FileInfo`.
    unsafe {
        let p = args::<F, FileInfo>(p);
        let name = String::from_utf8_lossy(bytes(p.file)).into_owned();
        let text = match std::fs::read(&name) {
            Ok(data) => describe(&name, &data),
            Err(e) => format!("cabbageMidiFileInfo: could not read {name}: {e}\n"),
        };
        super::shared::print(F::api(), cs, &text);
    }
    0
}

/// `cabbageMidiFileReader`'s arguments and where it is in the track.
#[repr(C)]
pub(super) struct FileReader {
    status: *mut sys::ARRAYDAT,
    channel: *mut sys::ARRAYDAT,
    note: *mut sys::ARRAYDAT,
    velocity: *mut sys::ARRAYDAT,
    count: *mut f64,
    new: *mut f64,
    file: *mut sys::STRINGDAT,
    track: *mut f64,
    play: *mut f64,
    looped: *mut f64,
    speed: *mut f64,
    reset: *mut f64,
    skip: *mut f64,
    /// The track's events, in memory Csound owns (kept between notes of this instance).
    events: *mut Event,
    len: usize,
    next: usize,
    time: f64,
}

/// How many events one k-period reports at most (Cabbage's array size).
const MAX_EVENTS: usize = 1024;

pub(super) unsafe extern "C" fn reader_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `FileReader`; the events memory comes from
    // Csound's allocator.
    unsafe {
        let p = args::<F, FileReader>(p);
        let api = F::api();
        let name = String::from_utf8_lossy(bytes(p.file)).into_owned();
        let events = match std::fs::read(&name)
            .map_err(|e| e.to_string())
            .and_then(|d| {
                let (_, tracks) = read(&d)?;
                let track = (*p.track).max(0.0) as usize;
                Ok(tracks.into_iter().nth(track).unwrap_or_default())
            }) {
            Ok(events) => events,
            Err(e) => {
                super::shared::print(api, cs, &format!("cabbageMidiFileReader: {name}: {e}\n"));
                Vec::new()
            }
        };
        let bytes_needed = (events.len().max(1)) * std::mem::size_of::<Event>();
        let memory = api.realloc(cs, p.events as *mut c_void, bytes_needed) as *mut Event;
        if memory.is_null() {
            return -1;
        }
        std::ptr::copy_nonoverlapping(events.as_ptr(), memory, events.len());
        (p.events, p.len) = (memory, events.len());
        let skip = if p.skip.is_null() {
            0.0
        } else {
            (*p.skip).max(0.0)
        };
        p.time = skip;
        p.next = events
            .iter()
            .position(|e| e[0] >= skip)
            .unwrap_or(events.len());
        let zeros = [0.0; MAX_EVENTS];
        for out in [p.status, p.channel, p.note, p.velocity] {
            if fill_numbers(api, cs, out, &zeros) != 0 {
                return -1;
            }
        }
        (*p.count, *p.new) = (0.0, 0.0);
    }
    0
}

pub(super) unsafe extern "C" fn reader_perf<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as `reader_init`; the output arrays hold `MAX_EVENTS` numbers since then.
    unsafe {
        let p = args::<F, FileReader>(p);
        let api = F::api();
        let events = std::slice::from_raw_parts(p.events, p.len);
        if *p.reset == 1.0 {
            (p.time, p.next) = (0.0, 0);
        }
        let mut n = 0;
        if *p.play != 0.0 {
            let step = api.csoundGetKsmps(cs) as f64 / api.csoundGetSr(cs) * (*p.speed).max(0.0);
            let end = p.time + step;
            let outs = [p.status, p.channel, p.note, p.velocity].map(|a| (*a).data);
            while p.next < events.len() && events[p.next][0] < end && n < MAX_EVENTS {
                for (k, out) in outs.iter().enumerate() {
                    *out.add(n) = events[p.next][k + 1];
                }
                (p.next, n) = (p.next + 1, n + 1);
            }
            p.time = end;
            if p.next >= events.len() && *p.looped != 0.0 {
                (p.time, p.next) = (0.0, 0);
            }
        }
        (*p.count, *p.new) = (n as f64, (n > 0) as u8 as f64);
    }
    0
}

/// This module's registrations for Csound `F`.
pub(super) fn entries<F: Flavor>() -> Vec<super::Entry> {
    use std::mem::size_of as own;
    vec![
        super::Entry(
            c"cabbageMidiFileInfo",
            F::OPDS + own::<FileInfo>(),
            1,
            c"",
            c"S",
            Some(file_info::<F>),
            None,
        ),
        super::Entry(
            c"cabbageMidiFileReader",
            F::OPDS + own::<FileReader>(),
            3,
            c"k[]k[]k[]k[]kk",
            c"Sikkkko",
            Some(reader_init::<F>),
            Some(reader_perf::<F>),
        ),
    ]
}
