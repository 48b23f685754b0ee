//! The plugins on either Csound: an instance runs on the Csound its project was saved with,
//! a new one on the preferred one, and instances on 6.18 and 7.0 play side by side in one
//! host process, each as it plays alone. Run after `cargo xtask bundle csound-plugin`.

mod common;
mod hosts;

use hosts::drive::*;
use hosts::{Event, TestHost};

/// Sawtooth through a resonant filter, with noise: the code paths of two opcode libraries.
const SYNTH: &str = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
    seed 7\ninstr 1\n a1 vco2 0.3, p4\n an rand 0.05\n a2 moogladder a1 + an, 1800, 0.6\n \
    outs a2, a2\nendin\n</CsInstruments>\n<CsScore>\n</CsScore>\n</CsoundSynthesizer>\n";

fn notes() -> Vec<(usize, Event)> {
    vec![(0, note_on(57)), (9000, note_on(64)), (30000, note_off(57))]
}

fn on(format: Format, csound: &str) -> Box<dyn TestHost> {
    let mut host = open(format, Which::Instrument, 48000.0, 256);
    load_orchestra_on(host.as_mut(), SYNTH, csound);
    host
}

#[test]
fn instances_on_6_18_and_7_0_play_side_by_side_each_as_alone() {
    let frames = 256 * 188;
    for format in FORMATS {
        let solo: Vec<Vec<Vec<f32>>> = ["6", "7"]
            .map(|v| run(on(format, v).as_mut(), frames, &[256], &notes(), None))
            .into();
        let mut hosts = [on(format, "6"), on(format, "7")];
        for (host, v) in hosts.iter_mut().zip(["6", "7"]) {
            let (_, orchestra) = state_json(host.as_mut());
            assert_eq!(
                orchestra["csound"], v,
                "{format:?}: the state keeps its Csound"
            );
        }
        // Block by block, alternating: both instances live and play at once.
        let mut together = [Vec::new(), Vec::new()];
        for at in (0..frames).step_by(256) {
            for (i, host) in hosts.iter_mut().enumerate() {
                let events: Vec<(usize, Event)> = notes()
                    .into_iter()
                    .filter(|(t, _)| (at..at + 256).contains(t))
                    .map(|(t, e)| (t - at, e))
                    .collect();
                let block = run(host.as_mut(), 256, &[256], &events, None);
                together[i].extend_from_slice(&block[0]);
            }
        }
        for (i, v) in ["6", "7"].iter().enumerate() {
            assert!(peak(&solo[i][0]) > 0.05, "{format:?}: silent on {v}");
            assert!(
                together[i] == solo[i][0],
                "{format:?}: the instance on Csound {v} sounds different beside the other"
            );
        }
    }
}

#[test]
fn a_project_reopens_on_the_csound_it_was_saved_with() {
    for format in FORMATS {
        let mut first = on(format, "7");
        let saved = first.save_state();
        let before = run(first.as_mut(), 24000, &[256], &notes(), None);
        drop(first);
        let mut second = open(format, Which::Instrument, 48000.0, 256);
        second.load_state(&saved);
        let (_, orchestra) = state_json(second.as_mut());
        assert_eq!(orchestra["csound"], "7", "{format:?}");
        let after = run(second.as_mut(), 24000, &[256], &notes(), None);
        assert!(peak(&before[0]) > 0.05, "{format:?}: silent");
        assert!(
            before == after,
            "{format:?}: the reopened project sounds different"
        );

        // A new instance records the Csound it runs on (here 6.18, which is installed).
        let mut fresh = open(format, Which::Instrument, 48000.0, 256);
        run(fresh.as_mut(), 256, &[256], &[], None);
        let (_, orchestra) = state_json(fresh.as_mut());
        assert_eq!(
            orchestra["csound"], "6",
            "{format:?}: a new instance's Csound"
        );
    }
}
