//! `csound-plugin export`: an orchestra as a plugin of its own (CLAP and VST3), named as the
//! musician names it, with its files and presets inside (see `csound_plugin::export`).

use crate::contain::Heartbeat;
use crate::inputs::{self, explain, kind, CsoundChoice, PluginKind};
use csound_plugin::csound::Version;
use csound_plugin::engine::{Engine, Setup};
use csound_plugin::export::make;
use csound_plugin::export::pack::Request;
use csound_plugin::orchestra::note_mode::NoteMode;
use csound_plugin::orchestra::source::code_words;
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::{Kind, Source};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The CSD to export.
    pub orchestra: PathBuf,
    /// The plugin's name in hosts (default: the `<Cabbage>` form's caption, else the file name).
    #[arg(long)]
    name: Option<String>,
    /// Who made it, as hosts show it. With the name, it decides the plugin's ids: keep both to
    /// keep projects and automation working with a new export.
    #[arg(long, default_value = csound_plugin::VENDOR)]
    vendor: String,
    /// An instrument (notes in) or an effect (audio in).
    #[arg(long, value_enum, default_value = "instrument")]
    kind: PluginKind,
    /// Where to write `<name>.clap` and `<name>.vst3`.
    #[arg(long, default_value = ".")]
    out: PathBuf,
    /// Also put them into your plugin folders (`~/.clap`, `~/.vst3`, or `$CLAP_PATH_OVERRIDE`,
    /// `$VST3_PATH_OVERRIDE`), where hosts find them.
    #[arg(long)]
    install: bool,
    /// Lock the orchestra: the plugin always plays it, and its window offers no way to open or
    /// edit another, like a finished product.
    #[arg(long)]
    lock: bool,
    /// The Csound its instances start on: 6 (Debian's 6.18) or 7 (the bundled 7.0, the same on
    /// every machine); by default each machine's preferred one. A project's choice still wins.
    #[arg(long, value_enum)]
    csound: Option<CsoundChoice>,
    /// Let the instrument receive MIDI controllers, pitch bend and channel pressure even though
    /// its orchestra does not seem to read them (it does when it reads `MIDI_CC..` channels,
    /// `ctrl7`, `midictrl`... or takes raw MIDI). Without them, VST3 hosts list only the
    /// orchestra's parameters, not 2,080 more for the controllers.
    #[arg(long)]
    midi_controllers: bool,
    /// The csound-plugin library to export from (default: the one beside this program, else
    /// the installed `Csound Plugin.clap`).
    #[arg(long)]
    from: Option<PathBuf>,
}

pub fn run(args: ExportArgs) -> Result<(), String> {
    let k = kind(args.kind);
    let source = Source::from_file(&args.orchestra).map_err(|e| e.to_string())?;
    Heartbeat::new().beat();
    // Compiling finds the parameters; the sharing gate refuses a shared orchestra first.
    let setup = Setup {
        csound: inputs::csound(args.csound),
        ..Setup::plugin(48000.0)
    };
    let (_engine, loaded) = Engine::load_with(&source, &setup, k, &TrustStore::open())
        .map_err(|e| explain(e, &args.orchestra))?;
    let caption = loaded.layout.as_ref().map(|l| l.form.caption.as_str());
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| make::default_name(&args.orchestra, caption));
    let to = make::Destination {
        folder: Some(args.out.clone()),
        install: args.install,
    };
    let made = make::make(
        &Request {
            csd: args.orchestra.clone(),
            name,
            vendor: args.vendor.clone(),
            kind: k,
            params: loaded.params.clone(),
            locked: args.lock,
            csound: inputs::csound(args.csound).map(|v| v.key().to_string()),
            // Csound's own MIDI system takes every controller (the sustain pedal, all notes off).
            midi_controllers: args.midi_controllers || loaded.note_mode == NoteMode::Midi,
        },
        &to,
        args.from.as_deref(),
    )?;
    let (m, written, template) = (&made.manifest, &made.written, &made.template);

    let kind_name = match k {
        Kind::Instrument => "instrument",
        Kind::Effect => "effect",
    };
    let csound = match Version::from_key(&loaded.csound) {
        Some(v) if args.csound.is_some() => format!(", on {v}"),
        Some(v) => format!(", on {v}, as the orchestra needs"),
        None => String::new(),
    };
    println!(
        "exported \"{}\" by {} ({kind_name}{}{csound})",
        m.name,
        m.vendor,
        if m.locked { ", locked" } else { "" }
    );
    for (clap, vst3) in written {
        println!("  CLAP: {}", clap.display());
        println!("  VST3: {}", vst3.display());
    }
    println!("  CLAP id: {}", m.clap_id);
    println!("  VST3 class id: {}", m.vst3_id);
    println!("  from: {}", template.display());
    println!("\nparameters ({}):", m.params.len());
    for p in &m.params {
        let group = if p.group.is_empty() {
            String::new()
        } else {
            format!(" [{}]", p.group)
        };
        println!("  {:<18} \"{}\"{group}", p.label, p.channel);
    }
    if m.params.len() > csound_plugin::params::SLOTS {
        println!(
            "  (hosts see the first {}; the rest are in the plugin's window only)",
            csound_plugin::params::SLOTS
        );
    }
    if k == Kind::Instrument {
        println!(
            "\nMIDI controllers: {}",
            if m.midi_controllers {
                "received (VST3 hosts also list 2,080 controller parameters)"
            } else {
                "not received: the orchestra does not read them (--midi-controllers to change)"
            }
        );
    }
    println!("\nfiles ({}):", m.files.len());
    for f in &m.files {
        println!("  {} ({} bytes)", f.path, f.length);
    }
    if k == Kind::Instrument && reads_audio(&source.text) {
        println!(
            "\nnote: the orchestra reads audio input; if it is an effect, export it with \
             --kind effect"
        );
    }
    let findings = &loaded.reaches;
    if !findings.is_empty() {
        println!(
            "\nnote: it reaches outside the instrument ({}, line {}): people you give it to \
             are asked to allow it before it plays",
            findings[0].opcode, findings[0].line
        );
    }
    Ok(())
}

/// Whether orchestra code reads the plugin's audio input.
fn reads_audio(text: &str) -> bool {
    code_words(text).any(|(_, w)| {
        matches!(
            w,
            "in" | "ins" | "inch" | "inq" | "inh" | "ino" | "inx" | "inz"
        )
    })
}
