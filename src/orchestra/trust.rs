//! Opening what someone else shared, safely: the one gate between an orchestra and Csound.
//!
//! An orchestra from outside the factory set and the user's own saves is untrusted code. Every
//! way an orchestra reaches Csound (the editor, the command line, presets, a project's saved
//! state, live recompilation, the file watch) goes through [`Engine::load`], which calls
//! [`judge`] on the very engine that will compile it, after the CSD's own options are applied:
//! Csound parses the orchestra without running it, so macros (also `--omacro` ones),
//! `#include`s and user-defined opcodes cannot hide anything, and an orchestra that does not
//! parse is refused with the parse error. Opcodes that run programs, load code, write files or
//! open connections are refused unless the orchestra is factory content or the user allowed
//! that exact content; the decision is remembered by content hash in the [`TrustStore`].
//! (Options in the file are always filtered by the host layer, trusted or not.)
//!
//! [`Engine::load`]: ../../engine/struct.Engine.html#method.load

use crate::csound::{csd, Csound, Error, ErrorKind, Version};
use crate::home::data_dir;
use crate::orchestra::factory;
use crate::orchestra::safety::{self, Finding};
use crate::orchestra::source::content_hash;
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
    /// This process is confined by the kernel (no programs, network or file writes): the gate
    /// lets an orchestra through so what it would reach can be reported (`check`).
    confined: bool,
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
            confined: false,
        }
    }

    /// Confines this process for good (see [`crate::csound::process::sandbox`]) and returns
    /// the store of a confined process, whose gate reports what an orchestra reaches instead
    /// of refusing it: for looking at an orchestra without trusting it. `None` (and nothing
    /// confined) where the kernel offers no confinement. Open every Csound first: the bundled
    /// one unpacks into a cache, a file write.
    pub fn confine_this_process(
    ) -> Option<(TrustStore, crate::csound::process::sandbox::Confinement)> {
        let confinement = crate::csound::process::sandbox::confine();
        let enforced = confinement.seccomp || confinement.landlock.is_some();
        enforced.then(|| {
            let store = TrustStore {
                confined: true,
                ..TrustStore::default()
            };
            (store, confinement)
        })
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

impl From<Refusal> for Error {
    fn from(refusal: Refusal) -> Error {
        Error::new(ErrorKind::NotAllowed, refusal.to_string())
    }
}

/// The tokens of a parse tree with their file lines.
pub type Tokens = Vec<(String, u32)>;

/// Whether the user vouches for this exact orchestra: factory content, or allowed by hash.
pub fn is_trusted(text: &str, store: &TrustStore) -> bool {
    factory::is_factory_text(text) || store.is_allowed(text)
}

/// The gate. Applies the CSD's own options to `csound` (a fresh engine that will compile
/// `parsed`), parses its orchestra as the compile will, and refuses it (with
/// [`ErrorKind::NotAllowed`]) when it reaches outside the instrument and is not trusted. An
/// orchestra that does not parse is refused with the parse error ([`ErrorKind::Parse`]).
/// Returns the parse tree's tokens with their file lines, for further checks, and what in it
/// reaches outside (allowed here, since it was trusted).
pub fn judge(
    csound: &mut Csound,
    parsed: &csd::Csd,
    text: &str,
    origin: &str,
    store: &TrustStore,
) -> Result<(Tokens, Vec<Finding>), Error> {
    csound.apply_csd_options(parsed, origin)?;
    let tokens = csound.parse_csd_orchestra(parsed).map_err(|e| {
        let log = e.log().to_vec();
        Error::new(ErrorKind::Parse, format!("{origin} did not compile")).with_log(log)
    })?;
    let findings = safety::findings(&tokens, Csound::built_in_opcodes(csound.version())?);
    if findings.is_empty() || is_trusted(text, store) || store.confined || gate_switched_off() {
        return Ok((tokens, findings));
    }
    Err(Refusal {
        origin: origin.to_string(),
        findings,
    }
    .into())
}

/// Test builds only (debug assertions on): `CSOUND_PLUGIN_TEST_UNGATED` switches the findings
/// check off, to show that the engine process's confinement holds on its own. Release builds
/// have no such switch.
fn gate_switched_off() -> bool {
    cfg!(debug_assertions) && std::env::var_os("CSOUND_PLUGIN_TEST_UNGATED").is_some()
}

/// Checks an orchestra without loading it, exactly as the gate will ([`judge`] on a fresh
/// engine of the Csound that will compile it): `Ok` when it may run.
pub fn vet(text: &str, origin: &str, store: &TrustStore, csound: Version) -> Result<(), Error> {
    let parsed = csd::parse(text, origin)?;
    judge(&mut Csound::on(csound)?, &parsed, text, origin, store).map(|_| ())
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
