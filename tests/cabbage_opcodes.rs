//! Cabbage's opcodes beyond values, on both Csounds: `cabbageGet` in every return type and
//! both syntaxes' identifiers (changes by `cabbageSet` included), the widget lists, and the
//! file and path helpers.

mod common;
use common::{run_silent, scratch};
use csound_plugin::csound::Version;
use csound_plugin::engine::transport::Transport;
use csound_plugin::engine::Engine;
use csound_plugin::orchestra::trust::TrustStore;
use csound_plugin::orchestra::{Kind, Source};
use csound_plugin::params::state::OrchestraState;

const WIDGETS: &str = "<Cabbage>\nform caption(\"Ops\") size(400, 300)\n\
rslider bounds(10, 20, 60, 70), channel(\"gain\"), range(0, 1, 0.25, 0.5, 0.01), \
colour(255, 0, 0), text(\"Gain\")\n\
combobox bounds(100, 20, 80, 20), channel(\"wave\"), text(\"Saw\", \"Square\"), value(2)\n\
button bounds(200, 20, 60, 20), channel(\"go\"), automatable(0)\n</Cabbage>\n";

fn csd(orchestra: &str) -> String {
    format!(
        "{WIDGETS}<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
         instr 1\n{orchestra}endin\n</CsInstruments>\n<CsScore>\ni 1 0 10\n</CsScore>\n\
         </CsoundSynthesizer>\n"
    )
}

/// Loads `source` on `version` as the plugins do and runs a few k-periods.
fn run(source: &Source, version: Version) -> Engine {
    let mut state = OrchestraState {
        csound: Some(version.key().to_string()),
        ..OrchestraState::default()
    };
    let (mut engine, _) = Engine::load_bound(
        source,
        48000.0,
        Kind::Instrument,
        &TrustStore::default(),
        &mut state,
    )
    .unwrap_or_else(|e| panic!("{version}: {e}"));
    run_silent(&mut engine, 4, &Transport::default());
    engine
}

#[test]
fn cabbage_get_reads_every_identifier_in_every_return_type() {
    let orchestra = "\
 iBounds[] cabbageGet \"gain\", \"bounds\"\n chnset iBounds[2], \"bounds_width\"\n \
 chnset lenarray(iBounds), \"bounds_len\"\n \
 iw cabbageGet \"gain\", \"width\"\n iw3 cabbageGet \"gain\", \"bounds.width\"\n \
 chnset iw + iw3, \"widths\"\n \
 iRange[] cabbageGet \"gain\", \"range\"\n chnset iRange[3], \"skew\"\n \
 iColour[] cabbageGet \"gain\", \"colour\"\n chnset iColour[0], \"red\"\n \
 SItems[] cabbageGet \"wave\", \"items\"\n chnset SItems[1], \"second_item\"\n \
 Stext cabbageGet \"gain\", \"text\"\n chnset Stext, \"gain_text\"\n \
 Stype cabbageGet \"wave\", \"type\"\n chnset Stype, \"wave_type\"\n \
 Sleft cabbageGet \"gain\", \"left\"\n chnset Sleft, \"left_text\"\n \
 SChannels[] cabbageGetWidgetChannels \"\"\n chnset lenarray(SChannels), \"channel_count\"\n \
 SFixed[] cabbageGetWidgetChannels \"automatable(0)\"\n chnset SFixed[0], \"not_automatable\"\n \
 SCombos[] cabbageGetWidgetChannels \"type(\\\"combobox\\\")\"\n chnset SCombos[0], \"combo\"\n \
 SIds[] = cabbageGetWidgets()\n chnset lenarray(SIds), \"id_count\"\n \
 iHas cabbageHasKey \"gain\", \"bounds.left\"\n iNot cabbageHasKey \"gain\", \"nonsense\"\n \
 chnset iHas * 10 + iNot, \"has\"\n \
 cabbageSet \"gain\", \"bounds\", 1, 2, 3, 4\n \
 kw, kchanged cabbageGet \"gain\", \"width\"\n chnset kw, \"k_width\"\n \
 kv cabbageGet \"gain\", \"value\"\n chnset kv, \"k_value\"\n \
 kArr[] cabbageGet \"gain\", \"bounds\"\n chnset kArr[3], \"k_height\"\n \
 Sname, kname cabbageGet \"wave\", \"text\"\n";
    for version in Version::ALL {
        let mut engine = run(&Source::text(csd(orchestra), "get.csd"), version);
        let mut number = |name: &str| engine.channel_value(name).unwrap();
        assert_eq!(number("bounds_width"), 60.0, "{version}");
        assert_eq!(number("bounds_len"), 4.0, "{version}");
        assert_eq!(number("widths"), 120.0, "{version}: both syntaxes");
        assert_eq!(number("skew"), 0.5, "{version}");
        assert_eq!(number("red"), 255.0, "{version}");
        assert_eq!(number("channel_count"), 3.0, "{version}");
        assert_eq!(number("id_count"), 3.0, "{version}");
        assert_eq!(number("has"), 10.0, "{version}");
        assert_eq!(number("k_width"), 3.0, "{version}: cabbageSet changed it");
        assert_eq!(number("k_height"), 4.0, "{version}");
        assert_eq!(number("k_value"), 0.25, "{version}: the channel's value");
        let mut text = |name: &str| engine.string_value(name).unwrap();
        assert_eq!(text("second_item"), "Square", "{version}");
        assert_eq!(text("gain_text"), "Gain", "{version}");
        assert_eq!(text("wave_type"), "combobox", "{version}");
        assert_eq!(text("left_text"), "10", "{version}");
        assert_eq!(text("not_automatable"), "go", "{version}");
        assert_eq!(text("combo"), "wave", "{version}");
    }
}

#[test]
fn file_and_path_helpers_read_the_instruments_folder() {
    let dir = scratch("cabbage-files");
    for file in ["b.wav", "a.wav", "notes.txt"] {
        std::fs::write(dir.join(file), b"x").unwrap();
    }
    std::fs::create_dir_all(dir.join("kits")).unwrap();
    let orchestra = "\
 SName cabbageGetFilename \"/a/b/c.wav\"\n chnset SName, \"name\"\n \
 SPath cabbageGetFilePath \"/a/b/c.wav\"\n chnset SPath, \"folder\"\n \
 SExt cabbageGetFileExtension \"/a/b/c.wav\"\n chnset SExt, \"extension\"\n \
 SStem cabbageGetFileNoExtension \"/a/b/c.wav\"\n chnset SStem, \"stem\"\n \
 SWavs[] cabbageFindFiles \".\", \"files\", \"*.wav\"\n chnset SWavs[0], \"first_wav\"\n \
 chnset lenarray(SWavs), \"wavs\"\n \
 SDirs[] cabbageFindFiles \".\", \"directories\"\n chnset lenarray(SDirs), \"dirs\"\n \
 SSome[] cabbageGetFiles \".\", \".wav;.txt\"\n chnset lenarray(SSome), \"some\"\n \
 SJoined cabbageJoinPath \"/x\", \"y\", \".wav\"\n chnset SJoined, \"joined\"\n \
 SNew cabbageCreateFileName \".\", \".wav\"\n chnset SNew, \"new_name\"\n";
    let path = dir.join("files.csd");
    std::fs::write(&path, csd(orchestra)).unwrap();
    for version in Version::ALL {
        let mut engine = run(&Source::from_file(&path).unwrap(), version);
        let mut text = |name: &str| engine.string_value(name).unwrap();
        assert_eq!(text("name"), "c.wav", "{version}");
        assert_eq!(text("folder"), "/a/b", "{version}");
        assert_eq!(text("extension"), ".wav", "{version}");
        assert_eq!(text("stem"), "c", "{version}");
        assert_eq!(text("joined"), "/x/y.wav", "{version}");
        assert!(text("first_wav").ends_with("/a.wav"), "{version}: sorted");
        let new_name = text("new_name");
        assert!(
            new_name.ends_with(".wav") && !std::path::Path::new(&new_name).exists(),
            "{version}: {new_name}"
        );
        let mut number = |name: &str| engine.channel_value(name).unwrap();
        assert_eq!(number("wavs"), 2.0, "{version}");
        assert_eq!(number("dirs"), 1.0, "{version}");
        assert_eq!(number("some"), 3.0, "{version}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn which_channel_changed_texts_triggers_profiler_and_midi_files() {
    let dir = scratch("cabbage-more");
    let mid = dir.join("one.mid");
    {
        use midly::{
            Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind,
        };
        let mut smf = Smf::new(Header::new(
            Format::SingleTrack,
            Timing::Metrical(480.into()),
        ));
        let note = |delta: u32, on: bool| TrackEvent {
            delta: delta.into(),
            kind: TrackEventKind::Midi {
                channel: 2.into(),
                message: if on {
                    MidiMessage::NoteOn {
                        key: 60.into(),
                        vel: 100.into(),
                    }
                } else {
                    MidiMessage::NoteOff {
                        key: 60.into(),
                        vel: 0.into(),
                    }
                },
            },
        };
        smf.tracks.push(vec![
            TrackEvent {
                delta: 0.into(),
                kind: TrackEventKind::Meta(MetaMessage::Tempo(500_000.into())),
            },
            note(0, true),
            note(480, false),
            TrackEvent {
                delta: 0.into(),
                kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
            },
        ]);
        smf.save(&mid).unwrap();
    }
    let orchestra = format!(
        " ktime timeinsts\n chnset ktime > 0.002 ? 1 : 0, \"b\"\n \
 SWatched[] fillarray \"a\", \"b\"\n SName, kTrig cabbageChanged SWatched\n \
 kIdx, kTrig2 cabbageChanged SWatched\n if kTrig == 1 then\n  chnset SName, \"changed_name\"\n \
 chnset kIdx, \"changed_index\"\n endif\n \
 SUp, kUp cabbageChanged SWatched, 0.5, 0\n if kUp == 1 then\n  chnset SUp, \"rose\"\n endif\n \
 chnset \"hello\", \"greeting\"\n SG, kGT cabbageGet \"greeting\"\n chnset SG, \"greeting_read\"\n \
 kB, kBT cabbageGet \"b\"\n chnset kB, \"b_read\"\n \
 cabbageSetValue \"label\", \"text value\", 1\n cabbageSetValue \"label0\", \"init text\"\n \
 kseven init 7\n cabbageSet \"gain\", \"bounds\", kseven, 8, 9, 10\n \
 kleft cabbageGet \"gain\", \"left\"\n chnset kleft, \"left\"\n \
 cabbageProfilerStart \"P\", \"osc\"\n a1 oscili 0.1, 440\n \
 kus cabbageProfilerStop \"P\", \"osc\"\n chnset kus, \"profiled\"\n \
 cabbageProfilerPrint \"P\", metro(20)\n \
 cabbageMidiFileInfo \"{mid}\"\n \
 kSt[], kCh[], kNt[], kVl[], kN, kNew cabbageMidiFileReader \"{mid}\", 0, 1, 0, 1, 0\n \
 if kNew == 1 then\n  chnset kSt[0], \"status\"\n  chnset kNt[0], \"note\"\n  chnset kCh[0], \"chan\"\n endif\n",
        mid = mid.display()
    );
    for version in Version::ALL {
        let mut engine = run(&Source::text(csd(&orchestra), "more.csd"), version);
        let log: String = engine
            .csound()
            .messages()
            .take()
            .into_iter()
            .map(|m| m.text + "\n")
            .collect();
        let mut text = |name: &str| engine.string_value(name).unwrap();
        assert_eq!(text("changed_name"), "b", "{version}");
        assert_eq!(text("rose"), "b", "{version}");
        assert_eq!(text("greeting_read"), "hello", "{version}");
        assert_eq!(text("label"), "text value", "{version}");
        assert_eq!(text("label0"), "init text", "{version}");
        let mut number = |name: &str| engine.channel_value(name).unwrap();
        assert_eq!(number("changed_index"), 1.0, "{version}");
        assert_eq!(number("b_read"), 1.0, "{version}");
        assert_eq!(number("left"), 7.0, "{version}: a k value at init");
        assert!(number("profiled") > 0.0, "{version}");
        assert_eq!(
            (number("status"), number("note"), number("chan")),
            (144.0, 60.0, 3.0),
            "{version}"
        );
        assert!(
            log.contains("1 track(s)") && log.contains("120.00 BPM"),
            "{version}: {log}"
        );
        assert!(log.contains("P | osc:"), "{version}: {log}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn channel_snapshots_go_to_files_and_back_once_allowed() {
    let dir = scratch("cabbage-snapshots");
    std::fs::write(
        dir.join("recall.json"),
        r#"{"x": 0.75, "s": "from the file"}"#,
    )
    .unwrap();
    let orchestra = " chnset 0.5, \"x\"\n \
 iok cabbageChannelStateSave \"all.json\"\n cabbageSaveState \"widgets.json\"\n \
 iback cabbageChannelStateRecall \"recall.json\"\n chnset iok * 10 + iback, \"oks\"\n \
 cabbageCopyFile \"copies\", \"all.json\"\n";
    let path = dir.join("snap.csd");
    let text = csd(orchestra);
    std::fs::write(&path, &text).unwrap();
    let source = Source::from_file(&path).unwrap();
    for version in Version::ALL {
        // Writing files: refused until allowed.
        let refused = Engine::load(&source, 48000.0, Kind::Instrument, &TrustStore::default())
            .err()
            .expect("refused")
            .to_string();
        assert!(
            refused.contains("`cabbageChannelStateSave` writes files"),
            "{refused}"
        );
        let mut trust = TrustStore::at(dir.join("allowed"));
        trust.allow(&text, "snap.csd").unwrap();
        let mut state = OrchestraState {
            csound: Some(version.key().to_string()),
            ..OrchestraState::default()
        };
        state.strings.insert("s".into(), "str".into());
        let (mut engine, _) =
            Engine::load_bound(&source, 48000.0, Kind::Instrument, &trust, &mut state)
                .unwrap_or_else(|e| panic!("{version}: {e}"));
        run_silent(&mut engine, 2, &Transport::default());
        assert_eq!(engine.channel_value("oks").unwrap(), 11.0, "{version}");
        assert_eq!(
            engine.channel_value("x").unwrap(),
            0.75,
            "{version}: recalled"
        );
        assert_eq!(
            engine.string_value("s").unwrap(),
            "from the file",
            "{version}"
        );
        let read = |name: &str| -> serde_json::Value {
            serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
        };
        let all = read("all.json");
        assert_eq!(
            (all["x"].clone(), all["s"].clone()),
            (0.5.into(), "str".into())
        );
        assert!(
            all.get("CSD_PATH").is_none(),
            "reserved channels are left out"
        );
        let widgets = read("widgets.json");
        assert_eq!(widgets["gain"], 0.25, "{version}: the widgets' channels");
        assert!(widgets.get("x").is_none(), "{version}");
        assert!(dir.join("copies").join("all.json").exists(), "{version}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn created_widgets_reach_the_plugin_and_start_their_channels_in_both_syntaxes() {
    let orchestra = " cabbageCreate \"rslider\", \"bounds(1, 2, 50, 50) channel(\\\"made2\\\") range(0, 10, 2.5)\"\n \
 cabbageCreate {{ {\"type\": \"checkBox\", \"channels\": [{\"id\": \"made3\", \"range\": {\"defaultValue\": 1} }] } }}\n \
 cabbageLoadState \"widgets.json\"\n";
    let dir = scratch("cabbage-created");
    std::fs::write(dir.join("widgets.json"), r#"{"gain": 0.75}"#).unwrap();
    let path = dir.join("made.csd");
    std::fs::write(&path, csd(orchestra)).unwrap();
    for version in Version::ALL {
        let mut engine = run(&Source::from_file(&path).unwrap(), version);
        assert_eq!(engine.channel_value("made2").unwrap(), 2.5, "{version}");
        assert_eq!(engine.channel_value("made3").unwrap(), 1.0, "{version}");
        assert_eq!(
            engine.channel_value("gain").unwrap(),
            0.75,
            "{version}: loaded state"
        );
        let writes = engine.csound().widget_writes();
        let mut created = Vec::new();
        while let Some(w) = writes.pop() {
            if w.identifier() == "create" {
                created.push((w.channel().to_string(), w.text().to_string()));
            }
        }
        assert_eq!(created.len(), 2, "{version}: {created:?}");
        assert_eq!(created[0].0, "rslider");
        assert!(created[1].1.contains("\"made3\""), "{version}: {created:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
