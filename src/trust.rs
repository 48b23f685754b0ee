//! Opening what someone else shared, safely.
//!
//! An orchestra from outside the factory set and the user's own saves is untrusted code. Before
//! it runs, [`vet`] parses it without running it ([`safety::check_csd`] reads Csound's parse
//! tree, so macros, `#include`s and user-defined opcodes cannot hide anything) and refuses it
//! when it uses opcodes that run programs, load code, write files or open connections, unless
//! the user allowed that exact content. The decision is remembered by content hash in the
//! [`TrustStore`]. (Options in the file are always filtered by the host layer, trusted or not.)

use crate::presets::{content_hash, data_dir};
use crate::safety::{self, Finding};
use std::collections::BTreeSet;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;

/// The orchestra hashes the user allowed, kept in a text file (one hash a line).
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    /// Where decisions are saved; `None`: remembered for this session only.
    path: Option<PathBuf>,
    allowed: BTreeSet<String>,
}

impl TrustStore {
    /// The user's store, `allowed-orchestras` in [`data_dir`].
    pub fn open() -> TrustStore {
        match data_dir() {
            Some(dir) => TrustStore::at(dir.join("allowed-orchestras")),
            None => TrustStore::default(),
        }
    }

    /// A store kept in `path` (read now if it exists).
    pub fn at(path: PathBuf) -> TrustStore {
        let allowed = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        TrustStore {
            path: Some(path),
            allowed,
        }
    }

    /// Whether this exact orchestra text was allowed.
    pub fn is_allowed(&self, text: &str) -> bool {
        self.allowed.contains(&content_hash(text))
    }

    /// Allows this exact orchestra text from now on (and saves the decision).
    pub fn allow(&mut self, text: &str, origin: &str) -> std::io::Result<()> {
        let hash = content_hash(text);
        if !self.allowed.insert(hash.clone()) {
            return Ok(());
        }
        let Some(path) = &self.path else {
            return Ok(());
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        // The origin is a comment: the hash alone decides.
        let origin: String = origin.chars().filter(|c| *c != '\n').collect();
        writeln!(file, "{hash}  # {origin}")
    }
}

/// Why an orchestra was not opened: it uses opcodes that reach outside the instrument, and
/// the user has not allowed it.
#[derive(Debug)]
pub struct Refusal {
    pub origin: String,
    pub findings: Vec<Finding>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} was not opened: it uses opcodes that reach outside the instrument",
            self.origin
        )?;
        for finding in &self.findings {
            write!(
                f,
                "\n  line {}: `{}` {}",
                finding.line,
                finding.opcode,
                finding.reach.describe()
            )?;
        }
        write!(
            f,
            "\nAllow this exact file only if you trust whoever made it."
        )
    }
}

impl std::error::Error for Refusal {}

/// Checks an untrusted orchestra before it runs: `Ok` when it reaches nothing outside the
/// instrument, is a factory orchestra, or was allowed; otherwise the findings.
pub fn vet(text: &str, origin: &str, store: &TrustStore) -> Result<(), Refusal> {
    if crate::factory::is_factory_text(text) || store.is_allowed(text) {
        return Ok(());
    }
    // An orchestra that does not parse cannot run anything: its compile reports the error,
    // with the file's own line numbers.
    let findings = safety::check_csd(text, origin).unwrap_or_default();
    if findings.is_empty() {
        Ok(())
    } else {
        Err(Refusal {
            origin: origin.to_string(),
            findings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_kept_by_hash_in_the_file() {
        let dir = std::env::temp_dir().join(format!("trust-test-{}", std::process::id()));
        let path = dir.join("allowed");
        let mut store = TrustStore::at(path.clone());
        assert!(!store.is_allowed("text"));
        store.allow("text", "a.csd").unwrap();
        assert!(store.is_allowed("text"));
        let again = TrustStore::at(path);
        assert!(again.is_allowed("text"));
        assert!(!again.is_allowed("text "), "one byte more is other content");
        let _ = std::fs::remove_dir_all(dir);
    }
}
