//! `csound-plugin render`: a CSD's own score as `csound -o` renders it, or notes (a MIDI file,
//! the demo phrase) through the plugins' engine.

use crate::contain;
use crate::inputs::{self, CsoundChoice, PluginKind};
use csound_plugin::csound::SampleFormat;
use csound_plugin::offline::csd::{self, CsdRender};
use csound_plugin::offline::render::{self, Job};
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::Kind;
use csound_plugin::orchestra::Source;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct RenderArgs {
    /// The CSD to render; the plugin's built-in orchestra when left out.
    pub orchestra: Option<PathBuf>,
    /// Which plugin plays it.
    #[arg(long, value_enum, default_value = "instrument")]
    kind: PluginKind,
    /// Which Csound plays it: 6 (Debian's 6.18) or 7 (the bundled 7.0); by default 6.18 when
    /// it is installed.
    #[arg(long, value_enum)]
    csound: Option<CsoundChoice>,
    /// A standard MIDI file to play as the plugin would (with the CSD's score too).
    #[arg(long)]
    midi: Option<PathBuf>,
    /// Play the built-in demo phrase as the plugin would (what an instrument whose score starts
    /// no instrument gets anyway).
    #[arg(long, conflicts_with = "midi")]
    demo: bool,
    /// Automation points: lines of `<seconds> <channel> <value>` (`#` starts a comment).
    #[arg(long)]
    automation: Option<PathBuf>,
    /// The effect's input (a WAV file): the effect processes it as the plugin would.
    #[arg(long)]
    input: Option<PathBuf>,
    /// Where to write the WAV file.
    #[arg(short, long, default_value = "render.wav")]
    output: PathBuf,
    /// Sample rate in Hz, winning over the CSD's `sr` as a DAW's does [default: the CSD's own
    /// for its score, 48000 for notes].
    #[arg(long)]
    sample_rate: Option<u32>,
    /// Host block size in frames [default: 256].
    #[arg(long)]
    block: Option<usize>,
    /// Bits per sample: 16 or 24 (integer) or 32 (float) [default: what the CSD's options ask
    /// (`-3`, `-f`, ...), else 16, as `csound` writes, for its score; 24 for notes].
    #[arg(long)]
    bits: Option<u16>,
    /// Seconds rendered after the last note (release tails, echoes); notes only [default: 2].
    #[arg(long)]
    tail: Option<f64>,
    /// A preset file to apply (its plugin kind wins; its own orchestra, or the built-in one it
    /// names, is used when no ORCHESTRA is given).
    #[arg(long)]
    pub preset: Option<PathBuf>,
    /// Also write what the orchestra's MIDI output opcodes send (`midiout`, `noteon`,
    /// `noteondur`, `outkc`...) as a standard MIDI file, as `csound --midioutfile` does.
    #[arg(long)]
    midi_out: Option<PathBuf>,
}

/// How the render plays the CSD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Its own score, as `csound -o` renders it.
    Score,
    /// Notes (a MIDI file or the demo phrase) or the effect's input, as the plugins play them.
    Plugin,
}

/// The rule `--help` and the README state: notes or an effect's input make a plugin render;
/// otherwise the CSD's own score plays, unless it is an instrument whose score starts no
/// instrument (or the built-in one), which gets the demo phrase.
fn mode(args: &RenderArgs, k: Kind, csd_text: &str, origin: &str) -> Mode {
    if args.midi.is_some() || args.demo || (k == Kind::Effect && args.input.is_some()) {
        return Mode::Plugin;
    }
    if args.orchestra.is_none() && args.preset.is_none() {
        return Mode::Plugin;
    }
    let parsed = csound_plugin::csound::csd::parse(csd_text, origin);
    // A CSD whose options name a MIDI file (`-F`) plays it, as `csound` does.
    let plays_a_midi_file =
        |c: &csound_plugin::csound::csd::Csd| csd::midi_file_named(&c.options).is_some();
    match (k, parsed) {
        (_, Ok(c)) if plays_a_midi_file(&c) => Mode::Score,
        (Kind::Instrument, Ok(c)) if !csd::score_has_events(c.score.as_deref()) => Mode::Plugin,
        _ => Mode::Score,
    }
}

/// Writes `channels` (one `Vec` each, all as long) as a WAV file.
pub fn write_wav(
    path: &Path,
    channels: &[Vec<f32>],
    sample_rate: u32,
    bits: u16,
) -> Result<(), String> {
    let float = bits == 32;
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
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
    let frames = channels.iter().map(Vec::len).min().unwrap_or(0);
    for frame in 0..frames {
        for s in channels.iter().map(|c| c[frame]) {
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

/// The progress shown while rendering: a bar (or seconds rendered, when the length is not
/// known) on a terminal after the first second, and the heartbeat the containment watches.
struct Progress {
    started: Instant,
    shown: bool,
    last: f64,
    terminal: bool,
    heartbeat: contain::Heartbeat,
}

impl Progress {
    fn new() -> Progress {
        let mut heartbeat = contain::Heartbeat::new();
        heartbeat.beat();
        Progress {
            started: Instant::now(),
            shown: false,
            last: -1.0,
            terminal: std::io::stderr().is_terminal(),
            heartbeat,
        }
    }

    /// A fraction done (0..1) or, with `fraction` false, seconds rendered. Called every block:
    /// drawn only when the whole percent or second changes.
    fn update(&mut self, done: f64, fraction: bool) {
        self.heartbeat.beat();
        let now = if fraction {
            (done * 100.0).floor()
        } else {
            done.floor()
        };
        if now == self.last {
            return;
        }
        self.last = now;
        if self.terminal && self.started.elapsed().as_secs_f64() > 1.0 {
            if fraction {
                let width = 40;
                let filled = (done * width as f64) as usize;
                eprint!(
                    "\r[{}{}] {:3.0}%",
                    "#".repeat(filled),
                    " ".repeat(width - filled.min(width)),
                    done * 100.0
                );
            } else {
                eprint!("\r{now:.0} s rendered");
            }
            let _ = std::io::stderr().flush();
            self.shown = true;
        }
    }

    fn end(&self) {
        if self.shown {
            eprintln!();
        }
    }
}

fn warn_unknown(channels: &[String]) {
    for channel in channels {
        eprintln!(
            "warning: the orchestra has no parameter \"{channel}\"; its automation was ignored"
        );
    }
}

fn format_of(bits: u16) -> Result<SampleFormat, String> {
    match bits {
        16 => Ok(SampleFormat::Short),
        24 => Ok(SampleFormat::Int24),
        32 => Ok(SampleFormat::Float),
        _ => Err(format!("--bits must be 16, 24 or 32, not {bits}")),
    }
}

pub fn run(args: RenderArgs) -> Result<(), String> {
    let bits = args.bits.map(format_of).transpose()?;
    let block = args.block.unwrap_or(256);
    if block == 0 || block > 8192 {
        return Err(format!("--block must be 1 to 8192 frames, not {block}"));
    }
    let preset = args
        .preset
        .as_deref()
        .map(inputs::read_preset)
        .transpose()?;
    let k = preset
        .as_ref()
        .map_or(inputs::kind(args.kind), |p| p.plugin);
    let (text, origin) = match (&preset, &args.orchestra, &args.preset) {
        (Some(p), None, Some(path)) => inputs::preset_orchestra(p, path)?,
        _ => inputs::orchestra(args.orchestra.as_deref(), k)?,
    };
    let shared_file = args
        .orchestra
        .as_deref()
        .or(args.preset.as_deref())
        .unwrap_or(Path::new("."));
    let automation_text = match &args.automation {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("could not read the automation {}: {e}", path.display()))?,
        ),
        None => None,
    };
    // A preset is automation at the first frame, before any other.
    let automation = |sr: f64| -> Result<Vec<render::AutomationPoint>, String> {
        let mut points = match (&automation_text, &args.automation) {
            (Some(text), Some(path)) => render::parse_automation(text, sr)
                .map_err(|e| format!("{}: {e}", path.display()))?,
            _ => Vec::new(),
        };
        if let Some(p) = &preset {
            let first = p
                .values
                .iter()
                .map(|(channel, &value)| render::AutomationPoint {
                    frame: 0,
                    channel: channel.clone(),
                    value,
                });
            points.splice(0..0, first);
        }
        Ok(points)
    };
    let strings = preset
        .as_ref()
        .map(|p| p.strings.clone())
        .unwrap_or_default();
    let report_preset = |params: &[csound_plugin::orchestra::declarations::ParamSpec]| {
        if let Some(p) = &preset {
            if let Some(report) = p.apply_to(params, &text).report() {
                eprintln!("preset \"{}\": {report}", p.name);
            }
        }
    };
    let mut progress = Progress::new();
    if mode(&args, k, &text, &origin) == Mode::Score {
        if args.tail.is_some() {
            eprintln!("note: --tail applies to notes; the CSD's score decides where it ends");
        }
        let mut source = Source::text(text.clone(), origin.clone());
        source.path = args
            .orchestra
            .as_deref()
            .map(|p| p.to_string_lossy().into_owned());
        let csd = CsdRender::open(
            &source,
            k,
            args.sample_rate.map(f64::from),
            bits,
            &args.output,
            &TrustStore::open(),
            strings,
            inputs::csound(args.csound),
            args.midi_out.as_deref(),
        )
        .map_err(|e| inputs::explain(e, shared_file))?;
        let points = automation(csd.sample_rate())?;
        report_preset(&csd.loaded().params);
        let (done, unknown) = csd
            .run(&points, block, |seconds| progress.update(seconds, false))
            .map_err(|e| inputs::explain(e, shared_file))?;
        progress.end();
        warn_unknown(&unknown);
        println!(
            "wrote {} ({:.2} s, {} channel{}, {} Hz, {}-bit{}, the CSD's own score)",
            args.output.display(),
            done.frames as f64 / done.sample_rate,
            done.channels,
            if done.channels == 1 { "" } else { "s" },
            done.sample_rate,
            done.format.bits(),
            if done.format.is_float() { " float" } else { "" },
        );
        return Ok(());
    }
    let sr = args.sample_rate.unwrap_or(48000) as f64;
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
    let automation = automation(sr)?;
    let input = args.input.as_deref().map(inputs::read_wav).transpose()?;
    let last = events
        .last()
        .map_or(0, |(f, _)| *f as usize)
        .max(automation.last().map_or(0, |p| p.frame as usize))
        .max(input.as_ref().map_or(0, |i| i[0].len()));
    let frames = last + (args.tail.unwrap_or(2.0).max(0.0) * sr) as usize;
    let job = Job {
        csd: &text,
        origin: &origin,
        kind: k,
        sample_rate: sr,
        block,
        events,
        automation,
        input,
        frames,
        strings,
        csound: inputs::csound(args.csound),
        midi_out: args.midi_out.clone(),
    };
    let rendered = render::render(&job, &TrustStore::open(), |done| {
        progress.update(done, true)
    })
    .map_err(|e| inputs::explain(e, shared_file))?;
    progress.end();
    report_preset(&rendered.params);
    warn_unknown(&rendered.unknown_channels);
    let bits = bits.unwrap_or(SampleFormat::Int24).bits();
    write_wav(&args.output, &rendered.channels, sr as u32, bits)?;
    let peak = rendered
        .channels
        .iter()
        .flatten()
        .fold(0.0f32, |m, s| m.max(s.abs()));
    let width = rendered.channels.len();
    println!(
        "wrote {} ({:.2} s, {width} channel{}, {} Hz, {}-bit, peak {:.1} dBFS)",
        args.output.display(),
        rendered.channels[0].len() as f64 / sr,
        if width == 1 { "" } else { "s" },
        sr,
        bits,
        20.0 * peak.max(1e-10).log10()
    );
    Ok(())
}
