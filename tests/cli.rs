//! The `csound-plugin` command line: renders with the plugins' engine, checks orchestras, and
//! fails with a clear message and a non-zero status on bad input.

mod common;
use common::{fixture, scratch};
use std::process::{Command, Output};

fn cli(args: &[&str]) -> Output {
    // Made once: the tests run at once, and the bundled Csound unpacks into its cache.
    static HOME: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .args(args)
        // The user's own allowed orchestras never leak into tests.
        .env(
            "CSOUND_PLUGIN_HOME",
            HOME.get_or_init(|| scratch("cli-home")),
        )
        .output()
        .expect("the binary runs")
}

fn read_wav(path: &std::path::Path) -> (hound::WavSpec, Vec<f32>) {
    let mut reader = hound::WavReader::open(path).expect("a WAV file");
    let spec = reader.spec();
    let samples = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(|s| s.unwrap()).collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1i64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.unwrap() as f32 * scale)
                .collect()
        }
    };
    (spec, samples)
}

#[test]
fn render_writes_the_demo_phrase_in_each_format() {
    let dir = scratch("cli-render");
    for bits in ["16", "24", "32"] {
        let out = dir.join(format!("demo{bits}.wav"));
        let result = cli(&[
            "render",
            "-o",
            out.to_str().unwrap(),
            "--bits",
            bits,
            "--sample-rate",
            "44100",
        ]);
        assert!(
            result.status.success(),
            "{}",
            String::from_utf8_lossy(&result.stderr)
        );
        let (spec, samples) = read_wav(&out);
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (2, 44100, bits.parse().unwrap())
        );
        let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak > 0.05 && peak < 1.0, "{bits}-bit demo peak {peak}");
        assert!(samples.iter().all(|s| s.is_finite()));
    }
}

#[test]
fn automation_changes_the_render() {
    let dir = scratch("cli-automation");
    let auto = dir.join("auto.txt");
    std::fs::write(
        &auto,
        "# silence the synth after one second\n1.0 volume -60\n",
    )
    .unwrap();
    let plain = dir.join("plain.wav");
    let automated = dir.join("automated.wav");
    assert!(
        cli(&["render", "-o", plain.to_str().unwrap(), "--bits", "32"])
            .status
            .success()
    );
    let r = cli(&[
        "render",
        "-o",
        automated.to_str().unwrap(),
        "--bits",
        "32",
        "--automation",
        auto.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let (_, a) = read_wav(&plain);
    let (_, b) = read_wav(&automated);
    let late = |s: &[f32]| {
        s[2 * 48000 * 2..]
            .iter()
            .fold(0.0f32, |m, x| m.max(x.abs()))
    };
    assert!(
        late(&b) < late(&a) * 0.01,
        "volume -60 dB: {} vs {}",
        late(&b),
        late(&a)
    );
    assert_eq!(
        a[..2 * 40000],
        b[..2 * 40000],
        "identical before the automation point"
    );
}

#[test]
fn check_lists_parameters_and_note_convention() {
    let r = cli(&[
        "check",
        fixture("../../presets/instrument/poly-synth.csd")
            .to_str()
            .unwrap(),
    ]);
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(
        text.contains("Cutoff")
            && text.contains("\"cutoff\"")
            && text.contains("Saw | Square | Triangle"),
        "{text}"
    );
    assert!(text.contains("p4") && text.contains("held"), "{text}");
    assert!(text.contains("safe to share"), "{text}");
    assert!(text.contains("2 output and 2 input channels"), "{text}");
    let r = cli(&["check", fixture("massign.csd").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&r.stdout).contains("raw MIDI"));
    let dir = scratch("cli-check");
    let risky = dir.join("risky.csd");
    std::fs::write(&risky, "<CsoundSynthesizer>\n<CsInstruments>\n#define RUN #system_i#\ninstr 1\n ir $RUN 1, \"ls\"\nendin\n</CsInstruments>\n</CsoundSynthesizer>\n").unwrap();
    // A shared orchestra is checked confined by the kernel: what it reaches is reported, with
    // where, and nothing of it runs.
    let r = cli(&["check", risky.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{text}");
    assert!(
        text.contains("line 5: system_i (runs programs or code)") && text.contains("confined"),
        "{text}"
    );
}

#[test]
fn bad_input_fails_clearly_with_a_non_zero_status() {
    let dir = scratch("cli-errors");
    let broken = dir.join("broken.csd");
    std::fs::write(&broken, "<CsoundSynthesizer>\n<CsInstruments>\ninstr 1\n a1 oscili 0.5 440\nendin\n</CsInstruments>\n</CsoundSynthesizer>\n").unwrap();
    let not_midi = dir.join("notes.mid");
    std::fs::write(&not_midi, "this is not MIDI").unwrap();
    let out = dir.join("x.wav");
    let out = out.to_str().unwrap();
    for (args, expect) in [
        (vec!["render", "missing.csd", "-o", out], "missing.csd"),
        (
            vec!["render", broken.to_str().unwrap(), "-o", out],
            "line 4",
        ),
        (vec!["check", broken.to_str().unwrap()], "line 4"),
        (
            vec!["render", "--midi", not_midi.to_str().unwrap(), "-o", out],
            "notes.mid",
        ),
        (vec!["render", "--bits", "12", "-o", out], "--bits"),
    ] {
        let r = cli(&args);
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(!r.status.success(), "{args:?} succeeded");
        assert!(err.contains(expect), "{args:?}: {err}");
    }
    for command in [
        vec!["--help"],
        vec!["render", "--help"],
        vec!["check", "--help"],
    ] {
        let r = cli(&command);
        assert!(
            r.status.success() && String::from_utf8_lossy(&r.stdout).contains("Usage"),
            "{command:?}"
        );
    }
}

#[test]
fn the_effect_renders_an_input_file() {
    let dir = scratch("cli-effect");
    let input = dir.join("in.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&input, spec).unwrap();
    for i in 0..48000 {
        let s = if i == 1000 { 1.0f32 } else { 0.0 };
        w.write_sample(s).unwrap();
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
    let out = dir.join("out.wav");
    let r = cli(&[
        "render",
        "--kind",
        "effect",
        "--input",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--bits",
        "32",
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let (_, samples) = read_wav(&out);
    let left: Vec<f32> = samples.iter().step_by(2).copied().collect();
    let first = left.iter().position(|s| s.abs() > 1e-6);
    assert_eq!(
        first,
        Some(1000),
        "the render is latency-compensated: the dry impulse stays at 1000"
    );
    assert!(
        left[1001..].iter().any(|s| s.abs() > 0.01),
        "the echoes are there"
    );
}

#[test]
fn check_and_render_say_and_use_the_chosen_csound() {
    let csd = fixture("../../presets/instrument/poly-synth.csd");
    for (flag, name) in [
        (None, "on Csound 6.18 (system)"),
        (Some("6"), "on Csound 6.18 (system)"),
        (Some("7"), "on Csound 7.0 (bundled)"),
    ] {
        let mut args = vec!["check", csd.to_str().unwrap()];
        args.extend(flag.map(|v| ["--csound", v]).into_iter().flatten());
        let r = cli(&args);
        let text = String::from_utf8_lossy(&r.stdout);
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        assert!(
            text.contains(&format!("compiles {name}")),
            "{flag:?}: {text}"
        );
    }
    // A CSD's own score, written by Csound 7.0 itself.
    let out = scratch("cli-csound7").join("additive-7.wav");
    let r = cli(&[
        "render",
        fixture("additive.csd").to_str().unwrap(),
        "--csound",
        "7",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let (_, samples) = read_wav(&out);
    assert!(samples.iter().any(|s| s.abs() > 0.01), "silent on 7.0");
    let r = cli(&["check", csd.to_str().unwrap(), "--csound", "5"]);
    assert!(!r.status.success(), "an unknown Csound is refused");
}
