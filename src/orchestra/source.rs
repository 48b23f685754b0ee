//! What an orchestra is to the plugin: its text and origin ([`Source`]), the kind of plugin it
//! is written for ([`Kind`]), and the hash that names its exact content.

use sha2::{Digest, Sha256};

/// An orchestra on its way to Csound: its text and where it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Source {
    /// The CSD text.
    pub text: String,
    /// Names it in messages ("pad.csd").
    pub origin: String,
    /// The file it came from, if any: `#include`s and sound files are looked up beside it; the
    /// plugin keeps it in the state and watches it when watching is on.
    pub path: Option<String>,
}

impl Source {
    /// A CSD given as text, named `origin`, from no file.
    pub fn text(text: impl Into<String>, origin: impl Into<String>) -> Source {
        Source {
            text: text.into(),
            origin: origin.into(),
            path: None,
        }
    }

    /// Reads an orchestra file: its name is the origin, its path is kept (and watched).
    /// Any 8-bit encoding loads ([`csd::decode`](crate::csound::csd::decode)).
    pub fn from_file(path: &std::path::Path) -> crate::csound::Result<Source> {
        Ok(Source {
            text: crate::csound::csd::read_file(path)?,
            origin: path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            path: Some(path.to_string_lossy().into_owned()),
        })
    }

    /// The folder of its file, where its `#include`s are looked up.
    pub fn dir(&self) -> Option<std::path::PathBuf> {
        let path = std::path::Path::new(self.path.as_deref()?);
        Some(path.parent()?.to_path_buf())
    }
}

/// Which plugin runs the engine: it decides where Csound's input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Notes in; Csound's input is the optional sidechain.
    Instrument,
    /// Audio in, audio out.
    Effect,
}

/// The SHA-256 of an orchestra's text, in hex: how presets and the trust store name content.
pub fn content_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The words of orchestra code with their lines (from 1), `;` and `//` comments left out: what
/// a quick look for an opcode name needs (before Csound can parse the code).
pub fn code_words(orchestra: &str) -> impl Iterator<Item = (usize, &str)> {
    orchestra.lines().enumerate().flat_map(|(n, line)| {
        let code = line.split(';').next().unwrap_or("");
        let code = code.split("//").next().unwrap_or("");
        code.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(move |w| (n + 1, w))
    })
}
