//! An orchestra's parameters read from its text alone, without Csound: what a new instance can
//! show its host before it is activated (when the orchestra is first compiled), so a host reads
//! the same values before and after activation.
//!
//! Only orchestras whose declarations can be read for certain qualify: every `chn_k` with
//! literal numbers (or none but its name and mode), no `chnexport`. Anything else gives `None`
//! and the values appear at activation instead. The built-in orchestras all qualify, and a test
//! holds that this reading equals what Csound reports for each of them.

use crate::csound::{Behaviour, ChannelHints, ChannelInfo, ChannelKind};
use crate::orchestra::cabbage;
use crate::orchestra::declarations::{parameters, ParamSpec};

/// The parameters `csd` declares, as a load would find them (`chn_k` declarations in
/// declaration order, then Cabbage widgets without one), or `None` when that cannot be known
/// without compiling it.
pub fn parameters_without_csound(csd: &str) -> Option<Vec<ParamSpec>> {
    let parsed = crate::csound::csd::parse(csd, "orchestra").ok()?;
    let orchestra = &parsed.orchestra;
    if orchestra.contains("chnexport") {
        return None;
    }
    let mut channels = Vec::new();
    for line in orchestra.lines() {
        let code = strip_comment(line).trim();
        let Some(rest) = code.strip_prefix("chn_k") else {
            continue;
        };
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        channels.push(declaration(rest)?);
    }
    let mut specs = parameters(&channels, orchestra);
    if let Some(layout) = cabbage::read(csd).ok()? {
        for spec in cabbage::parameters(&layout) {
            if !specs.iter().any(|s| s.channel == spec.channel) {
                specs.push(spec);
            }
        }
    }
    Some(specs)
}

/// The line without its `;` or `//` comment (outside strings).
fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_string = !in_string,
            b';' if !in_string => return &line[..i],
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// The arguments of one `chn_k`, split at commas outside strings.
fn arguments(text: &str) -> Vec<&str> {
    let mut args = Vec::new();
    let (mut start, mut in_string) = (0, false);
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_string = !in_string,
            ',' if !in_string => {
                args.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    args.push(text[start..].trim());
    args
}

/// One `chn_k` declaration (its arguments' text) as Csound would list the channel, or `None`
/// when an argument is not a literal.
fn declaration(text: &str) -> Option<ChannelInfo> {
    let args = arguments(text);
    let string = |s: &str| {
        let inner = s.strip_prefix('"')?.strip_suffix('"')?;
        (!inner.contains('"')).then(|| inner.to_string())
    };
    let number = |i: usize| args.get(i).map(|a| a.parse::<f64>().ok());
    let name = string(args.first()?)?;
    let mode = number(1)??;
    let kind_number = number(2).unwrap_or(Some(0.0))?;
    let behaviour = match kind_number as i32 {
        0 => Behaviour::None,
        1 => Behaviour::Integer,
        2 => Behaviour::Linear,
        3 => Behaviour::Exponential,
        _ => return None,
    };
    let (default, min, max) = match behaviour {
        Behaviour::None => (0.0, 0.0, 0.0),
        _ => (number(3)??, number(4)??, number(5)??),
    };
    let attributes = match args.get(10) {
        Some(a) => Some(string(a)?),
        None => None,
    };
    let mode = mode as i32;
    Some(ChannelInfo {
        name,
        kind: ChannelKind::Control,
        input: mode & 1 != 0,
        output: mode & 2 != 0,
        hints: ChannelHints {
            behaviour,
            default,
            min,
            max,
            attributes,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_declarations_are_read_and_others_are_not_guessed() {
        let csd = |orc: &str| {
            format!(
                "<CsoundSynthesizer>\n<CsInstruments>\n{orc}\n</CsInstruments>\n\
                 </CsoundSynthesizer>\n"
            )
        };
        let specs = parameters_without_csound(&csd(
            "chn_k \"cutoff\", 1, 3, 2500, 40, 18000, 0, 0, 0, 0, \"label=Cutoff; unit=Hz\" ; a comment\n\
             chn_k \"out\", 2\n\
             ;chn_k \"old\", 1, 2, 0, 0, 1\n\
             chn_k \"gain\", 3, 2, 0.5, 0, 1",
        ))
        .expect("literal declarations");
        let names: Vec<&str> = specs.iter().map(|s| s.channel.as_str()).collect();
        assert_eq!(names, ["cutoff", "gain"]);
        assert_eq!(specs[0].label, "Cutoff");
        assert_eq!(
            (specs[0].min, specs[0].max, specs[0].default),
            (40.0, 18000.0, 2500.0)
        );
        assert_eq!(specs[0].behaviour, Behaviour::Exponential);
        for unknowable in [
            "chn_k \"gain\", 1, 2, i(gkx), 0, 1",
            "gkx chnexport \"x\", 1, 2, 0, 0, 1",
        ] {
            assert_eq!(
                parameters_without_csound(&csd(unknowable)),
                None,
                "{unknowable}"
            );
        }
    }
}
