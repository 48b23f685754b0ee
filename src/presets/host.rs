//! Presets as a DAW's browser sees them: the factory presets under stable keys, the user's
//! files, and loading one the host chose into a running instance without its editor.

use crate::engine::live::{saved_source, Loader, Status};
use crate::orchestra::factory::{self, FactoryOrchestra, FactoryPreset};
use crate::orchestra::source::{Kind, Source};
use crate::params::PluginParams;
use crate::presets::file::Preset;
use std::time::Duration;

/// How long a host's preset load may wait for its orchestra to compile.
const COMPILE_TIMEOUT: Duration = Duration::from_secs(30);

/// A factory preset as hosts list it: its key (what the host hands back to load it), the
/// preset, and the orchestra it belongs to.
pub struct Listed {
    pub key: String,
    pub preset: Preset,
    pub orchestra: &'static FactoryOrchestra,
}

/// The key of a factory preset: its orchestra's file and its own, `pad.csd/warm.cspreset`.
/// Stable across versions as long as the files keep their names.
pub fn factory_key(orchestra: &FactoryOrchestra, preset: &FactoryPreset) -> String {
    format!("{}/{}", orchestra.file, preset.file)
}

/// Every factory preset of the plugin `kind` (an export's own, in an export).
pub fn factory_presets(kind: Kind) -> Vec<Listed> {
    factory::orchestras(kind)
        .flat_map(|orchestra| {
            orchestra.presets.iter().filter_map(move |p| {
                Some(Listed {
                    key: factory_key(orchestra, p),
                    preset: Preset::parse(p.text, p.file).ok()?,
                    orchestra,
                })
            })
        })
        .collect()
}

/// The factory preset with `key`.
pub fn factory_preset(kind: Kind, key: &str) -> Result<Preset, String> {
    factory_presets(kind)
        .into_iter()
        .find(|l| l.key == key)
        .map(|l| l.preset)
        .ok_or_else(|| format!("no factory preset “{key}” in this plugin"))
}

/// The preset in the file at `path`.
pub fn file_preset(path: &str) -> Result<Preset, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    Preset::parse(&text, path).map_err(|e| e.to_string())
}

/// The orchestra `preset` needs when `running` plays now: its own source, else the factory
/// orchestra it names; none when it was made for the running one, or names one this plugin
/// does not have (its values then go to the running one's channels of the same names).
pub fn orchestra_for(preset: &Preset, kind: Kind, running: &str) -> Option<Source> {
    if preset.made_for(running) {
        return None;
    }
    if let Some(text) = &preset.source {
        return Some(Source::text(text.clone(), preset.orchestra.name.clone()));
    }
    factory::orchestra(kind, &preset.orchestra.name).map(|o| Source {
        text: o.text.to_string(),
        origin: o.file.to_string(),
        path: o.path.map(str::to_string),
    })
}

/// Loads `preset` into a running instance, as its editor would: its orchestra first when it
/// needs another one (compiled by `loader`, through the sharing gate), its string channels,
/// then its values, which the host is then told of. Runs on the host's main thread and waits
/// for the compile. The error says why nothing changed.
pub fn load(
    preset: &Preset,
    params: &PluginParams,
    loader: &Loader,
    kind: Kind,
) -> Result<(), String> {
    if preset.plugin != kind {
        return Err(format!(
            "“{}” is a preset for the {:?}, not this plugin",
            preset.name, preset.plugin
        ));
    }
    let state = params.orchestra();
    let (running, _) = saved_source(&state, kind)?;
    let values: Vec<(String, f64)> = preset.values.clone().into_iter().collect();
    let source = match orchestra_for(preset, kind, &running.text) {
        Some(source) => source,
        // The same orchestra: its values only, unless string channels change (they are read
        // when the orchestra starts).
        None if preset.strings == state.strings && preset.state == state.state => {
            params.set_preset_values(values);
            params.show_loaded_values();
            return Ok(());
        }
        None => running,
    };
    let mut next = state.clone();
    next.strings = preset.strings.clone();
    next.state = preset.state.clone();
    params.set_orchestra(next);
    params.set_preset_values(values);
    loader.compile(source);
    match loader.wait(COMPILE_TIMEOUT) {
        Status::Loaded { .. } => Ok(()),
        other => {
            params.set_preset_values(Vec::new());
            let mut back = params.orchestra();
            (back.strings, back.state) = (state.strings, state.state);
            params.set_orchestra(back);
            Err(match other {
                Status::Failed { error, .. } => error,
                Status::Refused { message } => message,
                Status::Stopped { error } => error,
                Status::Compiling => "its orchestra is still compiling after 30 s".into(),
                Status::Idle | Status::Loaded { .. } => "its orchestra did not load".into(),
            })
        }
    }
}
