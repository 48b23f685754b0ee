//! The plugin's side of an engine process: [`RemoteEngine`] starts the process, has it load the
//! orchestra, and then stands in for an in-process [`Engine`](crate::engine::Engine) on the
//! audio thread, one round trip per block.
//!
//! The audio thread never waits longer than the deadline ([`RemoteEngine::set_deadline`]): a
//! block the engine has not answered by then plays silence (instrument) or its dry input
//! (effect), and later blocks do the same until the engine catches up. An engine late for more
//! than [`GRACE`] is killed; a crashed or killed engine is noticed at the next block (its
//! supervisor thread marks the shared block), and [`Health`] says what happened.

use super::protocol::{
    build_id, read_samples, write_samples, BlockHeader, Layout, LoadRequest, Report, ANSWER,
    COMPUTE, DEAD, FLAG_RESET, FLAG_SIDECHAIN, MAX_EVENTS, REQUEST, STOP,
};
use crate::csound::process::shared::{self, SharedRegion};
use crate::csound::process::spawn::{self, Program};
use crate::csound::{Error, ErrorKind, MessageLevel, MessageLog};
use crate::engine::events::{HeldNotes, MidiEvent};
use crate::engine::load::Loaded;
use crate::engine::transport::Transport;
use crate::orchestra::source::{Kind, Source};
use crate::params::state::OrchestraState;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a compile may take before the engine process is stopped.
pub const COMPILE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an engine may stay late before it is killed.
pub const GRACE: Duration = Duration::from_secs(2);

/// How an engine process is doing, shared by the audio thread, its supervisor and the editor.
#[derive(Debug)]
pub struct Health {
    pid: rustix::process::Pid,
    /// 0 while it runs; then the signal that ended it, or 1000 + its exit code.
    ended: AtomicI32,
    /// It stopped answering and was killed.
    stalled: AtomicBool,
    /// The plugin ended it (replaced, or the plugin closed): nothing to report.
    retired: AtomicBool,
    /// When it started.
    started: Instant,
}

impl Health {
    /// How long ago the engine process started.
    pub fn age(&self) -> Duration {
        self.started.elapsed()
    }

    /// What happened, in words, once the engine is gone; `None` while it runs or when the
    /// plugin ended it.
    pub fn failure(&self) -> Option<String> {
        let ended = self.ended.load(Ordering::Acquire);
        if ended == 0 || self.retired.load(Ordering::Acquire) {
            return None;
        }
        if self.stalled.load(Ordering::Acquire) {
            return Some(format!(
                "Csound stopped responding (no answer for {} s) and was stopped: an endless \
                 loop in the orchestra, or more voices than the machine can play",
                GRACE.as_secs()
            ));
        }
        Some(match ended {
            6 => "Csound crashed (SIGABRT: it found its memory corrupted and aborted)".into(),
            11 => "Csound crashed (SIGSEGV, a memory error)".into(),
            9 => "Csound was killed (SIGKILL)".into(),
            s if s < 1000 => format!("Csound crashed (signal {s})"),
            code => format!("the engine process ended (exit code {})", code - 1000),
        })
    }
}

/// An engine in its own process, driven from the audio thread.
pub struct RemoteEngine {
    region: Arc<SharedRegion>,
    layout: Layout,
    kind: Kind,
    sr: f64,
    ksmps: usize,
    health: Arc<Health>,
    /// The number of the last block asked for.
    seq: u32,
    /// A block not answered by its deadline: its number and when it was asked for.
    late: Option<(u32, Instant)>,
    deadline: Duration,
    /// The block's events (sized once).
    events: Vec<MidiEvent>,
    /// The notes held now (followed from the events sent).
    held: HeldNotes,
    /// Notes to start at the next block (another engine's held notes), when `adopting`.
    adopt: HeldNotes,
    adopting: bool,
    reset: bool,
    /// Csound's messages, as the engine process sends them.
    log: Arc<MessageLog>,
}

impl RemoteEngine {
    /// Starts an engine process running `program`, has it load `source` with the bindings in
    /// `state` (updated), and returns it ready for blocks of up to `capacity` frames. A
    /// compile that crashes or takes longer than [`COMPILE_TIMEOUT`] is an error; nothing of
    /// the process stays behind.
    pub fn start(
        program: &Program,
        source: &Source,
        sample_rate: f64,
        kind: Kind,
        capacity: usize,
        state: &mut OrchestraState,
    ) -> Result<(RemoteEngine, Loaded), Error> {
        let failed = |what: String| Error::new(ErrorKind::Start, what);
        let layout = Layout {
            capacity: capacity.clamp(1, 1 << 16),
        };
        let (region, shared_fd) = SharedRegion::create(layout.words())
            .map_err(|e| failed(format!("could not share memory with the engine: {e}")))?;
        let (ours, theirs) = UnixStream::pair()
            .map_err(|e| failed(format!("could not connect to the engine: {e}")))?;
        let mut child = spawn::spawn(program, theirs.into(), shared_fd)
            .map_err(|e| failed(format!("could not start the engine process: {e}")))?;
        let health = Arc::new(Health {
            pid: rustix::process::Pid::from_child(&child),
            ended: AtomicI32::new(0),
            stalled: AtomicBool::new(false),
            retired: AtomicBool::new(false),
            started: Instant::now(),
        });
        let request = LoadRequest {
            source: source.clone(),
            sample_rate,
            kind,
            capacity: layout.capacity,
            bindings: state.bindings.clone(),
            strings: state.strings.clone(),
            build: build_id(),
        };
        let stop = |child: &mut std::process::Child, error: Error| {
            let _ = child.kill();
            let _ = child.wait();
            Err(error)
        };
        let log = Arc::new(MessageLog::default());
        let mut reader = BufReader::new(
            ours.try_clone()
                .map_err(|e| failed(format!("could not connect to the engine: {e}")))?,
        );
        let asked = Instant::now();
        let first = send(&ours, &request).and_then(|()| first_report(&ours, &mut reader, &log));
        let (loaded, bindings) = match first {
            Ok(Report::Loaded { loaded, bindings }) => (loaded, bindings),
            Ok(Report::Failed(error)) => return stop(&mut child, error),
            Ok(Report::Message { .. }) | Err(_) => {
                let what = if asked.elapsed() >= COMPILE_TIMEOUT {
                    format!(
                        "{} did not finish compiling within {} s and was stopped (an endless \
                         loop in its global code or score?)",
                        source.origin,
                        COMPILE_TIMEOUT.as_secs()
                    )
                } else {
                    health
                        .ended
                        .store(exit_code(child.wait().ok()), Ordering::Release);
                    format!(
                        "{} could not be loaded: {}",
                        source.origin,
                        health.failure().unwrap_or_default()
                    )
                };
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::new(ErrorKind::Compile, what));
            }
        };
        state.bindings = bindings;
        let region = Arc::new(region);
        read_messages(reader, log.clone());
        supervise(child, region.clone(), health.clone(), log.clone());
        let engine = RemoteEngine {
            region,
            layout,
            kind,
            sr: sample_rate,
            ksmps: loaded.ksmps,
            health,
            seq: 0,
            late: None,
            deadline: Duration::from_millis(250),
            events: Vec::with_capacity(MAX_EVENTS),
            held: HeldNotes::default(),
            adopt: HeldNotes::default(),
            adopting: false,
            reset: false,
            log,
        };
        Ok((engine, loaded))
    }

    /// The longest the audio thread waits for a block's answer.
    pub fn set_deadline(&mut self, deadline: Duration) {
        self.deadline = deadline;
    }

    pub fn sample_rate(&self) -> f64 {
        self.sr
    }

    pub fn latency(&self) -> usize {
        self.ksmps
    }

    /// Csound's messages from the engine process.
    pub fn messages(&self) -> Arc<MessageLog> {
        self.log.clone()
    }

    /// How the engine process is doing.
    pub fn health(&self) -> Arc<Health> {
        self.health.clone()
    }

    /// The engine process's id.
    pub fn pid(&self) -> i32 {
        self.health.pid.as_raw_nonzero().get()
    }

    /// Time the engine process spent on the last block answered (for the benchmarks).
    pub fn last_compute(&self) -> Duration {
        Duration::from_nanos(self.region.words()[COMPUTE].load(Ordering::Relaxed) as u64)
    }

    /// The notes held now.
    pub fn held(&self) -> &HeldNotes {
        &self.held
    }

    /// Starts these notes at the next block (a recompiled orchestra takes the held notes over).
    /// Copies in place: the audio thread calls it when a new engine fades in.
    pub fn adopt_notes(&mut self, held: &HeldNotes) {
        self.adopt.copy_from(held);
        self.adopting = true;
    }

    /// Releases held notes and clears buffered output, at the next block.
    pub fn reset(&mut self) {
        self.reset = true;
        self.held.clear();
    }

    /// Plays silence (instrument) or the input (effect) for this block.
    fn pass(&self, io: &mut [&mut [f32]]) {
        if self.kind == Kind::Instrument {
            io.iter_mut().for_each(|c| c.fill(0.0));
        }
    }

    /// Processes one block in place, as [`Engine::process`](crate::engine::Engine::process).
    pub fn process(
        &mut self,
        io: &mut [&mut [f32]],
        sidechain: Option<&[&[f32]]>,
        events: &mut dyn Iterator<Item = MidiEvent>,
        values: &dyn Fn(usize) -> Option<f32>,
        transport: &Transport,
    ) {
        self.events.clear();
        let adopting = std::mem::take(&mut self.adopting);
        let adopted = adopting
            .then(|| self.adopt.note_ons())
            .into_iter()
            .flatten();
        for event in adopted.chain(events) {
            if self.events.len() < MAX_EVENTS {
                self.held.track(&event);
                self.events.push(event);
            }
        }
        let words = self.region.words();
        let answer = words[ANSWER].load(Ordering::Acquire);
        if answer == DEAD {
            return self.pass(io);
        }
        if let Some((seq, since)) = self.late {
            if answer != seq {
                if since.elapsed() > GRACE && !self.health.stalled.swap(true, Ordering::AcqRel) {
                    let _ = rustix::process::kill_process(
                        self.health.pid,
                        rustix::process::Signal::KILL,
                    );
                }
                return self.pass(io);
            }
            self.late = None;
        }
        let frames = io.iter().map(|c| c.len()).min().unwrap_or(0);
        let n = frames.min(self.layout.capacity);
        let mut flags = 0;
        if std::mem::take(&mut self.reset) {
            flags |= FLAG_RESET;
        }
        if let Some([l, r, ..]) = sidechain {
            flags |= FLAG_SIDECHAIN;
            write_samples(words, self.layout.sidechain_at(0), &l[..n.min(l.len())]);
            write_samples(words, self.layout.sidechain_at(1), &r[..n.min(r.len())]);
        }
        if self.kind == Kind::Effect {
            for (ch, channel) in io.iter().enumerate().take(2) {
                write_samples(words, self.layout.input_at(ch), &channel[..n]);
            }
        }
        let header = BlockHeader { frames: n, flags };
        self.layout.write_header(words, &header, values, transport);
        self.layout.write_events(words, &self.events);
        self.seq = self.seq.wrapping_add(1).max(1) % DEAD;
        let seq = self.seq;
        words[REQUEST].store(seq, Ordering::Release);
        shared::wake(&words[REQUEST]);
        let asked = Instant::now();
        loop {
            let now = words[ANSWER].load(Ordering::Acquire);
            if now == seq {
                break;
            }
            let waited = asked.elapsed();
            if now == DEAD || waited >= self.deadline {
                if now != DEAD {
                    self.late = Some((seq, asked));
                }
                return self.pass(io);
            }
            shared::wait(&words[ANSWER], now, self.deadline - waited);
        }
        for (ch, channel) in io.iter_mut().enumerate().take(2) {
            read_samples(words, self.layout.output_at(ch), &mut channel[..n]);
        }
    }
}

impl Drop for RemoteEngine {
    fn drop(&mut self) {
        self.health.retired.store(true, Ordering::Release);
        let words = self.region.words();
        words[STOP].store(1, Ordering::Release);
        shared::wake(&words[REQUEST]);
        // Nothing in the engine needs saving: it ends at once; its supervisor reaps it.
        let _ = rustix::process::kill_process(self.health.pid, rustix::process::Signal::KILL);
    }
}

fn send(control: &UnixStream, request: &LoadRequest) -> std::io::Result<()> {
    let mut line = serde_json::to_string(request).map_err(std::io::Error::other)?;
    line.push('\n');
    (&*control).write_all(line.as_bytes())
}

/// The load's outcome, within the compile timeout; messages before it go to `log`.
fn first_report(
    control: &UnixStream,
    reader: &mut BufReader<UnixStream>,
    log: &MessageLog,
) -> std::io::Result<Report> {
    let deadline = Instant::now() + COMPILE_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        control.set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
        let mut line = String::new();
        let read = reader.read_line(&mut line);
        control.set_read_timeout(None)?;
        if read? == 0 {
            return Err(std::io::Error::other("the engine process ended"));
        }
        match serde_json::from_str(&line).map_err(std::io::Error::other)? {
            Report::Message { level, text } => note(log, level, &text),
            report => return Ok(report),
        }
    }
}

fn note(log: &MessageLog, level: MessageLevel, text: &str) {
    log.push(level, text.as_bytes());
    log.push(level, b"\n");
}

/// Passes the engine's messages into `log` until the engine ends.
fn read_messages(reader: BufReader<UnixStream>, log: Arc<MessageLog>) {
    let _ = std::thread::Builder::new()
        .name("csound-engine-messages".into())
        .spawn(move || {
            for line in reader.lines() {
                let Ok(line) = line else { return };
                if let Ok(Report::Message { level, text }) = serde_json::from_str(&line) {
                    note(&log, level, &text);
                }
            }
        });
}

/// Waits for the engine process to end, then tells the audio thread at once and, unless the
/// plugin stopped it, the console.
fn supervise(
    mut child: std::process::Child,
    region: Arc<SharedRegion>,
    health: Arc<Health>,
    log: Arc<MessageLog>,
) {
    let _ = std::thread::Builder::new()
        .name("csound-engine-supervisor".into())
        .spawn(move || {
            let status = child.wait().ok();
            health.ended.store(exit_code(status), Ordering::Release);
            let words = region.words();
            words[ANSWER].store(DEAD, Ordering::Release);
            shared::wake(&words[ANSWER]);
            if words[STOP].load(Ordering::Acquire) == 0 {
                if let Some(failure) = health.failure() {
                    note(
                        &log,
                        MessageLevel::Error,
                        &format!("csound-plugin: {failure}"),
                    );
                }
            }
        });
}

/// How a process ended, as [`Health::ended`] keeps it.
fn exit_code(status: Option<std::process::ExitStatus>) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Some(s) => s
            .signal()
            .unwrap_or_else(|| 1000 + s.code().unwrap_or(0))
            .max(1),
        None => 1000,
    }
}
