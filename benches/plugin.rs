//! The benchmarks that keep us honest: `cargo xtask bench` runs this and writes BENCHMARKS.md.
//!
//! 1. CPU overhead of our render path against Csound's own command line, same orchestra,
//!    same notes, same sr and ksmps, at host block sizes 1, 16, 64, 256 and 1024.
//! 2. Rust heap allocations inside the engine's `process` over a one-minute render with notes
//!    and automation (a counting global allocator).
//! 3. Instance start: engine creation to first audio block; a 32-instance project restore.
//! 4. Resident memory added per instance.
//! 5. Polyphony: most voices of the default instrument rendered faster than real time.
//! 6. The engine process (`plugin/engine_process.rs`): CPU against the command line, the audio
//!    thread's round trip, start, restore, memory and allocations through engine processes.
//! 7. The open editor at rest (`plugin/editor.rs`).
//! 8. Exporting an orchestra (`plugin/export.rs`): the command's time, the export's size, its
//!    first load. Every figure is the median of several runs.

use csound_plugin::csound::process::spawn::ENGINE_ARGUMENT;
use csound_plugin::engine::transport::Transport;
use csound_plugin::engine::Engine;
use csound_plugin::engine::MidiEvent;
use csound_plugin::offline::render::{self, AutomationPoint, Job};
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::{Kind, Source};
use csound_plugin::params::state::OrchestraState;
use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Counts allocations (and frees) made on a thread while its `COUNTING` is on (only around
/// `process`: other threads, such as the live loader compiling, are not counted).
struct Counting;
thread_local! {
    static COUNTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static FREES: AtomicU64 = AtomicU64::new(0);

fn counting(on: bool) {
    COUNTING.with(|c| c.set(on));
}

fn counted() -> bool {
    COUNTING.with(|c| c.get())
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            FREES.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counted() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: as for `dealloc`, with the caller's new size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const SR: f64 = 48000.0;
const INSTRUMENT: &str = include_str!("../presets/instrument/poly-synth.csd");

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

/// CPU seconds (user + system) so far of `who` (`RUSAGE_SELF`, `RUSAGE_CHILDREN`).
fn rusage_cpu(who: libc::c_int) -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one `rusage` into the pointer we give it.
    let usage = unsafe {
        libc::getrusage(who, usage.as_mut_ptr());
        usage.assume_init()
    };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 * 1e-6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// CPU seconds used by finished child processes so far.
fn children_cpu() -> f64 {
    rusage_cpu(libc::RUSAGE_CHILDREN)
}

/// CPU seconds used by this thread so far.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Resident memory of this process in bytes.
fn resident() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
                    / 1048576.0
            })
        })
        .unwrap_or(0.0);
    let csound = Command::new("csound")
        .arg("--version")
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .find(|l| l.contains("Csound version"))
                .unwrap_or("")
                .trim()
                .to_string()
        });
    format!(
        "{cpu}, {cores} cores, {mem:.0} GiB RAM; {}",
        csound.unwrap_or_default()
    )
}

/// The default instrument, loaded and bound as the plugin does it.
fn default_instrument() -> Engine {
    let mut state = OrchestraState::default();
    Engine::load_bound(
        &Source::text(INSTRUMENT, "instrument.csd"),
        SR,
        Kind::Instrument,
        &TrustStore::default(),
        &mut state,
    )
    .expect("the default instrument loads")
    .0
}

/// Runs this benchmark again in a fresh process with `flag` and reads the number it prints.
fn in_fresh_process(exe: &Path, flag: &str) -> f64 {
    numbers_from_fresh_process(exe, &[flag])[0]
}

/// Runs this benchmark again in a fresh process with `args` and reads the numbers it prints.
fn numbers_from_fresh_process(exe: &Path, args: &[&str]) -> Vec<f64> {
    let out = Command::new(exe)
        .args(args)
        .output()
        .expect("run the benchmark as a child");
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<f64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(!numbers.is_empty(), "{args:?}: no number in {text:?}");
    numbers
}

/// Time from creating an engine to its first audio block, in ms.
/// The events of the `n`-frame block starting at frame `at`, stamped within it; `next` is the
/// first event not yet played (advanced past this block's).
fn block_events<'a>(
    events: &'a [(u64, MidiEvent)],
    next: &mut usize,
    at: usize,
    n: usize,
) -> impl Iterator<Item = MidiEvent> + 'a {
    let first = *next;
    while events
        .get(*next)
        .is_some_and(|(f, _)| (*f as usize) < at + n)
    {
        *next += 1;
    }
    events[first..*next]
        .iter()
        .map(move |(f, e)| e.at_frame((*f as usize - at) as u32))
}

/// Plays the minute through a `Player` with engines started as `launch` says, recompiling
/// every 6 s (two versions of the synth in turn); returns the swaps and the allocations and
/// frees counted on this (the audio) thread.
fn live_swaps(
    events: &[(u64, MidiEvent)],
    launch: csound_plugin::engine::live::Launch,
) -> (usize, usize, u64, u64) {
    use csound_plugin::engine::live::{Launch, Loader};
    use csound_plugin::params::PluginParams;
    let in_processes = matches!(launch, Launch::Process(_));
    let params = std::sync::Arc::new(PluginParams::new());
    let (loader, mut player) = Loader::with_launch(params.clone(), Kind::Instrument, launch);
    let version = |n: usize| {
        let cutoff = if n.is_multiple_of(2) {
            "2500, 40"
        } else {
            "900, 40"
        };
        Source::text(
            INSTRUMENT.replace("2500, 40", cutoff),
            format!("synth-{n}.csd"),
        )
    };
    loader.configure(SR, 256, true);
    let engine = loader
        .load_now(&params, &version(0), Kind::Instrument)
        .expect("loads");
    loader.loaded(Some(&engine));
    player.install(Some(engine), 256);
    ALLOCATIONS.store(0, Ordering::Relaxed);
    FREES.store(0, Ordering::Relaxed);
    let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
    let (mut next, mut swaps, mut restarts) = (0, 0, 0);
    let every = (6.0 * SR / 256.0) as usize;
    let mut dead_since = None;
    for block in 0..(60.0 * SR / 256.0) as usize {
        if block % every == every / 2 {
            // Through engine processes, every third change is a crash and the editor's
            // Restart instead of a recompile.
            if in_processes && block / every % 3 == 2 {
                engine_process::kill_engine_processes();
                dead_since = Some(block);
            } else {
                swaps += 1;
                loader.compile(version(swaps));
                loader.wait(std::time::Duration::from_secs(30));
            }
        }
        if dead_since.is_some_and(|at| block == at + 20) {
            dead_since = None;
            restarts += 1;
            loader.restart();
            loader.wait(std::time::Duration::from_secs(30));
        }
        let mut block_events = block_events(events, &mut next, block * 256, 256);
        // Every other stretch in host blocks of 16 frames, shorter than the k-period.
        let split = if block / every % 2 == 1 { 16 } else { 256 };
        let mut taken: Vec<(u32, MidiEvent)> = Vec::with_capacity(64);
        taken.extend(block_events.by_ref().map(|e| (e.at(), e)));
        counting(true);
        for start in (0..256).step_by(split) {
            let mut these = taken
                .iter()
                .filter(|(at, _)| (start..start + split).contains(&(*at as usize)))
                .map(|(at, e)| e.at_frame(*at - start as u32));
            player.process(
                &mut [&mut l[start..start + split], &mut r[start..start + split]],
                None,
                &mut these,
                &|_| None,
                &Transport::default(),
            );
        }
        counting(false);
    }
    (
        swaps,
        restarts,
        ALLOCATIONS.load(Ordering::Relaxed),
        FREES.load(Ordering::Relaxed),
    )
}

fn start_to_first_block() -> f64 {
    let mut l = vec![0.0f32; 256];
    let mut r = vec![0.0f32; 256];
    let t = Instant::now();
    let mut e = default_instrument();
    e.process(
        &mut [&mut l, &mut r],
        None,
        &mut std::iter::empty(),
        &|_| None,
        &Transport::default(),
    );
    t.elapsed().as_secs_f64() * 1000.0
}

#[path = "plugin/csound7.rs"]
mod csound7;
#[path = "plugin/editor.rs"]
mod editor;
#[path = "plugin/engine_process.rs"]
mod engine_process;
#[path = "plugin/export.rs"]
mod export;
#[path = "plugin/host_load.rs"]
mod host_load;
#[path = "plugin/music.rs"]
mod music;
use music::{minute_of_notes, write_midi, write_score_csd};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // This program stands in for the plugin library as the engine process (section 6).
    if args.get(1).map(String::as_str) == Some(ENGINE_ARGUMENT) {
        std::process::exit(
            csound_plugin::engine::remote::server::csound_plugin_engine_main(0, std::ptr::null()),
        );
    }
    let flag_value = |flag: &str| {
        let i = args.iter().position(|a| a == flag)?;
        args.get(i + 1)?.parse::<usize>().ok()
    };
    if let Some(block) = flag_value("--remote-render") {
        return engine_process::remote_render(block);
    }
    for (flag, run) in [
        (
            "--remote-first-instance",
            engine_process::first_instance as fn(),
        ),
        ("--remote-restore", engine_process::restore),
        ("--remote-floor", engine_process::floor),
        ("--remote-memory", engine_process::memory),
    ] {
        if args.iter().any(|a| a == flag) {
            return run();
        }
    }
    if args.iter().any(|a| a == "--first-instance") {
        println!("{}", start_to_first_block());
        return;
    }
    if args.iter().any(|a| a == "--memory") {
        // One instance first, so the libraries are loaded, then 16 more, all playing a note.
        let mut first = default_instrument();
        let mut l = vec![0.0f32; 256];
        let mut r = vec![0.0f32; 256];
        let mut play = |e: &mut Engine| {
            let on = MidiEvent::NoteOn {
                at: 0,
                channel: 0,
                key: 60,
                velocity: 0.5,
            };
            for block in 0..8 {
                let mut events = (block == 0).then_some(on).into_iter();
                e.process(
                    &mut [&mut l, &mut r],
                    None,
                    &mut events,
                    &|_| None,
                    &Transport::default(),
                );
            }
        };
        play(&mut first);
        let before = resident();
        let mut engines: Vec<Engine> = (0..16).map(|_| default_instrument()).collect();
        engines.iter_mut().for_each(&mut play);
        println!("{}", (resident() - before) / 16.0 / 1048576.0);
        return;
    }
    let out = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let dir = std::env::temp_dir().join(format!("csound-plugin-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let notes = minute_of_notes();
    let mut report = String::new();
    let _ = writeln!(
        report,
        "# Benchmarks\n\nWritten by `cargo xtask bench` (median of {runs} runs).\n\nMachine: {}\n",
        machine()
    );

    // 1. Overhead against the csound command line.
    let mid = dir.join("minute.mid");
    let csd = dir.join("minute.csd");
    write_midi(&mid, &notes);
    write_score_csd(&csd, &notes);
    let ours = std::env::var("CSOUND_PLUGIN_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("target/release/csound-plugin"));
    let cpu_of = |cmd: &mut Command| {
        let before = children_cpu();
        let status = cmd.status().expect("run");
        assert!(status.success(), "{cmd:?} failed");
        children_cpu() - before
    };
    // Each of our renders is paired with a `csound` render run right before it, so slow drifts
    // of the machine cancel out in the ratio; the report gives the median of the pair ratios.
    let csound_render = || {
        cpu_of(
            Command::new("csound")
                .args(["-d", "-m0", "-W", "-f", "-o"])
                .arg(dir.join("cli.wav"))
                .arg(&csd)
                .stderr(std::process::Stdio::null()),
        )
    };
    let our_render = |block: usize| {
        cpu_of(
            Command::new(&ours)
                .args([
                    "render",
                    "--bits",
                    "32",
                    "--tail",
                    "0.5",
                    "--block",
                    &block.to_string(),
                    "--midi",
                ])
                .arg(&mid)
                .arg("-o")
                .arg(dir.join("ours.wav"))
                .stdout(std::process::Stdio::null()),
        )
    };
    let pairs = runs.max(5);
    let _ = writeln!(report, "## 1. CPU overhead against the csound command line\n\nOne minute of the default instrument (chords and bass, 60 s at 48 kHz, ksmps 32), rendered to a 32-bit float WAV by `csound` and by `csound-plugin render` with the same notes from a MIDI file. Each of our renders is paired with a `csound` render just before it; the ratio is the median of {pairs} pairs.\n\n| host block | csound CPU (s) | our CPU (s) | ratio | target |\n|---|---|---|---|---|");
    for block in [1usize, 16, 64, 256, 1024] {
        let (mut theirs, mut ours_cpu, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..pairs {
            let c = csound_render();
            let o = our_render(block);
            theirs.push(c);
            ours_cpu.push(o);
            ratios.push(o / c);
        }
        let target = match block {
            256 => "≤ 1.02",
            16 => "≤ 1.10",
            _ => "",
        };
        let _ = writeln!(
            report,
            "| {block} | {:.3} | {:.3} | {:.3} | {target} |",
            median(theirs),
            median(ours_cpu),
            median(ratios)
        );
    }

    // 2. Allocations inside process.
    let mut engine = default_instrument();
    let events = render::note_events(&notes, SR);
    let mut l = vec![0.0f32; 256];
    let mut r = vec![0.0f32; 256];
    let mut next = 0;
    ALLOCATIONS.store(0, Ordering::Relaxed);
    for block in 0..(60.0 * SR / 256.0) as usize {
        let at = block * 256;
        let mut block_events = block_events(&events, &mut next, at, 256);
        let cutoff = 0.3 + 0.3 * ((block as f64) * 0.01).sin() as f32;
        counting(true);
        engine.process(
            &mut [&mut l, &mut r],
            None,
            &mut block_events,
            &|slot| (slot == 2).then_some(cutoff),
            &Transport::default(),
        );
        counting(false);
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    drop(engine);
    let _ = writeln!(report, "\n## 2. Allocations on the audio path\n\nRust heap allocations inside `Engine::process` over a one-minute render with {} notes and cutoff automation every block (256 frames): **{allocations}** (target 0). (libcsound's own `malloc`s are outside Rust's allocator and not counted.)", notes.len());
    let (swaps, _, allocations, frees) =
        live_swaps(&events, csound_plugin::engine::live::Launch::InProcess);
    let _ = writeln!(report, "\nDuring live recompilation: the same minute through the plugin's `Player` with {swaps} recompiles (each crossfaded while notes play), Rust allocations on the audio thread: **{allocations}**, frees: **{frees}** (target 0 and 0: engines are built and destroyed on the loader thread).");

    // 3. Instance start and project restore. This process loaded the libraries in part 2, so the
    // first instance of a process is timed in fresh child processes (`--first-instance`).
    let exe = std::env::current_exe().expect("own path");
    let first = median(
        (0..runs)
            .map(|_| in_fresh_process(&exe, "--first-instance"))
            .collect(),
    );
    let start = median((0..runs.max(5)).map(|_| start_to_first_block()).collect());
    let restore = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let engines: Vec<Engine> = (0..32).map(|_| default_instrument()).collect();
                let elapsed = t.elapsed().as_secs_f64();
                drop(engines);
                elapsed
            })
            .collect(),
    );
    let _ = writeln!(report, "\n## 3. Instance start\n\n| what | time | target |\n|---|---|---|\n| create an instance to its first audio block (default instrument) | {start:.1} ms | ≤ 10 ms |\n| restore a 32-instance project (32 loads, one thread) | {restore:.3} s | ≤ 1 s |\n\nThe first instance in a process also loads libcsound's opcode libraries once ({first:.1} ms here); they then stay loaded for the life of the process.");

    // 4. Memory per instance, in fresh child processes (`--memory`): this process's heap
    // already has room freed by the parts above, which new instances would reuse unseen.
    let per_instance = median(
        (0..runs)
            .map(|_| in_fresh_process(&exe, "--memory"))
            .collect(),
    );
    let _ = writeln!(report, "\n## 4. Memory\n\nResident memory added per instance (16 default instruments loaded and playing a note, in a fresh process): **{per_instance:.2} MB** (target ≤ 15 MB).");

    // 5. Polyphony faster than real time on one core.
    let realtime_factor = |voices: usize| {
        let events: Vec<(u64, MidiEvent)> = (0..voices)
            .map(|v| {
                (
                    0u64,
                    MidiEvent::NoteOn {
                        at: 0,
                        channel: (v / 128) as u8,
                        key: (v % 128) as u8,
                        velocity: 0.5,
                    },
                )
            })
            .collect();
        let job = Job {
            csd: INSTRUMENT,
            origin: "instrument.csd",
            kind: Kind::Instrument,
            sample_rate: SR,
            block: 256,
            events,
            automation: Vec::<AutomationPoint>::new(),
            input: None,
            frames: (2.0 * SR) as usize,
            strings: Default::default(),
            csound: None,
            midi_out: None,
        };
        let t = thread_cpu();
        render::render(&job, &TrustStore::default(), |_| {}).expect("render");
        2.0 / (thread_cpu() - t)
    };
    let (mut low, mut high) = (1usize, 2048usize);
    while high - low > 1 {
        let mid = (low + high) / 2;
        if median((0..runs).map(|_| realtime_factor(mid)).collect()) > 1.0 {
            low = mid;
        } else {
            high = mid;
        }
    }
    let _ = writeln!(report, "\n## 5. Polyphony\n\nMost held voices of the default instrument rendered faster than real time on one core (48 kHz, ksmps 32, 2 s per trial, load included): **{low}**.");

    // 6. Engine process, 7. editor at rest, 8. exporting, 9. two Csounds, 10. a VST3 host.
    engine_process::section(&mut report, &exe, runs, &dir, &notes, &events, &cpu_of);
    editor::section(&mut report, &dir);
    export::section(&mut report, &ours, runs, &dir, median);
    let (cpu, med) = (thread_cpu as fn() -> f64, median as fn(Vec<f64>) -> f64);
    csound7::section(&mut report, &ours, runs, &dir, &events, SR, cpu, med);
    host_load::section(&mut report, runs, median);
    print!("{report}");
    if let Some(path) = out {
        std::fs::write(&path, &report).expect("write report");
        eprintln!("wrote {}", path.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
