//! The preset file: what it holds, how it is read and written, and how it applies to an
//! orchestra.

use crate::orchestra::declarations::ParamSpec;
use crate::orchestra::source::{content_hash, Kind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The format version this build writes (and the newest it reads).
pub const FORMAT: u32 = 1;

/// The file extension of preset files.
pub const EXTENSION: &str = "cspreset";

/// Which orchestra a preset was made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrchestraRef {
    /// Its file name, e.g. `pad.csd`.
    pub name: String,
    /// [`content_hash`] of its text.
    pub hash: String,
}

/// One preset file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preset {
    /// [`FORMAT`] when written; newer formats are refused with a message.
    pub format: u32,
    /// Which plugin it is for.
    pub plugin: Kind,
    pub name: String,
    pub orchestra: OrchestraRef,
    /// Control channel values in the channel's own units ("cutoff": 1200 Hz).
    #[serde(default)]
    pub values: BTreeMap<String, f64>,
    /// String channel values.
    #[serde(default)]
    pub strings: BTreeMap<String, String>,
    /// The plugin state the orchestra keeps (Cabbage's state opcodes), by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub state: BTreeMap<String, serde_json::Value>,
    /// The orchestra itself, when the preset should travel alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Why a preset file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetError(pub String);

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PresetError {}

/// What applying a preset to an orchestra did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Applied {
    /// Channel and plain value to set, for every channel both have.
    pub values: Vec<(String, f64)>,
    /// The preset's channels this orchestra does not have (not applied).
    pub unmatched: Vec<String>,
    /// The orchestra's channels the preset has no value for (left as they are).
    pub missing: Vec<String>,
    /// Values outside the orchestra's range, clamped into it.
    pub clamped: Vec<String>,
    /// The preset was made for exactly this orchestra text.
    pub same_orchestra: bool,
}

impl Applied {
    /// A sentence for the musician when the preset did not fit exactly; `None` when it did.
    pub fn report(&self) -> Option<String> {
        if self.unmatched.is_empty() && self.missing.is_empty() && self.clamped.is_empty() {
            return None;
        }
        let mut parts = vec![format!(
            "applied {} value{}",
            self.values.len(),
            if self.values.len() == 1 { "" } else { "s" }
        )];
        if !self.unmatched.is_empty() {
            parts.push(format!(
                "not in this orchestra: {}",
                self.unmatched.join(", ")
            ));
        }
        if !self.missing.is_empty() {
            parts.push(format!(
                "not in the preset (unchanged): {}",
                self.missing.join(", ")
            ));
        }
        if !self.clamped.is_empty() {
            parts.push(format!("clamped to range: {}", self.clamped.join(", ")));
        }
        let why = if self.same_orchestra {
            ""
        } else {
            "made for another version of the orchestra; "
        };
        Some(format!("{why}{}", parts.join("; ")))
    }
}

impl Preset {
    /// A preset of the given values for an orchestra; `with_source` embeds the orchestra.
    pub fn capture(
        name: &str,
        plugin: Kind,
        orchestra_name: &str,
        orchestra_text: &str,
        values: BTreeMap<String, f64>,
        strings: BTreeMap<String, String>,
        with_source: bool,
    ) -> Preset {
        Preset {
            format: FORMAT,
            plugin,
            name: name.to_string(),
            orchestra: OrchestraRef {
                name: orchestra_name.to_string(),
                hash: content_hash(orchestra_text),
            },
            values,
            strings,
            state: BTreeMap::new(),
            source: with_source.then(|| orchestra_text.to_string()),
        }
    }

    /// Reads a preset file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Preset, PresetError> {
        let preset: Preset = serde_json::from_str(text).map_err(|e| {
            PresetError(format!(
                "{origin} is not a preset file (line {}, column {}: {e})",
                e.line(),
                e.column()
            ))
        })?;
        if preset.format > FORMAT {
            return Err(PresetError(format!(
                "{origin} is a preset of format {}, newer than this plugin reads ({FORMAT}): \
                 update the plugin",
                preset.format
            )));
        }
        if let Some((channel, _)) = preset.values.iter().find(|(_, v)| !v.is_finite()) {
            return Err(PresetError(format!(
                "{origin}: the value of `{channel}` is not a number"
            )));
        }
        Ok(preset)
    }

    /// The file's text (pretty JSON, ending with a newline).
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Whether the preset was made for exactly this orchestra text.
    pub fn made_for(&self, orchestra_text: &str) -> bool {
        self.orchestra.hash == content_hash(orchestra_text)
    }

    /// Matches the preset's values to an orchestra's parameters by channel name.
    pub fn apply_to(&self, specs: &[ParamSpec], orchestra_text: &str) -> Applied {
        let mut applied = Applied {
            same_orchestra: self.made_for(orchestra_text),
            ..Applied::default()
        };
        for spec in specs {
            match self.values.get(&spec.channel) {
                Some(&value) => {
                    let (lo, hi) = (spec.min.min(spec.max), spec.max.max(spec.min));
                    let plain = value.clamp(lo, hi);
                    if plain != value {
                        applied.clamped.push(spec.channel.clone());
                    }
                    applied.values.push((spec.channel.clone(), plain));
                }
                None => applied.missing.push(spec.channel.clone()),
            }
        }
        applied.unmatched = self
            .values
            .keys()
            .filter(|name| !specs.iter().any(|s| &s.channel == *name))
            .cloned()
            .collect();
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, min: f64, max: f64) -> ParamSpec {
        ParamSpec::linear(name, min, max, min)
    }

    #[test]
    fn text_round_trip_and_format_checks() {
        let values = BTreeMap::from([("cutoff".to_string(), 1200.0), ("res".to_string(), 0.5)]);
        let p = Preset::capture(
            "Warm",
            Kind::Instrument,
            "pad.csd",
            "orc",
            values,
            BTreeMap::new(),
            true,
        );
        let back = Preset::parse(&p.to_text(), "warm.cspreset").unwrap();
        assert_eq!(back, p);
        assert!(p.to_text().contains("\"plugin\": \"instrument\""));
        let newer = p.to_text().replace("\"format\": 1", "\"format\": 9");
        let e = Preset::parse(&newer, "x.cspreset").unwrap_err().0;
        assert!(e.contains("format 9"), "{e}");
        let broken = Preset::parse("{\n \"format\": 1,\n oops }", "y.cspreset").unwrap_err();
        assert!(
            broken.0.contains("y.cspreset") && broken.0.contains("line 3"),
            "{broken}"
        );
    }

    #[test]
    fn applying_to_a_changed_orchestra_reports_what_did_not_match() {
        let values = BTreeMap::from([
            ("cutoff".to_string(), 30000.0),
            ("gone".to_string(), 1.0),
            ("res".to_string(), 0.25),
        ]);
        let p = Preset::capture(
            "P",
            Kind::Instrument,
            "a.csd",
            "old",
            values,
            BTreeMap::new(),
            false,
        );
        let specs = [
            spec("cutoff", 20.0, 20000.0),
            spec("res", 0.0, 1.0),
            spec("new", 0.0, 1.0),
        ];
        let a = p.apply_to(&specs, "new text");
        assert_eq!(
            a.values,
            [("cutoff".to_string(), 20000.0), ("res".to_string(), 0.25)]
        );
        assert_eq!(a.unmatched, ["gone"]);
        assert_eq!(a.missing, ["new"]);
        assert_eq!(a.clamped, ["cutoff"]);
        assert!(!a.same_orchestra);
        let report = a.report().unwrap();
        assert!(
            report.contains("gone") && report.contains("new") && report.contains("another version")
        );
        let exact = p.apply_to(&specs[..2], "old");
        assert!(exact.same_orchestra);
    }
}
