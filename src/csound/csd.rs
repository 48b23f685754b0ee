//! Reading a CSD file before Csound does: sections, options, and what must never reach Csound.
//!
//! Csound's own CSD reader acts on what it reads: `<CsOptions>` can load libraries or crash the
//! process, `<CsScore bin="prog">` runs a program, `<CsFileB>` and friends write files. So a CSD
//! is split here first. The text handed to Csound keeps the orchestra and score **on the same
//! lines** as in the file (removed sections become blank lines), so the line numbers in Csound's
//! error messages are the ones the user sees in their editor.

use super::error::{Error, ErrorKind, Result};

/// Csound stops reading a file at a 0xFF byte and breaks on longer lines than this.
const MAX_LINE: usize = 4000;

/// A CSD split into what the host layer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Csd {
    /// The raw `<CsOptions>` text (not yet filtered), empty when there is none.
    pub options: String,
    /// The CSD as Csound may read it: options and unsafe or frontend sections blanked out.
    pub text: String,
    /// The orchestra text, as in the file.
    pub orchestra: String,
    /// Lines of the file before the orchestra text: Csound numbers orchestra lines from the
    /// orchestra's start, so file line = Csound's line + this.
    pub orchestra_line_offset: u32,
    /// The score text, if the CSD has a score section.
    pub score: Option<String>,
    /// Sections Csound does not use (frontend data such as `<Cabbage>`), by name and content.
    pub extra: Vec<(String, String)>,
}

/// One `<Name attrs>content</Name>` section.
struct Section<'a> {
    name: &'a str,
    attributes: &'a str,
    content: &'a str,
    /// Byte range of the whole section, tags included.
    start: usize,
    end: usize,
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

fn csd_error(origin: &str, what: String) -> Error {
    Error::new(ErrorKind::Csd, format!("{origin}: {what}"))
}

/// Finds the top-level sections inside `<CsoundSynthesizer>`.
fn sections<'a>(text: &'a str, origin: &str) -> Result<Vec<Section<'a>>> {
    let open = "<CsoundSynthesizer>";
    let Some(first) = text.find(open) else {
        return Err(csd_error(
            origin,
            "this is not a CSD file: it has no <CsoundSynthesizer> tag".into(),
        ));
    };
    let mut at = first + open.len();
    let mut found = Vec::new();
    while let Some(lt) = text[at..].find('<').map(|i| i + at) {
        let tag = &text[lt + 1..];
        if tag.starts_with("/CsoundSynthesizer") {
            break;
        }
        let name_len = tag
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tag.len());
        let Some(gt) = tag.find('>') else {
            return Err(csd_error(
                origin,
                format!(
                    "the tag at line {} is never closed with `>`",
                    line_of(text, lt)
                ),
            ));
        };
        let name = &tag[..name_len];
        if name.is_empty() {
            // Not a tag (stray text between sections): Csound skips it, and so do we.
            at = lt + 1;
            continue;
        }
        if name == "CsoundSynthesizer" {
            // The opening tag again (a public Cabbage example has it twice): Csound reads on.
            at = lt + 1 + gt + 1;
            continue;
        }
        let content_start = lt + 1 + gt + 1;
        let close = format!("</{name}>");
        let Some(content_len) = text[content_start..].find(&close) else {
            return Err(csd_error(
                origin,
                format!(
                    "the section <{name}> that starts at line {} has no {close}",
                    line_of(text, lt)
                ),
            ));
        };
        let end = content_start + content_len + close.len();
        found.push(Section {
            name,
            attributes: tag[name_len..gt].trim(),
            content: &text[content_start..content_start + content_len],
            start: lt,
            end,
        });
        at = end;
    }
    Ok(found)
}

/// Replaces `range` of `text` by as many newlines as it held, so later lines keep their numbers.
fn blank(text: &mut String, start: usize, end: usize) {
    let newlines = "\n".repeat(text[start..end].matches('\n').count());
    text.replace_range(start..end, &newlines);
}

/// Splits a CSD; `origin` names it in error messages (a file name, or "the orchestra").
pub fn parse(source: &str, origin: &str) -> Result<Csd> {
    if let Some((n, _)) = source.lines().enumerate().find(|(_, l)| l.len() > MAX_LINE) {
        return Err(csd_error(
            origin,
            format!(
                "line {} is longer than {MAX_LINE} characters, which Csound cannot read",
                n + 1
            ),
        ));
    }
    if let Some(at) = source.find('\0') {
        return Err(csd_error(
            origin,
            format!(
                "line {} holds a NUL character, which Csound's reader takes for the end of the file",
                line_of(source, at)
            ),
        ));
    }
    let found = sections(source, origin)?;
    let mut csd = Csd {
        options: String::new(),
        text: source.to_string(),
        orchestra: String::new(),
        orchestra_line_offset: 0,
        score: None,
        extra: Vec::new(),
    };
    let mut has_orchestra = false;
    // Blank from the back so earlier byte ranges stay valid.
    for s in found.iter().rev() {
        let line = line_of(source, s.start);
        match s.name {
            "CsOptions" => {
                csd.options = s.content.to_string();
                blank(&mut csd.text, s.start, s.end);
            }
            "CsInstruments" | "CsOrchestra" => {
                csd.orchestra = s.content.to_string();
                let start = s.content.as_ptr() as usize - source.as_ptr() as usize;
                csd.orchestra_line_offset = line_of(source, start) as u32 - 1;
                has_orchestra = true;
            }
            "CsScore" => {
                if !s.attributes.is_empty() {
                    return Err(csd_error(
                        origin,
                        format!(
                            "the <CsScore {}> at line {line} asks Csound to run an external \
                             program on the score; only a plain <CsScore> is allowed",
                            s.attributes
                        ),
                    ));
                }
                csd.score = Some(s.content.to_string());
            }
            "CsLicence" | "CsLicense" | "CsShortLicence" | "CsShortLicense" | "CsVersion" => {}
            "CsFileB" | "CsFile" | "CsFileC" | "CsMidifileB" | "CsSampleB" => {
                return Err(csd_error(
                    origin,
                    format!(
                        "the <{}> section at line {line} would write a file to disk while the \
                         CSD is read; keep such files beside the CSD instead",
                        s.name
                    ),
                ));
            }
            other => {
                csd.extra.push((other.to_string(), s.content.to_string()));
                blank(&mut csd.text, s.start, s.end);
            }
        }
    }
    csd.extra.reverse();
    if !has_orchestra {
        return Err(csd_error(
            origin,
            "it has no <CsInstruments> section".into(),
        ));
    }
    Ok(csd)
}

/// Adds a line at the end of a CSD's score (creating a `<CsScore>` if it has none), leaving
/// every orchestra line where it was.
pub fn append_to_score(source: &str, line: &str) -> String {
    if let Some(end) = source.rfind("</CsScore>") {
        format!("{}\n{line}\n{}", &source[..end], &source[end..])
    } else if let Some(end) = source.rfind("</CsoundSynthesizer>") {
        format!(
            "{}<CsScore>\n{line}\n</CsScore>\n{}",
            &source[..end],
            &source[end..]
        )
    } else {
        source.to_string()
    }
}

/// Reads a CSD or orchestra file's bytes as text. Csound reads bytes, so any 8-bit encoding
/// loads: UTF-8 when the bytes are UTF-8, otherwise each byte is its Latin-1 character (comments
/// and strings in Latin-1 or Windows-1252 keep every letter; Csound gets them as UTF-8). A UTF-8
/// byte-order mark is dropped and CRLF line ends become LF. NUL and 0xFF bytes, which Csound's
/// reader takes for the end of the file, are refused with the line they are on.
///
/// ```
/// use csound_plugin::csound::csd::decode;
/// assert_eq!(decode(b"\xEF\xBB\xBF; caf\xE9\r\ninstr 1", "a.csd").unwrap(), "; caf\u{e9}\ninstr 1");
/// assert!(decode(b"instr 1\n\0", "a.csd").unwrap_err().to_string().contains("line 2"));
/// ```
pub fn decode(bytes: &[u8], origin: &str) -> Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(at) = bytes.iter().position(|&b| b == 0 || b == 0xFF) {
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let byte = if bytes[at] == 0 {
            "a NUL byte (0x00)"
        } else {
            "a 0xFF byte"
        };
        return Err(csd_error(
            origin,
            format!(
                "line {line} holds {byte}, which Csound's reader takes for the end of the file \
                 (is this a text file?)"
            ),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    };
    Ok(if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    })
}

/// Reads a CSD or orchestra file ([`decode`]); errors name the file.
pub fn read_file(path: &std::path::Path) -> Result<String> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| Error::new(ErrorKind::Csd, format!("could not read {shown}: {e}")))?;
    decode(&bytes, &shown)
}

/// Checks text that goes to Csound outside a CSD (an orchestra or score string).
pub fn check_readable(text: &str, origin: &str) -> Result<()> {
    match text.lines().enumerate().find(|(_, l)| l.len() > MAX_LINE) {
        Some((n, _)) => Err(csd_error(
            origin,
            format!(
                "line {} is longer than {MAX_LINE} characters, which Csound cannot read",
                n + 1
            ),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSD: &str = "<CsoundSynthesizer>\n<CsOptions>\n-odac\n-d\n</CsOptions>\n\
        <Cabbage>\nform size(10,10)\n</Cabbage>\n<CsInstruments>\nsr = 48000\ninstr 1\nendin\n\
        </CsInstruments>\n<CsScore>\ni1 0 1\n</CsScore>\n</CsoundSynthesizer>\n";

    #[test]
    fn sections_are_split_and_lines_kept() {
        let csd = parse(CSD, "t.csd").unwrap();
        assert_eq!(csd.options.trim(), "-odac\n-d");
        assert_eq!(csd.orchestra.trim(), "sr = 48000\ninstr 1\nendin");
        assert_eq!(csd.score.as_deref().map(str::trim), Some("i1 0 1"));
        assert_eq!(
            csd.extra,
            vec![("Cabbage".into(), "\nform size(10,10)\n".into())]
        );
        assert!(!csd.text.contains("-odac") && !csd.text.contains("Cabbage"));
        assert_eq!(csd.text.lines().count(), CSD.lines().count());
        let line = |t: &str| t.lines().position(|l| l == "instr 1");
        assert_eq!(line(&csd.text), line(CSD));
        // "instr 1" is line 2 of the orchestra text ("sr = 48000" after the tag's newline is 2).
        let file_line = CSD.lines().position(|l| l == "instr 1").unwrap() as u32 + 1;
        let orc_line = csd.orchestra.lines().position(|l| l == "instr 1").unwrap() as u32 + 1;
        assert_eq!(orc_line + csd.orchestra_line_offset, file_line);
    }

    #[test]
    fn a_score_line_is_appended_inside_the_score() {
        let with = append_to_score(CSD, "f 0 z");
        assert_eq!(
            parse(&with, "t").unwrap().score.unwrap().trim(),
            "i1 0 1\n\nf 0 z"
        );
        let without = CSD.replace("<CsScore>\ni1 0 1\n</CsScore>\n", "");
        let added = append_to_score(&without, "f 0 z");
        assert_eq!(parse(&added, "t").unwrap().score.unwrap().trim(), "f 0 z");
    }

    #[test]
    fn file_writing_and_program_running_sections_are_refused() {
        let bin = CSD.replace("<CsScore>", "<CsScore bin=\"sh\">");
        let e = parse(&bin, "t.csd").unwrap_err();
        assert!(e.to_string().contains("external program"), "{e}");
        let fileb = CSD.replace(
            "<CsScore>",
            "<CsFileB filename=\"x\">\nAAAA\n</CsFileB>\n<CsScore>",
        );
        let e = parse(&fileb, "t.csd").unwrap_err();
        assert!(
            e.to_string().contains("CsFileB") && e.to_string().contains("t.csd"),
            "{e}"
        );
    }

    #[test]
    fn malformed_csds_say_what_and_where() {
        assert!(parse("instr 1\nendin", "o.csd")
            .unwrap_err()
            .to_string()
            .contains("not a CSD"));
        let unclosed = "<CsoundSynthesizer>\n<CsInstruments>\ninstr 1\n";
        let e = parse(unclosed, "u.csd").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let long = CSD.replace("sr = 48000", &format!("; {}", "x".repeat(5000)));
        assert!(parse(&long, "l.csd")
            .unwrap_err()
            .to_string()
            .contains("longer than"));
    }
}
