//! `<Cabbage>` sections in both syntaxes: the same instrument written for Cabbage 2 and for
//! Cabbage 3 declares the same parameters, channel values and layout.

mod common;

use common::{fixture, run_silent};
use csound_plugin::csound::{Behaviour, Version};
use csound_plugin::orchestra::cabbage::{self, Layout, WidgetKind};

fn read(name: &str) -> Layout {
    let text = std::fs::read_to_string(fixture(&format!("cabbage/{name}"))).unwrap();
    cabbage::read(&text)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .expect("a <Cabbage> section")
}

#[test]
fn both_syntaxes_declare_the_same_parameters() {
    let (two, three) = (read("acid2.csd"), read("acid3.csd"));
    let specs = cabbage::parameters(&two);
    assert_eq!(specs, cabbage::parameters(&three), "Cabbage 2 and 3 agree");
    let channels: Vec<&str> = specs.iter().map(|s| s.channel.as_str()).collect();
    assert_eq!(
        channels,
        [
            "cutoff", "res", "drive", "detune", "wave", "on", "trig", "x", "y", "low", "high",
            "attack"
        ],
        "automatable numeric widgets in layout order; automatable(0), keyboard, labels, \
         images, file buttons and unknown widgets are not parameters"
    );
    let by = |c: &str| specs.iter().find(|s| s.channel == c).unwrap();
    let cutoff = by("cutoff");
    assert_eq!(
        (
            cutoff.label.as_str(),
            cutoff.min,
            cutoff.max,
            cutoff.default
        ),
        ("Cutoff", 20.0, 20000.0, 1000.0)
    );
    assert_eq!((cutoff.skew, cutoff.step), (0.3, 1.0));
    // The taper: position p gives min + span * p^(1/skew), and back.
    let halfway = cutoff.plain(0.5);
    assert_eq!(halfway, (20.0 + 19980.0 * 0.5f64.powf(1.0 / 0.3)).round());
    assert!((cutoff.normalized(1000.0) - (980.0f64 / 19980.0).powf(0.3)).abs() < 1e-12);
    assert_eq!(by("res").plain(0.123456), 0.12, "snaps to its increment");
    assert_eq!(by("detune").step, 1.0);

    let wave = by("wave");
    assert_eq!(wave.behaviour, Behaviour::Integer);
    assert_eq!(
        (wave.min, wave.max, wave.default),
        (1.0, 3.0, 2.0),
        "1-based"
    );
    assert_eq!(wave.display(wave.default), "Square");
    assert_eq!(wave.steps, ["Saw", "Square", "Tri"]);
    let (on, trig) = (by("on"), by("trig"));
    assert_eq!((on.min, on.max, on.default), (0.0, 1.0, 1.0));
    assert_eq!(on.steps, ["Off", "On"]);
    assert_eq!(trig.steps, ["off", "on"], "a button's own texts");
    assert_eq!((by("x").default, by("y").default), (0.25, 150.0));
    assert_eq!((by("y").min, by("y").max), (100.0, 200.0));
    assert_eq!((by("low").default, by("high").default), (0.2, 0.8));
    assert_eq!(by("attack").skew, 0.5);
}

#[test]
fn both_syntaxes_give_the_same_layout() {
    let (two, three) = (read("acid2.csd"), read("acid3.csd"));
    assert_eq!(two.form.caption, "Acid Test");
    assert_eq!((two.form.width, two.form.height), (420.0, 300.0));
    assert_eq!(two.form.plugin_id.as_deref(), Some("Acd1"));
    assert_eq!(two.form.colour, three.form.colour);
    let kinds = |l: &Layout| l.widgets.iter().map(|w| w.kind).collect::<Vec<_>>();
    assert_eq!(kinds(&two), kinds(&three));
    for kind in [
        WidgetKind::RotarySlider,
        WidgetKind::HorizontalSlider,
        WidgetKind::VerticalSlider,
        WidgetKind::NumberSlider,
        WidgetKind::ComboBox,
        WidgetKind::CheckBox,
        WidgetKind::Button,
        WidgetKind::XyPad,
        WidgetKind::HorizontalRange,
        WidgetKind::GroupBox,
        WidgetKind::Keyboard,
        WidgetKind::Label,
        WidgetKind::Image,
        WidgetKind::CsoundOutput,
        WidgetKind::FileButton,
        WidgetKind::SoundFiler,
    ] {
        assert!(kinds(&two).contains(&kind), "{kind:?} read");
    }
    for (a, b) in two.widgets.iter().zip(&three.widgets) {
        assert_eq!(a.bounds, b.bounds, "{}", a.name());
        assert_eq!(a.channels, b.channels);
    }
    // Children sit inside their container.
    let attack = two
        .widgets
        .iter()
        .find(|w| w.channels == ["attack"])
        .unwrap();
    assert_eq!((attack.bounds.x, attack.bounds.y), (20.0, 155.0));
    // Macros expand, nested ones too.
    let cutoff = &two.widgets[0];
    assert_eq!(cutoff.colour, Some(cabbage::Colour([40, 40, 60, 255])));
    assert_eq!(
        cutoff.tracker_colour,
        Some(cabbage::Colour([200, 120, 0, 255]))
    );
    assert_eq!(
        cutoff.outline_colour,
        Some(cabbage::Colour([10, 10, 10, 255]))
    );
    assert_eq!(
        three.widgets[0].tracker_colour,
        Some(cabbage::Colour([200, 120, 0, 255]))
    );
}

#[test]
fn every_widget_channel_gets_its_starting_value() {
    let values = cabbage::channel_values(&read("acid2.csd"));
    let (numbers, texts) = (&values.numbers, &values.texts);
    let value = |c: &str| numbers.iter().find(|(n, _)| n == c).map(|(_, v)| *v);
    assert_eq!(value("hidden"), Some(0.5), "automatable(0) widgets too");
    assert_eq!(value("wave"), Some(2.0));
    assert_eq!(value("cutoff"), Some(1000.0));
    assert_eq!(*texts, [("file".to_string(), String::new())]);
    assert_eq!(values, cabbage::channel_values(&read("acid3.csd")));
}

#[test]
fn the_older_xy_pad_shape_and_zero_based_comboboxes() {
    let text = r#"<Cabbage>[
      {"type": "xyPad", "channel": {"id": "pad", "x": "px", "y": "py"},
       "range": {"x": {"min": 0, "max": 10, "value": 5}, "y": {"min": -1, "max": 1, "value": 0.5}}},
      {"type": "comboBox", "channel": "mode", "items": ["A", "B"], "value": 0}
    ]</Cabbage>"#;
    let layout = cabbage::read(text).unwrap().unwrap();
    let specs = cabbage::parameters(&layout);
    assert_eq!(specs[0].channel, "px");
    assert_eq!((specs[0].max, specs[0].default), (10.0, 5.0));
    assert_eq!(
        (specs[1].channel.as_str(), specs[1].min, specs[1].default),
        ("py", -1.0, 0.5)
    );
    assert_eq!(
        (specs[2].min, specs[2].max),
        (0.0, 1.0),
        "0-based without indexOffset"
    );
    assert_eq!(specs[2].display(0.0), "A");
}

#[test]
fn errors_name_the_line_and_the_widget() {
    let two = "<CsoundSynthesizer>\n<Cabbage>\nform size(100, 100)\nrslider bounds(1, 2, 3, 4), channel(\"gain\"), range(0, 1\n</Cabbage>\n";
    let e = cabbage::read(two).unwrap_err();
    assert!(e.contains("line 4") && e.contains("rslider"), "{e}");
    assert!(e.contains("never closed"), "{e}");
    let bad_range = "<Cabbage>\nhslider channel(\"gain\"), range(0, one, 0.5)\n</Cabbage>";
    let e = cabbage::read(bad_range).unwrap_err();
    assert!(
        e.contains("line 2") && e.contains("hslider \"gain\"") && e.contains("`one`"),
        "{e}"
    );
    let json = "<Cabbage>\n{\"widgets\": [\n{\"type\": \"button\",}\n]}\n</Cabbage>";
    let e = cabbage::read(json).unwrap_err();
    assert!(e.contains("line 3") && e.contains("JSON"), "{e}");
    let e = cabbage::read("<Cabbage>\nform size(1,1)\n").unwrap_err();
    assert!(e.contains("never closed"), "{e}");
}

use csound_plugin::engine::transport::Transport;
use csound_plugin::engine::{Engine, MidiEvent};
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::{Kind, Source};
use csound_plugin::params::state::OrchestraState;

/// An instrument whose sound depends on every numeric channel of acid2.csd.
const BODY: &str = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
{GLOBALS}\
instr 1\n kc chnget \"cutoff\"\n kres chnget \"res\"\n kw chnget \"wave\"\n kon chnget \"on\"\n \
kx chnget \"x\"\n ky chnget \"y\"\n ka chnget \"attack\"\n kh chnget \"hidden\"\n \
kl chnget \"low\"\n kd chnget \"drive\"\n \
a1 vco2 0.2 * kon * (1 + kh + kl + kd / 10), ky * (1 + kx) + kw\n \
a2 moogladder a1, kc * (1 + ka), kres\n outs a2, a2\nendin\n\
</CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n";

/// Loads `source` as the plugin does.
fn load(source: &Source) -> (Engine, csound_plugin::engine::Loaded) {
    load_on(source, Version::preferred())
}

/// [`load`] on Csound `version`.
fn load_on(source: &Source, version: Version) -> (Engine, csound_plugin::engine::Loaded) {
    let mut state = OrchestraState {
        csound: Some(version.key().to_string()),
        ..OrchestraState::default()
    };
    Engine::load_bound(
        source,
        48000.0,
        Kind::Instrument,
        &TrustStore::default(),
        &mut state,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Loads `text` as the plugin does and plays `blocks` blocks of 256 frames with a note of
/// `key` at the start; returns the left channel and what the load found.
fn play(text: &str, key: u8, blocks: usize) -> (Vec<f32>, csound_plugin::engine::Loaded) {
    let (mut engine, loaded) = load(&Source::text(text, "widgets.csd"));
    let mut out = Vec::new();
    for block in 0..blocks {
        let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
        let on = MidiEvent::NoteOn {
            at: 3,
            channel: 0,
            key,
            velocity: 100.0 / 127.0,
        };
        engine.process(
            &mut [&mut l, &mut r],
            None,
            &mut (block == 0).then_some(on).into_iter(),
            &|_| None,
            &Transport::default(),
        );
        out.extend(l);
    }
    (out, loaded)
}

fn render(text: &str) -> (Vec<f32>, csound_plugin::engine::Loaded) {
    play(text, 60, 100)
}

#[test]
fn widget_defaults_play_exactly_as_hand_written_chnset_defaults() {
    let section = std::fs::read_to_string(fixture("cabbage/acid2.csd")).unwrap();
    let section = &section[..section.find("<CsoundSynthesizer>").unwrap()];
    let with_widgets = format!("{section}{}", BODY.replace("{GLOBALS}", ""));
    let by_hand = BODY.replace(
        "{GLOBALS}",
        "chnset 1000, \"cutoff\"\nchnset 0.2, \"res\"\nchnset 2, \"wave\"\nchnset 1, \"on\"\n\
         chnset 0.25, \"x\"\nchnset 150, \"y\"\nchnset 0.01, \"attack\"\nchnset 0.5, \"hidden\"\n\
         chnset 0.2, \"low\"\nchnset 2.5, \"drive\"\n",
    );
    let (widgets, loaded) = render(&with_widgets);
    let (hand, _) = render(&by_hand);
    assert!(widgets.iter().any(|s| s.abs() > 0.01), "it plays");
    assert!(
        widgets
            .iter()
            .zip(&hand)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "bit for bit"
    );
    let channels: Vec<&str> = loaded.params.iter().map(|p| p.channel.as_str()).collect();
    assert_eq!(channels.len(), 12, "{channels:?}");
    assert!(loaded.layout.is_some(), "the editor gets the layout");
}

#[test]
fn a_chn_k_declaration_wins_over_a_widget_for_the_same_channel() {
    let section = "<Cabbage>\nrslider channel(\"cutoff\"), range(20, 20000, 1000, 0.3)\n\
                   rslider channel(\"res\"), range(0, 1, 0.2)\n</Cabbage>\n";
    let text = format!(
        "{section}{}",
        BODY.replace(
            "{GLOBALS}",
            "chn_k \"cutoff\", 1, 2, 500, 100, 5000, 0, 0, 0, 0, \"label=Cut\"\n"
        )
    );
    let (_, loaded) = render(&text);
    let cutoff = loaded
        .params
        .iter()
        .find(|p| p.channel == "cutoff")
        .unwrap();
    assert_eq!(
        (cutoff.label.as_str(), cutoff.min, cutoff.default),
        ("Cut", 100.0, 500.0)
    );
    assert!(
        loaded.params.iter().any(|p| p.channel == "res"),
        "the other widget stays"
    );
}

/// The pitch an orchestra plays for MIDI key 69 (A4, 440 Hz), loaded as the plugin loads it.
fn pitch_of_a4(text: &str) -> f64 {
    let (out, _) = play(text, 69, 188);
    let out: Vec<f64> = out.iter().map(|&s| s as f64).collect();
    assert!(out.iter().any(|s| s.abs() > 0.01), "silent:\n{text}");
    common::pitch(&out[12000..], 48000.0)
}

fn synth(options: &str, header: &str, body: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsOptions>\n{options}\n</CsOptions>\n<CsInstruments>\n\
         ksmps = 32\nnchnls = 2\n0dbfs = 1\n{header}\ninstr 1\n{body}\n outs a1, a1\nendin\n\
         </CsInstruments>\n<CsScore>\nf 0 3600\n</CsScore>\n</CsoundSynthesizer>\n"
    )
}

#[test]
fn midi_written_orchestras_play_the_right_pitch_without_a_csplugin_section() {
    let cases = [
        // Csound's own MIDI system: massign, notnum, veloc.
        synth(
            "-d -m0d",
            "massign 0, 1",
            " inum notnum\n ivel veloc 0, 1\n a1 oscili 0.3 * ivel, cpsmidinn(inum)",
        ),
        // -M0 and cpsmidi.
        synth("-+rtmidi=NULL -M0", "", " a1 oscili 0.3, cpsmidi()"),
        // Key as Hz in p4, velocity as amplitude in p5.
        synth(
            "--midi-key-cps=4 --midi-velocity-amp=5",
            "",
            " a1 oscili p5 * 0.5, p4",
        ),
        // Other p-fields: key number in p5, velocity 0..127 in p4.
        synth(
            "--midi-key=5 --midi-velocity=4",
            "",
            " a1 oscili p4 / 400, cpsmidinn(p5)",
        ),
    ];
    for text in &cases {
        let hz = pitch_of_a4(text);
        assert!((hz - 440.0).abs() < 2.0, "{hz} Hz for A4:\n{text}");
    }
}

#[test]
fn reserved_channels_cabbage_instruments_read_are_written() {
    let dir = common::scratch("reserved_channels");
    let path = dir.join("where.csd");
    let text = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
        instr 1\n Sdir chnget \"CSD_PATH\"\n Shome chnget \"USER_HOME_DIRECTORY\"\n \
        Sdocs chnget \"USER_DOCUMENTS_DIRECTORY\"\n \
        chnset strlen(Sdir), \"dir_length\"\n chnset strlen(Shome), \"home_length\"\n \
        chnset strlen(Sdocs), \"docs_length\"\n \
        chnset chnget:i(\"IS_A_PLUGIN\"), \"plugin\"\n \
        chnset chnget:i(\"HOST_BUFFER_SIZE\"), \"buffer\"\n \
        kopen chnget \"IS_EDITOR_OPEN\"\n chnset kopen, \"open\"\nendin\n\
        </CsInstruments>\n<CsScore>\ni 1 0 10\n</CsScore>\n</CsoundSynthesizer>\n";
    std::fs::write(&path, text).unwrap();
    let (mut engine, _) = load(&Source::from_file(&path).unwrap());
    engine.set_host_buffer_size(512).unwrap();
    let transport = Transport {
        editor_open: true,
        ..Transport::default()
    };
    run_silent(&mut engine, 4, &transport);
    let mut read = |name: &str| engine.channel_value(name).unwrap();
    let folder = path.parent().unwrap().to_string_lossy().len();
    assert_eq!(
        read("dir_length"),
        folder as f64,
        "CSD_PATH is the CSD's folder"
    );
    let home = std::env::var("HOME").unwrap_or_default();
    assert_eq!(read("home_length"), home.len() as f64);
    assert!(read("docs_length") > 0.0);
    assert_eq!(read("plugin"), 1.0);
    assert_eq!(read("buffer"), 512.0);
    assert_eq!(read("open"), 1.0, "IS_EDITOR_OPEN follows the window");
}

#[test]
fn cabbage_opcodes_read_and_write_channels_and_tell_the_plugin() {
    let text = "<Cabbage>\nform size(200, 100)\n\
        hslider bounds(0, 0, 100, 20), channel(\"gain\"), range(0, 1, 0.25)\n\
        hslider bounds(0, 20, 100, 20), channel(\"out\"), range(0, 2, 0)\n\
        filebutton bounds(0, 40, 60, 20), channel(\"file\"), value(\"loop.wav\")\n</Cabbage>\n\
        <CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
        instr 1\n kv cabbageGetValue \"gain\"\n kv2, kmoved cabbageGetValue \"gain\"\n \
        iv cabbageGetValue \"gain\"\n Sfile cabbageGetValue \"file\"\n \
        cabbageSetValue \"out\", kv * 2\n \
        cabbageSet metro(100), \"gain\", \"visible\", 0\n \
        cabbageSet \"gain\", \"text\", \"Level\"\n \
        cabbageSet \"out\", \"bounds\", 1, 2, 3, 4\n \
        kget cabbageGet \"gain\"\n kone cabbageChanged \"gain\"\n \
        Swatched[] fillarray \"gain\", \"out\"\n kany cabbageChanged Swatched\n \
        chnset iv, \"init_value\"\n chnset strlen(Sfile), \"file_length\"\n \
        Sname, knew cabbageGetValue \"file\"\n chnset strlen(Sname), \"name_length\"\n \
        chnset kget, \"get\"\n chnset kv2, \"second\"\nendin\n\
        </CsInstruments>\n<CsScore>\ni 1 0 10\n</CsScore>\n</CsoundSynthesizer>\n";
    for version in Version::ALL {
        cabbage_opcodes_on(version, text);
    }
}

/// The checks of the test above, on one Csound (its opcode header and strings differ).
fn cabbage_opcodes_on(version: Version, text: &str) {
    let (mut engine, _) = load_on(&Source::text(text, "opcodes.csd"), version);
    assert_eq!(engine.csound().version(), version);
    run_silent(&mut engine, 8, &Transport::default());
    let mut read = |name: &str| engine.channel_value(name).unwrap();
    assert_eq!(read("out"), 0.5, "cabbageSetValue wrote the channel");
    assert_eq!(read("init_value"), 0.25);
    assert_eq!(read("get"), 0.25);
    assert_eq!(read("second"), 0.25);
    assert_eq!(read("file_length"), "loop.wav".len() as f64);
    assert_eq!(
        read("name_length"),
        "loop.wav".len() as f64,
        "text and trigger form"
    );
    let writes = engine.csound().widget_writes();
    let mut seen = Vec::new();
    while let Some(w) = writes.pop() {
        seen.push((
            w.channel().to_string(),
            w.identifier().to_string(),
            w.numbers().to_vec(),
            w.text().to_string(),
        ));
    }
    let has = |channel: &str, identifier: &str| {
        seen.iter()
            .find(|(c, i, ..)| c == channel && i == identifier)
            .cloned()
    };
    assert_eq!(
        has("out", "value").map(|w| w.2),
        Some(vec![0.5]),
        "{seen:?}"
    );
    assert_eq!(has("gain", "visible").map(|w| w.2), Some(vec![0.0]));
    assert_eq!(has("gain", "text").map(|w| w.3), Some("Level".to_string()));
    assert_eq!(
        has("out", "bounds").map(|w| w.2),
        Some(vec![1.0, 2.0, 3.0, 4.0])
    );
}

#[test]
fn other_cabbage_opcodes_are_named_with_their_line() {
    for (line, says) in [
        (
            " SFiles[] cabbageFindFilesI \"wav\"",
            "not supported here: cabbageFindFilesI (line 5): it is not one of Cabbage's opcodes",
        ),
        (
            " cabbageWebSend \"ui\", \"level\", 1",
            "not supported here: cabbageWebSend (line 5): it sends to Cabbage's web-view widgets",
        ),
    ] {
        let text = format!(
            "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\ninstr 1\n{line}\nendin\n\
             </CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n"
        );
        let e = Engine::load(
            &Source::text(text, "finder.csd"),
            48000.0,
            Kind::Instrument,
            &TrustStore::default(),
        )
        .err()
        .expect("refused")
        .to_string();
        assert!(e.contains(says), "{e}");
    }
}

#[test]
fn values_flow_both_ways_between_the_editor_and_the_engine_process() {
    use csound_plugin::csound::process::spawn::Program;
    use csound_plugin::engine::live::{Launch, Loader};
    use csound_plugin::params::PluginParams;
    use std::sync::Arc;
    let text = "<Cabbage>\nhslider bounds(0, 0, 100, 20), channel(\"gain\"), range(0, 1, 0.25)\n\
        hslider bounds(0, 20, 100, 20), channel(\"out\"), range(0, 2, 0)\n</Cabbage>\n\
        <CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
        instr 1\n kv cabbageGetValue \"gain\"\n cabbageSetValue \"out\", kv * 2\n \
        cabbageSet \"gain\", \"visible\", 0\n \
        Sfile, knew cabbageGetValue \"file\"\n klen strlenk Sfile\n \
        cabbageSetValue \"length\", klen\nendin\n\
        </CsInstruments>\n<CsScore>\ni 1 0 3600\n</CsScore>\n</CsoundSynthesizer>\n";
    let params = Arc::new(PluginParams::new());
    let launch = Launch::Process(Program::Library(common::plugin_library()));
    let (loader, mut player) = Loader::with_launch(params.clone(), Kind::Instrument, launch);
    loader.configure(48000.0, 256, true);
    let engine = loader
        .load_now(&params, &Source::text(text, "back.csd"), Kind::Instrument)
        .unwrap_or_else(|e| panic!("{e}"));
    loader.loaded(Some(&engine));
    player.install(Some(engine), 256);
    use csound_plugin::engine::remote::protocol::WidgetChange;
    // Plays until `done` says the changes arrived (at most 10 s).
    let mut changes: Vec<WidgetChange> = Vec::new();
    let mut play_until = |changes: &mut Vec<WidgetChange>,
                          done: &dyn Fn(&[WidgetChange]) -> bool| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !done(changes) && std::time::Instant::now() < deadline {
            let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
            player.process(
                &mut [&mut l, &mut r],
                None,
                &mut std::iter::empty(),
                &|_| None,
                &Transport::default(),
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
            changes.extend(loader.take_widget_changes());
        }
    };
    play_until(&mut changes, &|c| c.len() >= 2);
    // A file button's choice reaches the running orchestra (and the project).
    loader.set_string("file", "/music/loop.wav");
    let chosen = |c: &WidgetChange| c.channel == "length" && c.numbers == [15.0];
    play_until(&mut changes, &|c| c.iter().any(chosen));
    assert!(
        changes.iter().any(chosen),
        "the orchestra read the path: {changes:?}"
    );
    assert_eq!(
        params.orchestra().strings.get("file").map(String::as_str),
        Some("/music/loop.wav"),
        "kept for the next load"
    );
    let find = |identifier: &str| changes.iter().find(|c| c.identifier == identifier);
    let value = find("value").expect("the value set from Csound arrives");
    assert_eq!(
        (value.channel.as_str(), value.numbers.as_slice()),
        ("out", &[0.5][..])
    );
    let visible = find("visible").expect("the widget change arrives");
    assert_eq!(
        (visible.channel.as_str(), visible.numbers.as_slice()),
        ("gain", &[0.0][..])
    );
}

/// What Cabbage itself passes over in instruments people share (seen in Cabbage's own
/// examples): Csound-style `#define NAME # ... #`, a macro defined nowhere, braces mid-line,
/// a stray word left by a misplaced `;`, a number with two points.
#[test]
fn cabbage_2_quirks_read_as_cabbage_reads_them() {
    let text = "<Cabbage>\n#define KNOB # , fontColour(\"white\"), colour(165,140,160) #\n\
        image bounds(10, 10, 200, 100), plant(\"main\"), { channel(\"panel\")\n\
        rslider bounds(5, 5, 50, 50), channel(\"fb\"), range(0, 1, 0.17.0) $KNOB\n\
        hslider bounds(5, 60, 100, 20), channel(\"rate\"), range(1, 10, 2) $UNDEFINED }\n\
        button bounds(0, 0, 10, 10), channel(\"q\"), text(\"Q\"), l;atched(1)\n</Cabbage>";
    let layout = cabbage::read(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap();
    let by = |c: &str| layout.widgets.iter().find(|w| w.channels == [c]).unwrap();
    assert_eq!(by("fb").ranges[0].default, 0.17);
    assert_eq!(by("fb").colour, Some(cabbage::Colour([165, 140, 160, 255])));
    assert_eq!(
        (by("fb").bounds.x, by("fb").bounds.y),
        (15.0, 15.0),
        "inside the panel"
    );
    assert_eq!((by("rate").bounds.x, by("rate").bounds.y), (15.0, 70.0));
    assert_eq!(
        (by("q").bounds.x, by("q").bounds.y),
        (0.0, 0.0),
        "the panel was closed"
    );
    assert_eq!(by("panel").channels, ["panel"]);
}
