//! The engine process: loads the orchestra it is asked for, then processes blocks from the
//! shared block until the plugin stops it or goes away. It runs the very same
//! [`Engine`] code as an in-process engine, so its output is the same, bit for bit.
//!
//! Forked by the zygote (`csound::process::zygote`), which the launcher started, with the
//! plugin's control stream and the shared block.

use super::protocol::{build_id, read_samples, write_samples, COMPUTE, STOP};
use super::protocol::{Command, WidgetChange, FLAG_KEEP_OUTPUT, MAX_EVENTS};
use super::protocol::{Layout, LoadRequest, Report, ANSWER, FLAG_RESET, FLAG_SIDECHAIN, REQUEST};
use crate::csound::process::shared::{self, SharedRegion};
use crate::csound::process::{sandbox, zygote};
use crate::csound::{Error, ErrorKind, MessageLevel, MessageLog};
use crate::engine::driver::{Engine, MAX_CHANNELS};
use crate::orchestra::source::Kind;
use crate::orchestra::trust::{self, TrustStore};
use crate::params::state::OrchestraState;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the engine waits for a block before it looks whether it should end.
const IDLE: Duration = Duration::from_millis(200);

/// The entry point of the process the launcher starts: the zygote engine processes are forked
/// from ([`zygote`]), with its socket to the plugin on standard input. Returns the process's
/// exit code.
#[no_mangle]
pub extern "C" fn csound_plugin_engine_main(_argc: i32, _argv: *const *const u8) -> i32 {
    let socket = match take_stdin() {
        Ok(socket) => socket,
        Err(e) => {
            eprintln!("csound-plugin engine: {e}");
            return 1;
        }
    };
    zygote::serve(socket, engine_main)
}

/// The zygote's socket, off standard input: the engines it forks must not reach it.
fn take_stdin() -> std::io::Result<OwnedFd> {
    let socket = std::io::stdin().as_fd().try_clone_to_owned()?;
    rustix::stdio::dup2_stdin(std::fs::File::open("/dev/null")?)?;
    Ok(socket)
}

/// An engine process, forked by the zygote with its control stream and shared block.
fn engine_main(control: OwnedFd, shared: OwnedFd) -> i32 {
    // The engine ends with the plugin: when the control stream closes (see `serve`), which it
    // does when the plugin's process ends, however it ends. (A parent-death signal would fire
    // when the *thread* that started the engine ends, which in a host can be any time.)
    match serve(control, shared) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("csound-plugin engine: {e}");
            1
        }
    }
}

fn serve(control: OwnedFd, shared_fd: OwnedFd) -> std::io::Result<()> {
    let control = UnixStream::from(control);
    let mut lines = BufReader::new(control.try_clone()?).lines();
    let reports = Arc::new(Mutex::new(control));
    let request: LoadRequest = match lines.next() {
        Some(line) => serde_json::from_str(&line?).map_err(std::io::Error::other)?,
        None => return Ok(()),
    };
    let layout = Layout {
        capacity: request.capacity,
    };
    let region = SharedRegion::open(&shared_fd, layout.words())?;
    let send = |report: &Report| -> std::io::Result<()> {
        let mut line = serde_json::to_string(report).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut control = reports
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        control.write_all(line.as_bytes())
    };
    if request.build != build_id() {
        let error = Error::new(
            ErrorKind::Start,
            "the plugin file changed on disk since the host loaded it: reload the plugin",
        );
        return send(&Report::Failed(error));
    }
    // The Csound it runs on is opened first (the bundled one unpacked into the cache, a file
    // write): a confined process could not.
    match crate::engine::csound_for(request.csound.as_deref()) {
        (Some(_), _) => {}
        // The orchestra decides: either may be needed.
        (None, _) => crate::csound::Version::ALL.iter().for_each(|v| {
            v.is_available();
        }),
    }
    let trust = TrustStore::open();
    if !trust::is_trusted(&request.source.text, &trust) {
        // Not allowed by the user: the kernel keeps it from reaching outside, whatever it does.
        let confinement = sandbox::confine();
        send(&Report::Message {
            level: MessageLevel::Info,
            text: format!(
                "csound-plugin: {} runs confined: no programs, network or file writes \
                 ({confinement})",
                request.source.origin
            ),
        })?;
    }
    let mut state = OrchestraState {
        bindings: request.bindings.clone(),
        strings: request.strings.clone(),
        state: request.state.clone(),
        csound: request.csound.clone(),
        ..OrchestraState::default()
    };
    let loaded = Engine::load_bound(
        &request.source,
        request.sample_rate,
        request.kind,
        &trust,
        &mut state,
    );
    let mut engine = match loaded {
        Ok((mut engine, loaded)) => {
            let _ = engine.set_host_buffer_size(request.max_block);
            let log = engine.csound().messages();
            forward_messages(log, engine.csound().widget_writes(), reports.clone());
            send(&Report::Loaded {
                loaded: Box::new(loaded),
                bindings: state.bindings,
            })?;
            engine
        }
        Err(error) => return send(&Report::Failed(error)),
    };
    // Commands wait here for the audio loop to take them between blocks; the control stream
    // closing means the plugin is gone.
    let commands = Arc::new(Mutex::new(Vec::new()));
    let incoming = commands.clone();
    std::thread::spawn(move || {
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Ok(command) = serde_json::from_str::<Command>(&line) {
                if let Ok(mut queue) = incoming.lock() {
                    queue.push(command);
                }
            }
        }
        std::process::exit(0);
    });
    perform(&mut engine, &region, layout, request.kind, &commands);
    Ok(())
}

/// Sends Csound's messages to the plugin as they come.
fn forward_messages(
    log: Arc<MessageLog>,
    widgets: Arc<crate::csound::opcodes::WidgetWrites>,
    control: Arc<Mutex<UnixStream>>,
) {
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(50));
        let messages = log.take().into_iter().map(|message| Report::Message {
            level: message.level,
            text: message.text,
        });
        // Only the last change of each widget property counts.
        let mut changes: Vec<WidgetChange> = Vec::new();
        while let Some(write) = widgets.pop() {
            for change in WidgetChange::from_write(&write) {
                // Each created widget counts, however many of one type.
                // A table's changes replace each other by its number.
                let same = |c: &WidgetChange| {
                    (&c.channel, &c.identifier) == (&change.channel, &change.identifier)
                        && (change.identifier != "table"
                            || c.numbers.first() == change.numbers.first())
                };
                if change.identifier != "create" {
                    changes.retain(|c| !same(c));
                }
                changes.push(change);
            }
        }
        for report in messages.chain(changes.into_iter().map(Report::Widget)) {
            let Ok(mut line) = serde_json::to_string(&report) else {
                continue;
            };
            line.push('\n');
            let Ok(mut control) = control.lock() else {
                return;
            };
            if control.write_all(line.as_bytes()).is_err() {
                return;
            }
        }
    });
}

/// Answers blocks until told to stop.
fn perform(
    engine: &mut Engine,
    region: &SharedRegion,
    layout: Layout,
    kind: Kind,
    commands: &Mutex<Vec<Command>>,
) {
    let words = region.words();
    let capacity = layout.capacity;
    let mut io: [Vec<f32>; MAX_CHANNELS] = std::array::from_fn(|_| vec![0.0f32; capacity]);
    let mut side = [vec![0.0f32; capacity], vec![0.0f32; capacity]];
    let mut events = Vec::with_capacity(MAX_EVENTS);
    // The plugin numbers blocks from 1; it may have asked for the first already.
    let mut seen = 0;
    loop {
        if words[STOP].load(Ordering::Acquire) != 0 {
            return;
        }
        let request = words[REQUEST].load(Ordering::Acquire);
        if request == seen {
            shared::wait(&words[REQUEST], seen, IDLE);
            continue;
        }
        seen = request;
        // Never waits: a command being queued right now is taken at the next block.
        if let Ok(mut queue) = commands.try_lock() {
            for command in queue.drain(..) {
                let Command::SetString { channel, value } = command;
                let _ = engine.set_string(&channel, &value);
            }
        }
        let header = layout.read_header(words);
        let (n, width) = (header.frames, header.channels);
        if header.flags & FLAG_RESET != 0 {
            engine.reset();
        }
        for (ch, buffer) in io.iter_mut().enumerate().take(width) {
            match kind {
                Kind::Effect => {
                    read_samples(words, layout.input_at(ch), &mut buffer[..n]);
                }
                Kind::Instrument => buffer[..n].fill(0.0),
            }
        }
        let has_side = header.flags & FLAG_SIDECHAIN != 0;
        if has_side {
            for (ch, buffer) in side.iter_mut().enumerate() {
                read_samples(words, layout.sidechain_at(ch), &mut buffer[..n]);
            }
        }
        events.clear();
        events.extend(layout.events(words));
        let computing = Instant::now();
        // Frames the plugin gathered from shorter blocks go through as those blocks would
        // have: with the values and transport of their time, their events at their frames.
        let staged = header.staged;
        let split = events.partition_point(|e| (e.at() as usize) < staged);
        let [sl, sr] = &side;
        // Each channel split at the staged frames, without allocating.
        let mut before: [&mut [f32]; MAX_CHANNELS] = Default::default();
        let mut now: [&mut [f32]; MAX_CHANNELS] = Default::default();
        for ((b, a), channel) in before.iter_mut().zip(now.iter_mut()).zip(io.iter_mut()) {
            (*b, *a) = channel[..n].split_at_mut(staged);
        }
        if staged > 0 {
            let sidechain = [&sl[..staged], &sr[..staged]];
            engine.process(
                &mut before[..width],
                has_side.then_some(&sidechain[..]),
                &mut events[..split].iter().copied(),
                &|slot| layout.value(words, slot, true),
                &layout.transport(words, true),
            );
        }
        let sidechain = [&sl[staged..n], &sr[staged..n]];
        engine.process(
            &mut now[..width],
            has_side.then_some(&sidechain[..]),
            &mut events[split..]
                .iter()
                .map(|e| e.at_frame(e.at().saturating_sub(staged as u32))),
            &|slot| layout.value(words, slot, false),
            &layout.transport(words, false),
        );
        for (ch, buffer) in io.iter().enumerate().take(width) {
            write_samples(words, layout.output_at(ch), &buffer[..n]);
        }
        if header.flags & FLAG_KEEP_OUTPUT != 0 {
            write_samples(words, layout.k_output_at(), engine.last_output());
        }
        let spent = computing.elapsed().as_nanos().min(u32::MAX as u128) as u32;
        words[COMPUTE].store(spent, Ordering::Relaxed);
        words[ANSWER].store(request, Ordering::Release);
        shared::wake(&words[ANSWER]);
    }
}
