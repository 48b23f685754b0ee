//! Cabbage's `.snaps` preset files, imported as presets.

use crate::orchestra::source::Kind;
use crate::presets::file::{Preset, PresetError};
use std::collections::BTreeMap;

/// Imports a Cabbage `.snaps` file (`{"Preset name": {"channel": value, ...}, ...}`) as presets
/// for the orchestra given. String values become string channels.
pub fn import_snaps(
    text: &str,
    origin: &str,
    plugin: Kind,
    orchestra_name: &str,
    orchestra_text: &str,
) -> Result<Vec<Preset>, PresetError> {
    let snaps: BTreeMap<String, BTreeMap<String, serde_json::Value>> = serde_json::from_str(text)
        .map_err(|e| {
        PresetError(format!(
            "{origin} is not a Cabbage .snaps file (line {}, column {}: {e})",
            e.line(),
            e.column()
        ))
    })?;
    Ok(snaps
        .into_iter()
        .map(|(name, channels)| {
            let mut values = BTreeMap::new();
            let mut strings = BTreeMap::new();
            for (channel, value) in channels {
                match value {
                    serde_json::Value::Number(n) => {
                        if let Some(v) = n.as_f64() {
                            values.insert(channel, v);
                        }
                    }
                    serde_json::Value::Bool(b) => {
                        values.insert(channel, if b { 1.0 } else { 0.0 });
                    }
                    serde_json::Value::String(s) => {
                        strings.insert(channel, s);
                    }
                    _ => {}
                }
            }
            Preset::capture(
                &name,
                plugin,
                orchestra_name,
                orchestra_text,
                values,
                strings,
                false,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snaps_import_numbers_and_strings() {
        let snaps =
            r#"{"Bright": {"cutoff": 8000, "wave": "saw", "on": true}, "Dark": {"cutoff": 300.5}}"#;
        let presets = import_snaps(snaps, "a.snaps", Kind::Effect, "a.csd", "orc").unwrap();
        assert_eq!(presets.len(), 2);
        assert_eq!(presets[0].name, "Bright");
        assert_eq!(presets[0].values["cutoff"], 8000.0);
        assert_eq!(presets[0].values["on"], 1.0);
        assert_eq!(presets[0].strings["wave"], "saw");
        assert_eq!(presets[1].values["cutoff"], 300.5);
        assert_eq!(presets[1].plugin, Kind::Effect);
        assert!(import_snaps("[1]", "b.snaps", Kind::Effect, "a", "o")
            .unwrap_err()
            .0
            .contains("b.snaps"));
    }
}
