//! The option allowlist: what a CSD's `<CsOptions>` or a caller may pass to Csound.
//!
//! Csound 6.18 dies on malformed options (a lone `-r` segfaults) and some well-formed ones reach
//! outside the instrument (`--opcode-lib=x.so` runs that library, `--env:` rewrites search
//! paths, `--port=` opens a socket). So no option text reaches Csound unless it was parsed here
//! and rebuilt in a canonical form. Each option gets one of three fates:
//!
//! - **passed**: shapes the engine (`-d`, `--ksmps=64`, `--sample-accurate`, macros, ...);
//!   numbers are checked and the option is rebuilt as one string (`-r 48000` becomes
//!   `--sample-rate=48000`).
//! - **ignored**: audio/MIDI device and file routing (`-odac`, `-Ma`, `-b512`, `-W`, ...). The
//!   host owns all I/O, so these are dropped with a note; nearly every CSD in the wild has some.
//! - **refused**: everything else, with an error that names the option.
//!
//! ```
//! use csound_plugin::csound::options::{check, Verdict};
//! assert_eq!(check("-r48000").unwrap(), Verdict::Pass("--sample-rate=48000".into()));
//! assert!(matches!(check("-odac").unwrap(), Verdict::Ignore(_)));
//! assert!(check("--opcode-lib=evil.so").is_err());
//! assert!(check("-r").is_err()); // would crash Csound
//! ```

use super::error::{Error, ErrorKind, Result};

/// What the allowlist decided about one option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Pass this canonical text to Csound.
    Pass(String),
    /// Drop the option (it is given back as written); the host owns this kind of I/O.
    Ignore(String),
}

/// The options of one `<CsOptions>` text after the allowlist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filtered {
    /// Canonical options to hand to Csound, in order.
    pub passed: Vec<String>,
    /// Options dropped because the host owns that I/O, as written.
    pub ignored: Vec<String>,
}

/// How a value must look.
#[derive(Clone, Copy)]
enum Value {
    /// A whole number within the range.
    Int(i64, i64),
    /// A finite number within the range.
    Num(f64, f64),
}

fn refused(option: &str, why: &str) -> Error {
    Error::new(
        ErrorKind::RefusedOption,
        format!("the option `{option}` was refused: {why}"),
    )
}

fn check_value(option: &str, value: &str, shape: Value) -> Result<String> {
    let bad = |expect: String| refused(option, &format!("expected {expect}, found `{value}`"));
    match shape {
        Value::Int(lo, hi) => match value.parse::<i64>() {
            Ok(n) if (lo..=hi).contains(&n) => Ok(n.to_string()),
            _ => Err(bad(format!("a whole number from {lo} to {hi}"))),
        },
        Value::Num(lo, hi) => match value.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= lo && x <= hi => Ok(value.to_string()),
            _ => Err(bad(format!("a number from {lo} to {hi}"))),
        },
    }
}

/// Long options (`--name=value`) that pass, with the shape of their value (`None`: no value).
const LONG_PASS: &[(&str, Option<Value>)] = &[
    ("sample-rate", Some(Value::Num(1000.0, 768_000.0))),
    ("control-rate", Some(Value::Num(1.0, 768_000.0))),
    ("ksmps", Some(Value::Int(1, 8192))),
    // 1024 channels segfault Csound 6.18; no plugin needs more than 64.
    ("nchnls", Some(Value::Int(1, 64))),
    ("nchnls_i", Some(Value::Int(1, 64))),
    ("0dbfs", Some(Value::Num(1e-6, 1e9))),
    ("messagelevel", Some(Value::Int(0, 1023))),
    ("m-amps", Some(Value::Int(0, 1))),
    ("m-range", Some(Value::Int(0, 1))),
    ("m-warnings", Some(Value::Int(0, 1))),
    ("m-raw", Some(Value::Int(0, 1))),
    ("m-dB", Some(Value::Int(0, 1))),
    ("m-colours", Some(Value::Int(0, 1))),
    ("m-benchmarks", Some(Value::Int(0, 1))),
    ("num-threads", Some(Value::Int(1, 64))),
    ("tempo", Some(Value::Num(0.0, 10_000.0))),
    ("midi-key", Some(Value::Int(1, 255))),
    ("midi-key-cps", Some(Value::Int(1, 255))),
    ("midi-key-oct", Some(Value::Int(1, 255))),
    ("midi-key-pch", Some(Value::Int(1, 255))),
    ("midi-velocity", Some(Value::Int(1, 255))),
    ("midi-velocity-amp", Some(Value::Int(1, 255))),
    ("sample-accurate", None),
    ("realtime", None),
    ("nodisplays", None),
    ("defer-gen1", None),
    ("verbose", None),
    ("i-only", None),
    ("no-expression-opt", None),
    ("expression-opt", None),
];

/// Long options that route audio, MIDI or files: the host does that, so they are dropped.
const LONG_IGNORE: &[&str] = &[
    "output",
    "input",
    "midi-device",
    "midifile",
    "midioutfile",
    "iobufsamps",
    "hardwarebufsamps",
    "format",
    "wave",
    "aiff",
    "au",
    "ogg",
    "raw",
    "noheader",
    "rewrite",
    "heartbeat",
    "notify",
    "nosound",
    "displays",
    "graph",
    "postscriptdisplay",
    "asciidisplay",
    "nopeaks",
    "dither",
    "dither-uniform",
    "dither-triangular",
    "terminate-on-midi",
    "cscore",
    "csd-line-nums",
    "get-system-sr",
    "list-opcodes",
    "sched",
    // Harmless here: the plugin always runs the orchestra, and has no network server to echo.
    "syntax-check-only",
    "udp-echo",
];

/// `-+name=value` options that pass.
const PLUS_PASS: &[(&str, Value)] = &[
    ("msg_color", Value::Int(0, 1)),
    ("skip_seconds", Value::Num(0.0, 1e7)),
    ("raw_controller_mode", Value::Int(0, 1)),
    ("max_str_len", Value::Int(10, 65_536)),
];

/// Long options that reach outside the instrument: refused, whatever their value.
const LONG_REFUSED: &[(&str, &str)] = &[
    ("opcode-lib", "it loads a program library into the host"),
    (
        "env",
        "it changes the environment Csound finds files and libraries through",
    ),
    ("port", "it listens to the network for orchestra code"),
    ("daemon", "it keeps Csound waiting for code from outside"),
    ("udp-console", "it sends Csound's messages over the network"),
    ("logfile", "it writes a log file"),
    (
        "utility",
        "it runs a Csound utility instead of the orchestra",
    ),
];

/// `-+name=value` options that select I/O modules or devices: dropped.
const PLUS_IGNORE: &[&str] = &[
    "rtaudio",
    "rtmidi",
    "server",
    "jack_client",
    "jack_inportname",
    "jack_outportname",
    "mute_tracks",
];

/// Checks one option, already joined with its value (`-r48000`, `--ksmps=32`).
pub fn check(option: &str) -> Result<Verdict> {
    let option = option.trim();
    if let Some(plus) = option.strip_prefix("-+") {
        check_plus(option, plus)
    } else if let Some(long) = option.strip_prefix("--") {
        check_long(option, long)
    } else if let Some(short) = option.strip_prefix('-') {
        let (verdicts, _) = check_short(option, short, None)?;
        match verdicts.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(refused(option, "give one option at a time")),
        }
    } else {
        Err(refused(option, "options start with `-`"))
    }
}

fn check_plus(option: &str, body: &str) -> Result<Verdict> {
    let (name, value) = body.split_once('=').unwrap_or((body, ""));
    if PLUS_IGNORE.contains(&name) {
        return Ok(Verdict::Ignore(option.to_string()));
    }
    match PLUS_PASS.iter().find(|(n, _)| *n == name) {
        Some((_, shape)) => {
            let value = check_value(option, value, *shape)?;
            Ok(Verdict::Pass(format!("-+{name}={value}")))
        }
        // Not one the plugins need: dropped, with a note, never refused for its spelling.
        None => Ok(Verdict::Ignore(option.to_string())),
    }
}

fn check_long(option: &str, body: &str) -> Result<Verdict> {
    for kind in ["omacro:", "smacro:"] {
        if let Some(def) = body.strip_prefix(kind) {
            return check_macro(option, kind, def);
        }
    }
    let (name, value) = match body.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (body, None),
    };
    let family = name.split(':').next().unwrap_or(name);
    if let Some((_, why)) = LONG_REFUSED.iter().find(|(n, _)| *n == family) {
        return Err(refused(option, why));
    }
    if LONG_IGNORE.contains(&name) {
        return Ok(Verdict::Ignore(option.to_string()));
    }
    if name == "limiter" {
        // `--limiter[=level]`: Csound's own output clipping.
        return match value {
            None => Ok(Verdict::Pass("--limiter".into())),
            Some(v) => {
                let v = check_value(option, v, Value::Num(0.0, 1.0))?;
                Ok(Verdict::Pass(format!("--limiter={v}")))
            }
        };
    }
    let Some((_, shape)) = LONG_PASS.iter().find(|(n, _)| *n == name) else {
        // Not one the plugins need (or a newer Csound's): dropped with a note, never refused
        // for its spelling; it never reaches Csound.
        return Ok(Verdict::Ignore(option.to_string()));
    };
    match (shape, value) {
        (None, None) => Ok(Verdict::Pass(format!("--{name}"))),
        (None, Some(_)) => Err(refused(option, "this option takes no value")),
        (Some(_), None) => Err(refused(
            option,
            "this option needs a value (`--name=value`)",
        )),
        (Some(shape), Some(value)) => {
            let value = check_value(option, value, *shape)?;
            Ok(Verdict::Pass(format!("--{name}={value}")))
        }
    }
}

fn check_macro(option: &str, kind: &str, def: &str) -> Result<Verdict> {
    let (name, value) = def.split_once('=').unwrap_or((def, ""));
    let name_ok = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if !name_ok {
        return Err(refused(option, "a macro name is letters, digits and `_`"));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(refused(
            option,
            "a macro value cannot hold control characters",
        ));
    }
    Ok(Verdict::Pass(format!("--{kind}{name}={value}")))
}

/// Short flags that take a value: (flag, canonical long name or `None` to ignore, shape).
const SHORT_VALUE: &[(char, Option<&str>, Value)] = &[
    ('r', Some("sample-rate"), Value::Num(1000.0, 768_000.0)),
    ('k', Some("control-rate"), Value::Num(1.0, 768_000.0)),
    ('m', Some("messagelevel"), Value::Int(0, 1023)),
    ('j', Some("num-threads"), Value::Int(1, 64)),
    ('t', Some("tempo"), Value::Num(0.0, 10_000.0)),
    ('b', None, Value::Int(-1_048_576, 1_048_576)),
    ('B', None, Value::Int(-1_048_576, 1_048_576)),
];

/// Short flags that take a free-form value (a device or file name) and are dropped.
const SHORT_ROUTING: &[char] = &['o', 'i', 'M', 'F', 'Q', 'L', 'H', 'U', 'x', 'O', '@'];

/// Short flags without a value: (flag, pass it?).
const SHORT_FLAG: &[(char, bool)] = &[
    ('d', true),
    ('D', true),
    ('v', true),
    ('I', true),
    ('n', false),
    ('g', false),
    ('G', false),
    ('N', false),
    ('T', false),
    ('W', false),
    ('A', false),
    ('J', false),
    ('h', false),
    ('f', false),
    ('3', false),
    ('l', false),
    ('s', false),
    ('8', false),
    ('c', false),
    ('a', false),
    ('u', false),
    ('R', false),
    ('K', false),
    ('e', false),
    ('Z', false),
    ('z', false),
];

/// Flags that reach outside the instrument even though they look like routing: refused.
const SHORT_REFUSED: &[(char, &str)] = &[
    ('U', "it runs a Csound utility instead of the orchestra"),
    ('x', "it reads a score extract file"),
    ('O', "it writes a log file"),
    ('@', "it reads more options from a file"),
];

/// Checks a cluster of short flags such as `-dm0` or `-o` followed by `next` (its value when
/// the flag stands alone). Returns the verdicts and whether `next` was consumed.
fn check_short(option: &str, body: &str, next: Option<&str>) -> Result<(Vec<Verdict>, bool)> {
    let mut verdicts = Vec::new();
    for (at, flag) in body.char_indices() {
        let rest = &body[at + flag.len_utf8()..];
        let takes_value =
            SHORT_VALUE.iter().any(|(f, _, _)| *f == flag) || SHORT_ROUTING.contains(&flag);
        if !takes_value {
            match SHORT_FLAG.iter().find(|(f, _)| *f == flag) {
                Some((_, true)) => verdicts.push(Verdict::Pass(format!("-{flag}"))),
                // Ours to handle, or not one the plugins know: dropped, with a note.
                _ => verdicts.push(Verdict::Ignore(format!("-{flag}"))),
            }
            continue;
        }
        if let Some((_, why)) = SHORT_REFUSED.iter().find(|(f, _)| *f == flag) {
            return Err(refused(option, why));
        }
        // The value is the rest of this word, or the next word.
        let (value, consumed) = if rest.is_empty() {
            match next {
                Some(v) if !v.starts_with('-') || v.parse::<f64>().is_ok() => (v, true),
                _ if SHORT_ROUTING.contains(&flag) && flag == 'H' => ("", false),
                _ => {
                    return Err(refused(
                        option,
                        &format!("`-{flag}` needs a value, as in `-{flag}VALUE`"),
                    ))
                }
            }
        } else {
            // A number ends where Csound's reading of it ends; flags may follow (`-m0d`).
            let number = SHORT_VALUE.iter().any(|(f, _, _)| *f == flag);
            let end = if number {
                number_prefix(rest)
            } else {
                rest.len()
            };
            if end > 0 && end < rest.len() {
                let (mut first, _) = check_short(option, &format!("{flag}{}", &rest[..end]), None)?;
                let (more, consumed) = check_short(option, &rest[end..], next)?;
                first.extend(more);
                return Ok((first, consumed));
            }
            // Csound reads a number flag's value with `atoi`, which gives 0 when the value
            // is a word (`-ma` is `-m0`), and passes over the rest of the word.
            let starts_a_number = rest
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c));
            if number && end == 0 && !starts_a_number {
                ("0", false)
            } else {
                (rest, false)
            }
        };
        // Messages quote the option as written (`-rabc`), checks read it as Csound does.
        let as_written = format!("-{flag}{}", if consumed { value } else { rest });
        let written = format!("-{flag}{value}");
        match SHORT_VALUE.iter().find(|(f, _, _)| *f == flag) {
            Some((_, Some(long), shape)) => {
                let value = check_value(&as_written, value, *shape)?;
                verdicts.push(Verdict::Pass(format!("--{long}={value}")));
            }
            Some((_, None, shape)) => {
                check_value(&as_written, value, *shape)?;
                verdicts.push(Verdict::Ignore(written));
            }
            None => verdicts.push(Verdict::Ignore(written)),
        }
        return Ok((verdicts, consumed));
    }
    if verdicts.is_empty() {
        return Err(refused(option, "a lone `-` is not an option"));
    }
    Ok((verdicts, false))
}

/// The length of the number `text` starts with, as C's `sscanf("%f")` would read it.
fn number_prefix(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut end = 0;
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        end = 1;
    }
    let mut dot = false;
    while let Some(&b) = bytes.get(end) {
        match b {
            b'0'..=b'9' => end += 1,
            b'.' if !dot => {
                dot = true;
                end += 1
            }
            _ => break,
        }
    }
    end
}

/// Splits a `<CsOptions>` text into words, dropping `;` comments and `/* */` blocks.
pub(super) fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.split(';').next().unwrap_or("");
        for word in line.split_whitespace() {
            if in_block || word.starts_with("/*") {
                in_block = !word.contains("*/");
            } else {
                out.push(word);
            }
        }
    }
    out
}

/// Runs every option of a `<CsOptions>` text (or a command line) through the allowlist.
/// The first refused option makes the whole text refused.
pub fn filter(text: &str) -> Result<Filtered> {
    let words = words(text);
    let mut filtered = Filtered::default();
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let verdicts = if word.starts_with("--") || word.starts_with("-+") {
            vec![check(word)?]
        } else if let Some(body) = word.strip_prefix('-') {
            let (verdicts, consumed) = check_short(word, body, words.get(i + 1).copied())?;
            if consumed {
                i += 1;
            }
            verdicts
        } else {
            // A bare word is an input file name on Csound's command line: the host owns that.
            vec![Verdict::Ignore(word.to_string())]
        };
        for verdict in verdicts {
            match verdict {
                Verdict::Pass(o) => filtered.passed.push(o),
                Verdict::Ignore(o) => filtered.ignored.push(o),
            }
        }
        i += 1;
    }
    Ok(filtered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass(o: &str) -> String {
        match check(o) {
            Ok(Verdict::Pass(p)) => p,
            other => panic!("{o}: {other:?}"),
        }
    }

    #[test]
    fn engine_options_pass_in_canonical_form() {
        assert_eq!(pass("-r48000"), "--sample-rate=48000");
        assert_eq!(pass("--sample-rate=44100"), "--sample-rate=44100");
        assert_eq!(pass("-k750"), "--control-rate=750");
        assert_eq!(pass("--ksmps=32"), "--ksmps=32");
        assert_eq!(pass("-m0"), "--messagelevel=0");
        assert_eq!(pass("-d"), "-d");
        assert_eq!(pass("--sample-accurate"), "--sample-accurate");
        assert_eq!(pass("--omacro:GAIN=0.5"), "--omacro:GAIN=0.5");
        assert_eq!(pass("-+msg_color=0"), "-+msg_color=0");
    }

    #[test]
    fn malformed_and_dangerous_options_are_refused() {
        for bad in [
            "-r",
            "-k",
            "-rabc",
            "--sample-rate=",
            "--sample-rate",
            "--ksmps=0",
            "--nchnls=1024",
            "--0dbfs=0",
            "--opcode-lib=lib/evil.so",
            "--opcode-lib",
            "--env:INCDIR=/etc",
            "--port=1234",
            "--daemon",
            "-U",
            "-@file",
            "-Olog.txt",
            "-b",
            "--omacro:1X=2",
            "--utility=sndinfo",
            "plain",
            "-",
            "-m0U",
            "--limiter=2",
        ] {
            let e = check(bad).expect_err(bad);
            assert_eq!(e.kind(), ErrorKind::RefusedOption, "{bad}");
            assert!(e.to_string().contains(bad.trim()), "{bad}: {e}");
        }
    }

    #[test]
    fn routing_options_are_ignored_not_passed() {
        for o in [
            "-odac",
            "-iadc",
            "-Ma",
            "-b512",
            "-B2048",
            "-W",
            "-+rtaudio=jack",
            "--output=x.wav",
            "--bogus-option",
            "--a-newer-csounds-option=3",
            "-+ignore_csopts=1",
            "-q",
        ] {
            assert_eq!(check(o).unwrap(), Verdict::Ignore(o.to_string()));
        }
    }

    #[test]
    fn combined_short_flags_read_as_csound_reads_them() {
        let f = filter("-m0d -dm0 -m4dW -j2d --limiter --limiter=0.9").unwrap();
        assert_eq!(
            f.passed,
            [
                "--messagelevel=0",
                "-d",
                "-d",
                "--messagelevel=0",
                "--messagelevel=4",
                "-d",
                "--num-threads=2",
                "-d",
                "--limiter",
                "--limiter=0.9"
            ]
        );
        assert_eq!(f.ignored, ["-W"]);
        // `-ma` is `-m0` to Csound (atoi of "a"), the rest of the word passed over.
        let f = filter("-ma -dma").unwrap();
        assert_eq!(f.passed, ["--messagelevel=0", "-d", "--messagelevel=0"]);
    }

    #[test]
    fn a_csoptions_text_is_split_with_separate_values_and_comments() {
        let f = filter("-odac -d -m 0 ; a comment -r\n-r 48000 --ksmps=16 /* -U */ -dW").unwrap();
        assert_eq!(
            f.passed,
            [
                "-d",
                "--messagelevel=0",
                "--sample-rate=48000",
                "--ksmps=16",
                "-d"
            ]
        );
        assert_eq!(f.ignored, ["-odac", "-W"]);
        assert!(
            filter("-d -r").is_err(),
            "a trailing lone -r must be refused"
        );
        assert!(filter("-d --opcode-lib=x.so").is_err());
    }
}
