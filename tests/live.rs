//! Live recompilation, driven as the plugin drives it: a [`Loader`] compiling on its worker
//! thread and a [`Player`] processing blocks as the audio thread does.

mod common;
use common::{frequency, scratch};
use csound_plugin::csound::process::spawn::Program;
use csound_plugin::csound::Message;
use csound_plugin::engine::live::{Launch, Loader, Player, Status, FADE_SECONDS};
use csound_plugin::engine::transport::Transport;
use csound_plugin::engine::MidiEvent;
use csound_plugin::orchestra::Kind;
use csound_plugin::orchestra::Source;
use csound_plugin::params::PluginParams;
use std::sync::Arc;
use std::time::Duration;

const SR: f64 = 48_000.0;
const BLOCK: usize = 256;

/// A held sine per note at `ratio` times the key's frequency, amplitude from the "gain" channel.
fn sine_csd(ratio: f64, extra_channel: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
         {extra_channel}\
         chn_k \"gain\", 1, 2, 0.5, 0, 1, 0, 0, 0, 0, \"label=Gain\"\n\
         instr 1\n kg chnget \"gain\"\n a1 oscili 0.8 * upsamp(kg), cpsmidinn(p4) * {ratio}\n \
         aenv linsegr 1, 1, 1, 0.01, 0\n outs a1 * aenv, a1 * aenv\nendin\n\
         </CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n"
    )
}

fn source(text: String, name: &str) -> Source {
    Source {
        text,
        origin: name.into(),
        path: None,
    }
}

/// A loader and player with `text` loaded, as the plugin's activation leaves them: engines run
/// in processes of their own, started from the plugin library.
fn start(text: String) -> (Arc<PluginParams>, Loader, Player) {
    let params = Arc::new(PluginParams::new());
    let launch = Launch::Process(Program::Library(common::plugin_library()));
    let (loader, mut player) = Loader::with_launch(params.clone(), Kind::Instrument, launch);
    loader.configure(SR, BLOCK, true);
    let engine = loader
        .load_now(&params, &source(text, "a.csd"), Kind::Instrument)
        .unwrap_or_else(|e| panic!("{e}"));
    loader.loaded(Some(&engine));
    player.install(Some(engine), BLOCK);
    (params, loader, player)
}

/// Processes `blocks` blocks (left channel appended to `out`); `first_events` go in the first.
fn play(
    player: &mut Player,
    out: &mut Vec<f32>,
    blocks: usize,
    first_events: &[MidiEvent],
    values: &dyn Fn(usize) -> Option<f32>,
) {
    for b in 0..blocks {
        let mut l = vec![0.0f32; BLOCK];
        let mut r = vec![0.0f32; BLOCK];
        let events: &[MidiEvent] = if b == 0 { first_events } else { &[] };
        let mut events = events.iter().copied();
        player.process(
            &mut [&mut l, &mut r],
            None,
            &mut events,
            values,
            &Transport::default(),
        );
        assert_eq!(l, r, "mono instrument");
        out.extend_from_slice(&l);
    }
}

fn note_on(key: u8) -> MidiEvent {
    MidiEvent::NoteOn {
        at: 0,
        channel: 0,
        key,
        velocity: 1.0,
    }
}

fn max_step(x: &[f32]) -> f32 {
    x.windows(2).fold(0.0, |m, w| m.max((w[1] - w[0]).abs()))
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|s| s * s).sum::<f32>() / x.len() as f32).sqrt()
}

#[test]
fn a_recompile_while_a_note_plays_crossfades_without_a_click_or_a_gap() {
    let (_params, loader, mut player) = start(sine_csd(1.0, ""));
    let mut out = Vec::new();
    let none = |_| None;
    // Key 69 (440 Hz) held throughout.
    play(&mut player, &mut out, 60, &[note_on(69)], &none);
    let swap_at = out.len();
    loader.compile(source(sine_csd(1.5, ""), "b.csd"));
    assert!(matches!(
        loader.wait(Duration::from_secs(20)),
        Status::Loaded { .. }
    ));
    play(&mut player, &mut out, 90, &[], &none);
    assert!(!player.fading(), "the fade is over");

    let before = &out[4800..swap_at];
    let after = &out[out.len() - 9600..];
    let to_f64 = |x: &[f32]| x.iter().map(|&s| s as f64).collect::<Vec<_>>();
    // The new orchestra took the held note over: it plays on, at its own pitch.
    assert!((frequency(&to_f64(before), SR) - 440.0).abs() < 1.0);
    assert!((frequency(&to_f64(after), SR) - 660.0).abs() < 1.0);
    // No gap: every 5 ms around the swap keeps at least half the level (a raised-cosine fade
    // of two unrelated sines dips to 1/sqrt(2)).
    let level = rms(before).min(rms(after));
    let window = (0.005 * SR) as usize;
    for w in out[swap_at - 4 * window..swap_at + 20 * window].chunks(window) {
        assert!(rms(w) > 0.5 * level, "gap: {} against {level}", rms(w));
    }
    // No click: no step larger than the two orchestras' own steepest, plus what the fade's
    // slope can add (pi/2 per fade length, times the largest difference of the two signals).
    let fade = FADE_SECONDS * SR;
    let peak = 0.8 * 0.5;
    let allowed = max_step(before).max(max_step(after))
        + (std::f64::consts::FRAC_PI_2 / fade) as f32 * 2.0 * peak;
    let region = &out[swap_at - 1..swap_at + 20 * window];
    assert!(
        max_step(region) <= allowed * 1.001,
        "step {} > allowed {allowed}",
        max_step(region)
    );
    // A hard switch would have stepped by up to the sum of both peaks.
    assert!(allowed < peak);
}

#[test]
fn a_failing_recompile_leaves_the_audio_identical() {
    let render = |recompile: bool| {
        let (_params, loader, mut player) = start(sine_csd(1.0, ""));
        let mut out = Vec::new();
        let none = |_| None;
        play(&mut player, &mut out, 40, &[note_on(60)], &none);
        if recompile {
            let broken = sine_csd(1.0, "").replace("oscili 0.8", "oscili 0.8 0.1");
            loader.compile(source(broken, "broken.csd"));
            match loader.wait(Duration::from_secs(20)) {
                Status::Failed { error, line } => {
                    assert!(error.contains("broken.csd"), "{error}");
                    assert_eq!(line, Some(9), "{error}");
                }
                other => panic!("{other:?}"),
            }
        }
        play(&mut player, &mut out, 80, &[], &none);
        out
    };
    let plain = render(false);
    let with_failure = render(true);
    assert!(rms(&plain) > 0.1);
    assert_eq!(plain, with_failure, "bit for bit");
}

#[test]
fn parameter_values_carry_over_by_channel_name() {
    let (params, loader, mut player) = start(sine_csd(1.0, ""));
    let gain_slot = params.orchestra().bindings["gain"];
    let mut out = Vec::new();
    // The host holds "gain" at 0.25.
    let values = move |slot: usize| (slot == gain_slot).then_some(0.25);
    play(&mut player, &mut out, 40, &[note_on(69)], &values);
    let before = rms(&out[out.len() - 4800..]);
    // The new orchestra declares another channel first: "gain" keeps its slot and value.
    let extra = "chn_k \"drive\", 1, 2, 0, 0, 1, 0, 0, 0, 0, \"label=Drive\"\n";
    loader.compile(source(sine_csd(1.5, extra), "b.csd"));
    assert!(matches!(
        loader.wait(Duration::from_secs(20)),
        Status::Loaded { .. }
    ));
    play(&mut player, &mut out, 60, &[], &values);
    assert_eq!(params.orchestra().bindings["gain"], gain_slot);
    assert_ne!(params.orchestra().bindings["drive"], gain_slot);
    let after = rms(&out[out.len() - 4800..]);
    assert!(
        (after / before - 1.0).abs() < 0.02,
        "same gain after the swap: {before} -> {after}"
    );
    // Against the default gain (0.5) the level would have doubled.
    assert!((before - 0.8 * 0.25 / 2f32.sqrt()).abs() < 0.01, "{before}");
}

#[test]
fn a_watched_file_recompiles_when_saved() {
    let dir = scratch("live-watch");
    let file = dir.join("watched.csd");
    std::fs::write(&file, sine_csd(1.0, "")).unwrap();
    let (params, loader, mut player) = start(sine_csd(1.0, ""));
    loader.compile(Source {
        text: std::fs::read_to_string(&file).unwrap(),
        origin: "watched.csd".into(),
        path: Some(file.to_string_lossy().into_owned()),
    });
    loader.wait(Duration::from_secs(20));
    let loaded = loader.generation();
    loader.set_watch(true);
    // File systems with coarse timestamps need the new write to land in another tick.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&file, sine_csd(1.5, "")).unwrap();
    let start = std::time::Instant::now();
    while loader.generation() == loaded && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(loader.generation(), loaded + 1, "recompiled once");
    assert!(params.orchestra().text.unwrap().contains("* 1.5"));
    let mut out = Vec::new();
    play(&mut player, &mut out, 80, &[note_on(69)], &|_| None);
    let tail: Vec<f64> = out[out.len() - 9600..].iter().map(|&s| s as f64).collect();
    assert!((frequency(&tail, SR) - 660.0).abs() < 1.0);
}

#[test]
fn a_csound_chosen_while_a_load_runs_is_the_one_the_next_load_uses() {
    let (params, loader, _player) = start(sine_csd(1.0, ""));
    assert_eq!(params.csound(), None, "nobody chose");
    let first = params
        .csound_running()
        .expect("the first load records its Csound");
    let other = if first == "6" { "7" } else { "6" };
    // Global code that keeps the compile busy for a while.
    let busy = "giN = 0\nwhile giN < 6000000 do\n giN += 1\nod\n";
    let loads = loader.generation();
    loader.compile(source(sine_csd(1.0, busy), "busy.csd"));
    std::thread::sleep(Duration::from_millis(100));
    // As the editor's Csound menu does, while that compile runs.
    params.set_csound(Some(other));
    loader.compile(source(sine_csd(1.0, ""), "after.csd"));
    let started = std::time::Instant::now();
    while loader.generation() < loads + 2 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(matches!(loader.status(), Status::Loaded { .. }));
    assert_eq!(params.csound().as_deref(), Some(other));
    // The engine process's console arrives as it writes it.
    let label = csound_plugin::csound::Version::from_key(other)
        .expect("a Csound")
        .label();
    let banner = format!("after.csd runs on {label}");
    let console = loader.log().expect("a console");
    let mut seen = Vec::new();
    while !seen.iter().any(|m: &Message| m.text.contains(&banner))
        && started.elapsed() < Duration::from_secs(20)
    {
        seen.extend(console.take());
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(seen.iter().any(|m| m.text.contains(&banner)), "{seen:?}");
}

/// A recompile that changes a channel's declared default moves the slot the host shows to it,
/// and tells the host, without marking the slot as moved.
#[test]
fn a_recompile_shows_the_host_the_new_declared_defaults() {
    let (params, loader, _player) = start(sine_csd(1.0, ""));
    let told = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = told.clone();
    params.on_values_changed(Box::new(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }));
    let slot = params.orchestra().bindings["gain"];
    assert!((params.slots[slot].normalized() - 0.5).abs() < 1e-6);
    let louder = sine_csd(1.0, "").replace("0.5, 0, 1", "0.8, 0, 1");
    loader.compile(source(louder, "b.csd"));
    assert!(matches!(
        loader.wait(Duration::from_secs(20)),
        Status::Loaded { .. }
    ));
    assert!((params.slots[slot].normalized() - 0.8).abs() < 1e-6);
    assert_eq!(params.slots[slot].text(0.8), "Gain: 0.800");
    assert_eq!(told.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(!params.is_engaged(slot), "not moved by the user");
}
