//! Errors of the Csound layer: what failed, Csound's return code, and the log lines that say why.

use std::fmt;

/// What kind of operation failed. Lets callers react (e.g. show a refused option differently
/// from a compile error) without parsing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ErrorKind {
    /// An option was refused by the allowlist before it reached Csound.
    RefusedOption,
    /// A CSD file could not be read or has a section Csound would mishandle.
    Csd,
    /// The orchestra or score did not compile.
    Compile,
    /// The orchestra did not parse (nothing of it was compiled or run): Csound's parser
    /// refused its syntax or an opcode it does not know.
    Parse,
    /// `csoundStart` failed, or an operation needs a started engine.
    Start,
    /// A channel could not be created or has another type than asked for.
    Channel,
    /// A function table does not exist or an index is out of range.
    Table,
    /// A score event or message was refused.
    Event,
    /// The orchestra reaches outside the instrument and the user has not allowed it (decided
    /// above this layer, before anything reached Csound's compiler).
    NotAllowed,
    /// Anything else Csound reported.
    Csound,
}

/// An error from the Csound layer, written for the musician who has to fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Error {
    kind: ErrorKind,
    /// What failed, in words: "compiling the orchestra of pad.csd".
    what: String,
    /// Csound's return code, when Csound returned one.
    code: Option<i32>,
    /// The log lines Csound printed about the failure (errors first), newest last.
    log: Vec<String>,
}

/// Shorthand for results of this layer.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` saying `what` failed.
    pub(crate) fn new(kind: ErrorKind, what: impl Into<String>) -> Self {
        Self {
            kind,
            what: what.into(),
            code: None,
            log: Vec::new(),
        }
    }

    pub(crate) fn with_code(mut self, code: i32) -> Self {
        self.code = Some(code);
        self
    }

    pub(crate) fn with_log(mut self, log: Vec<String>) -> Self {
        self.log = log;
        self
    }

    /// The kind of operation that failed.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Csound's return code, when it returned one.
    pub fn code(&self) -> Option<i32> {
        self.code
    }

    /// The log lines that explain the failure.
    pub fn log(&self) -> &[String] {
        &self.log
    }

    /// The first orchestra line number named by the log ("... line 13:"), if any.
    pub fn line(&self) -> Option<u32> {
        self.log.iter().find_map(|l| line_number(l))
    }
}

/// Finds "line N" in one of Csound's messages.
fn line_number(message: &str) -> Option<u32> {
    let lower = message.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("line ") {
        let digits: String = rest[at + 5..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if let Ok(n) = digits.parse() {
            return Some(n);
        }
        rest = &rest[at + 5..];
    }
    None
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)?;
        if let Some(code) = self.code {
            write!(f, " (Csound returned {code})")?;
        }
        for line in &self.log {
            write!(f, "\n  {line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_is_found_in_csound_syntax_errors() {
        let e = Error::new(ErrorKind::Compile, "x").with_log(vec![
            "error: syntax error, unexpected T_IDENT  (token \"foo\") line 13:".into(),
        ]);
        assert_eq!(e.line(), Some(13));
        let none = Error::new(ErrorKind::Compile, "x").with_log(vec!["no number here".into()]);
        assert_eq!(none.line(), None);
    }

    #[test]
    fn display_names_what_code_and_log() {
        let e = Error::new(ErrorKind::Compile, "compiling a.csd")
            .with_code(-1)
            .with_log(vec!["Parsing failed".into()]);
        assert_eq!(
            e.to_string(),
            "compiling a.csd (Csound returned -1)\n  Parsing failed"
        );
    }
}
