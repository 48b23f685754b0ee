//! What travels between the plugin and its engine process.
//!
//! Two channels. The **control stream** (a Unix socket, one JSON message a line) carries what
//! is not real-time: the orchestra to load and the load's outcome, and Csound's messages. The
//! **shared block** (memory both processes map, read and written only as atomic `u32` words)
//! carries each audio block: the plugin writes the block's input, events, parameter values and
//! transport, bumps [`REQUEST`] and wakes the engine; the engine processes the block with the
//! same [`Engine`](crate::engine::Engine) code as in-process, writes the output, sets
//! [`ANSWER`] to the request's number and wakes the plugin. One wake-up and one answer a block,
//! or a k-period when blocks are shorter than `ksmps`: the plugin then plays short blocks from
//! the engine's last k-period output ([`Layout::k_output_at`]) and sends their frames
//! ("staged") with the block that completes the k-period.

use crate::csound::{Error, MessageLevel};
use crate::engine::driver::MAX_CHANNELS;
use crate::engine::events::MidiEvent;
use crate::engine::load::{Loaded, MAX_KSMPS};
use crate::engine::transport::Transport;
use crate::orchestra::source::{Kind, Source};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

/// The number of the last block the plugin asked for.
pub const REQUEST: usize = 0;
/// The number of the last block the engine answered ([`DEAD`] once the engine is gone).
pub const ANSWER: usize = 1;
/// Set by the plugin when the engine should end.
pub const STOP: usize = 2;
/// Frames in the block.
const FRAMES: usize = 3;
/// Events in the block.
const EVENTS: usize = 4;
/// Bit 0: a sidechain is present; bit 1: reset before the block.
const FLAGS: usize = 5;
/// Nanoseconds the engine spent processing the last block (for the benchmarks).
pub const COMPUTE: usize = 6;
/// Frames at the block's start that the plugin gathered from earlier, shorter blocks.
const STAGED: usize = 7;
/// Parameter slot values (`f32` bits; [`NO_VALUE`] for a slot that does not drive its channel).
const VALUES: usize = 8;
/// How many slots travel.
pub const SLOTS: usize = 64;
/// The transport, 11 words.
const TRANSPORT: usize = VALUES + SLOTS;
/// Channels of the host's main bus in the block (1..=[`MAX_CHANNELS`]).
const WIDTH: usize = TRANSPORT + 12;
/// Values and transport as they stood when the staged frames began a k-period.
const STAGED_VALUES: usize = 96;
const STAGED_TRANSPORT: usize = STAGED_VALUES + SLOTS;
/// Words before the audio.
const HEADER: usize = 192;
/// Most events one block carries; more are dropped.
pub const MAX_EVENTS: usize = 1024;
/// Words an event takes.
const EVENT_WORDS: usize = 4;
/// The answer word once the engine process has ended.
pub const DEAD: u32 = u32::MAX;
/// A slot value meaning "none" (a NaN the plugin never sends as a value).
const NO_VALUE: u32 = 0x7fc0_0001;

pub const FLAG_SIDECHAIN: u32 = 1;
pub const FLAG_RESET: u32 = 2;
/// The plugin wants the engine's last k-period output after the block (it expects short blocks).
pub const FLAG_KEEP_OUTPUT: u32 = 4;

/// Where everything lies in a shared block for blocks of up to `capacity` frames.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub capacity: usize,
}

impl Layout {
    /// The layout for host blocks of up to `max_block` frames, with room for the frames of
    /// shorter blocks the plugin gathers before they complete a k-period.
    pub fn for_blocks(max_block: usize) -> Layout {
        Layout {
            capacity: max_block.clamp(1, 1 << 16) + MAX_KSMPS,
        }
    }
    /// Where the input of `channel` starts.
    pub fn input_at(&self, channel: usize) -> usize {
        HEADER + channel * self.capacity
    }
    /// Where the sidechain input of `channel` (of two) starts.
    pub fn sidechain_at(&self, channel: usize) -> usize {
        HEADER + (MAX_CHANNELS + channel) * self.capacity
    }
    /// Where the output of `channel` starts.
    pub fn output_at(&self, channel: usize) -> usize {
        HEADER + (MAX_CHANNELS + 2 + channel) * self.capacity
    }
    fn events_at(&self) -> usize {
        HEADER + (2 * MAX_CHANNELS + 2) * self.capacity
    }
    /// Where the engine's last k-period output lies (interleaved, [`MAX_CHANNELS`] samples a
    /// frame, `ksmps` frames), when the block asked for it with [`FLAG_KEEP_OUTPUT`].
    pub fn k_output_at(&self) -> usize {
        self.events_at() + MAX_EVENTS * EVENT_WORDS
    }
    /// The block's size in words.
    pub fn words(&self) -> usize {
        self.k_output_at() + MAX_KSMPS * MAX_CHANNELS
    }
}

fn store(words: &[AtomicU32], at: usize, value: u32) {
    words[at].store(value, Ordering::Relaxed);
}

fn load(words: &[AtomicU32], at: usize) -> u32 {
    words[at].load(Ordering::Relaxed)
}

fn store_f64(words: &[AtomicU32], at: usize, value: f64) {
    let bits = value.to_bits();
    store(words, at, bits as u32);
    store(words, at + 1, (bits >> 32) as u32);
}

fn load_f64(words: &[AtomicU32], at: usize) -> f64 {
    f64::from_bits(load(words, at) as u64 | (load(words, at + 1) as u64) << 32)
}

/// Copies samples into the block.
pub fn write_samples(words: &[AtomicU32], at: usize, samples: &[f32]) {
    for (word, s) in words[at..at + samples.len()].iter().zip(samples) {
        word.store(s.to_bits(), Ordering::Relaxed);
    }
}

/// Copies samples out of the block.
pub fn read_samples(words: &[AtomicU32], at: usize, samples: &mut [f32]) {
    for (s, word) in samples.iter_mut().zip(&words[at..]) {
        *s = f32::from_bits(word.load(Ordering::Relaxed));
    }
}

/// The plugin's side of one block: everything but the audio.
pub struct BlockHeader {
    pub frames: usize,
    /// Of `frames`, those gathered from earlier blocks, processed with the staged values and
    /// transport.
    pub staged: usize,
    pub flags: u32,
    /// Channels of the host's main bus (1..=[`MAX_CHANNELS`]).
    pub channels: usize,
}

impl Layout {
    /// Writes a block's header, values and transport (the plugin).
    pub fn write_header(
        &self,
        words: &[AtomicU32],
        header: &BlockHeader,
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
    ) {
        store(words, FRAMES, header.frames as u32);
        store(words, STAGED, header.staged as u32);
        store(words, FLAGS, header.flags);
        store(words, WIDTH, header.channels as u32);
        write_values(words, VALUES, values, TRANSPORT, transport);
    }

    /// Writes the values and transport for a k-period that began in the staged frames.
    pub fn write_staged(
        &self,
        words: &[AtomicU32],
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
    ) {
        write_values(words, STAGED_VALUES, values, STAGED_TRANSPORT, transport);
    }

    /// Reads a block's header (the engine).
    pub fn read_header(&self, words: &[AtomicU32]) -> BlockHeader {
        let frames = (load(words, FRAMES) as usize).min(self.capacity);
        BlockHeader {
            frames,
            staged: (load(words, STAGED) as usize).min(frames),
            flags: load(words, FLAGS),
            channels: (load(words, WIDTH) as usize).clamp(1, MAX_CHANNELS),
        }
    }

    /// A slot's value as the plugin sent it (the engine); `staged`: for the staged frames.
    pub fn value(&self, words: &[AtomicU32], slot: usize, staged: bool) -> Option<f32> {
        let at = if staged { STAGED_VALUES } else { VALUES };
        let bits = load(words, at + slot.min(SLOTS - 1));
        (slot < SLOTS && bits != NO_VALUE).then(|| f32::from_bits(bits))
    }

    /// The block's transport (the engine); `staged`: for the staged frames.
    pub fn transport(&self, words: &[AtomicU32], staged: bool) -> Transport {
        let t = if staged { STAGED_TRANSPORT } else { TRANSPORT };
        Transport {
            tempo: load_f64(words, t),
            playing: load(words, t + 2) != 0,
            recording: load(words, t + 3) != 0,
            pos_samples: load_f64(words, t + 4) as i64,
            pos_beats: load_f64(words, t + 6),
            sig_num: load(words, t + 8) as i32,
            sig_denom: load(words, t + 9) as i32,
            editor_open: load(words, t + 10) != 0,
        }
    }

    /// Writes the block's events (the plugin); returns how many fit.
    pub fn write_events(&self, words: &[AtomicU32], events: &[MidiEvent]) -> usize {
        let n = events.len().min(MAX_EVENTS);
        for (i, event) in events[..n].iter().enumerate() {
            let at = self.events_at() + i * EVENT_WORDS;
            for (k, word) in encode(event).into_iter().enumerate() {
                store(words, at + k, word);
            }
        }
        store(words, EVENTS, n as u32);
        n
    }

    /// The block's events (the engine).
    pub fn events<'a>(&self, words: &'a [AtomicU32]) -> impl Iterator<Item = MidiEvent> + 'a {
        let n = (load(words, EVENTS) as usize).min(MAX_EVENTS);
        let start = self.events_at();
        (0..n).filter_map(move |i| {
            let at = start + i * EVENT_WORDS;
            decode([
                load(words, at),
                load(words, at + 1),
                load(words, at + 2),
                load(words, at + 3),
            ])
        })
    }
}

fn write_values(
    words: &[AtomicU32],
    at: usize,
    values: &dyn Fn(usize) -> Option<f32>,
    t: usize,
    transport: &Transport,
) {
    for slot in 0..SLOTS {
        store(
            words,
            at + slot,
            values(slot).map_or(NO_VALUE, f32::to_bits),
        );
    }
    store_f64(words, t, transport.tempo);
    store(words, t + 2, transport.playing as u32);
    store(words, t + 3, transport.recording as u32);
    store_f64(words, t + 4, transport.pos_samples as f64);
    store_f64(words, t + 6, transport.pos_beats);
    store(words, t + 8, transport.sig_num as u32);
    store(words, t + 9, transport.sig_denom as u32);
    store(words, t + 10, transport.editor_open as u32);
}

/// An event as four words: kind, frame, channel/key/controller, value.
fn encode(event: &MidiEvent) -> [u32; 4] {
    let pack = |channel: u8, number: u8| (channel as u32) | (number as u32) << 8;
    match *event {
        MidiEvent::NoteOn {
            at,
            channel,
            key,
            velocity,
        } => [0, at, pack(channel, key), velocity.to_bits()],
        MidiEvent::NoteOff { at, channel, key } => [1, at, pack(channel, key), 0],
        MidiEvent::PitchBend { at, channel, value } => [2, at, pack(channel, 0), value.to_bits()],
        MidiEvent::ControlChange {
            at,
            channel,
            cc,
            value,
        } => [3, at, pack(channel, cc), value.to_bits()],
        MidiEvent::ChannelPressure { at, channel, value } => {
            [4, at, pack(channel, 0), value.to_bits()]
        }
        MidiEvent::PolyPressure {
            at,
            channel,
            key,
            value,
        } => [5, at, pack(channel, key), value.to_bits()],
    }
}

fn decode([kind, at, packed, value]: [u32; 4]) -> Option<MidiEvent> {
    let channel = (packed & 0xff) as u8;
    let number = ((packed >> 8) & 0x7f) as u8;
    let value = f32::from_bits(value);
    Some(match kind {
        0 => MidiEvent::NoteOn {
            at,
            channel,
            key: number,
            velocity: value,
        },
        1 => MidiEvent::NoteOff {
            at,
            channel,
            key: number,
        },
        2 => MidiEvent::PitchBend { at, channel, value },
        3 => MidiEvent::ControlChange {
            at,
            channel,
            cc: number,
            value,
        },
        4 => MidiEvent::ChannelPressure { at, channel, value },
        5 => MidiEvent::PolyPressure {
            at,
            channel,
            key: number,
            value,
        },
        _ => return None,
    })
}

/// The plugin asks the engine process to load an orchestra (the first control message).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadRequest {
    pub source: Source,
    pub sample_rate: f64,
    pub kind: Kind,
    /// Frames of the largest block the shared block holds (staged frames included).
    pub capacity: usize,
    /// Frames of the host's largest block.
    pub max_block: usize,
    /// The saved channel bindings and string channels.
    pub bindings: BTreeMap<String, usize>,
    pub strings: BTreeMap<String, String>,
    /// The plugin state the orchestra keeps (Cabbage's state opcodes).
    #[serde(default)]
    pub state: BTreeMap<String, serde_json::Value>,
    /// The Csound chosen for the orchestra ([`crate::csound::Version::key`]); `None`: the one
    /// it needs.
    pub csound: Option<String>,
    /// The plugin's [`build_id`]: an engine of another build refuses to run.
    pub build: String,
}

/// What the plugin tells a running engine on its control stream (after the load).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Command {
    /// Set a text channel (a file button's path).
    SetString { channel: String, value: String },
}

/// What the engine process says on its control stream.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Report {
    /// The orchestra loaded: what it declares, and the bindings after binding it.
    Loaded {
        loaded: Box<Loaded>,
        bindings: BTreeMap<String, usize>,
    },
    /// It did not load.
    Failed(Error),
    /// A line of Csound's messages.
    Message { level: MessageLevel, text: String },
    /// The orchestra changed a widget through Cabbage's opcodes.
    Widget(WidgetChange),
}

/// What an orchestra changed in a widget (`cabbageSetValue`, `cabbageSet`): its channel, what
/// (`value`, `visible`, `text`, `colour`, `bounds`, `active`), and the numbers or text given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WidgetChange {
    pub channel: String,
    pub identifier: String,
    pub numbers: Vec<f64>,
    pub text: String,
}

impl WidgetChange {
    /// What a write from the orchestra changes: one change, or for an `identChannel` message
    /// (`visible(0) text("Hi")`) one per identifier in it.
    pub fn from_write(w: &crate::csound::opcodes::WidgetWrite) -> Vec<WidgetChange> {
        let channel = w.channel().to_string();
        if w.identifier() == "table" {
            // A table's range, then its shape's bytes.
            let shape = w.text_bytes().iter().map(|b| *b as f64);
            return vec![WidgetChange {
                channel,
                identifier: "table".into(),
                numbers: w.numbers().iter().copied().chain(shape).collect(),
                text: String::new(),
            }];
        }
        if w.identifier() == "ident" {
            return crate::orchestra::cabbage::v2::ident_updates(w.text())
                .into_iter()
                .map(|(identifier, numbers, text)| WidgetChange {
                    channel: channel.clone(),
                    identifier,
                    numbers,
                    text,
                })
                .collect();
        }
        vec![WidgetChange {
            channel,
            identifier: w.identifier().to_string(),
            numbers: w.numbers().to_vec(),
            text: w.text().to_string(),
        }]
    }
}

/// Identifies this build: an engine answers only a plugin of the same build.
pub fn build_id() -> String {
    format!(
        "{}-{}",
        env!("CARGO_PKG_VERSION"),
        env!("CSOUND_PLUGIN_BUILD")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_survive_the_trip() {
        let events = [
            MidiEvent::NoteOn {
                at: 3,
                channel: 15,
                key: 127,
                velocity: 0.25,
            },
            MidiEvent::NoteOff {
                at: 9,
                channel: 0,
                key: 60,
            },
            MidiEvent::PitchBend {
                at: 0,
                channel: 2,
                value: 0.75,
            },
            MidiEvent::ControlChange {
                at: 1,
                channel: 1,
                cc: 74,
                value: 0.5,
            },
            MidiEvent::ChannelPressure {
                at: 2,
                channel: 3,
                value: 1.0,
            },
            MidiEvent::PolyPressure {
                at: 4,
                channel: 4,
                key: 61,
                value: 0.1,
            },
        ];
        for e in events {
            assert_eq!(decode(encode(&e)), Some(e));
        }
    }
}
