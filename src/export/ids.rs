//! The identities of an exported plugin: its CLAP id and VST3 class id, derived from what the
//! musician named it, so that re-exporting gives the same ids (projects and automation find the
//! plugin again) and different exports do not meet.
//!
//! Both come from one SHA-256 of `kind`, `vendor` and `name` (each trimmed, inner whitespace
//! collapsed, joined with NUL bytes after a fixed prefix): the VST3 class id is its first 16
//! bytes, the CLAP id spells vendor and name for people (`net.csound-plugin.export.acme.acid-bass`)
//! and ends with its first 8 bytes in hex. Two exports share a VST3 id only if SHA-256 collides
//! on 128 bits (a million exports: about 10^-27), and a CLAP id only if both names spell the same
//! and 64 bits collide. The generic plugins' ids (`net.csound-plugin.instrument`, `CsoundPlug…`)
//! are not of this form, so no export can take them.

use crate::orchestra::Kind;
use sha2::{Digest, Sha256};

/// What every exported CLAP id starts with.
pub const CLAP_PREFIX: &str = "net.csound-plugin.export.";

/// An exported plugin's ids in both formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    /// The CLAP plugin id.
    pub clap: String,
    /// The VST3 class id, used as these bytes (the plugins are built for Linux, where
    /// nice-plug does not reorder class ids either).
    pub vst3: [u8; 16],
}

/// A name as it identifies: trimmed, runs of whitespace as one space.
pub fn tidy(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower-case letters and digits, other runs as one `-`: readable in a CLAP id.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() {
        "x".to_string()
    } else {
        out.chars().take(40).collect()
    }
}

impl Ids {
    /// The ids of the export of `kind` named `name` by `vendor`.
    pub fn of(kind: Kind, vendor: &str, name: &str) -> Ids {
        let (vendor, name) = (tidy(vendor), tidy(name));
        let kind = match kind {
            Kind::Instrument => "instrument",
            Kind::Effect => "effect",
        };
        let mut hash = Sha256::new();
        for part in ["csound-plugin export 1", kind, &vendor, &name] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        let digest = hash.finalize();
        let mut vst3 = [0u8; 16];
        vst3.copy_from_slice(&digest[..16]);
        let tail: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Ids {
            clap: format!("{CLAP_PREFIX}{}.{}.{tail}", slug(&vendor), slug(&name)),
            vst3,
        }
    }
}

impl Ids {
    /// The ids of the export of `kind` a Cabbage form names `plugin_id` by `vendor`: the same
    /// whatever the plugin is called (`net.csound-plugin.export.acme.id-acd1.…`).
    pub fn of_plugin_id(kind: Kind, vendor: &str, plugin_id: &str) -> Ids {
        let named = Ids::of(kind, vendor, &format!("pluginId {}", plugin_id.trim()));
        let tail = named
            .clap
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_string();
        Ids {
            clap: format!(
                "{CLAP_PREFIX}{}.id-{}.{tail}",
                slug(&tidy(vendor)),
                slug(plugin_id)
            ),
            vst3: named.vst3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_names_give_the_same_ids() {
        let a = Ids::of(Kind::Instrument, "Acme", "Acid Bass");
        assert_eq!(a, Ids::of(Kind::Instrument, " Acme ", "Acid   Bass"));
        assert!(a
            .clap
            .starts_with("net.csound-plugin.export.acme.acid-bass."));
    }

    #[test]
    fn any_difference_gives_other_ids() {
        let a = Ids::of(Kind::Instrument, "Acme", "Acid Bass");
        for other in [
            Ids::of(Kind::Effect, "Acme", "Acid Bass"),
            Ids::of(Kind::Instrument, "Acme", "Acid-Bass"),
            Ids::of(Kind::Instrument, "Acme", "acid bass"),
            Ids::of(Kind::Instrument, "Acm", "eAcid Bass"),
        ] {
            assert_ne!(a.vst3, other.vst3);
            assert_ne!(a.clap, other.clap);
        }
    }

    #[test]
    fn names_without_letters_still_make_a_clap_id() {
        let ids = Ids::of(Kind::Effect, "", "!!!");
        assert!(ids.clap.starts_with("net.csound-plugin.export.x.x."));
    }
}
