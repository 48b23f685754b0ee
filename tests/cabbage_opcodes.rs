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
