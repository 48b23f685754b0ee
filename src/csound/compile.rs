//! Compiling and parsing: CSD text and files, orchestra code, scores, and the parse tree a
//! safety check reads, with the CSD's options applied through the allowlist.

use super::error::{Error, ErrorKind, Result};
use super::instance::{Csound, State};
use super::messages::MessageLevel;
use super::sys::Version;
use super::{csd, options};
use std::collections::BTreeSet;
use std::ffi::CStr;
use std::path::Path;
use std::sync::OnceLock;

impl Csound {
    /// Applies a CSD's `<CsOptions>` after the allowlist (options that route I/O are dropped
    /// with a note; the caller's options still win). Before [`start`](Self::start) only, and
    /// once: later calls do nothing. [`parse_tokens`](Self::parse_tokens) after this sees the
    /// orchestra exactly as the compile will (`--omacro` macros, include directories).
    pub fn apply_csd_options(&mut self, csd: &csd::Csd, origin: &str) -> Result<()> {
        if self.state != State::Fresh || self.csd_options_applied {
            return Ok(());
        }
        let filtered = options::filter(&csd.options).map_err(|e| {
            Error::new(
                ErrorKind::RefusedOption,
                format!("{origin}: in <CsOptions>, {e}"),
            )
        })?;
        for o in &filtered.ignored {
            self.log.note(
                MessageLevel::Warning,
                &format!("csound-plugin: {origin}: ignored option {o}: the host does the audio and MIDI I/O"),
            );
        }
        for o in filtered.passed.iter().chain(self.options.clone().iter()) {
            self.apply_option(o);
        }
        self.csd_options_applied = true;
        Ok(())
    }

    /// Compiles a CSD given as text (`origin` names it in messages, e.g. a file name).
    ///
    /// The CSD is read by [`csd::parse`] first: its `<CsOptions>` go through the allowlist
    /// ([`apply_csd_options`](Self::apply_csd_options)), and sections that would run programs or
    /// write files are refused. Before [`start`](Self::start) this sets up the engine; while
    /// running it adds instruments (options are then ignored, as Csound does).
    pub fn compile_csd_text(&mut self, text: &str, origin: &str) -> Result<()> {
        let csd = csd::parse(text, origin)?;
        self.apply_csd_options(&csd, origin)?;
        self.check_includes(&csd.orchestra, origin, csd.orchestra_line_offset as usize)?;
        let text = Self::c_text(&csd.text, origin)?;
        let cs = self.raw();
        // SAFETY: `cs` is live and `text` a valid C string holding a CSD whose options and
        // dangerous sections were removed above.
        self.checked(
            ErrorKind::Compile,
            &format!("{origin} did not compile"),
            || unsafe { self.api.csoundCompileCsdText(cs, text.as_ptr()) },
        )
    }

    /// Looks up `#include`d files and sound files in `dir` too (the folder of the CSD file),
    /// for every later parse and compile. Before [`start`](Self::start) only.
    pub fn add_search_dir(&mut self, dir: &Path) {
        if self.state != State::Fresh || dir.as_os_str().is_empty() {
            return;
        }
        for var in ["INCDIR", "SSDIR", "SADIR"] {
            let option = format!("--env:{var}+={}", dir.display());
            self.apply_option(&option);
            self.internal.push(option);
        }
    }

    /// Compiles a CSD file. `#include`s and sound files are looked up beside it.
    pub fn compile_csd_file(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let origin = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let text = csd::read_file(path)?;
        if let Some(dir) = path.parent() {
            self.add_search_dir(dir);
        }
        self.compile_csd_text(&text, &origin)
    }

    /// Compiles orchestra code: the whole orchestra before [`start`](Self::start), or new
    /// instruments into a running engine (a failure leaves the running engine as it was).
    pub fn compile_orc(&mut self, orc: &str) -> Result<()> {
        csd::check_readable(orc, "the orchestra")?;
        self.check_includes(orc, "the orchestra", 0)?;
        let text = Self::c_text(orc, "the orchestra")?;
        let cs = self.raw();
        // SAFETY: `cs` is live and `text` a valid C string.
        self.checked(
            ErrorKind::Compile,
            "the orchestra did not compile",
            || unsafe { self.api.csoundCompileOrc(cs, text.as_ptr()) },
        )
    }

    /// Parses orchestra code without compiling or running any of it and returns every token of
    /// the expanded parse tree (macros, `#include`s and user-defined opcodes resolved) with its
    /// line: what a safety check needs to see which opcodes an orchestra really uses.
    /// `#include`d files are read from disk.
    pub fn parse_tokens(&mut self, orc: &str) -> Result<Vec<(String, u32)>> {
        csd::check_readable(orc, "the orchestra")?;
        self.check_includes(orc, "the orchestra", 0)?;
        let text = Self::c_text(orc, "the orchestra")?;
        let mark = self.log.mark();
        // SAFETY: `cs` is live and `text` a valid C string; the tree is ours until deleted below.
        let tree = unsafe { self.api.csoundParseOrc(self.raw(), text.as_ptr()) };
        if tree.is_null() {
            return Err(
                Error::new(ErrorKind::Compile, "the orchestra did not parse")
                    .with_log(self.failure_log(mark)),
            );
        }
        let mut tokens = Vec::new();
        let mut stack = vec![tree];
        while let Some(node) = stack.pop() {
            if node.is_null() {
                continue;
            }
            // SAFETY: `node` is a node of the tree Csound returned, alive until we delete it;
            // its links are null or point to further nodes of the same tree, its token's lexeme
            // is null or a NUL-terminated string.
            unsafe {
                let n = &*node;
                if !n.value.is_null() && !(*n.value).lexeme.is_null() {
                    let lexeme = CStr::from_ptr((*n.value).lexeme)
                        .to_string_lossy()
                        .into_owned();
                    tokens.push((lexeme, n.line.max(0) as u32));
                }
                stack.extend([n.left, n.right, n.next]);
            }
        }
        // SAFETY: `tree` came from `csoundParseOrc` on this instance and is deleted once.
        unsafe { self.api.csoundDeleteTree(self.raw(), tree) };
        Ok(tokens)
    }

    /// Parses a CSD's orchestra as its compile will see it (call
    /// [`apply_csd_options`](Self::apply_csd_options) first): the tokens of the expanded tree,
    /// with lines counted in the CSD file. Runs nothing.
    pub fn parse_csd_orchestra(&mut self, csd: &csd::Csd) -> Result<Vec<(String, u32)>> {
        // Blank lines in front make Csound count lines as the file does.
        let padded = format!(
            "{}{}",
            "\n".repeat(csd.orchestra_line_offset as usize),
            csd.orchestra
        );
        self.parse_tokens(&padded)
    }

    /// The opcodes `version` has before any orchestra of its own (built in, its opcode
    /// libraries', and the plugin's), without `.suffix`es: what a token of a parse tree is
    /// checked against to tell a built-in opcode from a user-defined one or a variable. Read
    /// once per process, from an engine that parsed an empty instrument (7.0 registers most of
    /// its opcodes at the first parse; 6.18's parser adds the orchestra's own opcodes).
    pub fn built_in_opcodes(version: Version) -> Result<&'static BTreeSet<String>> {
        static LISTS: [OnceLock<BTreeSet<String>>; 2] = [OnceLock::new(), OnceLock::new()];
        let list = &LISTS[version as usize];
        if let Some(names) = list.get() {
            return Ok(names);
        }
        let mut csound = Csound::on(version)?;
        csound.parse_tokens("instr 1\nendin\n")?;
        Ok(list.get_or_init(|| csound.opcode_names()))
    }

    /// The names of every opcode this engine knows now (see
    /// [`built_in_opcodes`](Self::built_in_opcodes)), without `.suffix`es.
    pub fn opcode_names(&self) -> BTreeSet<String> {
        // SAFETY: the engine is live; the list is read and given back inside the call.
        let names = unsafe { self.api.opcode_names(self.raw()) };
        names
            .into_iter()
            .map(|n| n.split('.').next().unwrap_or_default().to_string())
            .collect()
    }

    /// Reads score text (events, `f` tables, ...), before or during performance.
    pub fn read_score(&mut self, score: &str) -> Result<()> {
        csd::check_readable(score, "the score")?;
        let text = Self::c_text(score, "the score")?;
        let cs = self.raw();
        // SAFETY: `cs` is live and `text` a valid C string.
        self.checked(
            ErrorKind::Compile,
            "the score could not be read",
            || unsafe { self.api.csoundReadScore(cs, text.as_ptr()) },
        )
    }
}
