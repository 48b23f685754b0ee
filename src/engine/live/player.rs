//! The audio thread's side of live recompilation: plays the current engine and crossfades to a
//! new one at a block boundary, handing the old one back to the loader.

use crate::engine::driver::MAX_CHANNELS;
use crate::engine::events::MidiEvent;
use crate::engine::transport::Transport;
use crate::engine::voice::Voice as Engine;
use crate::orchestra::source::Kind;

/// Length of the crossfade from the old orchestra to the new one.
pub const FADE_SECONDS: f64 = 0.03;

/// Most events one block can pass to both engines during a crossfade; more are dropped.
const MAX_FADE_EVENTS: usize = 2048;

/// A crossfade in progress to a new engine.
struct Fade {
    engine: Engine,
    /// Frames before the new engine's first output (its latency): the old one plays alone.
    wait: usize,
    /// Frames of the fade done, of `len`.
    done: usize,
    len: usize,
}

impl Fade {
    /// The new engine's gain for the next frame (raised cosine: the two gains sum to 1, so a
    /// recompile of the same orchestra passes through unchanged).
    fn next_gain(&mut self) -> f32 {
        if self.wait > 0 {
            self.wait -= 1;
            return 0.0;
        }
        if self.done >= self.len {
            return 1.0;
        }
        self.done += 1;
        let t = self.done as f64 / self.len as f64;
        (0.5 - 0.5 * (std::f64::consts::PI * t).cos()) as f32
    }

    fn finished(&self) -> bool {
        self.wait == 0 && self.done >= self.len
    }
}

/// The audio thread's side: plays the current engine and crossfades to new ones.
pub struct Player {
    /// The engine playing; `None` when the orchestra failed to load (the instrument is silent,
    /// the effect passes its input through).
    current: Option<Engine>,
    /// The engine being faded in.
    next: Option<Fade>,
    incoming: rtrb::Consumer<Engine>,
    retire: rtrb::Producer<Engine>,
    kind: Kind,
    /// The new engine's output during a fade (sized on activation, never on the audio thread).
    scratch: [Vec<f32>; MAX_CHANNELS],
    /// The block's events, given to both engines during a fade.
    events: Vec<MidiEvent>,
}

impl Player {
    /// A player with no engine, fed by `incoming` and handing retired engines to `retire`.
    pub(super) fn new(
        incoming: rtrb::Consumer<Engine>,
        retire: rtrb::Producer<Engine>,
        kind: Kind,
    ) -> Player {
        Player {
            current: None,
            next: None,
            incoming,
            retire,
            kind,
            scratch: Default::default(),
            events: Vec::with_capacity(MAX_FADE_EVENTS),
        }
    }

    /// Sets the engine directly and sizes the buffers (on activation: the audio thread is not
    /// running). Compiled engines still waiting from before are dropped.
    pub fn install(&mut self, engine: Option<Engine>, max_block: usize) {
        while self.incoming.pop().is_ok() {}
        self.next = None;
        self.current = engine;
        let len = max_block.clamp(1, 1 << 16);
        self.scratch = std::array::from_fn(|_| vec![0.0; len]);
    }

    /// The engine playing now.
    pub fn engine(&self) -> Option<&Engine> {
        self.current.as_ref()
    }

    /// Whether a crossfade is in progress.
    pub fn fading(&self) -> bool {
        self.next.is_some()
    }

    /// Releases held notes and clears buffered output (host `reset`).
    pub fn reset(&mut self) {
        if let Some(fade) = self.next.take() {
            let old = self.current.replace(fade.engine);
            self.retire_engine(old);
        }
        if let Some(engine) = &mut self.current {
            engine.reset();
        }
    }

    fn retire_engine(&mut self, engine: Option<Engine>) {
        if let Some(engine) = engine {
            // Room was checked before the fade began; if the worker is gone the engine is
            // dropped with the ring instead.
            let _ = self.retire.push(engine);
        }
    }

    /// Processes one block in place (see [`Engine::process`]). Returns the new latency when a
    /// new engine starts fading in with a different one.
    pub fn process(
        &mut self,
        io: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        events: &mut dyn Iterator<Item = MidiEvent>,
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
    ) -> Option<usize> {
        let latency_change = self.take_new_engine();
        if self.next.is_none() {
            match &mut self.current {
                Some(engine) => engine.process(io, sidechain, events, values, transport),
                None => {
                    events.for_each(drop);
                    if self.kind == Kind::Instrument {
                        io.iter_mut().for_each(|c| c.fill(0.0));
                    }
                }
            }
            return latency_change;
        }
        self.events.clear();
        for event in events {
            if self.events.len() < self.events.capacity() {
                self.events.push(event);
            }
        }
        let frames = io.iter().map(|c| c.len()).min().unwrap_or(0);
        let chunk = self.scratch[0].len().max(1);
        let mut start = 0;
        while start < frames {
            let end = frames.min(start + chunk);
            self.fade_chunk(io, sidechain, (start, end, frames), values, transport);
            start = end;
        }
        if self.next.as_ref().is_some_and(Fade::finished) {
            if let Some(fade) = self.next.take() {
                let old = self.current.replace(fade.engine);
                self.retire_engine(old);
            }
        }
        latency_change
    }

    /// Starts a fade to an engine the loader sent, if any and if the retired ring has room.
    fn take_new_engine(&mut self) -> Option<usize> {
        if self.next.is_some() || self.retire.slots() < 2 {
            return None;
        }
        let mut engine = self.incoming.pop().ok()?;
        let sr = self.current.as_ref().map(Engine::sample_rate);
        if sr.is_some_and(|sr| sr != engine.sample_rate()) {
            // Compiled for a sample rate the host left since: never played.
            self.retire_engine(Some(engine));
            return None;
        }
        if let Some(current) = &self.current {
            engine.adopt_notes(current);
        }
        let old_latency = self.current.as_ref().map_or(0, Engine::latency);
        let latency = engine.latency();
        let len = (FADE_SECONDS * engine.sample_rate()).round().max(1.0) as usize;
        self.next = Some(Fade {
            engine,
            wait: latency,
            done: 0,
            len,
        });
        (latency != old_latency).then_some(latency)
    }

    /// Runs both engines over frames `start..end` of a block of `frames` and mixes them.
    #[allow(clippy::too_many_arguments)]
    fn fade_chunk(
        &mut self,
        io: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        (start, end, frames): (usize, usize, usize),
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
    ) {
        let Some(fade) = &mut self.next else {
            return;
        };
        let n = end - start;
        let width = io.len().min(MAX_CHANNELS);
        // The new engine gets the same input (the effect's) as the old one.
        for (s, ch) in self.scratch.iter_mut().zip(0..width) {
            s[..n].copy_from_slice(&io[ch][start..end]);
        }
        let events = &self.events;
        // Events stamped past the block's end go with its last chunk.
        let in_chunk = || {
            events
                .iter()
                .filter(move |e| {
                    let at = e.at() as usize;
                    (start..end).contains(&at) || (end == frames && at >= end)
                })
                .map(move |e| e.at_frame(e.at() - start as u32))
        };
        let side_chunk = sidechain.and_then(|s| match s {
            [a, b, ..] => Some([&a[start..end], &b[start..end]]),
            _ => None,
        });
        let side = side_chunk.as_ref().map(|s| &s[..]);
        // This chunk of every channel, without allocating.
        let mut old: [&mut [f32]; MAX_CHANNELS] = Default::default();
        for (o, c) in old.iter_mut().zip(io.iter_mut()) {
            *o = &mut c[start..end];
        }
        let old = &mut old[..width];
        match &mut self.current {
            Some(engine) => engine.process(old, side, &mut in_chunk(), values, transport),
            // A failed orchestra: silence for the instrument, the input for the effect.
            None if self.kind == Kind::Instrument => old.iter_mut().for_each(|c| c.fill(0.0)),
            None => {}
        }
        let mut new: [&mut [f32]; MAX_CHANNELS] = Default::default();
        for (o, s) in new.iter_mut().zip(self.scratch.iter_mut()) {
            *o = &mut s[..n];
        }
        fade.engine
            .process(&mut new[..width], side, &mut in_chunk(), values, transport);
        for f in 0..n {
            let g = fade.next_gain();
            for (o, s) in old.iter_mut().zip(&new) {
                o[f] += (s[f] - o[f]) * g;
            }
        }
    }
}
