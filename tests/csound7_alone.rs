//! The plugin bundles carry their own Csound: with Debian's 6.18 hidden (as on a machine
//! without it), the built bundles load and play on the bundled 7.0, and no process of the
//! plugin (this host, the engine processes) maps a system Csound. A test binary of its own:
//! the setting must be made before any Csound is opened in the process (both tests make it).

mod common;
mod hosts;

use hosts::drive::*;

/// Hides Debian's Csound from the plugin in this process, once, before any Csound is opened:
/// every test here calls it first, so no thread reads the environment while it is written.
fn hide_csound_6() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::env::set_var("CSOUND_PLUGIN_HIDE_CSOUND6", "1"));
}

/// The memory maps of this process and every process descended from it.
fn maps_of_family() -> Vec<(u32, String)> {
    let me = std::process::id();
    let parent_of = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name may hold spaces: the fields after its closing parenthesis.
        let rest = &stat[stat.rfind(')')? + 2..];
        rest.split(' ').nth(1)?.parse().ok()
    };
    let pids: Vec<u32> = std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    let descends = |mut pid: u32| {
        while pid > 1 {
            if pid == me {
                return true;
            }
            match parent_of(pid) {
                Some(p) => pid = p,
                None => return false,
            }
        }
        false
    };
    pids.into_iter()
        .filter(|&p| descends(p))
        .filter_map(|p| Some((p, std::fs::read_to_string(format!("/proc/{p}/maps")).ok()?)))
        .collect()
}

#[test]
fn the_bundles_play_on_their_own_csound_with_no_system_csound_mapped() {
    hide_csound_6();
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 512);
        let out = run(host.as_mut(), 48000, &[512], &[(0, note_on(69))], None);
        let left: Vec<f64> = out[0][12000..].iter().map(|&s| s as f64).collect();
        let (_, orchestra) = state_json(host.as_mut());
        assert!(
            peak(&out[0]) > 0.05,
            "{format:?}: silent without Csound 6.18: {}",
            orchestra["error"]
        );
        let hz = common::pitch(&left, 48000.0);
        assert!((hz - 440.0).abs() < 2.0, "{format:?}: heard {hz} Hz");
        assert_eq!(
            orchestra["csound"], "7",
            "{format:?}: runs on the bundled Csound"
        );

        let family = maps_of_family();
        let engines: Vec<u32> = family
            .iter()
            .filter(|(_, maps)| maps.contains("csound-7.0/") && maps.contains("libcsound64.so.7.0"))
            .map(|(pid, _)| *pid)
            .collect();
        assert!(
            engines.iter().any(|&p| p != std::process::id()),
            "{format:?}: no engine process maps the bundled Csound 7.0"
        );
        for (pid, maps) in &family {
            assert!(
                !maps.contains("libcsound64.so.6"),
                "{format:?}: process {pid} maps a system Csound"
            );
        }
    }
}

#[test]
fn a_project_saved_on_6_18_plays_on_7_0_where_6_18_is_missing_and_keeps_asking_for_it() {
    hide_csound_6();
    let (version, note) = csound_plugin::engine::csound_for(Some("6"));
    assert_eq!(version, Some(csound_plugin::csound::Version::Seven));
    let note = note.expect("the console is told");
    assert!(
        note.contains("Csound 6.18") && note.contains("Csound 7.0"),
        "{note}"
    );
    for format in FORMATS {
        let mut host = open(format, Which::Instrument, 48000.0, 512);
        let synth =
            std::fs::read_to_string(common::fixture("../../presets/instrument/poly-synth.csd"))
                .expect("the factory synth");
        load_orchestra_on(host.as_mut(), &synth, "6");
        let out = run(host.as_mut(), 24000, &[512], &[(0, note_on(69))], None);
        assert!(peak(&out[0]) > 0.05, "{format:?}: silent");
        let (_, orchestra) = state_json(host.as_mut());
        assert_eq!(
            orchestra["csound"], "6",
            "{format:?}: the project still asks for 6.18"
        );
    }
}
