//! Where presets live: the user's own preset folder, and the file names presets are saved under.

use crate::home::data_dir;
use crate::orchestra::source::Kind;
use crate::presets::file::{Preset, EXTENSION};

/// The folder of the user's own presets for a plugin: one per generic plugin, and one per
/// exported plugin (by its id), so an export lists only presets made with it.
pub fn user_dir(plugin: Kind) -> Option<std::path::PathBuf> {
    let presets = data_dir()?.join("presets");
    if let Some(id) = crate::orchestra::factory::own_id() {
        return Some(presets.join("exports").join(id));
    }
    let kind = match plugin {
        Kind::Instrument => "instrument",
        Kind::Effect => "effect",
    };
    Some(presets.join(kind))
}

/// The user's saved presets for a plugin, with their files, by name.
pub fn user_presets(plugin: Kind) -> Vec<(std::path::PathBuf, Preset)> {
    let Some(dir) = user_dir(plugin) else {
        return Vec::new();
    };
    let mut presets: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == EXTENSION))
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let preset = Preset::parse(&text, &p.to_string_lossy()).ok()?;
            (preset.plugin == plugin).then_some((p, preset))
        })
        .collect();
    presets.sort_by_key(|a| a.1.name.to_lowercase());
    presets
}

/// A file name for a preset: its name in lower case, words joined by `-`.
pub fn file_name(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    format!(
        "{}.{EXTENSION}",
        if slug.is_empty() { "preset" } else { &slug }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_slugs() {
        assert_eq!(file_name("Warm Strings #2"), "warm-strings-2.cspreset");
        assert_eq!(file_name("  "), "preset.cspreset");
    }
}
