//! What the commands read: orchestras (the file or the built-in one), presets, WAV input, and
//! the words for a refused load.

use clap::ValueEnum;
use csound_plugin::csound::{csd, ErrorKind, Version};
use csound_plugin::orchestra::factory;
use csound_plugin::orchestra::Kind;
use csound_plugin::presets::Preset;
use std::path::Path;

#[derive(Clone, Copy, ValueEnum)]
pub enum PluginKind {
    Instrument,
    Effect,
}

/// Which Csound runs the orchestra (`--csound 6` or `--csound 7`).
#[derive(Clone, Copy, ValueEnum)]
pub enum CsoundChoice {
    /// Debian's Csound 6.18.
    #[value(name = "6")]
    Six,
    /// The Csound 7.0 the plugin carries.
    #[value(name = "7")]
    Seven,
}

/// The Csound asked for; `None`: the one the orchestra needs, as in the plugins.
pub fn csound(choice: Option<CsoundChoice>) -> Option<Version> {
    choice.map(|c| match c {
        CsoundChoice::Six => Version::Six,
        CsoundChoice::Seven => Version::Seven,
    })
}

pub fn kind(k: PluginKind) -> Kind {
    match k {
        PluginKind::Instrument => Kind::Instrument,
        PluginKind::Effect => Kind::Effect,
    }
}

/// Reads the orchestra: the file, or the built-in one of the plugin kind.
pub fn orchestra(path: Option<&Path>, k: Kind) -> Result<(String, String), String> {
    match path {
        Some(p) => csd::read_file(p)
            .map(|t| (t, p.display().to_string()))
            .map_err(|e| e.to_string()),
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
pub fn read_preset(path: &Path) -> Result<Preset, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("could not read the preset {}: {e}", path.display()))?;
    Preset::parse(&text, &path.display().to_string()).map_err(|e| e.to_string())
}

/// The orchestra a preset brings: its own source, else the built-in one it names.
pub fn preset_orchestra(preset: &Preset, path: &Path) -> Result<(String, String), String> {
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
pub fn explain(error: csound_plugin::csound::Error, file: &Path) -> String {
    if error.kind() == ErrorKind::NotAllowed {
        format!(
            "{error}\nTo allow it: csound-plugin allow {}",
            file.display()
        )
    } else {
        error.to_string()
    }
}

/// Reads a WAV file's channels (one `Vec` each), as floats.
pub fn read_wav(path: &Path) -> Result<Vec<Vec<f32>>, String> {
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
    Ok((0..channels)
        .map(|ch| samples.iter().skip(ch).step_by(channels).copied().collect())
        .collect())
}
