//! Where an orchestra runs and how a load is recorded: [`Launch`] (an engine process, or this
//! process), [`Setup`], [`load_into`] (a load, recorded in the plugin state) and
//! [`saved_source`] (the orchestra a saved state names).

use crate::csound::process::spawn::{own_library, Program};
use crate::csound::MessageLevel;
use crate::engine::driver::Engine;
use crate::engine::remote::proxy::StateSink;
use crate::engine::remote::RemoteEngine;
use crate::engine::voice::Voice;
use crate::orchestra::factory;
use crate::orchestra::reserved::reads_midi_controllers;
use crate::orchestra::source::{Kind, Source};
use crate::orchestra::trust::TrustStore;
use crate::params::state::OrchestraState;
use crate::params::PluginParams;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where Csound runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Launch {
    /// In an engine process started from this plugin library (what the plugins do), or from a
    /// program that runs as an engine when asked (the standalone application).
    Process(Program),
    /// In this process (the command line, which contains itself; tests of the loader).
    InProcess,
}

/// How programs containing the engine (the standalone application) launch it.
static PROGRAM: std::sync::OnceLock<Program> = std::sync::OnceLock::new();

impl Launch {
    /// An engine process when this code runs as a plugin library or in a program that set
    /// [`Launch::use_program`]; else in this process.
    pub fn detect() -> Launch {
        match (own_library(), PROGRAM.get()) {
            (Some(library), _) => Launch::Process(Program::Library(library)),
            (None, Some(program)) => Launch::Process(program.clone()),
            (None, None) => Launch::InProcess,
        }
    }

    /// Makes this program (which answers [`ENGINE_ARGUMENT`]) run the engines of the plugins
    /// it contains.
    ///
    /// [`ENGINE_ARGUMENT`]: crate::csound::process::spawn::ENGINE_ARGUMENT
    pub fn use_program(path: PathBuf) {
        let _ = PROGRAM.set(Program::Executable(path));
    }
}

/// How the loader starts an engine: where, for blocks of up to `capacity` frames, and how long
/// the audio thread waits for an engine process's answer.
#[derive(Debug, Clone)]
pub struct Setup {
    pub launch: Launch,
    pub capacity: usize,
    pub deadline: Duration,
}

impl Default for Setup {
    /// In this process, blocks up to 8192 frames, 250 ms.
    fn default() -> Setup {
        Setup {
            launch: Launch::InProcess,
            capacity: 8192,
            deadline: Duration::from_millis(250),
        }
    }
}

/// Loads `source` for the audio thread and records it in the plugin state: binds parameters by
/// channel name, updates the slots' specs and starts newly bound slots at their defaults.
/// On failure nothing in `params` changes. Never call it on the audio thread.
pub fn load_into(
    params: &PluginParams,
    source: &Source,
    sample_rate: f64,
    kind: Kind,
    setup: &Setup,
) -> Result<Voice, crate::csound::Error> {
    let mut state = params.orchestra();
    let asked = params.csound();
    // A new instance of an export runs on the Csound it was exported for; any other follows
    // what each orchestra needs. Its projects remember which.
    if let (None, Some(own)) = (&state.csound, factory::own_csound()) {
        state.csound = Some(own.to_string());
        state.csound_follows_orchestra = false;
    }
    let (engine, loaded) = match &setup.launch {
        Launch::InProcess => {
            let trust = TrustStore::open();
            let (mut engine, loaded) =
                Engine::load_bound(source, sample_rate, kind, &trust, &mut state)?;
            engine.set_host_buffer_size(setup.capacity)?;
            (Voice::Local(Box::new(engine)), loaded)
        }
        Launch::Process(program) => {
            // The orchestra's plugin state goes straight into the project's.
            let saved = params.orchestra.clone();
            let on_state: StateSink = Arc::new(move |change| {
                if let Ok(mut state) = saved.write() {
                    state.record_state(&change.identifier, &change.channel, &change.text);
                }
            });
            let (mut engine, loaded) = RemoteEngine::start(
                program,
                source,
                sample_rate,
                kind,
                setup.capacity,
                &mut state,
                Some(on_state),
            )?;
            engine.set_deadline(setup.deadline);
            (Voice::Remote(Box::new(engine)), loaded)
        }
    };
    if kind == Kind::Instrument
        && !factory::midi_controllers()
        && reads_midi_controllers(&source.text)
    {
        engine.messages().note(
            MessageLevel::Warning,
            "csound-plugin: this orchestra reads MIDI controllers, but this plugin was exported \
             without them (its orchestra did not read them): export it again to receive them",
        );
    }
    // Widgets their author keeps out of projects (`persistence.session: false`) start at their
    // declared values, as new ones do.
    let mut fresh = loaded.fresh.clone();
    if let Some(layout) = &loaded.layout {
        for (spec, slot) in loaded.params.iter().zip(&loaded.slots) {
            let kept_out = layout
                .widgets
                .iter()
                .any(|w| w.look.not_in_projects && w.channels.contains(&spec.channel));
            if let (true, Some(slot)) = (kept_out, slot) {
                fresh.push(*slot);
            }
        }
    }
    params.disengage(&fresh);
    params.set_specs(&loaded.params, &loaded.slots);
    params.show_loaded_values();
    params.set_layout(loaded.layout.clone());
    let raw_midi = loaded.note_mode == crate::orchestra::note_mode::NoteMode::Midi;
    params.set_declared(loaded.params.clone(), raw_midi);
    state.error = None;
    // An export's own orchestra, unedited, is kept by reference, not copy: a project then plays
    // what a newer export of the same plugin brings.
    let own = factory::default_orchestra(kind);
    let is_own = own.path.is_some() && own.text == source.text;
    state.text = (!is_own).then(|| source.text.clone());
    state.path = source.path.clone().filter(|_| !is_own);
    // A Csound chosen in the editor while this load ran stays chosen: the load it asked for
    // comes next and must see it.
    state.ran_on(&loaded.csound);
    let chosen = params.csound();
    if chosen != asked {
        state.csound_follows_orchestra = chosen.is_none();
        state.csound = chosen.or(state.csound);
    }
    // A load never changes whether the file is watched; the editor may have, meanwhile. The
    // plugin state is what the orchestra recorded since (it may have written at load).
    let latest = params.orchestra();
    (state.watch, state.state) = (latest.watch, latest.state);
    params.set_orchestra(state);
    Ok(engine)
}

/// The orchestra a saved state names: its text, else its path's file, else the plugin's
/// built-in one. The flag says whether it is the built-in one (whose text the state does not
/// keep).
pub fn saved_source(state: &OrchestraState, kind: Kind) -> Result<(Source, bool), String> {
    // A locked export plays its own orchestra whatever a project or preset saved.
    let saved = (!factory::locked()).then_some(state);
    if let Some(text) = saved.and_then(|s| s.text.as_ref()) {
        let origin = state
            .file_name()
            .unwrap_or_else(|| crate::params::state::UNNAMED.to_string());
        let source = Source {
            text: text.clone(),
            origin,
            path: state.path.clone(),
        };
        return Ok((source, false));
    }
    if let Some(path) = saved.and_then(|s| s.path.as_ref()) {
        let text =
            crate::csound::csd::read_file(std::path::Path::new(path)).map_err(|e| e.to_string())?;
        let source = Source {
            text,
            origin: path.clone(),
            path: Some(path.clone()),
        };
        return Ok((source, false));
    }
    let built_in = factory::default_orchestra(kind);
    let source = Source {
        text: built_in.text.to_string(),
        origin: match built_in.path {
            Some(_) => built_in.file.to_string(),
            None => format!("{} (built in)", built_in.file),
        },
        path: built_in.path.map(str::to_string),
    };
    Ok((source, true))
}
