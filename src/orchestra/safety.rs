//! The safety check for orchestras from outside (shared presets and CSDs): which opcodes reach
//! outside the instrument, found in Csound's own parse tree, so macros, `#include`s and
//! user-defined opcodes cannot hide them. Nothing is compiled or run.

use std::collections::BTreeSet;

/// Why an opcode is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    // Cabbage's, which the plugin implements.
    ("cabbageChannelStateSave", Reach::WritesFiles),
    ("cabbageSaveState", Reach::WritesFiles),
    ("cabbageCopyFile", Reach::WritesFiles),
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

/// How an opcode of this name would reach outside the instrument, judged by its name alone.
/// A token is only an opcode of that family when the Csound that compiles it has an opcode of
/// that name ([`findings`]): a user-defined `pythagorean` is not Python.
pub fn reach(opcode: &str) -> Option<Reach> {
    EXACT
        .iter()
        .find(|(name, _)| *name == opcode)
        .or_else(|| PREFIX.iter().find(|(prefix, _)| opcode.starts_with(prefix)))
        .map(|(_, reach)| *reach)
}

/// One use of an opcode that reaches outside, at a line of the CSD file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    pub opcode: String,
    pub line: u32,
    pub reach: Reach,
}

/// The findings among the tokens of a parse tree (lines as given), sorted by line: tokens that
/// name one of `opcodes` (the built-in opcodes of the Csound that parsed them,
/// [`Csound::built_in_opcodes`](crate::csound::Csound::built_in_opcodes)) of a family that
/// reaches
/// outside. User-defined opcodes are not in that list: their bodies are in the tree and judged
/// token by token.
pub fn findings(tokens: &[(String, u32)], opcodes: &BTreeSet<String>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = tokens
        .iter()
        .filter(|(token, _)| opcodes.contains(token))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csound::{csd, Csound, Version};

    fn csd(orc: &str) -> String {
        format!(
            "<CsoundSynthesizer>\n<CsInstruments>\n{orc}</CsInstruments>\n</CsoundSynthesizer>\n"
        )
    }

    /// The findings for a CSD parsed on `version`, as the gate parses it.
    fn check(text: &str, version: Version) -> crate::csound::Result<Vec<Finding>> {
        let parsed = csd::parse(text, "t.csd")?;
        let mut csound = Csound::on(version)?;
        csound.apply_csd_options(&parsed, "t.csd")?;
        let tokens = csound.parse_csd_orchestra(&parsed)?;
        Ok(findings(&tokens, Csound::built_in_opcodes(version)?))
    }

    #[test]
    fn opcodes_are_found_directly_behind_macros_and_inside_udos() {
        for version in Version::ALL.into_iter().filter(|v| v.is_available()) {
            let direct = csd("instr 1\n ir system_i 1, \"touch x\"\nendin\n");
            let f = check(&direct, version).unwrap();
            assert_eq!(
                (f[0].opcode.as_str(), f[0].line, f[0].reach),
                ("system_i", 4, Reach::RunsCode)
            );

            let macro_ = csd("#define RUN #system_i#\ninstr 1\n ir $RUN 1, \"ls\"\nendin\n");
            assert_eq!(check(&macro_, version).unwrap()[0].opcode, "system_i");

            let udo = csd(
                "opcode Helper, 0, 0\n ir system_i 1, \"ls\"\nendop\ninstr 1\n Helper\nendin\n",
            );
            assert_eq!(check(&udo, version).unwrap()[0].opcode, "system_i");

            let omacro = format!(
                "<CsoundSynthesizer>\n<CsOptions>\n--omacro:RUN=system_i\n</CsOptions>\n{}",
                &csd("instr 1\n ir $RUN 1, \"ls\"\nendin\n")["<CsoundSynthesizer>\n".len()..]
            );
            let f = check(&omacro, version).unwrap();
            assert_eq!((f[0].opcode.as_str(), f[0].line), ("system_i", 7));
            let unparsable = csd("instr 1\n ir $UNDEFINED 1, \"ls\"\nendin\n");
            assert!(check(&unparsable, version).is_err(), "no clean bill");

            let strings = csd("instr 1\n Sx = \"system_i\"\n prints Sx\nendin\n");
            assert!(
                check(&strings, version).unwrap().is_empty(),
                "a string is not an opcode"
            );
        }
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
        let f = check(&plain, Version::Seven).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].opcode.as_str(), f[0].line), ("fprints", 5));
    }
}
