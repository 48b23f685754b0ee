//! Csound writing a performance to a sound file itself, as `csound -o out.wav` does: what
//! `render` of a CSD uses, so its file is Csound's own, bit for bit (sample conversion, clipping,
//! channel count and length are all Csound's and libsndfile's).

use super::error::{Error, ErrorKind, Result};
use super::instance::{Csound, State};
use super::options::words;
use std::path::Path;

/// How samples are stored in the file Csound writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    /// 16-bit integers: Csound's default.
    Short,
    /// 24-bit integers (`-3`).
    Int24,
    /// 32-bit integers (`-l`).
    Long,
    /// 32-bit floats (`-f`).
    Float,
    /// 64-bit floats (`--format=double`).
    Double,
}

impl SampleFormat {
    /// Bits per sample.
    pub fn bits(self) -> u16 {
        match self {
            SampleFormat::Short => 16,
            SampleFormat::Int24 => 24,
            SampleFormat::Long | SampleFormat::Float => 32,
            SampleFormat::Double => 64,
        }
    }

    /// Whether samples are floating point.
    pub fn is_float(self) -> bool {
        matches!(self, SampleFormat::Float | SampleFormat::Double)
    }

    /// Csound's name for it in `--format=`.
    fn csound_name(self) -> &'static str {
        match self {
            SampleFormat::Short => "short",
            SampleFormat::Int24 => "24bit",
            SampleFormat::Long => "long",
            SampleFormat::Float => "float",
            SampleFormat::Double => "double",
        }
    }

    fn from_name(name: &str) -> Option<SampleFormat> {
        Some(match name {
            "short" => SampleFormat::Short,
            "24bit" => SampleFormat::Int24,
            "long" => SampleFormat::Long,
            "float" => SampleFormat::Float,
            "double" => SampleFormat::Double,
            _ => return None,
        })
    }

    /// The format a `<CsOptions>` text asks Csound for (`-s`, `-3`, `-l`, `-f`, `--format=...`;
    /// the last one wins, as in Csound), or `None` when it asks for none (Csound writes 16-bit).
    ///
    /// ```
    /// use csound_plugin::csound::SampleFormat;
    /// assert_eq!(SampleFormat::asked_by("-d -W -f"), Some(SampleFormat::Float));
    /// assert_eq!(SampleFormat::asked_by("-3d --format=wav:float -s"), Some(SampleFormat::Short));
    /// assert_eq!(SampleFormat::asked_by("-odac -m0d"), None);
    /// ```
    pub fn asked_by(options: &str) -> Option<SampleFormat> {
        // Short flags that take no value: only in a word made of these can `f`, `s`, `l` and
        // `3` be format flags (in `-ofile.wav` they are a file name).
        const VALUELESS: &str = "dWAJhs3lf8uacnNgGvtx";
        let mut format = None;
        for word in words(options) {
            if let Some(value) = word.strip_prefix("--format=") {
                for part in value.split(':') {
                    format = SampleFormat::from_name(part).or(format);
                }
            } else if let Some(flags) = word.strip_prefix('-') {
                if flags.starts_with('-') || !flags.chars().all(|c| VALUELESS.contains(c)) {
                    continue;
                }
                for flag in flags.chars() {
                    format = match flag {
                        's' => Some(SampleFormat::Short),
                        '3' => Some(SampleFormat::Int24),
                        'l' => Some(SampleFormat::Long),
                        'f' => Some(SampleFormat::Float),
                        _ => format,
                    };
                }
            }
        }
        format
    }
}

impl Csound {
    /// Makes Csound write the performance to the WAV file `path` itself, in `format`, instead
    /// of handing it to the host through spout. Before [`start`](Self::start) only. The file is
    /// complete after [`cleanup`](Self::cleanup) (or when the engine is dropped).
    pub fn write_to_file(&mut self, path: &Path, format: SampleFormat) -> Result<()> {
        if self.state != State::Fresh {
            return Err(Error::new(
                ErrorKind::Start,
                "the output file must be chosen before the engine starts",
            ));
        }
        let path = path.to_str().ok_or_else(|| {
            Error::new(
                ErrorKind::Start,
                format!("the output file name {} is not valid text", path.display()),
            )
        })?;
        // `start` then leaves Csound's own audio output on.
        self.host_audio = false;
        for option in [
            format!("--output={path}"),
            format!("--format=wav:{}", format.csound_name()),
        ] {
            self.apply_option(&option);
            self.internal.push(option);
        }
        Ok(())
    }

    /// Makes Csound write what its MIDI output opcodes send (`midiout`, `noteon`, `outkc`...)
    /// to the standard MIDI file `path` itself, as `csound --midioutfile` does. Before
    /// [`start`](Self::start) only; complete after [`cleanup`](Self::cleanup).
    pub fn write_midi_to_file(&mut self, path: &Path) -> Result<()> {
        self.internal_file_option("--midioutfile", path, "MIDI output file")
    }

    /// Makes Csound play the standard MIDI file `path` into its MIDI system, as `csound -F`
    /// does (a file is read, nothing else). Before [`start`](Self::start) only.
    pub fn play_midi_file(&mut self, path: &Path) -> Result<()> {
        self.internal_file_option("--midifile", path, "MIDI file")
    }

    /// Sets `--name=path` for the host's own use (past the allowlist, which keeps such options
    /// from a CSD's own `<CsOptions>`).
    fn internal_file_option(&mut self, name: &str, path: &Path, what: &str) -> Result<()> {
        if self.state != State::Fresh {
            return Err(Error::new(
                ErrorKind::Start,
                format!("the {what} must be chosen before the engine starts"),
            ));
        }
        let path = path.to_str().ok_or_else(|| {
            Error::new(
                ErrorKind::Start,
                format!("the {what} name {} is not valid text", path.display()),
            )
        })?;
        let option = format!("{name}={path}");
        self.apply_option(&option);
        self.internal.push(option);
        Ok(())
    }
}
