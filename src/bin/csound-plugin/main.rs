//! `csound-plugin`: render, check and export orchestras without a DAW, with the plugins' own
//! engine.

mod contain;
mod export;
mod inputs;
mod render;

use clap::{Parser, Subcommand};
use csound_plugin::csound::{csd, MessageLevel, Version};
use csound_plugin::engine::{Engine, Setup};
use csound_plugin::orchestra::declarations::{
    NoteLength, NoteMode, PValue, Pitch, Velocity, FIRST_EXTRA,
};
use csound_plugin::orchestra::trust::{self, TrustStore};
use csound_plugin::orchestra::Source;
use csound_plugin::presets;
use inputs::{explain, kind, orchestra, preset_orchestra, read_preset, CsoundChoice, PluginKind};
use render::RenderArgs;
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Render a CSD to a WAV file: its own score as `csound -o out.wav` renders it, or notes
    /// from a MIDI file (or the demo phrase) as the plugins play them.
    Render(RenderArgs),
    /// Compile an orchestra without playing it and show what the plugin makes of it.
    Check(CheckArgs),
    /// Make an orchestra a plugin of its own: `<name>.clap` and `<name>.vst3`, with its
    /// files and presets inside, listed in hosts under its name.
    Export(export::ExportArgs),
    /// Allow a shared orchestra (or a preset's orchestra) that reaches outside the instrument:
    /// remembered for this exact content, as the plugin's "Allow" button does.
    Allow(AllowArgs),
}

#[derive(clap::Args)]
struct AllowArgs {
    /// The CSD or preset file to allow.
    file: PathBuf,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The CSD to check.
    orchestra: PathBuf,
    /// Which plugin would play it.
    #[arg(long, value_enum, default_value = "instrument")]
    kind: PluginKind,
    /// Which Csound compiles it: 6 (Debian's 6.18) or 7 (the bundled 7.0); by default 6.18
    /// when it is installed.
    #[arg(long, value_enum)]
    csound: Option<CsoundChoice>,
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
        csd::read_file(&args.file)
            .map(|t| (t, shown.clone()))
            .map_err(|e| e.to_string())?
    };
    TrustStore::open()
        .allow(&text, &origin)
        .map_err(|e| format!("could not save the decision: {e}"))?;
    println!("allowed {shown} (this exact content; any change asks again)");
    Ok(())
}

fn run_check(args: CheckArgs) -> Result<(), String> {
    let k = kind(args.kind);
    let (_, origin) = orchestra(Some(&args.orchestra), k)?;
    contain::Heartbeat::new().beat();
    // Compiling runs the orchestra's global code: the load's gate refuses a shared one first.
    // From the file, so its `#include`s and sound files are found beside it.
    let source = Source {
        origin: origin.clone(),
        ..Source::from_file(&args.orchestra).map_err(|e| e.to_string())?
    };
    let setup = Setup {
        csound: inputs::csound(args.csound),
        ..Setup::plugin(48000.0)
    };
    // An orchestra the user has not allowed is checked in this process confined by the kernel
    // (no programs, network or file writes): what it would reach is reported, never run.
    let mut store = TrustStore::open();
    let mut confined = None;
    if !trust::is_trusted(&source.text, &store) {
        Version::ALL.iter().for_each(|v| {
            v.is_available();
        });
        if let Some((confined_store, how)) = TrustStore::confine_this_process() {
            (store, confined) = (confined_store, Some(how));
        }
    }
    let (engine, loaded) =
        Engine::load_with(&source, &setup, k, &store).map_err(|e| explain(e, &args.orchestra))?;
    let (outputs, inputs) = engine.orchestra_channels();
    let version = match &loaded.csound_why {
        Some(why) => format!("{}, because {why},", engine.csound().version()),
        None => engine.csound().version().to_string(),
    };
    println!(
        "{origin}: compiles on {version} (ksmps {}, latency {} frames, {outputs} output and \
         {inputs} input channel{})",
        loaded.ksmps,
        engine.latency(),
        if inputs == 1 { "" } else { "s" }
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
            for (i, extra) in fields.extra.iter().enumerate() {
                let what = match extra {
                    Some(PValue::Constant(v)) => format!("{v}"),
                    Some(PValue::Key) => "MIDI key 0..127".into(),
                    Some(PValue::Cps) => "frequency in Hz".into(),
                    Some(PValue::Velocity) => "velocity 0..1".into(),
                    Some(PValue::VelocityMidi) => "velocity 0..127".into(),
                    Some(PValue::Channel) => "MIDI channel 1..16".into(),
                    None => continue,
                };
                println!("  p{} = {what}", FIRST_EXTRA as usize + i);
            }
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
    // Found by the gate of the load above, on the Csound that compiled it.
    let findings = &loaded.reaches;
    if let (Some(how), false) = (confined, findings.is_empty()) {
        println!("\nchecked confined ({how}): nothing it reaches ran");
    }
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
        Command::Export(args) => Some(format!("exporting {}", args.orchestra.display())),
        Command::Allow(_) => None,
    };
    if let Some(what) = contained.filter(|_| !contain::is_child()) {
        return contain::run_contained(&what);
    }
    let result = match cli.command {
        Command::Render(args) => render::run(args),
        Command::Check(args) => run_check(args),
        Command::Export(args) => export::run(args),
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
