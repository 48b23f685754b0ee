//! An engine process plays exactly what an in-process engine plays, whatever the host's block
//! sizes: short blocks are gathered on the plugin's side and sent a k-period at a time, with
//! the events, parameter values, transport and sidechain of their own time.

mod common;

use csound_plugin::csound::process::spawn::Program;
use csound_plugin::engine::remote::RemoteEngine;
use csound_plugin::engine::transport::Transport;
use csound_plugin::engine::{Engine, MidiEvent};
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::{Kind, Source};
use csound_plugin::params::state::OrchestraState;

const SR: f64 = 48_000.0;
const MAX_BLOCK: usize = 256;

/// Every input the host gives shows in the output: notes, the "gain" parameter, the transport's
/// position and the audio input (the effect's input, or the instrument's sidechain).
const ORCHESTRA: &str = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n\
0dbfs = 1\nchn_k \"gain\", 1, 2, 0.5, 0, 1\n\
instr 1\n kg chnget \"gain\"\n a1 oscili 0.2 * upsamp(kg), cpsmidinn(p4)\n \
aenv linsegr 1, 1, 1, 0.01, 0\n outs a1 * aenv, -a1 * aenv\nendin\n\
instr 99\n kt chnget \"TIME_IN_SAMPLES\"\n kb chnget \"HOST_BPM\"\n ain1, ain2 ins\n \
outs ain1 * 0.5 + kt * 1e-9, ain2 * 0.25 + kb * 1e-6\nendin\n\
</CsInstruments>\n<CsScore>\ni 99 0 3600\n</CsScore>\n</CsoundSynthesizer>\n";

/// A small deterministic generator, so a failure can be replayed.
struct Dice(u64);

impl Dice {
    fn next(&mut self, below: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as usize
    }
}

/// One host block: its size, events, gain, transport and whether a sidechain comes with it.
struct Block {
    frames: usize,
    events: Vec<MidiEvent>,
    gain: f32,
    transport: Transport,
    sidechain: bool,
}

/// A session of blocks of every size from 1 frame up, notes at every frame of them.
fn session(dice: &mut Dice, frames: usize) -> Vec<Block> {
    const SIZES: [usize; 12] = [1, 2, 3, 5, 16, 31, 32, 33, 47, 64, 100, 256];
    let mut blocks = Vec::new();
    let mut at = 0;
    let mut held: Vec<u8> = Vec::new();
    while at < frames {
        // Runs of one size, as hosts do, changing now and then.
        let size = SIZES[dice.next(SIZES.len())];
        for _ in 0..1 + dice.next(40) {
            let mut events = Vec::new();
            if dice.next(6) == 0 {
                let frame = dice.next(size) as u32;
                match held.pop() {
                    Some(key) if dice.next(2) == 0 => events.push(MidiEvent::NoteOff {
                        at: frame,
                        channel: 0,
                        key,
                    }),
                    _ => {
                        let key = 48 + dice.next(24) as u8;
                        held.push(key);
                        events.push(MidiEvent::NoteOn {
                            at: frame,
                            channel: 0,
                            key,
                            velocity: 0.8,
                        });
                    }
                }
            }
            blocks.push(Block {
                frames: size,
                events,
                gain: dice.next(1000) as f32 / 1000.0,
                transport: Transport {
                    playing: true,
                    pos_samples: at as i64,
                    tempo: 90.0 + dice.next(60) as f64,
                    ..Transport::default()
                },
                sidechain: dice.next(3) != 0,
            });
            at += size;
        }
    }
    blocks
}

/// An engine's `process`, in-process or remote.
type Process<'a> = dyn FnMut(
        &mut [&mut [f32]],
        Option<&[&[f32]]>,
        &mut dyn Iterator<Item = MidiEvent>,
        &dyn Fn(usize) -> Option<f32>,
        &Transport,
    ) + 'a;

/// Plays the session through `process` and returns both channels, end to end.
fn play(blocks: &[Block], dice_seed: u64, process: &mut Process) -> [Vec<f32>; 2] {
    let mut noise = Dice(dice_seed);
    let mut out = [Vec::new(), Vec::new()];
    for block in blocks {
        let n = block.frames;
        let input: Vec<Vec<f32>> = (0..2)
            .map(|_| {
                (0..n)
                    .map(|_| noise.next(2001) as f32 / 1000.0 - 1.0)
                    .collect()
            })
            .collect();
        let mut l = input[0].clone();
        let mut r = input[1].clone();
        let side = [&input[0][..], &input[1][..]];
        let gain = block.gain;
        process(
            &mut [&mut l, &mut r],
            block.sidechain.then_some(&side[..]),
            &mut block.events.iter().copied(),
            &|slot| (slot == 0).then_some(gain),
            &block.transport,
        );
        out[0].extend_from_slice(&l);
        out[1].extend_from_slice(&r);
    }
    out
}

#[test]
fn an_engine_process_plays_any_block_sizes_bit_for_bit_like_an_engine_in_the_plugin() {
    let source = Source::text(ORCHESTRA, "blocks.csd");
    for (kind, seed) in [(Kind::Instrument, 7), (Kind::Effect, 11)] {
        let mut dice = Dice(seed);
        let blocks = session(&mut dice, (SR * 3.0) as usize);
        assert!(blocks.iter().any(|b| b.frames == 1) && blocks.iter().any(|b| b.frames > 32));

        let mut state = OrchestraState::default();
        let (mut local, loaded) =
            Engine::load_bound(&source, SR, kind, &TrustStore::default(), &mut state)
                .expect("loads in the plugin");
        assert_eq!(
            loaded.slots.first().copied().flatten(),
            Some(0),
            "gain in slot 0"
        );
        let expected = play(&blocks, seed, &mut |io, side, events, values, transport| {
            local.process(io, side, events, values, transport)
        });

        let mut state = OrchestraState::default();
        let program = Program::Library(common::plugin_library());
        let (mut remote, _) =
            RemoteEngine::start(&program, &source, SR, kind, MAX_BLOCK, &mut state, None)
                .expect("loads in an engine process");
        remote.set_deadline(std::time::Duration::from_secs(10));
        let heard = play(&blocks, seed, &mut |io, side, events, values, transport| {
            remote.process(io, side, events, values, transport)
        });

        assert!(
            expected[0].iter().any(|s| s.abs() > 0.05),
            "{kind:?}: plays"
        );
        for ch in 0..2 {
            let first_difference = expected[ch]
                .iter()
                .zip(&heard[ch])
                .position(|(a, b)| a.to_bits() != b.to_bits());
            assert_eq!(
                first_difference, None,
                "{kind:?} channel {ch}: the engine process differs from frame {first_difference:?}"
            );
        }
        assert_eq!(expected[0].len(), heard[0].len());

        // One round trip per block that completes a k-period, plus the first short block
        // after a long one (the plugin does not have the engine's output to play yet).
        let ksmps = 32;
        let (mut at, mut bound, mut after_long) = (0, 0, true);
        for block in &blocks {
            let completes = at % ksmps + block.frames >= ksmps;
            bound += u64::from(completes || (after_long && block.frames < ksmps));
            after_long = block.frames >= ksmps;
            at += block.frames;
        }
        assert!(
            remote.round_trips() <= bound,
            "{kind:?}: {} round trips for {} blocks, at most {bound} expected",
            remote.round_trips(),
            blocks.len()
        );
    }
}

/// The parent of a process, from `/proc`.
fn parent_of(pid: i32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .to_owned();
    after
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

fn start(kind: Kind) -> RemoteEngine {
    let source = Source::text(ORCHESTRA, "zygote.csd");
    let program = Program::Library(common::plugin_library());
    let (engine, _) = RemoteEngine::start(
        &program,
        &source,
        SR,
        kind,
        MAX_BLOCK,
        &mut OrchestraState::default(),
        None,
    )
    .expect("starts");
    engine
}

/// Plays a signal through an effect engine and says whether its output is the input as the
/// orchestra changes it (so the engine answered).
fn answers(engine: &mut RemoteEngine) -> bool {
    let input: Vec<f32> = (0..MAX_BLOCK).map(|i| (i as f32 * 0.37).sin()).collect();
    // Twice: the first block's output is the k-periods before it (latency).
    let mut out = input.clone();
    for _ in 0..2 {
        out.clone_from(&input);
        let mut r = input.clone();
        engine.process(
            &mut [&mut out, &mut r],
            None,
            &mut std::iter::empty(),
            &|_| None,
            &Transport::default(),
        );
    }
    // The orchestra plays its input at half level, a k-period late.
    (64..MAX_BLOCK).all(|f| (out[f] - 0.5 * input[f - 32]).abs() < 1e-3)
}

#[test]
fn engine_processes_are_forked_from_one_single_threaded_zygote_which_is_replaced_if_it_dies() {
    let mut first = start(Kind::Effect);
    let second = start(Kind::Effect);
    let zygote = parent_of(first.pid());
    assert_ne!(
        zygote,
        std::process::id() as i32,
        "not started by the host itself"
    );
    assert_eq!(parent_of(second.pid()), zygote, "one zygote for both");
    let threads = std::fs::read_dir(format!("/proc/{zygote}/task")).map(|d| d.count());
    assert_eq!(threads.ok(), Some(1), "a zygote forks from a single thread");

    // The zygote killed (by the user, say): running engines play on, the next one starts.
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &zygote.to_string()])
        .status();
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(answers(&mut first), "an engine outlives its zygote");
    let mut third = start(Kind::Effect);
    assert_ne!(parent_of(third.pid()), zygote, "a new zygote");
    assert!(answers(&mut third));
    // An engine's crash is still reported when its zygote is gone.
    let health = first.health();
    let _ = std::process::Command::new("kill")
        .args(["-SEGV", &first.pid().to_string()])
        .status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while health.failure().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(health.failure().is_some(), "the crash is noticed");
    assert!(
        !answers(&mut first),
        "a dead effect passes its input through"
    );
}
