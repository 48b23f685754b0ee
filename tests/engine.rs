//! The real-time engine driven directly (no plugin host): the grid of k-periods, latency and
//! sample-accurate events, at many block sizes.

mod common;
use common::fixture;
use csound_plugin::engine::transport::Transport;
use csound_plugin::engine::MidiEvent;
use csound_plugin::engine::{Engine, Loaded};
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::{Kind, Source};

fn engine(csd: &str, sr: f64, kind: Kind) -> Engine {
    let text = std::fs::read_to_string(fixture(csd)).unwrap();
    let (mut engine, loaded) =
        Engine::load(&Source::text(text, csd), sr, kind, &TrustStore::default())
            .unwrap_or_else(|e| panic!("{e}"));
    let slots: Vec<Option<usize>> = (0..loaded.params.len()).map(Some).collect();
    engine.bind(&loaded.params, &slots).unwrap();
    engine
}

/// Processes `frames` frames in blocks of `sizes` (cycled), events at absolute frames.
fn render(
    engine: &mut Engine,
    frames: usize,
    sizes: &[usize],
    events: &[(usize, MidiEvent)],
) -> Vec<f32> {
    let mut left = Vec::with_capacity(frames);
    let (mut at, mut i) = (0, 0);
    while at < frames {
        let n = sizes[i % sizes.len()].min(frames - at);
        i += 1;
        let mut l = vec![0.0f32; n];
        let mut r = vec![0.0f32; n];
        let mut block_events =
            events
                .iter()
                .filter(|(t, _)| *t >= at && *t < at + n)
                .map(|(t, e)| {
                    let off = (*t - at) as u32;
                    match *e {
                        MidiEvent::NoteOn {
                            channel,
                            key,
                            velocity,
                            ..
                        } => MidiEvent::NoteOn {
                            at: off,
                            channel,
                            key,
                            velocity,
                        },
                        MidiEvent::NoteOff { channel, key, .. } => MidiEvent::NoteOff {
                            at: off,
                            channel,
                            key,
                        },
                        other => other,
                    }
                });
        engine.process(
            &mut [&mut l, &mut r],
            None,
            &mut block_events,
            &|_| None,
            &Transport::default(),
        );
        left.extend_from_slice(&l);
        at += n;
    }
    left
}

#[test]
fn every_onset_offset_is_heard_exactly_one_latency_later() {
    for sizes in [
        vec![1],
        vec![7],
        vec![64],
        vec![100],
        vec![256],
        vec![13, 500, 1, 64, 999, 32],
    ] {
        let mut e = engine("click.csd", 44100.0, Kind::Instrument);
        let latency = e.latency();
        // 2 * 32 + 1 notes: every phase inside the 32-frame k-period, twice over.
        let notes: Vec<usize> = (0..65).map(|n| 100 + n * 200 + n % 32).collect();
        let mut events = Vec::new();
        for &t in &notes {
            events.push((
                t,
                MidiEvent::NoteOn {
                    at: 0,
                    channel: 0,
                    key: 60,
                    velocity: 1.0,
                },
            ));
            events.push((
                t + 100,
                MidiEvent::NoteOff {
                    at: 0,
                    channel: 0,
                    key: 60,
                },
            ));
        }
        let out = render(&mut e, 100 + 66 * 200, &sizes, &events);
        for &t in &notes {
            let first = out[t - 60..]
                .iter()
                .position(|s| s.abs() > 1e-9)
                .map(|i| i + t - 60);
            assert_eq!(
                first,
                Some(t + latency),
                "blocks {sizes:?}: note at {t} (phase {})",
                t % 32
            );
        }
    }
}

/// Loads an orchestra the user allowed (these use opcodes that reach outside the instrument).
fn load_allowed(text: &str, origin: &str) -> csound_plugin::csound::Result<(Engine, Loaded)> {
    let mut trust = TrustStore::default();
    trust.allow(text, origin).unwrap();
    Engine::load(
        &Source::text(text, origin),
        48000.0,
        Kind::Instrument,
        &trust,
    )
}

fn csd(orc: &str) -> String {
    format!("<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n{orc}</CsInstruments>\n</CsoundSynthesizer>\n")
}

#[test]
fn python_opcodes_run_in_one_engine_at_a_time_and_faust_never() {
    // Two engines running Python opcodes at once crash the process (libpy has no GIL handling),
    // so the second is refused with a clear message until the first is gone.
    let python = csd("pyinit\ninstr 1\n kx pyeval \"1.0\"\nendin\n");
    let (first, _) = load_allowed(&python, "a.csd").unwrap_or_else(|e| panic!("{e}"));
    let e = load_allowed(&python, "b.csd")
        .err()
        .expect("a second Python engine");
    assert!(
        e.to_string().contains("b.csd") && e.to_string().contains("one instance at a time"),
        "{e}"
    );
    let plain = csd("instr 1\n a1 oscili 0.1, 440\n outs a1, a1\nendin\n");
    assert!(
        load_allowed(&plain, "c.csd").is_ok(),
        "plain orchestras are not affected"
    );
    drop(first);
    let (again, _) = load_allowed(&python, "b.csd").unwrap_or_else(|e| panic!("{e}"));
    drop(again);

    let faust =
        csd("#define F #faustcompile#\ninstr 1\n ih $F \"process = _;\", \"-vec\"\nendin\n");
    let e = load_allowed(&faust, "f.csd").err().expect("faust refused");
    assert!(
        e.to_string().contains("faustcompile") && e.to_string().contains("line 8"),
        "{e}"
    );
}

#[test]
fn the_console_names_the_csound_an_orchestra_runs_on() {
    use csound_plugin::csound::Version;
    use csound_plugin::engine::{csound_for, Setup};
    let source = Source::text(
        csd("instr 1\n outs oscili(0.1, 440), oscili(0.1, 440)\nendin\n"),
        "banner.csd",
    );
    for version in Version::ALL {
        let setup = Setup {
            csound: Some(version),
            ..Setup::plugin(48000.0)
        };
        let (engine, _) =
            Engine::load_with(&source, &setup, Kind::Instrument, &TrustStore::default()).unwrap();
        assert_eq!(engine.csound().version(), version);
        let log = engine.csound().messages().take();
        let banner = format!("banner.csd runs on {}", version.label());
        assert!(
            log.iter().any(|m| m.text.contains(&banner)),
            "{version}: {log:?}"
        );
    }
    // A saved choice is kept where it can run; no choice lets the orchestra decide.
    assert_eq!(csound_for(Some("7")), (Some(Version::Seven), None));
    assert_eq!(csound_for(Some("6")), (Some(Version::Six), None));
    assert_eq!(csound_for(None), (None, None));
}
