//! The rest of the host API a host needs: channels with hints, audio-thread handles, strings,
//! audio channels, tables, events, kill, reset, the performance thread, and a silent stdout.

mod common;
use common::*;
use csound_plugin::csound::{
    Behaviour, ChannelKind, Csound, EventKind, KillMode, Perform, PerformanceThread, StaleChannel,
    Version,
};

const HEAD: &str = "sr = 48000\nksmps = 32\nnchnls = 2\n0dbfs = 1\n";

fn started(orc: &str, score: &str) -> Csound {
    started_on(Version::preferred(), orc, score)
}

fn started_on(version: Version, orc: &str, score: &str) -> Csound {
    let mut cs = Csound::on(version).unwrap();
    cs.compile_orc(&format!("{HEAD}{orc}"))
        .unwrap_or_else(|e| panic!("{e}"));
    cs.read_score(score).unwrap();
    cs.start().unwrap();
    cs
}

fn perform(cs: &mut Csound, periods: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for _ in 0..periods {
        assert_eq!(cs.perform_ksmps(), Perform::Running);
        out.extend_from_slice(cs.spout());
    }
    out
}

#[test]
fn declared_channels_are_listed_with_their_hints() {
    let orc = r#"
chn_k "cutoff", 1, 3, 1000, 20, 20000
chn_k "voices", 1, 1, 4, 1, 16
chn_k "level", 3, 2, 0.5, 0, 1
chn_k "meter", 2
chn_a "sidechain", 1
chn_S "sample", 1
instr 1
endin
"#;
    let mut cs = started(orc, "");
    let list = cs.channels().unwrap();
    let get = |n: &str| {
        list.iter()
            .find(|c| c.name == n)
            .unwrap_or_else(|| panic!("{n} missing: {list:?}"))
    };
    let cutoff = get("cutoff");
    assert_eq!(
        (cutoff.kind, cutoff.input, cutoff.output),
        (ChannelKind::Control, true, false)
    );
    assert_eq!(cutoff.hints.behaviour, Behaviour::Exponential);
    assert_eq!(
        (cutoff.hints.default, cutoff.hints.min, cutoff.hints.max),
        (1000.0, 20.0, 20000.0)
    );
    assert_eq!(get("voices").hints.behaviour, Behaviour::Integer);
    let level = get("level");
    assert_eq!(
        (level.input, level.output, level.hints.behaviour),
        (true, true, Behaviour::Linear)
    );
    assert!(get("meter").output);
    assert_eq!(get("sidechain").kind, ChannelKind::Audio);
    assert_eq!(get("sample").kind, ChannelKind::String);
    // chn_k's default is only a hint: the channel starts at 0 until the host writes it.
    assert_eq!(cs.control_by_name("cutoff").unwrap(), 0.0);
}

#[test]
fn hints_and_attributes_set_by_the_host_read_back() {
    let mut cs = started("instr 1\nendin\n", "");
    let hints = csound_plugin::csound::ChannelHints {
        behaviour: Behaviour::Linear,
        default: 0.25,
        min: 0.0,
        max: 2.0,
        attributes: Some("label=Drive unit=dB".into()),
    };
    cs.set_control_hints("drive", &hints).unwrap();
    let info = cs
        .channels()
        .unwrap()
        .into_iter()
        .find(|c| c.name == "drive")
        .unwrap();
    assert_eq!(info.hints, hints);
}

#[test]
fn a_channel_handle_drives_the_orchestra_and_reads_its_output() {
    let orc = "instr 1\n kamp chnget \"amp\"\n a1 oscili kamp, 1000\n outs a1, a1\n chnset kamp * 2, \"twice\"\nendin\n";
    let mut cs = started(orc, "i 1 0 10");
    let amp = cs.control_channel("amp").unwrap();
    let twice = cs.control_channel("twice").unwrap();
    cs.set_control(amp, 0.0).unwrap();
    assert_eq!(peak(&perform(&mut cs, 20)), 0.0);
    cs.set_control(amp, 0.4).unwrap();
    let out = perform(&mut cs, 20);
    assert!((peak(&out) - 0.4).abs() < 0.01, "peak {}", peak(&out));
    assert_eq!(cs.control(twice).unwrap(), 0.8);
    assert_eq!(cs.control(amp).unwrap(), 0.4);

    // Handles are tied to the instance and its reset generation.
    let mut other = started(orc, "");
    assert_eq!(other.set_control(amp, 1.0), Err(StaleChannel));
    other.reset();
    cs.reset();
    assert_eq!(cs.set_control(amp, 1.0), Err(StaleChannel));
    assert_eq!(cs.control(twice), Err(StaleChannel));
}

#[test]
fn a_control_channel_name_of_another_type_is_an_error() {
    let mut cs = started("chn_S \"name\", 1\ninstr 1\nendin\n", "");
    let e = cs.control_channel("name").unwrap_err();
    assert!(e.to_string().contains("\"name\""), "{e}");
    assert!(cs.control_channel("").is_err());
}

#[test]
fn string_and_audio_channels_carry_their_data() {
    let orc = "instr 1\n Sname chnget \"in\"\n chnset strcat(Sname, \"!\"), \"out\"\n \
               ain chnget \"ain\"\n chnset ain * 0.5, \"aout\"\nendin\n\
               chn_S \"in\", 3\nchn_S \"out\", 3\nchn_a \"ain\", 3\nchn_a \"aout\", 3\n";
    let mut cs = started(orc, "i 1 0 10");
    cs.set_string_channel("in", "hello").unwrap();
    let ramp: Vec<f64> = (0..32).map(|i| i as f64 / 32.0).collect();
    cs.set_audio_channel("ain", &ramp).unwrap();
    perform(&mut cs, 1);
    assert_eq!(cs.string_channel("out").unwrap(), "hello!");
    let mut half = vec![0.0; 32];
    cs.audio_channel("aout", &mut half).unwrap();
    assert!(half.iter().zip(&ramp).all(|(h, r)| *h == r * 0.5));
    assert!(
        cs.set_audio_channel("ain", &[0.0; 7]).is_err(),
        "wrong length accepted"
    );
}

#[test]
fn tables_can_be_read_written_and_copied() {
    let mut cs = started(
        "gi1 ftgen 1, 0, 8, -2, 0, 1, 2, 3, 4, 5, 6, 7\ninstr 1\nendin\n",
        "",
    );
    assert_eq!(cs.table_len(1), Some(8));
    assert_eq!(cs.table_len(99), None);
    assert_eq!(
        cs.table(1).unwrap(),
        (0..8).map(f64::from).collect::<Vec<_>>()
    );
    cs.table_set(1, 3, 30.0).unwrap();
    assert_eq!(cs.table_get(1, 3).unwrap(), 30.0);
    assert!(cs.table_get(1, 8).is_err(), "index past the end accepted");
    assert!(cs.table_get(99, 0).is_err());
    let data: Vec<f64> = (0..8).map(|i| -(i as f64)).collect();
    cs.table_copy_in(1, &data).unwrap();
    let mut back = vec![0.0; 8];
    cs.table_copy_out(1, &mut back).unwrap();
    assert_eq!(back, data);
    assert!(
        cs.table_copy_in(1, &data[..4]).is_err(),
        "short copy accepted"
    );

    // An `f` event creates a table at run time.
    cs.score_event(EventKind::Table, &[2.0, 0.0, 16.0, 10.0, 1.0])
        .unwrap();
    perform(&mut cs, 1);
    assert_eq!(cs.table_len(2), Some(16));
}

#[test]
fn score_events_messages_and_kills_start_and_stop_notes() {
    // On 7.0 the layer makes kills and absolute-time events from other calls.
    for version in Version::ALL {
        events_start_and_stop_notes_on(version);
    }
}

fn events_start_and_stop_notes_on(version: Version) {
    let orc = "instr 1\n a1 oscili 0.3, p4\n outs a1, a1\nendin\n";
    let mut cs = started_on(version, orc, "f 0 3600");
    assert_eq!(peak(&perform(&mut cs, 10)), 0.0);
    // A held note (negative p3) with a fractional tag, then released by its negative tag.
    cs.score_event(EventKind::Instrument, &[1.001, 0.0, -1.0, 500.0])
        .unwrap();
    let out = perform(&mut cs, 200);
    assert!((frequency(&channel(&out, 2, 0), 48000.0) - 500.0).abs() < 1.0);
    cs.score_event(EventKind::Instrument, &[-1.001, 0.0, 0.0])
        .unwrap();
    perform(&mut cs, 2);
    assert_eq!(
        peak(&perform(&mut cs, 10)),
        0.0,
        "the tagged note was not released"
    );

    // A line event as text.
    cs.input_message("i 1.002 0 -1 700").unwrap();
    let out = perform(&mut cs, 200);
    assert!((frequency(&channel(&out, 2, 0), 48000.0) - 700.0).abs() < 1.0);
    cs.kill_instance(1.002, KillMode::All, false).unwrap();
    perform(&mut cs, 2);
    assert_eq!(
        peak(&perform(&mut cs, 10)),
        0.0,
        "kill_instance left the note playing"
    );

    // An absolute-time event: at score time 2.0 s, which is still ahead.
    let now = cs.current_time_seconds();
    assert!(now < 1.0);
    cs.score_event_absolute(EventKind::Instrument, &[1.0, 2.0, 0.5, 600.0], 0.0)
        .unwrap();
    let until = ((2.0 - now) * 48000.0 / 32.0) as usize - 2;
    assert_eq!(
        peak(&perform(&mut cs, until)),
        0.0,
        "the absolute event started early"
    );
    assert!(
        peak(&perform(&mut cs, 20)) > 0.1,
        "the absolute event did not start"
    );
    assert_eq!(
        cs.current_time_samples() as f64,
        cs.current_time_seconds() * 48000.0
    );
}

#[test]
fn reset_keeps_the_callers_options_and_the_message_log() {
    let mut cs = Csound::new().unwrap();
    cs.set_option("--ksmps=8").unwrap();
    let log = cs.messages();
    for round in 0..2 {
        cs.compile_orc("sr = 48000\nnchnls = 1\ninstr 1\n prints \"round\\n\"\nendin\n")
            .unwrap();
        cs.read_score("i 1 0 0.01").unwrap();
        cs.start().unwrap();
        assert_eq!(cs.ksmps(), 8, "round {round}");
        while cs.perform_ksmps() == Perform::Running {}
        assert!(
            log.take().iter().any(|m| m.text.contains("round")),
            "round {round}: no message"
        );
        cs.reset();
    }
    assert!(cs.spout().is_empty(), "a reset engine has no spout");
}

#[test]
fn out_of_order_calls_fail_cleanly() {
    let mut cs = Csound::new().unwrap();
    assert_eq!(cs.perform_ksmps(), Perform::Ended, "perform before start");
    assert!(cs.spin_mut().is_empty());
    cs.compile_orc("instr 1\nendin").unwrap();
    cs.start().unwrap();
    assert!(cs.start().is_err(), "a second start");
    assert!(cs.enable_midi_input().is_err(), "MIDI after start");
    cs.cleanup();
    assert_eq!(cs.perform_ksmps(), Perform::Ended, "perform after cleanup");
}

#[test]
fn the_performance_thread_plays_pauses_takes_events_and_stops() {
    let orc = "instr 1\n a1 oscili 0.3, p4\n outs a1, a1\nendin\n";
    let cs = started(orc, "f 0 3600");
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = PerformanceThread::spawn(cs, move |cs| {
        let _ = tx.send((cs.current_time_samples(), peak(cs.spout())));
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert!(rx.try_recv().is_err(), "a new thread must start paused");
    thread.score_event(EventKind::Instrument, &[1.0, 0.0, -1.0, 440.0]);
    thread.play();
    let mut heard = false;
    for _ in 0..1000 {
        let (_, p) = rx.recv().unwrap();
        if p > 0.1 {
            heard = true;
            break;
        }
    }
    assert!(heard, "the event sent to the thread did not sound");
    thread.pause();
    std::thread::sleep(std::time::Duration::from_millis(20));
    while rx.try_recv().is_ok() {}
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert!(
        rx.try_recv().is_err(),
        "the thread kept performing while paused"
    );
    assert!(thread.is_running());
    thread.stop();
    let (cs, last) = thread.join();
    assert_eq!(
        last,
        Perform::Running,
        "stopped by request, not by the score"
    );
    assert!(cs.current_time_samples() > 0);
}

#[test]
fn the_performance_thread_ends_with_the_score() {
    let cs = started("instr 1\nendin\n", "i 1 0 0.1");
    let thread = PerformanceThread::spawn(cs, |_| {});
    thread.play();
    let (cs, last) = thread.join();
    assert_eq!(last, Perform::Ended);
    assert!(cs.current_time_seconds() >= 0.1);
}

/// Run in a child process by `nothing_reaches_stdout` (it checks what this prints).
#[test]
fn stdout_probe() {
    if std::env::var_os("CSOUND_PLUGIN_STDOUT_PROBE").is_none() {
        return;
    }
    let dir = scratch("stdout");
    let csd = fixture("subtractive.csd");
    let _ = render_layer(&csd, &[]);
    let mut cs = Csound::new().unwrap();
    let _ = cs.compile_orc(
        "instr 1\n a1 oscili 0.1, 440, 99\nendin\ninstr 2\n this is a syntax error\nendin",
    );
    let _ = cs.set_option("-odac");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn nothing_reaches_stdout() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args(["--exact", "stdout_probe", "--nocapture", "--test-threads=1"])
        .env("CSOUND_PLUGIN_STDOUT_PROBE", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let foreign: Vec<&str> = stdout
        .lines()
        .chain(stderr.lines())
        .filter(|l| !l.trim().is_empty())
        .filter(|l| {
            !(l.starts_with("running ")
                || l.starts_with("test ")
                || l.starts_with("successes")
                || l.contains("stdout_probe"))
        })
        .collect();
    assert!(
        foreign.is_empty(),
        "Csound printed to the process: {foreign:?}"
    );
    assert!(
        stdout.contains("1 passed"),
        "the probe did not run: {stdout}"
    );
}
