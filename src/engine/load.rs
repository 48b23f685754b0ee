//! Loading an orchestra for the audio thread: the sharing gate, the host's options, the compile,
//! and everything the audio thread will need resolved in advance (channel handles, note mode).

use crate::csound::MessageLevel;
use crate::csound::{csd, Csound, Error, ErrorKind, Result, Version};
use crate::engine::controllers::MidiControls;
use crate::engine::driver::{Engine, Notes, MAX_CHANNELS, STEREO};
use crate::engine::notes::NoteMapper;
use crate::engine::python::PythonTurn;
use crate::engine::transport::TransportChannels;
use crate::orchestra::cabbage::{self, Layout};
use crate::orchestra::declarations::{self, NoteLength, NoteMode, ParamSpec, DEFAULT_NOTE_SECONDS};
use crate::orchestra::reserved;
use crate::orchestra::safety::Finding;
use crate::orchestra::source::{Kind, Source};
use crate::orchestra::trust::{self, TrustStore};
use crate::params::state::OrchestraState;

/// What a load found in the orchestra, for the plugin to bind and show.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Loaded {
    pub params: Vec<ParamSpec>,
    pub note_mode: NoteMode,
    pub ksmps: usize,
    /// The slot of each parameter (filled by [`Engine::load_bound`]).
    pub slots: Vec<Option<usize>>,
    /// Slots newly bound by this load: their channels start at the declared default.
    pub fresh: Vec<usize>,
    /// The `<Cabbage>` section's form and widgets, when the CSD has one: the editor draws it.
    #[serde(default)]
    pub layout: Option<Layout>,
    /// The Csound it runs on ([`Version::key`]), which the project remembers.
    #[serde(default)]
    pub csound: String,
    /// Why it runs on that Csound when the orchestra decided it (not the preferred one).
    #[serde(default)]
    pub csound_why: Option<String>,
    /// What in it reaches outside the instrument (allowed, since it loaded), found by the gate
    /// on its own Csound: `check` and `export` report it.
    #[serde(default)]
    pub reaches: Vec<Finding>,
}

/// What the host decides about an engine; everything else comes from the CSD.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// The sample rate; `None`: the CSD's own (`sr`, `-r`), as `csound` plays it.
    pub sample_rate: Option<f64>,
    /// How the CSD's score plays.
    pub score: ScorePlay,
    /// Csound writes the performance to this WAV file itself, in this format (a render of the
    /// CSD): the file is Csound's own, bit for bit.
    pub file: Option<(std::path::PathBuf, crate::csound::SampleFormat)>,
    /// The Csound the orchestra runs on; `None`: the one it needs ([`Engine::load_with`]).
    pub csound: Option<Version>,
    /// Csound writes what the orchestra's MIDI output opcodes send to this standard MIDI file
    /// itself (`render --midi-out`), as `csound --midioutfile` does.
    pub midi_out: Option<std::path::PathBuf>,
    /// Csound plays this standard MIDI file into its MIDI system itself, as `csound -F` does (a
    /// CSD's own `-F`/`--midifile`, when its score is rendered).
    pub midi_file: Option<std::path::PathBuf>,
}

/// The Csound to play an orchestra on when `chosen` (a [`Version::key`]) was chosen for it
/// (`None`: the one it needs), and a note for the console when it cannot be that one here: a
/// project made on 6.18 opened where 6.18 is not installed plays on the bundled 7.0 (and keeps
/// asking for 6.18 when saved).
pub fn csound_for(chosen: Option<&str>) -> (Option<Version>, Option<String>) {
    let Some(wanted) = chosen.and_then(Version::from_key) else {
        return (None, None);
    };
    if wanted.is_available() {
        return (Some(wanted), None);
    }
    let other = Version::ALL
        .into_iter()
        .find(|v| *v != wanted && v.is_available());
    match other {
        Some(other) => (
            Some(other),
            Some(format!(
                "csound-plugin: this orchestra was saved to run on {wanted}, which cannot run                  here; it plays on {other}"
            )),
        ),
        None => (Some(wanted), None),
    }
}

/// How a CSD's score plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScorePlay {
    /// In a plugin: the performance never ends (`f 0 z`), events land on their frame
    /// (`--sample-accurate`), and an orchestra that does not say `nchnls` gets the host's two
    /// channels.
    Live,
    /// As `csound` plays the CSD: its score ends the performance, events land on k-period
    /// boundaries, `nchnls` is Csound's (1 when the orchestra does not say).
    Csd,
}

impl Setup {
    /// What the plugins use: the host's sample rate, a live score.
    pub fn plugin(sample_rate: f64) -> Setup {
        Setup {
            sample_rate: Some(sample_rate),
            score: ScorePlay::Live,
            file: None,
            csound: None,
            midi_out: None,
            midi_file: None,
        }
    }
}

/// The largest `ksmps` the plugins run: the latency is `ksmps` frames (8192 is 0.17 s at
/// 48 kHz), the same bound the option allowlist puts on `--ksmps`.
pub const MAX_KSMPS: usize = 8192;

impl Engine {
    /// Compiles and starts a CSD for the audio thread (slow: call it off the audio thread).
    /// The host's sample rate wins over the CSD's header and options ([`Setup::plugin`]).
    pub fn load(
        source: &Source,
        sample_rate: f64,
        kind: Kind,
        trust: &TrustStore,
    ) -> Result<(Engine, Loaded)> {
        Self::load_with(source, &Setup::plugin(sample_rate), kind, trust)
    }

    /// How notes reach the orchestra: its `<CsPlugin>` section, else what its code reads.
    pub(super) fn note_mode(parsed: &csd::Csd, origin: &str) -> Result<NoteMode> {
        match parsed.extra.iter().find(|(name, _)| name == "CsPlugin") {
            Some((_, section)) => declarations::parse_plugin_section(section)
                .map_err(|e| Error::new(ErrorKind::Csd, format!("{origin}: {e}"))),
            None => Ok(declarations::infer_note_mode(
                &parsed.options,
                &parsed.orchestra,
            )),
        }
    }

    /// [`Engine::load_with`] on `version`.
    pub(super) fn load_on(
        source: &Source,
        setup: &Setup,
        version: Version,
        kind: Kind,
        trust: &TrustStore,
    ) -> Result<(Engine, Loaded)> {
        let live = setup.score == ScorePlay::Live;
        let (text, origin) = (source.text.as_str(), source.origin.as_str());
        let parsed = csd::parse(text, origin)?;
        let layout = cabbage::read(text)
            .map_err(|e| Error::new(ErrorKind::Csd, format!("{origin}: {e}")))?;
        if let Some((opcode, line, instead)) = cabbage::unsupported_opcode(&parsed.orchestra) {
            return Err(Error::new(
                ErrorKind::Compile,
                format!(
                    "{origin}: not supported here: {opcode} (line {}): {instead}",
                    line + parsed.orchestra_line_offset as usize,
                ),
            ));
        }
        let note_mode = Self::note_mode(&parsed, origin)?;
        declarations::check_rates(&parsed.orchestra)
            .map_err(|e| Error::new(ErrorKind::Csd, format!("{origin}: {e}")))?;
        Self::refuse_python_on_seven(&parsed, origin, version)?;
        let mut csound = Csound::on(version)?;
        csound.messages().note(
            MessageLevel::Info,
            &format!("csound-plugin: {origin} runs on {}", version.label()),
        );
        if let Some(dir) = source.dir() {
            csound.add_search_dir(&dir);
        }
        let mut options = Vec::new();
        if let Some(sample_rate) = setup.sample_rate {
            options.push(format!("--sample-rate={sample_rate}"));
        }
        if live {
            match layout.as_ref().and_then(|l| l.form.channels) {
                // Cabbage 3's `channelConfig` decides the channels, over `nchnls`, as there.
                Some(c) => {
                    options.push(format!("--nchnls={}", c.outputs));
                    options.push(format!("--nchnls_i={}", (c.inputs + c.sidechain).max(1)));
                }
                // Csound's default of one channel would put a plugin that never says `nchnls`
                // on the left side only; the host is stereo.
                None if !declarations::declares_nchnls(&parsed) => {
                    options.push(format!("--nchnls={STEREO}"));
                }
                None => {}
            }
            options.push("--sample-accurate".to_string());
        }
        // The host's thread performs every k-period: Csound's own worker threads would compete
        // with the DAW's, make output unrepeatable, and `-j 64` crashes Csound 6.18 at
        // teardown. The host's option wins over a `-j` in the CSD.
        options.push("--num-threads=1".to_string());
        for option in &options {
            csound.set_option(option)?;
        }
        if let Some((path, format)) = &setup.file {
            csound.write_to_file(path, *format)?;
        }
        if let Some(path) = &setup.midi_out {
            csound.write_midi_to_file(path)?;
        }
        if let Some(path) = &setup.midi_file {
            csound.play_midi_file(path)?;
        }
        if let Some(layout) = &layout {
            csound.set_widget_table(cabbage::widget_table(layout));
        }
        let (tokens, reaches) = trust::judge(&mut csound, &parsed, text, origin, trust)?;
        let python = Self::check_opcodes(&tokens, origin)?;
        let midi_in = match note_mode {
            NoteMode::Midi => Some(csound.enable_midi_input()?),
            NoteMode::Score { .. } => None,
        };
        // In a plugin the score must not end (held notes alone would end it at once): an
        // `f 0 z` in the CSD's own score keeps it running. (Read later, as a line event, it
        // would be too late.)
        let compiled = match live {
            true => csd::append_to_score(text, "f 0 z"),
            false => text.to_string(),
        };
        csound.compile_csd_text(&compiled, origin)?;
        csound.start()?;
        let (ksmps, sample_rate) = (csound.ksmps(), csound.sr());
        if ksmps > MAX_KSMPS {
            return Err(Error::new(
                ErrorKind::Start,
                format!(
                    "{origin}: ksmps = {ksmps} is more than the plugins run ({MAX_KSMPS}): it \
                     would delay every sound by {:.1} s",
                    ksmps as f64 / sample_rate
                ),
            ));
        }
        Self::write_environment(&mut csound, source)?;
        let note_mode = Self::note_length(note_mode, &parsed, origin, &csound);
        let zero_dbfs = csound.zero_dbfs();
        let (nchnls, nchnls_i) = (csound.nchnls(), csound.nchnls_input());
        if live && nchnls > STEREO {
            csound.messages().note(
                MessageLevel::Warning,
                &format!(
                    "csound-plugin: {origin}: the orchestra has {nchnls} output channels: give \
                     the plugin a {}-channel layout in the host to hear them all; on a narrower \
                     track it plays the first ones",
                    nchnls.min(MAX_CHANNELS)
                ),
            );
        }
        let channels = csound.channels()?;
        let mut params = declarations::parameters(&channels, &parsed.orchestra);
        if let Some(layout) = &layout {
            Self::add_widgets(&mut csound, layout, &mut params)?;
        }
        let transport = TransportChannels::resolve(&mut csound)?;
        let controls = MidiControls::resolve(&mut csound)?;
        let notes = match (note_mode, midi_in) {
            (
                NoteMode::Score {
                    instrument,
                    pitch,
                    velocity,
                    length,
                    fields,
                },
                _,
            ) => Notes::Score(Box::new(
                NoteMapper::new(instrument, pitch, velocity, length).with_fields(fields, zero_dbfs),
            )),
            (NoteMode::Midi, Some(input)) => Notes::Midi(input),
            (NoteMode::Midi, None) => unreachable!("MIDI input is enabled in MIDI mode"),
        };
        let loaded = Loaded {
            params: params.clone(),
            note_mode,
            ksmps,
            slots: Vec::new(),
            fresh: Vec::new(),
            layout,
            csound: version.key().to_string(),
            csound_why: None,
            reaches,
        };
        let log = csound.messages();
        let engine = Engine {
            csound,
            kind,
            sr: sample_rate,
            ksmps,
            zero_dbfs,
            pos: 0,
            nchnls,
            nchnls_i,
            width: STEREO,
            out: vec![0.0; ksmps * MAX_CHANNELS],
            params: Vec::new(),
            transport,
            controls,
            notes,
            ended: false,
            muted: false,
            log,
            held: Default::default(),
            _python: python,
        };
        Ok((engine, loaded))
    }

    /// [`Engine::load`], then binds the parameters to slots as `state` says (updating it) and
    /// writes their defaults; [`Loaded::slots`] and [`Loaded::fresh`] say where they went.
    pub fn load_bound(
        source: &Source,
        sample_rate: f64,
        kind: Kind,
        trust: &TrustStore,
        state: &mut OrchestraState,
    ) -> Result<(Engine, Loaded)> {
        let (csound, note) = csound_for(state.chosen_csound());
        let setup = Setup {
            csound,
            ..Setup::plugin(sample_rate)
        };
        let (engine, loaded) = Self::load_bound_with(source, &setup, kind, trust, state)?;
        if let Some(note) = note {
            engine.csound.messages().note(MessageLevel::Warning, &note);
        }
        Ok((engine, loaded))
    }

    /// [`Engine::load_bound`] as `setup` says.
    pub fn load_bound_with(
        source: &Source,
        setup: &Setup,
        kind: Kind,
        trust: &TrustStore,
        state: &mut OrchestraState,
    ) -> Result<(Engine, Loaded)> {
        let (mut engine, mut loaded) = Engine::load_with(source, setup, kind, trust)?;
        (loaded.slots, loaded.fresh) = match crate::params::fixed_bindings() {
            // An export's parameters are its channels, by name, whatever a project saved; a
            // channel it was not exported with has no host parameter.
            Some(fixed) => {
                let slots = loaded.params.iter().map(|p| fixed.get(&p.channel).copied());
                let slots = slots.collect();
                state.bindings = fixed;
                (slots, Vec::new())
            }
            None => state.bind(&loaded.params, crate::params::SLOTS),
        };
        engine.bind(&loaded.params, &loaded.slots)?;
        state.ran_on(&loaded.csound);
        for (name, value) in &state.strings {
            engine.csound.set_string_channel(name, value)?;
        }
        engine
            .csound
            .set_state(crate::csound::opcodes::StateStore::from_json(&state.state));
        Ok((engine, loaded))
    }

    /// Writes the channels Cabbage instruments read about where they run: the CSD's folder, the
    /// user's folders, `IS_A_PLUGIN`. (`HOST_BUFFER_SIZE` comes with the host's block size,
    /// [`Engine::set_host_buffer_size`].)
    fn write_environment(csound: &mut Csound, source: &Source) -> Result<()> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let home = var("HOME").unwrap_or_default();
        let under_home =
            |xdg: &str, folder: &str| var(xdg).unwrap_or_else(|| format!("{home}/{folder}"));
        let csd_path = source
            .dir()
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        let [csd, home_dir, desktop, music, documents] = reserved::FOLDERS;
        for (name, value) in [
            (csd, csd_path),
            (home_dir, home.clone()),
            (desktop, under_home("XDG_DESKTOP_DIR", "Desktop")),
            (music, under_home("XDG_MUSIC_DIR", "Music")),
            (documents, under_home("XDG_DOCUMENTS_DIR", "Documents")),
        ] {
            csound.set_string_channel(name, &value)?;
        }
        csound.set_control_by_name(reserved::HOST[0], 1.0)
    }

    /// Tells the orchestra the host's largest block (`HOST_BUFFER_SIZE`), in frames.
    pub fn set_host_buffer_size(&mut self, frames: usize) -> Result<()> {
        self.csound
            .set_control_by_name(reserved::HOST[1], frames as f64)
    }

    /// Adds the parameters a `<Cabbage>` section declares to the `chn_k` ones, writes every
    /// widget's starting value to its channel, as Cabbage does, and watches the widgets'
    /// `identChannel`s. A channel declared by both
    /// keeps its `chn_k` declaration (range, default): that one was written for this plugin.
    fn add_widgets(
        csound: &mut Csound,
        layout: &Layout,
        params: &mut Vec<ParamSpec>,
    ) -> Result<()> {
        for widget in &layout.widgets {
            if widget.kind == cabbage::WidgetKind::GenTable {
                for &table in &widget.look.tables {
                    csound.watch_table(table);
                }
            }
            if let Some(ident) = widget.ident_channel.as_deref().filter(|i| !i.is_empty()) {
                csound.watch_ident(ident, widget.channels.first().map_or(ident, |c| c.as_str()))?;
            }
        }
        let declared = |name: &str, params: &[ParamSpec]| params.iter().any(|p| p.channel == name);
        let values = cabbage::channel_values(layout);
        for (name, value) in values.numbers {
            if !declared(&name, params) {
                csound.set_control_by_name(&name, value)?;
            }
        }
        for (name, value) in values.texts {
            csound.set_string_channel(&name, &value)?;
        }
        for spec in cabbage::parameters(layout) {
            if !declared(&spec.channel, params) {
                params.push(spec);
            }
        }
        Ok(())
    }

    /// Resolves [`NoteLength::Auto`]: an instrument that computes with p3 plays each note for
    /// [`DEFAULT_NOTE_SECONDS`] (a held note's p3 of -1 would make its segment lengths
    /// negative, which corrupts Csound's memory), and the console says so.
    fn note_length(mode: NoteMode, parsed: &csd::Csd, origin: &str, csound: &Csound) -> NoteMode {
        let NoteMode::Score {
            instrument,
            pitch,
            velocity,
            length: NoteLength::Auto,
            fields,
        } = mode
        else {
            return mode;
        };
        let length = match declarations::reads_p3(&parsed.orchestra, instrument) {
            Some(line) => {
                csound.messages().note(
                    MessageLevel::Warning,
                    &format!(
                        "csound-plugin: {origin}: instr {instrument} computes with p3 (line {}), \
                         which is -1 for a held note: each note plays for {DEFAULT_NOTE_SECONDS} s \
                         instead and the key's release ends nothing. Set `length` in <CsPlugin>, \
                         or shape the note with linsegr/madsr to follow the key.",
                        line + parsed.orchestra_line_offset
                    ),
                );
                NoteLength::Fixed(DEFAULT_NOTE_SECONDS)
            }
            None => NoteLength::Held,
        };
        NoteMode::Score {
            instrument,
            pitch,
            velocity,
            length,
            fields,
        }
    }

    /// Refuses opcodes that crash Csound 6.18 whatever the code (`faustcompile`, `faustgen`), and
    /// takes the process's one turn at Python when the orchestra uses Python opcodes. Reads the
    /// parse tree's tokens (file lines), so macros and user-defined opcodes cannot hide them.
    /// The Python opcodes live in Debian's csound-plugins, for 6.18: on 7.0 an orchestra using
    /// them is refused with what to do (7.0 itself would only say it does not know them). A
    /// look at the words, before Csound parses anything.
    fn refuse_python_on_seven(parsed: &csd::Csd, origin: &str, csound: Version) -> Result<()> {
        const PYTHON: [&str; 11] = [
            "pyinit",
            "pyrun",
            "pylrun",
            "pyexec",
            "pylexec",
            "pycall",
            "pylcall",
            "pyeval",
            "pyleval",
            "pyassign",
            "pylassign",
        ];
        if csound != Version::Seven {
            return Ok(());
        }
        let found = crate::orchestra::source::code_words(&parsed.orchestra)
            .find(|(_, w)| PYTHON.iter().any(|p| w.starts_with(p)));
        match found {
            Some((line, name)) => Err(Error::new(
                ErrorKind::Compile,
                format!(
                    "{origin}: `{name}` (line {}) is one of the Python opcodes, which only \
                     Csound 6.18 has: choose Csound 6.18 (the Orchestra tab's Csound menu, or \
                     --csound 6)",
                    line + parsed.orchestra_line_offset as usize
                ),
            )),
            None => Ok(()),
        }
    }

    fn check_opcodes(tokens: &[(String, u32)], origin: &str) -> Result<Option<PythonTurn>> {
        if let Some((name, line)) = tokens
            .iter()
            .find(|(t, _)| t == "faustcompile" || t == "faustgen")
        {
            return Err(Error::new(
                ErrorKind::Csd,
                format!(
                    "{origin}: `{name}` at line {line} crashes Csound 6.18; the plugin does not run it"
                ),
            ));
        }
        if tokens.iter().any(|(t, _)| t.starts_with("py")) {
            return PythonTurn::take(origin).map(Some);
        }
        Ok(None)
    }
}
