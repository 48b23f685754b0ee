//! Rendering a CSD the way `csound -o out.wav FILE` does: the CSD's own score, ending where
//! Csound's performance ends, at the CSD's own rate, `ksmps` and channel count, with Csound's
//! own timing. Csound writes the file itself, so its samples are Csound's, bit for bit; the
//! plugins' engine around it still applies the sharing gate, Cabbage widgets' starting values,
//! preset strings and automation (on k-period boundaries).

use super::render::AutomationPoint;
use crate::csound::{Result, SampleFormat, Version};
use crate::engine::transport::Transport;
use crate::engine::{Engine, Loaded, ScorePlay, Setup};
use crate::orchestra::source::{Kind, Source};
use crate::orchestra::trust::TrustStore;
use crate::params::state::OrchestraState;
use crate::params::SLOTS;
use std::path::Path;

/// A CSD loaded to be rendered to a file: see [`CsdRender::open`].
pub struct CsdRender {
    engine: Engine,
    loaded: Loaded,
    format: SampleFormat,
}

/// What a finished render wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct CsdRendered {
    /// Frames written.
    pub frames: u64,
    /// The orchestra's `nchnls`.
    pub channels: usize,
    pub sample_rate: f64,
    pub format: SampleFormat,
}

/// Whether a CSD's score starts any instrument (an `i` statement): one that does not is an
/// instrument waiting for notes.
pub fn score_has_events(score: Option<&str>) -> bool {
    score.is_some_and(|score| {
        score.lines().any(|line| {
            let mut chars = line.trim_start().chars();
            chars.next() == Some('i') && chars.next().is_none_or(|c| !c.is_alphabetic())
        })
    })
}

/// The standard MIDI file a CSD's `<CsOptions>` name for Csound to play (`-F file`,
/// `-Ffile`, `--midifile=file`), if any.
pub fn midi_file_named(options: &str) -> Option<String> {
    let words: Vec<&str> = options
        .lines()
        .flat_map(|l| l.split(';').next().unwrap_or("").split_whitespace())
        .collect();
    words.iter().enumerate().find_map(|(i, w)| {
        if let Some(file) = w.strip_prefix("--midifile=") {
            return Some(file.to_string());
        }
        match w.strip_prefix("-F") {
            Some("") => words.get(i + 1).map(|f| f.to_string()),
            Some(file) if !w.starts_with("--") => Some(file.to_string()),
            _ => None,
        }
    })
}

impl CsdRender {
    /// Compiles `source` to write to `output`: at `sample_rate` if given (else the CSD's own),
    /// in `format` if given (else what the CSD's options ask, else Csound's 16-bit). The
    /// orchestra passes the sharing gate with `trust`; `strings` are written to their channels.
    /// It runs on Csound `csound` (`None`: the one it needs).
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        source: &Source,
        kind: Kind,
        sample_rate: Option<f64>,
        format: Option<SampleFormat>,
        output: &Path,
        trust: &TrustStore,
        strings: std::collections::BTreeMap<String, String>,
        csound: Option<Version>,
        midi_out: Option<&Path>,
    ) -> Result<CsdRender> {
        let options = crate::csound::csd::parse(&source.text, &source.origin)?.options;
        // The MIDI file the CSD's options name, from its folder, as `csound` reads it.
        let midi_file = midi_file_named(&options).map(|f| {
            let given = std::path::PathBuf::from(&f);
            match source.dir() {
                Some(dir) if given.is_relative() => dir.join(given),
                _ => given,
            }
        });
        let format = format
            .or_else(|| SampleFormat::asked_by(&options))
            .unwrap_or(SampleFormat::Short);
        let setup = Setup {
            sample_rate,
            score: ScorePlay::Csd,
            file: Some((output.to_path_buf(), format)),
            csound,
            midi_out: midi_out.map(Path::to_path_buf),
            midi_file,
        };
        let mut state = OrchestraState {
            strings,
            ..OrchestraState::default()
        };
        let (engine, loaded) = Engine::load_bound_with(source, &setup, kind, trust, &mut state)?;
        Ok(CsdRender {
            engine,
            loaded,
            format,
        })
    }

    /// The sample rate the CSD runs at (to place automation).
    pub fn sample_rate(&self) -> f64 {
        self.engine.sample_rate()
    }

    /// What the load found (parameters, ksmps).
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// Performs until Csound's performance ends, applying `automation` (in time order) at the
    /// first k-period boundary at or after each point, in host blocks of `block` frames.
    /// `progress` is called after every block with the seconds rendered. Returns the points
    /// whose channel the orchestra does not declare, and what was written.
    pub fn run(
        mut self,
        automation: &[AutomationPoint],
        block: usize,
        mut progress: impl FnMut(f64),
    ) -> Result<(CsdRendered, Vec<String>)> {
        let slot_of = |channel: &str| {
            let at = self
                .loaded
                .params
                .iter()
                .position(|p| p.channel == channel)?;
            Some((self.loaded.slots[at]?, self.loaded.params[at].clone()))
        };
        let mut unknown: Vec<String> = automation
            .iter()
            .filter(|p| slot_of(&p.channel).is_none())
            .map(|p| p.channel.clone())
            .collect();
        unknown.dedup();
        let block = block.max(1);
        let mut values: Vec<Option<f32>> = vec![None; SLOTS];
        let (mut l, mut r) = (vec![0.0f32; block], vec![0.0f32; block]);
        let (mut at, mut next_point) = (0usize, 0);
        while !self.engine.ended() {
            while let Some(p) = automation
                .get(next_point)
                .filter(|p| p.frame as usize <= at)
            {
                if let Some((slot, spec)) = slot_of(&p.channel) {
                    values[slot] = Some(spec.normalized(p.value) as f32);
                }
                next_point += 1;
            }
            let transport = Transport {
                playing: true,
                pos_samples: at as i64,
                ..Transport::default()
            };
            self.engine.process(
                &mut [&mut l[..], &mut r[..]],
                None,
                &mut std::iter::empty(),
                &|slot| values[slot],
                &transport,
            );
            at += block;
            progress(at as f64 / self.engine.sample_rate());
        }
        let frames = self.engine.csound().current_time_samples().max(0) as u64;
        let (channels, _) = self.engine.orchestra_channels();
        let sample_rate = self.engine.sample_rate();
        self.engine.finish();
        Ok((
            CsdRendered {
                frames,
                channels,
                sample_rate,
                format: self.format,
            },
            unknown,
        ))
    }
}
