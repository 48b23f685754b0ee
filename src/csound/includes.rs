//! `#include`d files, looked for before Csound reads them: Csound 6.18 jumps to an exit point
//! that a host's compile or parse call never set when an included file cannot be opened, and
//! the process crashes. A missing file is an error with its line here instead.

use super::error::{Error, ErrorKind, Result};
use super::instance::Csound;
use std::path::{Path, PathBuf};

/// How deep includes inside included files are followed.
const MAX_DEPTH: usize = 8;

/// The `#include`d names of orchestra code, with their lines (from 1).
pub fn included(orc: &str) -> impl Iterator<Item = (usize, &str)> {
    orc.lines().enumerate().filter_map(|(n, line)| {
        let rest = line.trim_start().strip_prefix("#include")?.trim_start();
        // Any character delimits the name: `"name"`, `/name/`, `|name|`.
        let delimiter = rest.chars().next()?;
        let body = &rest[delimiter.len_utf8()..];
        let end = body.find(delimiter)?;
        Some((n + 1, &body[..end]))
    })
}

impl Csound {
    /// The folders `#include`s are looked up in after the current one (from
    /// [`add_search_dir`](Self::add_search_dir)).
    fn include_dirs(&self) -> Vec<PathBuf> {
        self.internal
            .iter()
            .filter_map(|o| o.strip_prefix("--env:INCDIR+="))
            .map(PathBuf::from)
            .collect()
    }

    /// Errs on the first `#include` in `orc` (and in the files it includes) whose file is not
    /// there. `origin` names the code in the message, whose lines start after `offset` lines.
    pub(super) fn check_includes(&self, orc: &str, origin: &str, offset: usize) -> Result<()> {
        let dirs = self.include_dirs();
        check(orc, origin, &dirs, offset, 0)
    }
}

fn find(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    let path = Path::new(name);
    if path.is_absolute() || path.is_file() {
        return path.is_file().then(|| path.to_path_buf());
    }
    dirs.iter().map(|d| d.join(name)).find(|p| p.is_file())
}

fn check(orc: &str, origin: &str, dirs: &[PathBuf], offset: usize, depth: usize) -> Result<()> {
    for (line, name) in included(orc) {
        let Some(file) = find(name, dirs) else {
            let looked: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            let looked = if looked.is_empty() {
                "the current folder".to_string()
            } else {
                format!("the current folder and {}", looked.join(", "))
            };
            return Err(Error::new(
                ErrorKind::Compile,
                format!(
                    "{origin}, line {}: #include \"{name}\": no such file (looked in {looked})",
                    line + offset
                ),
            ));
        };
        if depth < MAX_DEPTH {
            if let Ok(text) = super::csd::read_file(&file) {
                check(&text, name, dirs, 0, depth + 1)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_names_are_read_with_any_delimiter() {
        let orc = "sr = 48000\n#include \"a.inc\"\n  #include/b c.inc/\n; #include \"no\"\n";
        let found: Vec<_> = included(orc).collect();
        assert_eq!(found, [(2, "a.inc"), (3, "b c.inc")]);
    }

    #[test]
    fn a_missing_include_is_an_error_naming_its_line_not_a_crash() {
        let mut cs = Csound::new().unwrap();
        let csd = "<CsoundSynthesizer>\n<CsInstruments>\nsr = 48000\n#include \"nowhere/x.inc\"\n\
                   </CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n";
        let e = cs.compile_csd_text(csd, "t.csd").unwrap_err().to_string();
        assert!(e.contains("line 4") && e.contains("nowhere/x.inc"), "{e}");
        let e = cs.parse_tokens("#include \"nowhere/y.inc\"\n").unwrap_err();
        assert!(e.to_string().contains("nowhere/y.inc"), "{e}");
    }
}
