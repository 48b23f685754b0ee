//! The safety check for orchestras from outside (shared presets and CSDs): which opcodes reach
//! outside the instrument, found in Csound's own parse tree, so macros, `#include`s and
//! user-defined opcodes cannot hide them. Nothing is compiled or run.

use crate::csound::{csd, Csound, Result};

/// Why an opcode is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Runs programs or code, or controls the engine from inside.
    RunsCode,
    /// Writes files.
    WritesFiles,
    /// Opens network connections or devices.
    Network,
}

impl Reach {
    pub fn describe(self) -> &'static str {
        match self {
            Reach::RunsCode => "runs programs or code",
            Reach::WritesFiles => "writes files",
            Reach::Network => "opens network connections or devices",
        }
    }
}

/// Opcodes by exact name.
const EXACT: &[(&str, Reach)] = &[
    ("system", Reach::RunsCode),
    ("system_i", Reach::RunsCode),
    ("exitnow", Reach::RunsCode),
    ("compilestr", Reach::RunsCode),
    ("compileorc", Reach::RunsCode),
    ("compilecsd", Reach::RunsCode),
    ("evalstr", Reach::RunsCode),
    ("dssiinit", Reach::RunsCode),
    ("faustcompile", Reach::RunsCode),
    ("faustgen", Reach::RunsCode),
    ("fiopen", Reach::WritesFiles),
    ("fprints", Reach::WritesFiles),
    ("fprintks", Reach::WritesFiles),
    ("pvsfwrite", Reach::WritesFiles),
    ("hdf5write", Reach::WritesFiles),
    ("imagesave", Reach::WritesFiles),
    ("mp3out", Reach::WritesFiles),
    ("ftaudio", Reach::WritesFiles),
    ("stsend", Reach::Network),
    ("strecv", Reach::Network),
    ("remoteport", Reach::Network),
    ("insremot", Reach::Network),
    ("midremot", Reach::Network),
];

/// Opcodes by the start of their name (families such as `fout`, `foutk`, `fouti`).
const PREFIX: &[(&str, Reach)] = &[
    ("py", Reach::RunsCode),
    ("fout", Reach::WritesFiles),
    ("ftsave", Reach::WritesFiles),
    ("dumpk", Reach::WritesFiles),
    ("soundout", Reach::WritesFiles),
    ("OSC", Reach::Network),
    ("sock", Reach::Network),
    ("websocket", Reach::Network),
    ("serial", Reach::Network),
    ("Jacko", Reach::Network),
];

/// Whether an opcode name reaches outside the instrument, and how.
pub fn reach(opcode: &str) -> Option<Reach> {
    EXACT
        .iter()
        .find(|(name, _)| *name == opcode)
        .or_else(|| PREFIX.iter().find(|(prefix, _)| opcode.starts_with(prefix)))
        .map(|(_, reach)| *reach)
}

/// One use of an opcode that reaches outside, at a line of the CSD file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub opcode: String,
    pub line: u32,
    pub reach: Reach,
}

/// The findings among the tokens of a parse tree (lines as given), sorted by line.
pub fn findings(tokens: &[(String, u32)]) -> Vec<Finding> {
    let mut findings: Vec<Finding> = tokens
        .iter()
        .filter_map(|(token, line)| {
            reach(token).map(|reach| Finding {
                opcode: token.clone(),
                line: *line,
                reach,
            })
        })
        .collect();
    findings.sort_by(|a, b| a.line.cmp(&b.line).then_with(|| a.opcode.cmp(&b.opcode)));
    findings.dedup();
    findings
}

/// The findings for a CSD (empty: safe to open), sorted by line: its orchestra parsed as a
/// compile would see it, with its own `<CsOptions>` (macros) applied. A CSD that does not
/// parse is an error, never a clean bill.
pub fn check_csd(text: &str, origin: &str) -> Result<Vec<Finding>> {
    check_source(&crate::orchestra::Source::text(text, origin))
}

/// [`check_csd`] for an orchestra from a file: its `#include`s are looked up beside it.
pub fn check_source(source: &crate::orchestra::Source) -> Result<Vec<Finding>> {
    let (text, origin) = (source.text.as_str(), source.origin.as_str());
    let parsed = csd::parse(text, origin)?;
    let mut csound = Csound::new()?;
    if let Some(dir) = source.dir() {
        csound.add_search_dir(&dir);
    }
    csound.apply_csd_options(&parsed, origin)?;
    Ok(findings(&csound.parse_csd_orchestra(&parsed)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csd(orc: &str) -> String {
        format!(
            "<CsoundSynthesizer>\n<CsInstruments>\n{orc}</CsInstruments>\n</CsoundSynthesizer>\n"
        )
    }

    #[test]
    fn opcodes_are_found_directly_behind_macros_and_inside_udos() {
        let direct = csd("instr 1\n ir system_i 1, \"touch x\"\nendin\n");
        let f = check_csd(&direct, "t.csd").unwrap();
        assert_eq!(
            (f[0].opcode.as_str(), f[0].line, f[0].reach),
            ("system_i", 4, Reach::RunsCode)
        );

        let macro_ = csd("#define RUN #system_i#\ninstr 1\n ir $RUN 1, \"ls\"\nendin\n");
        assert_eq!(check_csd(&macro_, "t.csd").unwrap()[0].opcode, "system_i");

        let udo =
            csd("opcode Helper, 0, 0\n ir system_i 1, \"ls\"\nendop\ninstr 1\n Helper\nendin\n");
        assert_eq!(check_csd(&udo, "t.csd").unwrap()[0].opcode, "system_i");

        let omacro = format!(
            "<CsoundSynthesizer>\n<CsOptions>\n--omacro:RUN=system_i\n</CsOptions>\n{}",
            &csd("instr 1\n ir $RUN 1, \"ls\"\nendin\n")["<CsoundSynthesizer>\n".len()..]
        );
        let f = check_csd(&omacro, "t.csd").unwrap();
        assert_eq!((f[0].opcode.as_str(), f[0].line), ("system_i", 7));
        let unparsable = csd("instr 1\n ir $UNDEFINED 1, \"ls\"\nendin\n");
        assert!(check_csd(&unparsable, "t.csd").is_err(), "no clean bill");

        let strings = csd("instr 1\n Sx = \"system_i\"\n prints Sx\nendin\n");
        assert!(
            check_csd(&strings, "t.csd").unwrap().is_empty(),
            "a string is not an opcode"
        );
    }

    #[test]
    fn families_and_the_plain_orchestra() {
        assert_eq!(reach("compilestr"), Some(Reach::RunsCode));
        assert_eq!(reach("foutk"), Some(Reach::WritesFiles));
        assert_eq!(reach("OSCsend"), Some(Reach::Network));
        assert_eq!(reach("pyruni"), Some(Reach::RunsCode));
        assert_eq!(reach("oscili"), None);
        let plain =
            csd("instr 1\n a1 oscili 0.1, 440\n fprints \"x.txt\", \"hi\"\n outs a1, a1\nendin\n");
        let f = check_csd(&plain, "t.csd").unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].opcode.as_str(), f[0].line), ("fprints", 5));
    }
}
