//! Presets in a DAW's browser (CLAP): the bundle's preset-discovery factory indexed as a host's
//! indexer does, and what it lists loaded into an instance through preset-load, editor closed.
//! One test in its own process: it points the user's folder (`CSOUND_PLUGIN_HOME`) at a
//! scratch folder.

mod common;
mod hosts;

use csound_plugin::orchestra::Kind;
use csound_plugin::presets::content_hash;
use csound_plugin::presets::host::factory_presets;
use csound_plugin::presets::Preset;
use hosts::clap_presets::{index, Listed};
use hosts::drive::*;
use hosts::TestHost;

const FACTORY: u32 = 1;
const USER: u32 = 2;

/// The number in a slot's text ("Cutoff: 350.0 Hz" -> 350), if it shows one.
fn number_in(text: &str) -> Option<f64> {
    let value = text.split_once(": ").map_or(text, |(_, v)| v);
    value.split_whitespace().next()?.parse().ok()
}

/// After `preset` loaded: the instance plays its orchestra, and the host shows its values.
fn assert_shows(host: &mut dyn TestHost, preset: &Preset) {
    let (state, orchestra) = state_json(host);
    let text = orchestra["text"]
        .as_str()
        .expect("a factory orchestra's text is saved");
    assert_eq!(content_hash(text), preset.orchestra.hash, "{}", preset.name);
    let ids: Vec<u32> = host.params().iter().map(|p| p.id).collect();
    let engaged: u64 = state["fields"]["engaged"]
        .as_str()
        .and_then(|e| e.parse().ok())
        .expect("engaged bits");
    let mut numbers = 0;
    for (channel, &value) in &preset.values {
        let slot = orchestra["bindings"][channel]
            .as_u64()
            .unwrap_or_else(|| panic!("{}: {channel} is not bound", preset.name))
            as usize;
        assert!(
            engaged & 1 << slot != 0,
            "{}: {channel} drives",
            preset.name
        );
        let (_, shown) = host.param_value(ids[slot]);
        if let Some(number) = number_in(&shown) {
            // What the display rounds to: 3 decimals, 1 from 100, none from 1000.
            let tolerance = match value.abs() {
                v if v >= 1000.0 => 0.5,
                v if v >= 100.0 => 0.05,
                _ => 0.0005,
            } + value.abs() * 1e-5;
            assert!(
                (number - value).abs() <= tolerance,
                "{}: {channel} shows `{shown}`, the preset has {value}",
                preset.name
            );
            numbers += 1;
        }
    }
    assert!(numbers > 0, "{}: no value checked", preset.name);
}

fn find<'a>(listed: &'a [Listed], name: &str, flags: u32) -> &'a Listed {
    listed
        .iter()
        .find(|l| l.name == name && l.flags == flags)
        .unwrap_or_else(|| panic!("{name} is not listed: {listed:#?}"))
}

#[test]
fn a_hosts_indexer_lists_every_preset_and_preset_load_plays_it() {
    let home = common::scratch("presets-in-host");
    std::env::set_var("CSOUND_PLUGIN_HOME", &home);
    // The musician's own preset, saved beside the plugin's: a factory one, renamed.
    let (key, mut mine) = {
        let listed = factory_presets(Kind::Instrument);
        let first = listed.first().expect("factory presets");
        (first.key.clone(), first.preset.clone())
    };
    mine.name = "My Own".into();
    let user_dir = home.join("presets/instrument");
    std::fs::create_dir_all(&user_dir).unwrap();
    let mine_file = user_dir.join("my-own.cspreset");
    std::fs::write(&mine_file, mine.to_text()).unwrap();

    let listed = index(&bundle(Format::Clap));
    // A user folder the indexer is told of exists, even before the musician saves into it.
    assert!(home.join("presets/effect").is_dir());
    let factory: Vec<&Listed> = listed.iter().filter(|l| l.flags == FACTORY).collect();
    let mut expected = 0;
    for (kind, id) in [
        (Kind::Instrument, INSTRUMENT_CLAP),
        (Kind::Effect, EFFECT_CLAP),
    ] {
        for preset in factory_presets(kind) {
            let l = find(&listed, &preset.preset.name, FACTORY);
            assert_eq!(l.load_key.as_deref(), Some(preset.key.as_str()));
            assert_eq!(l.plugins, [("clap".to_string(), id.to_string())]);
            assert_eq!(l.creators, ["csound-plugin"]);
            assert!(l.description.contains(preset.orchestra.file), "{l:?}");
            assert!(l.file.is_none());
            expected += 1;
        }
    }
    assert_eq!(factory.len(), expected, "every factory preset once");
    let own = find(&listed, "My Own", USER);
    assert_eq!(own.file.as_deref(), Some(mine_file.as_path()));
    assert_eq!(
        own.plugins,
        [("clap".to_string(), INSTRUMENT_CLAP.to_string())]
    );

    // Loaded as the host's browser would, in the order it lists them (a preset of the orchestra
    // playing changes values only; the next orchestra's first one compiles it); each plays.
    let mut host = open(Format::Clap, Which::Instrument, 48000.0, 256);
    for preset in factory_presets(Kind::Instrument) {
        let told = host.values_told();
        assert!(host.load_preset(None, Some(&preset.key)), "{}", preset.key);
        assert!(
            host.values_told() > told,
            "{}: the host was not told",
            preset.key
        );
        assert_shows(host.as_mut(), &preset.preset);
        let out = run(host.as_mut(), 24000, &[256], &[(0, note_on(60))], None);
        assert!(peak(&out[0]) > 0.001, "{}: silent", preset.key);
    }
    assert!(host.load_preset(Some(&mine_file), None));
    assert_shows(host.as_mut(), &mine);
    // The factory one it came from, then the file again: values only.
    assert!(host.load_preset(None, Some(&key)));
    assert!(host.load_preset(Some(&mine_file), None));
    assert_shows(host.as_mut(), &mine);
    // What cannot load says so, and changes nothing.
    let before = host.save_state();
    assert!(!host.load_preset(None, Some("no-such.csd/none.cspreset")));
    assert!(!host.load_preset(Some(&user_dir.join("missing.cspreset")), None));
    assert_eq!(host.save_state(), before);
}
