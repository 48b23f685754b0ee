//! An orchestra's own channel count in the plugins, through the built bundles (CLAP and VST3):
//! one channel is heard on both sides, more than a stereo track has play their first two (and
//! all of them on a track as wide, which the plugins offer hosts up to 8), an orchestra that
//! never says `nchnls` gets the host's two, and a mono effect hears both input sides.
//! Notes fill the p-fields beyond p6 that the `<CsPlugin>` section declares.

mod common;
mod hosts;

use hosts::drive::*;

/// An instrument CSD whose instr 1 plays a 440 Hz sine through `out_line` (`a1` is the sine).
fn instrument(header: &str, out_line: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\n0dbfs = 1\n{header}\ninstr 1\n \
         a1 oscili 0.3, 440\n {out_line}\nendin\n</CsInstruments>\n</CsoundSynthesizer>\n"
    )
}

/// Plays a held note for 0.25 s and returns both output channels.
fn play(format: Format, csd: &str) -> Vec<Vec<f32>> {
    let mut host = open(format, Which::Instrument, 48000.0, 256);
    load_orchestra(host.as_mut(), Some(csd), None);
    run(host.as_mut(), 12000, &[256], &[(0, note_on(60))], None)
}

#[test]
fn a_mono_orchestra_is_heard_on_both_sides() {
    let csd = instrument("nchnls = 1", "out a1");
    for format in FORMATS {
        let out = play(format, &csd);
        assert!(peak(&out[0]) > 0.2, "{format:?}: the left side is silent");
        assert_eq!(out[0], out[1], "{format:?}: the sides differ");
    }
}

#[test]
fn an_orchestra_with_more_channels_plays_its_first_two() {
    let csd = instrument("nchnls = 4", "outq a1, a1 * 0.5, a1 * 0.25, a1 * 0.125");
    for format in FORMATS {
        let out = play(format, &csd);
        assert!(peak(&out[0]) > 0.2, "{format:?}: silent");
        for (l, r) in out[0].iter().zip(&out[1]) {
            assert_eq!(*r, l * 0.5, "{format:?}: the right side is not channel 2");
        }
    }
}

#[test]
fn an_orchestra_that_never_says_nchnls_gets_two_channels() {
    let csd = instrument("", "outs a1, -a1");
    for format in FORMATS {
        let out = play(format, &csd);
        assert!(peak(&out[0]) > 0.2, "{format:?}: silent");
        for (l, r) in out[0].iter().zip(&out[1]) {
            assert_eq!(*r, -l, "{format:?}: the right side is not channel 2");
        }
    }
}

#[test]
fn a_mono_effect_hears_the_mean_of_both_input_sides_on_both_outputs() {
    let csd = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 1\n0dbfs = 1\n\
               instr 1\n out inch(1)\nendin\n</CsInstruments>\n<CsScore>\ni 1 0 -1\n</CsScore>\n\
               </CsoundSynthesizer>\n";
    let frames = 4096;
    let left: Vec<f32> = (0..frames).map(|i| (i % 64) as f32 / 128.0).collect();
    let right: Vec<f32> = (0..frames).map(|i| -((i % 32) as f32) / 256.0).collect();
    for format in FORMATS {
        let mut host = open(format, Which::Effect, 48000.0, 256);
        load_orchestra(host.as_mut(), Some(csd), None);
        let out = run(
            host.as_mut(),
            frames,
            &[256],
            &[],
            Some(&[left.clone(), right.clone()]),
        );
        // The effect's latency is one k-period (32 frames).
        for i in 0..frames - 32 {
            let mean = (left[i] + right[i]) * 0.5;
            assert!(
                (out[0][i + 32] - mean).abs() < 1e-6 && out[1][i + 32] == out[0][i + 32],
                "{format:?}: frame {i}: {} / {} for {mean}",
                out[0][i + 32],
                out[1][i + 32]
            );
        }
    }
}

#[test]
fn p7_to_p9_get_what_the_csplugin_section_declares() {
    // Left: p7 (a constant); right: p8 (the velocity) times p9 (the key) / 128.
    let csd = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
               instr 1\n outs a(p7), a(p8 * p9 / 128)\nendin\n</CsInstruments>\n\
               <CsPlugin>\np7 = 0.25\np8 = velocity\np9 = key\n</CsPlugin>\n\
               </CsoundSynthesizer>\n";
    for format in FORMATS {
        let out = play(format, csd);
        // note_on plays key 60 at velocity 0.8; the note is heard after one k-period.
        assert_eq!(out[0][100], 0.25, "{format:?}: p7");
        assert!(
            (out[1][100] - 0.8 * 60.0 / 128.0).abs() < 1e-6,
            "{format:?}: p8 * p9 / 128 = {}",
            out[1][100]
        );
    }
}

/// In both formats: VST3 hosts can widen the instrument since our framework patch
/// (framework/patches/nice-plug/06: `setBusArrangements` misread an instrument's sidechain).
#[test]
fn a_wide_track_hears_every_channel_of_a_wide_orchestra() {
    let gains = [1.0f32, 0.5, 0.25, 0.125, -1.0, -0.5];
    let csd = instrument(
        "nchnls = 6",
        "outc a1, a1 * 0.5, a1 * 0.25, a1 * 0.125, -a1, a1 * -0.5",
    );
    for format in FORMATS {
        for width in [1u32, 4, 6, 8] {
            let mut host = open_wide(format, Which::Instrument, 48000.0, 256, width);
            load_orchestra(host.as_mut(), Some(&csd), None);
            let out = run(host.as_mut(), 8000, &[256], &[(0, note_on(60))], None);
            assert_eq!(
                out.len(),
                width as usize,
                "{format:?}: {width} channels out"
            );
            assert!(peak(&out[0]) > 0.2, "{format:?} x{width}: silent");
            for (ch, channel) in out.iter().enumerate() {
                let gain = gains.get(ch).copied().unwrap_or(0.0);
                for (s, l) in channel.iter().zip(&out[0]) {
                    assert_eq!(*s, l * gain, "{format:?} x{width}: channel {}", ch + 1);
                }
            }
        }
    }
}

#[test]
fn a_quad_effect_processes_four_channels() {
    let csd = "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 16\nnchnls = 4\n0dbfs = 1\n\
               instr 1\n a1, a2, a3, a4 inq\n outq a4, a3, a2, a1\nendin\n</CsInstruments>\n\
               <CsScore>\ni 1 0 -1\n</CsScore>\n</CsoundSynthesizer>\n";
    let frames = 2048;
    let input: Vec<Vec<f32>> = (0..4)
        .map(|ch| {
            (0..frames)
                .map(|i| ((i * (ch + 1)) % 97) as f32 / 97.0)
                .collect()
        })
        .collect();
    for format in FORMATS {
        let mut host = open_wide(format, Which::Effect, 48000.0, 256, 4);
        load_orchestra(host.as_mut(), Some(csd), None);
        let out = run(host.as_mut(), frames, &[256], &[], Some(&input));
        assert_eq!(out.len(), 4, "{format:?}");
        for ch in 0..4 {
            assert_eq!(
                out[ch][16..],
                input[3 - ch][..frames - 16],
                "{format:?}: output {} is input {} one k-period late",
                ch + 1,
                4 - ch
            );
        }
    }
}
