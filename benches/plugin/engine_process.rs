//! Section 6, the engine process: the plugins run Csound in a process of their own. Measured
//! here with this benchmark program as the engine (it answers the engine argument),
//! release-built like the plugin library would be:
//!
//! - CPU of a render through the engine process (both processes counted) against the `csound`
//!   command line on the same notes, at host blocks of 256, 16 and 1 frames;
//! - the audio thread's time per block beyond the engine's own compute (the round trip);
//! - instance start to first block, a 32-instance restore, memory per instance (this process's
//!   growth plus the engine processes' own pages);
//! - Rust allocations on the audio thread while recompiling through engine processes.

use super::*;
use csound_plugin::csound::process::spawn::Program;
use csound_plugin::engine::remote::RemoteEngine;
use std::time::Duration;

/// Seconds of the minute rendered for the CPU comparison (block 1 makes a round trip a frame).
pub const SECONDS: f64 = 10.0;

fn program() -> Program {
    Program::Executable(std::env::current_exe().expect("own path"))
}

/// The default instrument in an engine process, for blocks of up to `capacity` frames.
fn remote_instrument(capacity: usize) -> RemoteEngine {
    let mut state = OrchestraState::default();
    let source = Source::text(INSTRUMENT, "instrument.csd");
    let (mut engine, _) = RemoteEngine::start(
        &program(),
        &source,
        SR,
        Kind::Instrument,
        capacity,
        &mut state,
        None,
    )
    .expect("the engine process starts");
    engine.set_deadline(Duration::from_secs(5));
    engine
}

/// CPU seconds (user + system) of this whole process so far.
fn process_cpu() -> f64 {
    rusage_cpu(libc::RUSAGE_SELF)
}

/// CPU seconds of another process so far (from `/proc`).
pub fn cpu_of_pid(pid: i32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which is in parentheses).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<f64> = after
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (fields.get(11).copied().unwrap_or(0.0) + fields.get(12).copied().unwrap_or(0.0)) / ticks
}

/// Unique memory of another process in bytes (private pages, from `/proc`).
fn unique_memory(pid: i32) -> f64 {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    rollup
        .lines()
        .filter(|l| l.starts_with("Private_Clean:") || l.starts_with("Private_Dirty:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .sum::<f64>()
        * 1024.0
}

/// `--remote-render BLOCK`: the first [`SECONDS`] of the minute through an engine process.
/// Prints the CPU of both processes, then the audio thread's time beyond the engine's compute
/// per block: median and 99.9th percentile, in microseconds.
pub fn remote_render(block: usize) {
    let events: Vec<_> = render::note_events(&minute_of_notes(), SR)
        .into_iter()
        .filter(|(f, _)| (*f as f64) < SECONDS * SR)
        .collect();
    let before = process_cpu();
    let mut engine = remote_instrument(block);
    let pid = engine.pid();
    let frames = ((SECONDS + 0.5) * SR) as usize;
    let (mut l, mut r) = (vec![0.0f32; block], vec![0.0f32; block]);
    let mut beyond = Vec::with_capacity(frames / block + 1);
    let (mut at, mut next) = (0, 0);
    while at < frames {
        let n = block.min(frames - at);
        let mut block_events = block_events(&events, &mut next, at, n);
        let t = Instant::now();
        engine.process(
            &mut [&mut l[..n], &mut r[..n]],
            None,
            &mut block_events,
            &|_| None,
            &Transport::default(),
        );
        let wall = t.elapsed();
        beyond.push(wall.saturating_sub(engine.last_compute()).as_secs_f64() * 1e6);
        at += n;
    }
    let engine_cpu = cpu_of_pid(pid);
    drop(engine);
    let cpu = process_cpu() - before + engine_cpu;
    beyond.sort_by(|a, b| a.total_cmp(b));
    let p999 = beyond[(beyond.len() as f64 * 0.999) as usize - 1];
    println!("{cpu} {} {p999}", beyond[beyond.len() / 2]);
}

/// `--remote-floor`: CPU of one round trip to an engine process with nothing to compute
/// (both processes), in µs.
pub fn floor() {
    const EMPTY: &str = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 1\nnchnls = 2\n\
0dbfs = 1\ninstr 1\nendin\n</CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n";
    let mut state = OrchestraState::default();
    let source = Source::text(EMPTY, "empty.csd");
    let (mut engine, _) = RemoteEngine::start(
        &program(),
        &source,
        SR,
        Kind::Instrument,
        1,
        &mut state,
        None,
    )
    .expect("the engine process starts");
    engine.set_deadline(Duration::from_secs(5));
    let pid = engine.pid();
    let (mut l, mut r) = ([0.0f32], [0.0f32]);
    let mut block = || {
        engine.process(
            &mut [&mut l, &mut r],
            None,
            &mut std::iter::empty(),
            &|_| None,
            &Transport::default(),
        )
    };
    (0..1000).for_each(|_| block());
    let (before, engine_before) = (process_cpu(), cpu_of_pid(pid));
    const TRIPS: usize = 20_000;
    (0..TRIPS).for_each(|_| block());
    let cpu = process_cpu() - before + cpu_of_pid(pid) - engine_before;
    assert_eq!(engine.round_trips(), (TRIPS + 1000) as u64, "one per block");
    println!("{}", cpu / TRIPS as f64 * 1e6);
}

/// `--remote-first-instance`: engine process start to its first block, in ms: the host
/// process's first instance (which starts the zygote and loads Csound's opcode libraries), then
/// the next one.
pub fn first_instance() {
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    let mut time = || {
        let t = Instant::now();
        let mut engine = remote_instrument(256);
        engine.process(
            &mut [&mut l, &mut r],
            None,
            &mut std::iter::empty(),
            &|_| None,
            &Transport::default(),
        );
        (t.elapsed().as_secs_f64() * 1000.0, engine)
    };
    let (first, _engine) = time();
    let (next, _) = time();
    println!("{first} {next}");
}

/// `--remote-restore`: 32 instances started one after another, in seconds.
pub fn restore() {
    let t = Instant::now();
    let engines: Vec<RemoteEngine> = (0..32).map(|_| remote_instrument(256)).collect();
    println!("{}", t.elapsed().as_secs_f64());
    drop(engines);
}

/// `--remote-memory`: memory per instance, plugin side and engine process, with 16 instances
/// playing a note, in MB.
pub fn memory() {
    let first = remote_instrument(256);
    let before = resident();
    let mut engines: Vec<RemoteEngine> = (0..16).map(|_| remote_instrument(256)).collect();
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    for engine in &mut engines {
        for block in 0..8 {
            let on = MidiEvent::NoteOn {
                at: 0,
                channel: 0,
                key: 60,
                velocity: 0.5,
            };
            let mut events = (block == 0).then_some(on).into_iter();
            engine.process(
                &mut [&mut l, &mut r],
                None,
                &mut events,
                &|_| None,
                &Transport::default(),
            );
        }
    }
    let plugin_side = resident() - before;
    let engines_side: f64 = engines.iter().map(|e| unique_memory(e.pid())).sum();
    println!("{}", (plugin_side + engines_side) / 16.0 / 1048576.0);
    drop(first);
}

/// Measures all of the above and writes section 6 of the report.
pub fn section(
    report: &mut String,
    exe: &Path,
    runs: usize,
    dir: &Path,
    notes: &[(f64, f64, u8, f32)],
    events: &[(u64, MidiEvent)],
    cpu_of: &dyn Fn(&mut Command) -> f64,
) {
    let mut short = notes.to_vec();
    short.retain(|(start, ..)| *start < SECONDS);
    let short_csd = dir.join("short.csd");
    write_score_csd(&short_csd, &short);
    let csound_short = || {
        cpu_of(
            Command::new("csound")
                .args(["-d", "-m0", "-W", "-f", "-o"])
                .arg(dir.join("cli-short.wav"))
                .arg(&short_csd)
                .stderr(std::process::Stdio::null()),
        )
    };
    let _ = writeln!(report, "\n## 6. The engine process\n\nThe plugins run Csound in an engine process of their own. The first {:.0} s of the minute above, rendered through an engine process (this benchmark program stands in for the plugin library as the engine; both processes' CPU counted) and by `csound`, paired as in section 1 ({runs} pairs). \"Beyond compute\" is the audio thread's time per block minus the engine's own time for that block: the round trip.\n\n| host block | csound CPU (s) | our CPU (s) | ratio | target | beyond compute, median | 99.9th percentile |\n|---|---|---|---|---|---|---|", SECONDS);
    for block in [256usize, 16, 1] {
        let (mut theirs, mut ours_cpu, mut ratios, mut mid, mut tail) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let c = csound_short();
            let n = numbers_from_fresh_process(exe, &["--remote-render", &block.to_string()]);
            theirs.push(c);
            ours_cpu.push(n[0]);
            ratios.push(n[0] / c);
            mid.push(n[1]);
            tail.push(n[2]);
        }
        let target = match block {
            256 => "≤ 1.03",
            16 => "≤ 1.10",
            _ => "≤ 1.30",
        };
        let _ = writeln!(
            report,
            "| {block} | {:.3} | {:.3} | {:.3} | {target} | {:.1} µs | {:.1} µs |",
            median(theirs),
            median(ours_cpu),
            median(ratios),
            median(mid),
            median(tail)
        );
    }
    let starts: Vec<Vec<f64>> = (0..runs)
        .map(|_| numbers_from_fresh_process(exe, &["--remote-first-instance"]))
        .collect();
    let remote_first = median(starts.iter().map(|n| n[0]).collect());
    let remote_next = median(starts.iter().map(|n| n[1]).collect());
    let remote_restore = median(
        (0..runs)
            .map(|_| in_fresh_process(exe, "--remote-restore"))
            .collect(),
    );
    let remote_memory = median(
        (0..runs)
            .map(|_| in_fresh_process(exe, "--remote-memory"))
            .collect(),
    );
    let floor = median(
        (0..runs)
            .map(|_| in_fresh_process(exe, "--remote-floor"))
            .collect(),
    );
    let (swaps, restarts, allocations, frees) = live_swaps(
        events,
        csound_plugin::engine::live::Launch::Process(program()),
    );
    let _ = writeln!(report, "\n| what | figure | target |\n|---|---|---|\n| instance start to first block (a new engine process forked from the warm zygote) | {remote_next:.1} ms | ≤ 20 ms |\n| the same for a host process's first instance (starts the zygote, which loads libcsound's opcode libraries once, as an in-process engine does, section 3) | {remote_first:.1} ms | |\n| restore a 32-instance project (32 engine processes, one after another) | {remote_restore:.3} s | ≤ 1 s |\n| memory per instance: host growth plus the engine process's own pages, 16 playing (the zygote, once per host process, is not counted) | {remote_memory:.2} MB | ≤ 15 MB |\n| Rust allocations / frees on the audio thread, a minute with {swaps} recompiles in new engine processes and {restarts} engine crashes each followed by Restart, every other stretch in blocks of 16 frames | {allocations} / {frees} | 0 / 0 |");
    let _ = writeln!(report, "
The floor under these ratios on this machine: one wake-up and answer between the plugin and an engine process doing nothing (`ksmps = 1`, an empty orchestra) costs **{floor:.1} µs** of CPU, both processes counted. At 48 kHz and ksmps 32, blocks of 256 frames cost one round trip each and shorter blocks one per k-period (their frames are gathered on the plugin's side), so the ratio at 256 cannot go below 1 + {floor:.1} µs × 187.5 / (csound's CPU per second), and at 16 and 1 below 1 + {floor:.1} µs × 1500 / (csound's CPU per second).");
}

/// Kills this process's engine processes, as a crash would end them.
pub fn kill_engine_processes() {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return;
    };
    for task in tasks.flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for pid in children.split_whitespace() {
            let _ = Command::new("kill").args(["-KILL", pid]).status();
        }
    }
}
