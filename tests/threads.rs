//! Several engines in one process: four at once on four threads, each equal to its solo
//! render, and no instance's messages in another's log; on each Csound, and on both at once.

mod common;
use common::*;
use csound_plugin::csound::{Csound, Perform, Version};

/// Renders an orchestra whose pitch and printed marker depend on `n`; returns audio and log.
fn render(version: Version, n: usize) -> (Vec<f64>, Vec<String>) {
    let orc = format!(
        "sr = 48000\nksmps = 32\nnchnls = 2\n0dbfs = 1\nseed {n}\n\
         instr 1\n prints \"marker-{n}\\n\"\n a1 vco2 0.3, {freq}\n an rand 0.1\n \
         a2 moogladder a1 + an, 2000 + {n} * 500, 0.5\n outs a2, a2\nendin\n",
        freq = 100 + 50 * n
    );
    let mut cs = Csound::on(version).expect("create");
    cs.compile_orc(&orc).expect("compile");
    cs.read_score("i 1 0 2").expect("score");
    cs.start().expect("start");
    let mut out = Vec::new();
    while cs.perform_ksmps() == Perform::Running {
        out.extend_from_slice(cs.spout());
    }
    let log = cs.messages().take().into_iter().map(|m| m.text).collect();
    (out, log)
}

#[test]
fn four_instances_on_four_threads_equal_their_solo_renders_and_keep_their_logs_apart() {
    // Rounds 0 and 1 on one Csound each, round 2 on both at once (instances 0 and 2 on 6.18,
    // 1 and 3 on 7.0).
    let on = |round: usize, n: usize| match round {
        0 => Version::Six,
        1 => Version::Seven,
        _ => Version::ALL[n % 2],
    };
    for round in 0..3 {
        let solo: Vec<_> = (0..4).map(|n| render(on(round, n), n).0).collect();
        let threads: Vec<_> = (0..4)
            .map(|n| {
                let version = on(round, n);
                std::thread::spawn(move || render(version, n))
            })
            .collect();
        for (n, t) in threads.into_iter().enumerate() {
            let (audio, log) = t.join().expect("render thread");
            assert!(peak(&audio) > 0.05, "instance {n} is silent");
            assert!(
                audio == solo[n],
                "round {round}: instance {n} differs from its solo render"
            );
            assert!(
                log.iter().any(|l| l.contains(&format!("marker-{n}"))),
                "instance {n} lost its own message"
            );
            for other in (0..4).filter(|&o| o != n) {
                assert!(
                    !log.iter().any(|l| l.contains(&format!("marker-{other}"))),
                    "instance {other}'s message appeared in instance {n}'s log"
                );
            }
        }
        // The four orchestras really differ, so equality above means something.
        assert!(solo[0] != solo[1]);
    }
}
