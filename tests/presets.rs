//! Preset files end to end: captured, written, read back and applied through the offline path
//! the command line uses (the same engine, binding and automation code as the plugins).

mod common;
use common::scratch;
use csound_plugin::offline::render::{self, AutomationPoint, Job, Rendered};
use csound_plugin::orchestra::factory;
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::Kind;
use csound_plugin::presets::{import_snaps, Preset};
use std::collections::BTreeMap;
use std::process::Command;

const SR: f64 = 48_000.0;

fn poly_synth() -> &'static str {
    factory::orchestra(Kind::Instrument, "poly-synth.csd")
        .expect("built in")
        .text
}

/// Renders the demo phrase with `values` set at the first frame.
fn render_with(csd: &str, values: &[(String, f64)]) -> Rendered {
    let job = Job {
        csd,
        origin: "test.csd",
        kind: Kind::Instrument,
        sample_rate: SR,
        block: 256,
        events: render::demo_phrase(SR),
        automation: values
            .iter()
            .map(|(channel, value)| AutomationPoint {
                frame: 0,
                channel: channel.clone(),
                value: *value,
            })
            .collect(),
        input: None,
        frames: (4.5 * SR) as usize,
        strings: BTreeMap::new(),
        csound: None,
        midi_out: None,
    };
    render::render(&job, &TrustStore::default(), |_| {}).unwrap_or_else(|e| panic!("{e}"))
}

fn sound_values() -> BTreeMap<String, f64> {
    BTreeMap::from([
        ("shape".to_string(), 1.0),
        ("cutoff".to_string(), 900.0),
        ("resonance".to_string(), 0.6),
        ("release".to_string(), 0.8),
        ("volume".to_string(), -9.0),
    ])
}

#[test]
fn a_saved_preset_loads_back_to_identical_audio() {
    let csd = poly_synth();
    let specs = render_with(csd, &[]).params;
    // The sound: every parameter set (as after a host restores them), some away from default.
    let current: BTreeMap<String, f64> = specs
        .iter()
        .map(|s| {
            let v = sound_values().get(&s.channel).copied().unwrap_or(s.default);
            (s.channel.clone(), v)
        })
        .collect();
    let values: Vec<(String, f64)> = current.clone().into_iter().collect();
    let original = render_with(csd, &values);
    let default = render_with(csd, &[]);
    assert!(
        original.channels[0] != default.channels[0],
        "the values change the sound"
    );
    let specs = &original.params;

    let preset = Preset::capture(
        "Dark Square",
        Kind::Instrument,
        "poly-synth.csd",
        csd,
        current,
        BTreeMap::new(),
        true,
    );
    let file = scratch("preset-round-trip").join("dark-square.cspreset");
    std::fs::write(&file, preset.to_text()).unwrap();

    // Load: the file alone (its own orchestra), applied by channel name.
    let loaded = Preset::parse(&std::fs::read_to_string(&file).unwrap(), "dark-square").unwrap();
    let source = loaded.source.as_deref().expect("embedded");
    let applied = loaded.apply_to(specs, source);
    assert!(applied.same_orchestra && applied.report().is_none());
    let again = render_with(source, &applied.values);
    assert!(
        original.channels[0] == again.channels[0],
        "identical audio, bit for bit"
    );
    assert!(original.channels[1] == again.channels[1]);
}

#[test]
fn a_preset_for_another_version_applies_matching_channels_and_reports_the_rest() {
    let old = poly_synth();
    let preset = Preset::capture(
        "Old",
        Kind::Instrument,
        "poly-synth.csd",
        old,
        sound_values(),
        BTreeMap::new(),
        false,
    );
    // The orchestra was edited: "cutoff" renamed, a channel added.
    let new = old.replace("\"cutoff\"", "\"brightness\"").replace(
        "chn_k \"volume\"",
        "chn_k \"width\", 1, 2, 0.5, 0, 1, 0, 0, 0, 0, \"label=Width\"\nchn_k \"volume\"",
    );
    let specs = render_with(&new, &[]).params;
    let applied = preset.apply_to(&specs, &new);
    assert!(!applied.same_orchestra);
    assert_eq!(applied.unmatched, ["cutoff"]);
    assert!(applied.missing.contains(&"brightness".to_string()));
    assert!(applied.missing.contains(&"width".to_string()));
    let report = applied.report().unwrap();
    assert!(
        report.contains("cutoff") && report.contains("another version"),
        "{report}"
    );
    // What matched reaches the sound exactly as if set by hand.
    let matching: Vec<(String, f64)> = sound_values()
        .into_iter()
        .filter(|(c, _)| c != "cutoff")
        .collect();
    assert_eq!(applied.values.len(), matching.len());
    assert!(
        render_with(&new, &applied.values).channels[0] == render_with(&new, &matching).channels[0]
    );
}

#[test]
fn cabbage_snaps_import_as_presets() {
    let csd = poly_synth();
    let snaps = r#"{
        "Dark": {"cutoff": 300, "resonance": 0.8, "unknown": 3},
        "Bright": {"cutoff": 9000, "shape": 2}
    }"#;
    let presets = import_snaps(
        snaps,
        "synth.snaps",
        Kind::Instrument,
        "poly-synth.csd",
        csd,
    )
    .expect("imports");
    let names: Vec<&str> = presets.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Bright", "Dark"]);
    let specs = render_with(csd, &[]).params;
    let dark = presets[1].apply_to(&specs, csd);
    assert_eq!(dark.unmatched, ["unknown"]);
    let by_hand = [
        ("cutoff".to_string(), 300.0),
        ("resonance".to_string(), 0.8),
    ];
    assert!(render_with(csd, &dark.values).channels[0] == render_with(csd, &by_hand).channels[0]);
}

#[test]
fn the_command_line_renders_a_preset_file() {
    let dir = scratch("preset-cli");
    let csd = poly_synth();
    let preset = Preset::capture(
        "Dark",
        Kind::Instrument,
        "poly-synth.csd",
        csd,
        sound_values(),
        BTreeMap::new(),
        false,
    );
    let file = dir.join("dark.cspreset");
    std::fs::write(&file, preset.to_text()).unwrap();
    let out = dir.join("dark.wav");
    let result = Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .env("CSOUND_PLUGIN_HOME", &dir)
        .args(["render", "--preset", file.to_str().unwrap(), "--bits", "32"])
        .args(["--tail", "2.5", "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let mut reader = hound::WavReader::open(&out).unwrap();
    let left: Vec<f32> = reader
        .samples::<f32>()
        .step_by(2)
        .map(|s| s.expect("a float sample"))
        .collect();
    let values: Vec<(String, f64)> = sound_values().into_iter().collect();
    let expected = render_with(csd, &values);
    // The preset names the built-in orchestra: it is found without a file.
    let n = left.len().min(expected.channels[0].len());
    assert!(n > SR as usize && left[..n] == expected.channels[0][..n]);
}
