//! `csound-plugin`: render and check orchestras without a DAW, with the plugins' own engine.

mod contain;

use clap::{Parser, Subcommand, ValueEnum};
use csound_plugin::csound::{ErrorKind, MessageLevel};
use csound_plugin::engine::Engine;
use csound_plugin::offline::render::{self, Job};
use csound_plugin::orchestra::declarations::{NoteLength, NoteMode, Pitch, Velocity};
use csound_plugin::orchestra::factory;
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::{Kind, Source};
use csound_plugin::presets::{self, Preset};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "csound-plugin",
    version,
    about = "Render and check Csound orchestras the way the Csound Instrument and Csound Effect plugins play them"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render an orchestra with a MIDI file (or a demo phrase) and automation to a WAV file.
    Render(RenderArgs),
    /// Compile an orchestra without playing it and show what the plugin makes of it.
    Check(CheckArgs),
    /// Allow a shared orchestra (or a preset's orchestra) that reaches outside the instrument:
    /// remembered for this exact content, as the plugin's "Allow" button does.
    Allow(AllowArgs),
}

#[derive(clap::Args)]
struct AllowArgs {
    /// The CSD or preset file to allow.
    file: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum PluginKind {
    Instrument,
    Effect,
}

#[derive(clap::Args)]
struct RenderArgs {
    /// The CSD to render; the plugin's built-in orchestra when left out.
    orchestra: Option<PathBuf>,
    /// Which plugin plays it.
    #[arg(long, value_enum, default_value = "instrument")]
    kind: PluginKind,
    /// A standard MIDI file to play; a built-in demo phrase when left out.
    #[arg(long)]
    midi: Option<PathBuf>,
    /// Automation points: lines of `<seconds> <channel> <value>` (`#` starts a comment).
    #[arg(long)]
    automation: Option<PathBuf>,
    /// The effect's input (a WAV file).
    #[arg(long)]
    input: Option<PathBuf>,
    /// Where to write the WAV file.
    #[arg(short, long, default_value = "render.wav")]
    output: PathBuf,
    /// Sample rate in Hz (the host's rate wins over the CSD's `sr`, as in a DAW).
    #[arg(long, default_value_t = 48000)]
    sample_rate: u32,
    /// Host block size in frames.
    #[arg(long, default_value_t = 256)]
    block: usize,
    /// Bits per sample: 16 or 24 (integer) or 32 (float).
    #[arg(long, default_value_t = 24)]
    bits: u16,
    /// Seconds rendered after the last event (release tails, echoes).
    #[arg(long, default_value_t = 2.0)]
    tail: f64,
    /// A preset file to apply (its plugin kind wins; its own orchestra, or the built-in one it
    /// names, is used when no ORCHESTRA is given).
    #[arg(long)]
    preset: Option<PathBuf>,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The CSD to check.
    orchestra: PathBuf,
    /// Which plugin would play it.
    #[arg(long, value_enum, default_value = "instrument")]
    kind: PluginKind,
}

fn kind(k: PluginKind) -> Kind {
    match k {
        PluginKind::Instrument => Kind::Instrument,
        PluginKind::Effect => Kind::Effect,
    }
}

/// Reads the orchestra: the file, or the built-in one of the plugin kind.
fn orchestra(path: Option<&Path>, k: Kind) -> Result<(String, String), String> {
    match path {
        Some(p) => std::fs::read_to_string(p)
            .map(|t| (t, p.display().to_string()))
            .map_err(|e| format!("could not read the orchestra {}: {e}", p.display())),
        None => {
            let built_in = factory::default_orchestra(k);
            Ok((
                built_in.text.to_string(),
                format!("{} (built in)", built_in.file),
            ))
        }
    }
}

/// Reads a preset file.
fn read_preset(path: &Path) -> Result<Preset, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("could not read the preset {}: {e}", path.display()))?;
    Preset::parse(&text, &path.display().to_string()).map_err(|e| e.to_string())
}

/// The orchestra a preset brings: its own source, else the built-in one it names.
fn preset_orchestra(preset: &Preset, path: &Path) -> Result<(String, String), String> {
    if let Some(source) = &preset.source {
        return Ok((source.clone(), preset.orchestra.name.clone()));
    }
    factory::orchestra(preset.plugin, &preset.orchestra.name)
        .map(|o| (o.text.to_string(), format!("{} (built in)", o.file)))
        .ok_or_else(|| {
            format!(
                "{} was made for {}, which is not built in and not inside the preset: \
                 give the orchestra file too",
                path.display(),
                preset.orchestra.name
            )
        })
}

/// Words for a failed load; a refused orchestra says how to allow it.
fn explain(error: csound_plugin::csound::Error, file: &Path) -> String {
    if error.kind() == ErrorKind::NotAllowed {
        format!(
            "{error}\nTo allow it: csound-plugin allow {}",
            file.display()
        )
    } else {
        error.to_string()
    }
}

fn run_allow(args: AllowArgs) -> Result<(), String> {
    let shown = args.file.display().to_string();
    let (text, origin) = if args
        .file
        .extension()
        .is_some_and(|e| e == presets::EXTENSION)
    {
        let preset = read_preset(&args.file)?;
        preset_orchestra(&preset, &args.file)?
    } else {
        std::fs::read_to_string(&args.file)
            .map(|t| (t, shown.clone()))
            .map_err(|e| format!("could not read {shown}: {e}"))?
    };
    TrustStore::open()
        .allow(&text, &origin)
        .map_err(|e| format!("could not save the decision: {e}"))?;
    println!("allowed {shown} (this exact content; any change asks again)");
    Ok(())
}

fn read_wav(path: &Path) -> Result<[Vec<f32>; 2], String> {
    let mut reader = hound::WavReader::open(path)
        .map_err(|e| format!("could not read the input {}: {e}", path.display()))?;
    let spec = reader.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
        }
    }
    .map_err(|e| format!("could not read the input {}: {e}", path.display()))?;
    let channels = spec.channels.max(1) as usize;
    let left: Vec<f32> = samples.iter().step_by(channels).copied().collect();
    let right: Vec<f32> = samples
        .iter()
        .skip((channels > 1) as usize)
        .step_by(channels)
        .copied()
        .collect();
    Ok([left, right])
}

fn write_wav(
    path: &Path,
    left: &[f32],
    right: &[f32],
    sample_rate: u32,
    bits: u16,
) -> Result<(), String> {
    let float = bits == 32;
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let fail = |e: hound::Error| format!("could not write {}: {e}", path.display());
    let mut writer = hound::WavWriter::create(path, spec).map_err(fail)?;
    let full = ((1i64 << (bits - 1)) - 1) as f32;
    for (l, r) in left.iter().zip(right) {
        for s in [*l, *r] {
            if float {
                writer.write_sample(s).map_err(fail)?;
            } else {
                writer
                    .write_sample((s.clamp(-1.0, 1.0) * full).round() as i32)
                    .map_err(fail)?;
            }
        }
    }
    writer.finalize().map_err(fail)
}

fn run_render(args: RenderArgs) -> Result<(), String> {
    if ![16, 24, 32].contains(&args.bits) {
        return Err(format!("--bits must be 16, 24 or 32, not {}", args.bits));
    }
    if args.block == 0 || args.block > 8192 {
        return Err(format!(
            "--block must be 1 to 8192 frames, not {}",
            args.block
        ));
    }
    let preset = args.preset.as_deref().map(read_preset).transpose()?;
    let k = preset.as_ref().map_or(kind(args.kind), |p| p.plugin);
    let (csd, origin) = match (&preset, &args.orchestra, &args.preset) {
        (Some(p), None, Some(path)) => preset_orchestra(p, path)?,
        _ => orchestra(args.orchestra.as_deref(), k)?,
    };
    let shared_file = args
        .orchestra
        .as_deref()
        .or(args.preset.as_deref())
        .unwrap_or(Path::new("."));
    let sr = args.sample_rate as f64;
    let events = match &args.midi {
        Some(path) => {
            let bytes = std::fs::read(path)
                .map_err(|e| format!("could not read the MIDI file {}: {e}", path.display()))?;
            csound_plugin::offline::midi_file::read(&bytes, sr)
                .map_err(|e| format!("{}: {e}", path.display()))?
        }
        None if k == Kind::Instrument => render::demo_phrase(sr),
        None => Vec::new(),
    };
    let mut automation = match &args.automation {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("could not read the automation {}: {e}", path.display()))?;
            render::parse_automation(&text, sr).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Vec::new(),
    };
    // A preset is automation at the first frame, before any other.
    if let Some(p) = &preset {
        let first: Vec<_> = p
            .values
            .iter()
            .map(|(channel, &value)| render::AutomationPoint {
                frame: 0,
                channel: channel.clone(),
                value,
            })
            .collect();
        automation.splice(0..0, first);
    }
    let input = args.input.as_deref().map(read_wav).transpose()?;
    let last = events
        .last()
        .map_or(0, |(f, _)| *f as usize)
        .max(automation.last().map_or(0, |p| p.frame as usize))
        .max(input.as_ref().map_or(0, |i| i[0].len()));
    let frames = last + (args.tail.max(0.0) * sr) as usize;
    let job = Job {
        csd: &csd,
        origin: &origin,
        kind: k,
        sample_rate: sr,
        block: args.block,
        events,
        automation,
        input,
        frames,
        strings: preset
            .as_ref()
            .map(|p| p.strings.clone())
            .unwrap_or_default(),
    };
    let started = Instant::now();
    let mut shown = false;
    let mut percent = -1.0;
    let terminal = std::io::stderr().is_terminal();
    let mut heartbeat = contain::Heartbeat::new();
    heartbeat.beat();
    let rendered = render::render(&job, &TrustStore::open(), |done| {
        heartbeat.beat();
        // Called every block: the bar is drawn only when the percentage changes.
        let now = (done * 100.0).floor();
        if now == percent {
            return;
        }
        percent = now;
        if terminal && started.elapsed().as_secs_f64() > 1.0 {
            let width = 40;
            let filled = (done * width as f64) as usize;
            eprint!(
                "\r[{}{}] {:3.0}%",
                "#".repeat(filled),
                " ".repeat(width - filled.min(width)),
                done * 100.0
            );
            let _ = std::io::stderr().flush();
            shown = true;
        }
    })
    .map_err(|e| explain(e, shared_file))?;
    if shown {
        eprintln!();
    }
    if let Some(p) = &preset {
        if let Some(report) = p.apply_to(&rendered.params, &csd).report() {
            eprintln!("preset \"{}\": {report}", p.name);
        }
    }
    for channel in &rendered.unknown_channels {
        eprintln!(
            "warning: the orchestra has no parameter \"{channel}\"; its automation was ignored"
        );
    }
    write_wav(
        &args.output,
        &rendered.left,
        &rendered.right,
        args.sample_rate,
        args.bits,
    )?;
    let peak = rendered
        .left
        .iter()
        .chain(&rendered.right)
        .fold(0.0f32, |m, s| m.max(s.abs()));
    println!(
        "wrote {} ({:.2} s, {} Hz, {}-bit, peak {:.1} dBFS)",
        args.output.display(),
        rendered.left.len() as f64 / sr,
        args.sample_rate,
        args.bits,
        20.0 * peak.max(1e-10).log10()
    );
    Ok(())
}

fn run_check(args: CheckArgs) -> Result<(), String> {
    let k = kind(args.kind);
    let (csd, origin) = orchestra(Some(&args.orchestra), k)?;
    contain::Heartbeat::new().beat();
    // Compiling runs the orchestra's global code: the load's gate refuses a shared one first.
    let source = Source::text(csd.clone(), origin.clone());
    let (engine, loaded) = Engine::load(&source, 48000.0, k, &TrustStore::open())
        .map_err(|e| explain(e, &args.orchestra))?;
    println!(
        "{origin}: compiles (ksmps {}, latency {} frames)",
        loaded.ksmps,
        engine.latency()
    );
    println!("\nparameters ({}):", loaded.params.len());
    for (i, p) in loaded.params.iter().enumerate() {
        let range = if p.steps.is_empty() {
            format!("{} .. {}", p.display(p.min), p.display(p.max))
        } else {
            p.steps.join(" | ")
        };
        let group = if p.group.is_empty() {
            String::new()
        } else {
            format!(" [{}]", p.group)
        };
        println!(
            "  Param {:<2} {:<18} \"{}\" {range}, default {}{group}",
            i + 1,
            p.label,
            p.channel,
            p.display(p.default)
        );
    }
    println!("\nnotes:");
    match loaded.note_mode {
        NoteMode::Score {
            instrument,
            pitch,
            velocity,
            length,
            fields,
        } => {
            println!("  score mode: note-ons start events of instrument {instrument}");
            let p4 = match pitch {
                Pitch::Key => "MIDI key 0..127",
                Pitch::Cps => "frequency in Hz",
            };
            let p5 = match velocity {
                Velocity::Unit => "velocity 0..1",
                Velocity::Midi => "velocity 0..127",
                Velocity::Amp => "velocity as amplitude 0..0dbfs",
            };
            let p3 = match length {
                NoteLength::Fixed(seconds) => {
                    format!("{seconds} (a fixed length; note-offs end nothing)")
                }
                _ => "-1 (held until note-off)".to_string(),
            };
            println!("  p1 = {instrument}.<tag> (fixed-width, unique per held note), p2 = onset, p3 = {p3}");
            let (pf, vf) = (fields.pitch, fields.velocity);
            let channel = if pf != 6 && vf != 6 {
                ", p6 = MIDI channel 1..16"
            } else {
                ""
            };
            println!("  p{pf} = {p4}, p{vf} = {p5}{channel}");
        }
        NoteMode::Midi => {
            println!("  raw MIDI into Csound's MIDI system (massign, cpsmidi, veloc, ...)")
        }
    }
    let warnings: Vec<String> = engine
        .csound()
        .messages()
        .take()
        .into_iter()
        .filter(|m| m.level == MessageLevel::Warning || m.text.contains("WARNING"))
        .map(|m| m.text)
        .collect();
    println!(
        "\nwarnings: {}",
        if warnings.is_empty() {
            "none".to_string()
        } else {
            String::new()
        }
    );
    for w in warnings {
        println!("  {w}");
    }
    let findings =
        csound_plugin::orchestra::safety::check_csd(&csd, &origin).map_err(|e| e.to_string())?;
    if findings.is_empty() {
        println!("\nsafety (sharing rules): nothing reaches outside the instrument; safe to share");
    } else {
        println!(
            "\nsafety (sharing rules): refused when opened from a shared file unless allowed:"
        );
        for f in findings {
            println!("  line {}: {} ({})", f.line, f.opcode, f.reach.describe());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Rendering and checking run Csound: contained in a child process.
    let contained = match &cli.command {
        Command::Render(args) => Some(format!(
            "rendering {}",
            args.orchestra
                .as_deref()
                .or(args.preset.as_deref())
                .map_or("the built-in orchestra".into(), |p| p.display().to_string())
        )),
        Command::Check(args) => Some(format!("checking {}", args.orchestra.display())),
        Command::Allow(_) => None,
    };
    if let Some(what) = contained.filter(|_| !contain::is_child()) {
        return contain::run_contained(&what);
    }
    let result = match cli.command {
        Command::Render(args) => run_render(args),
        Command::Check(args) => run_check(args),
        Command::Allow(args) => run_allow(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
