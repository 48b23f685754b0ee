//! Nothing from outside runs without consent. Every way an orchestra reaches Csound goes through
//! one gate: a DAW project's saved state (its text, or only a path to a file), the editor and
//! live recompilation (the loader), the file watch, presets and the command line. A shared
//! orchestra that runs programs, Python code or writes files loads silent and runs nothing until
//! the user allows that exact content; then the same project plays. The user's own projects
//! reload without asking. And whatever an orchestra outputs, the host never gets NaN, infinity
//! or absurd levels.

mod common;
mod hosts;

use common::scratch;
use csound_plugin::engine::live::{self, Loader, Status};
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::{Kind, Source};
use csound_plugin::params::PluginParams;
use hosts::drive::*;
use hosts::TestHost;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, MutexGuard, Once};
use std::time::Duration;

/// The user's folder (`CSOUND_PLUGIN_HOME`: the trust store) for this test process. Set once,
/// before any plugin or Csound engine runs, so no thread reads the environment meanwhile.
fn home() -> PathBuf {
    static ONCE: Once = Once::new();
    let dir = std::env::temp_dir().join(format!("csound-plugin-consent-{}", std::process::id()));
    ONCE.call_once(|| {
        std::fs::create_dir_all(&dir).expect("home");
        std::env::set_var("CSOUND_PLUGIN_HOME", &dir);
    });
    dir
}

/// Python opcodes run in one engine per process at a time: the tests that run them take turns.
fn python_turn() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// An instrument playing a tone, with `globals` before it, `body` in it and `options`.
fn csd(options: &str, globals: &str, body: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsOptions>\n{options}\n</CsOptions>\n<CsInstruments>\n\
         ksmps = 32\nnchnls = 2\n0dbfs = 1\n{globals}instr 1\n{body}\n a1 oscili 0.2, 440\n \
         outs a1, a1\nendin\n</CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n"
    )
}

/// The hostile orchestras, each creating `marker` when it runs: (name, CSD, opcode reported).
fn hostile(marker: &Path) -> Vec<(&'static str, String, &'static str)> {
    let m = marker.display();
    let touch = format!("\"touch {m}\"");
    vec![
        (
            "direct",
            csd("", "", &format!(" ir system_i 1, {touch}")),
            "system_i",
        ),
        (
            "define",
            csd(
                "",
                "#define RUN #system_i#\n",
                &format!(" ir $RUN 1, {touch}"),
            ),
            "system_i",
        ),
        (
            "udo",
            csd(
                "",
                &format!("opcode Helper, 0, 0\n ir system_i 1, {touch}\nendop\n"),
                " Helper",
            ),
            "system_i",
        ),
        (
            "omacro",
            csd("--omacro:RUN=system_i", "", &format!(" ir $RUN 1, {touch}")),
            "system_i",
        ),
        (
            "python",
            csd(
                "",
                "pyinit\n",
                &format!(" pyruni \"open('{m}', 'w').close()\""),
            ),
            "pyruni",
        ),
        (
            "fout",
            csd(
                "",
                "",
                &format!(" a0 oscili 0.1, 220\n fout \"{m}\", 1, a0"),
            ),
            "fout",
        ),
    ]
}

/// Plays a note for 0.2 s; returns the left channel.
fn play_note(host: &mut dyn TestHost) -> Vec<f32> {
    run(host, 9600, &[256], &[(0, note_on(60))], None).remove(0)
}

/// A shared orchestra in a saved state, given as text or as a path, in both formats: it loads
/// silent, runs nothing, keeps its text and says what it would do; allowed, the same saved
/// state plays.
fn shared_state_runs_nothing_until_allowed(by_path: bool) {
    home();
    let dir = scratch(if by_path {
        "consent-path"
    } else {
        "consent-text"
    });
    let _python = python_turn();
    for format in FORMATS {
        for (name, _, opcode) in hostile(Path::new("x")) {
            let marker = dir.join(format!("{name}-{format:?}-ran"));
            let (_, text, _) = hostile(&marker)
                .into_iter()
                .find(|(n, _, _)| *n == name)
                .expect("variant");
            let file = dir.join(format!("{name}-{format:?}.csd"));
            std::fs::write(&file, &text).unwrap();
            let what = format!(
                "{format:?} {name} by {}",
                if by_path { "path" } else { "text" }
            );

            let mut host = open(format, Which::Instrument, 48000.0, 256);
            let path = file.to_str().unwrap();
            match by_path {
                true => load_orchestra(host.as_mut(), None, Some(path)),
                false => load_orchestra(host.as_mut(), Some(&text), None),
            }
            let out = play_note(host.as_mut());
            assert_eq!(peak(&out), 0.0, "{what}: refused means silent");
            assert!(!marker.exists(), "{what}: ran without consent");
            let (_, orchestra) = state_json(host.as_mut());
            let error = orchestra["error"].as_str().unwrap_or_default();
            assert!(
                error.contains(&format!("`{opcode}`")) && error.contains("line "),
                "{what}: says what it would do: {error}"
            );
            if !by_path {
                assert_eq!(
                    orchestra["text"],
                    text.as_str(),
                    "{what}: text kept untouched"
                );
            }
            let saved = host.save_state();
            drop(host);

            TrustStore::open().allow(&text, name).unwrap();
            let mut reopened = open(format, Which::Instrument, 48000.0, 256);
            reopened.load_state(&saved);
            let out = play_note(reopened.as_mut());
            assert!(peak(&out) > 0.1, "{what}: allowed, it plays");
            assert!(marker.exists(), "{what}: allowed, it runs");
            let (_, orchestra) = state_json(reopened.as_mut());
            assert!(
                orchestra["error"].is_null(),
                "{what}: {}",
                orchestra["error"]
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_shared_project_runs_nothing_until_its_orchestra_is_allowed() {
    shared_state_runs_nothing_until_allowed(false);
}

#[test]
fn a_shared_project_pointing_at_a_file_runs_nothing_until_it_is_allowed() {
    shared_state_runs_nothing_until_allowed(true);
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .env("CSOUND_PLUGIN_HOME", home())
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Waits for the loader and returns its status.
fn settle(loader: &Loader) -> Status {
    loader.wait(Duration::from_secs(30))
}

/// Every entry point, in turn, given an orchestra whose `system_i` hides behind an `--omacro`
/// option: the command line's `check`, `render` and `render --preset`, a saved state (text and
/// path, both formats), the loader (the editor's open, compile and preset load, live
/// recompilation) and the file watch. None runs it; each says why.
#[test]
fn every_entry_point_refuses_an_omacro_hidden_system_i() {
    let dir = scratch("consent-entry");
    let marker = dir.join("ran");
    let (_, text, _) = hostile(&marker)
        .into_iter()
        .find(|(n, _, _)| *n == "omacro")
        .unwrap();
    let file = dir.join("hidden.csd");
    std::fs::write(&file, &text).unwrap();
    let file_arg = file.to_str().unwrap();
    let refused_line = "line 10: `system_i` runs programs or code";

    // The command line.
    let preset = csound_plugin::presets::Preset::capture(
        "Hidden",
        Kind::Instrument,
        "hidden.csd",
        &text,
        Default::default(),
        Default::default(),
        true,
    );
    let preset_file = dir.join("hidden.cspreset");
    std::fs::write(&preset_file, preset.to_text()).unwrap();
    let out_wav = dir.join("out.wav");
    // `check` looks at it confined by the kernel and reports what it would reach.
    let checked = cli(&["check", file_arg]);
    let stdout = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.status.success(), "{stdout}");
    assert!(
        stdout.contains("line 10: system_i (runs programs or code)")
            && stdout.contains("checked confined"),
        "{stdout}"
    );
    assert!(!marker.exists(), "check: it ran");
    for args in [
        vec!["render", file_arg, "-o", out_wav.to_str().unwrap()],
        vec![
            "render",
            "--preset",
            preset_file.to_str().unwrap(),
            "-o",
            out_wav.to_str().unwrap(),
        ],
    ] {
        let ran = cli(&args);
        let stderr = String::from_utf8_lossy(&ran.stderr);
        assert!(!ran.status.success(), "{args:?} was not refused");
        assert!(stderr.contains(refused_line), "{args:?}: {stderr}");
        assert!(!marker.exists(), "{args:?}: it ran");
    }

    // A saved state, by text and by path.
    for format in FORMATS {
        for by_path in [false, true] {
            let mut host = open(format, Which::Instrument, 48000.0, 256);
            match by_path {
                true => load_orchestra(host.as_mut(), None, Some(file_arg)),
                false => load_orchestra(host.as_mut(), Some(&text), None),
            }
            play_note(host.as_mut());
            let (_, orchestra) = state_json(host.as_mut());
            let error = orchestra["error"].as_str().unwrap_or_default();
            assert!(error.contains(refused_line), "{format:?}: {error}");
            assert!(!marker.exists(), "{format:?} by_path={by_path}: it ran");
        }
    }

    // The loader: what the editor's Open, Compile and preset load and live recompilation use.
    let params = Arc::new(PluginParams::new());
    let (loader, _player) = Loader::new(params.clone(), Kind::Instrument);
    loader.compile(Source::text(text.clone(), "hidden.csd"));
    match settle(&loader) {
        Status::Refused { message } => assert!(message.contains(refused_line), "{message}"),
        other => panic!("the loader compiled it: {other:?}"),
    }
    let (message, source) = loader
        .take_refusal()
        .expect("the editor can offer to allow it");
    assert!(message.contains("hidden.csd"));
    assert_eq!(source.text, text, "the refused orchestra is kept to allow");
    assert!(loader.take_refusal().is_none(), "offered once");
    let state = params.orchestra();
    assert_ne!(
        state.text.as_deref(),
        Some(text.as_str()),
        "nothing recorded"
    );
    assert!(!marker.exists(), "the loader ran it");

    // The file watch: a harmless watched file saved with the hidden call.
    let harmless = csd("", "", "");
    std::fs::write(&file, &harmless).unwrap();
    loader.compile(Source::from_file(&file).unwrap());
    assert!(matches!(settle(&loader), Status::Loaded { .. }));
    loader.set_watch(true);
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&file, &text).unwrap();
    let start = std::time::Instant::now();
    while !matches!(loader.status(), Status::Refused { .. })
        && start.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        matches!(loader.status(), Status::Refused { .. }),
        "{:?}",
        loader.status()
    );
    assert!(!marker.exists(), "the file watch ran it");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The gate is where the compile is: outside the Csound layer, only [`Engine::load_with`] calls
/// Csound's compile functions, and it calls the gate first. A new entry point that compiled
/// an orchestra some other way would fail this test.
///
/// [`Engine::load_with`]: csound_plugin::engine::Engine::load_with
#[test]
fn only_the_gated_load_reaches_csounds_compiler() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.clone()];
    let mut callers = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            if path.ends_with("csound") {
                continue; // the layer that defines them
            }
            for entry in std::fs::read_dir(&path).unwrap() {
                files.push(entry.unwrap().path());
            }
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut function = String::new();
        for line in text.lines() {
            let code = line.trim_start();
            if let Some(rest) = code
                .strip_prefix("pub fn ")
                .or_else(|| code.strip_prefix("fn "))
                .or_else(|| code.strip_prefix("pub(crate) fn "))
                .or_else(|| code.strip_prefix("pub(super) fn "))
            {
                function = rest.split(['(', '<']).next().unwrap_or("").to_string();
            }
            for call in [
                ".compile_csd_text(",
                ".compile_csd_file(",
                ".compile_orc(",
                ".read_score(",
            ] {
                if code.contains(call) && !code.starts_with("//") {
                    let file = path.strip_prefix(&root).unwrap().display().to_string();
                    callers.push((file, function.clone(), call));
                }
            }
        }
    }
    assert_eq!(
        callers,
        [(
            "engine/load.rs".to_string(),
            // `Engine::load_with`'s body, on the Csound it decided.
            "load_on".to_string(),
            ".compile_csd_text("
        )],
        "a new way into Csound's compiler must go through Engine::load_with and its gate"
    );
    let engine = std::fs::read_to_string(root.join("engine/load.rs")).unwrap();
    let load = &engine[engine.find("    pub fn load(").unwrap()..];
    let judged = load.find("trust::judge(").expect("the load calls the gate");
    let compiled = load.find(".compile_csd_text(").unwrap();
    assert!(judged < compiled, "the gate comes before the compile");
}

/// Orchestras the user opened, edited and saved in the editor reload silently in both formats.
#[test]
fn the_users_own_projects_reload_without_asking() {
    let dir = scratch("consent-own");
    let marker = dir.join("ran");
    let (_, shared, _) = hostile(&marker).remove(0);
    // The user opened it, allowed it, edited it (one more tone) and saved the project.
    TrustStore::open().allow(&shared, "mine.csd").unwrap();
    let edited = shared.replace("oscili 0.2, 440", "oscili 0.2, 550");
    let params = Arc::new(PluginParams::new());
    let (loader, _player) = Loader::new(params.clone(), Kind::Instrument);
    loader.compile(Source::text(edited.clone(), "mine.csd"));
    assert!(
        matches!(settle(&loader), Status::Refused { .. }),
        "edited: asks once"
    );
    let (_, source) = loader.take_refusal().unwrap();
    TrustStore::open()
        .allow(&source.text, &source.origin)
        .unwrap();
    loader.compile(source);
    assert!(matches!(settle(&loader), Status::Loaded { .. }));
    let saved_text = params.orchestra().text.expect("kept in the project");
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 256);
        load_orchestra(host.as_mut(), Some(&saved_text), None);
        let out = play_note(host.as_mut());
        assert!(peak(&out) > 0.1, "{format:?}: plays without a prompt");
        let (_, orchestra) = state_json(host.as_mut());
        assert!(
            orchestra["error"].is_null(),
            "{format:?}: {}",
            orchestra["error"]
        );
    }
    assert!(marker.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// A instrument writing `value` (an expression) to both outputs.
fn constant(value: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
         instr 1\n izero = 0\n a1 = a({value})\n outs a1, a1\nendin\n</CsInstruments>\n\
         </CsoundSynthesizer>\n"
    )
}

/// 1e30 DC and NaN reach the host as silence, and the console says why (once); a level
/// below the ceiling (+20 dBFS) passes untouched.
#[test]
fn wild_output_is_muted_with_a_console_message() {
    home();
    for (name, value, heard) in [
        ("dc", "1e30", 0.0),
        ("nan", "izero / izero", 0.0),
        ("loud", "10", 10.0),
    ] {
        let text = constant(value);
        for format in FORMATS {
            let mut host = open(format, Which::Instrument, 48000.0, 256);
            load_orchestra(host.as_mut(), Some(&text), None);
            let out = run(host.as_mut(), 4800, &[256], &[(0, note_on(60))], None);
            let tail: Vec<f32> = out.iter().flat_map(|c| c[1024..].to_vec()).collect();
            assert!(
                tail.iter().all(|s| *s == heard),
                "{format:?} {name}: the host got {:?}",
                tail.iter().find(|s| **s != heard)
            );
        }
        // The console is the engine's message log.
        let params = Arc::new(PluginParams::new());
        let source = Source::text(text, name);
        let setup = live::Setup::default();
        let mut engine = live::load_into(&params, &source, 48000.0, Kind::Instrument, &setup)
            .unwrap_or_else(|e| panic!("{e}"));
        let log = engine.messages();
        log.take();
        let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
        let note = csound_plugin::engine::MidiEvent::NoteOn {
            at: 0,
            channel: 0,
            key: 60,
            velocity: 1.0,
        };
        let mut events = [note].into_iter();
        for _ in 0..4 {
            let transport = Default::default();
            engine.process(
                &mut [&mut l, &mut r],
                None,
                &mut events,
                &|_| None,
                &transport,
            );
        }
        let said = log.take();
        let muted = said
            .iter()
            .filter(|m| m.text.contains("output muted"))
            .count();
        let expected = if heard == 0.0 { 1 } else { 0 };
        assert_eq!(
            muted, expected,
            "{name}: said once, not per k-period: {said:?}"
        );
    }
}
