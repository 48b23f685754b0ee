//! Errors are values that say what failed and where; hostile input never takes the process down.

mod common;
use csound_plugin::csound::{Csound, ErrorKind, MessageLevel, Perform, Version};

const ORC_HEAD: &str = "sr = 48000\nksmps = 32\nnchnls = 2\n0dbfs = 1\n";

#[test]
fn a_syntax_error_names_its_line() {
    let mut cs = Csound::new().unwrap();
    // Line 7 (counting the 4 header lines) holds the error.
    let orc =
        format!("{ORC_HEAD}instr 1\n a1 oscili 0.1, 440\n a2 = a1 +* 3\n outs a1, a1\nendin\n");
    let e = cs
        .compile_orc(&orc)
        .expect_err("a syntax error must not compile");
    assert_eq!(e.kind(), ErrorKind::Compile);
    assert_eq!(e.line(), Some(7), "error: {e}");
    assert!(e.to_string().contains("line 7"), "{e}");
}

#[test]
fn a_syntax_error_in_a_csd_names_the_file_line() {
    let dir = common::scratch("csd-syntax");
    let path = dir.join("broken.csd");
    let text = format!(
        "<CsoundSynthesizer>\n<CsInstruments>\n{ORC_HEAD}instr 1\n outs oscili(0.1, 440) 3 3\nendin\n</CsInstruments>\n<CsScore>\ni1 0 1\n</CsScore>\n</CsoundSynthesizer>\n"
    );
    std::fs::write(&path, &text).unwrap();
    let mut cs = Csound::new().unwrap();
    let e = cs.compile_csd_file(&path).expect_err("must not compile");
    let expected = text.lines().position(|l| l.contains("oscili")).unwrap() as u32 + 1;
    assert_eq!(e.line(), Some(expected), "{e}");
    assert!(e.to_string().contains("broken.csd"), "{e}");
}

#[test]
fn an_init_error_is_reported_and_the_engine_keeps_running() {
    let mut cs = Csound::new().unwrap();
    let orc = format!(
        "{ORC_HEAD}instr 1\n a1 oscili 0.2, 440, 99\n outs a1, a1\nendin\n\
         instr 2\n a1 oscili 0.2, 440\n outs a1, a1\nendin\n"
    );
    cs.compile_orc(&orc).unwrap();
    cs.read_score("i 1 0 1\ni 2 0.1 1").unwrap();
    cs.start().unwrap();
    let mut peak_after = 0.0f64;
    for _ in 0..(48000 / 32) {
        assert_eq!(
            cs.perform_ksmps(),
            Perform::Running,
            "the engine stopped on an init error"
        );
        peak_after = cs.spout().iter().fold(peak_after, |m, s| m.max(s.abs()));
    }
    assert!(
        peak_after > 0.1,
        "the note after the init error did not sound"
    );
    let log = cs.messages().take();
    let init = log
        .iter()
        .find(|m| m.text.contains("INIT ERROR"))
        .expect("the init error is in the log");
    assert_eq!(init.level, MessageLevel::Error);
    assert!(
        log.iter().any(|m| m.text.contains("line 6")),
        "the log names the line: {log:?}"
    );
}

#[test]
fn hostile_options_are_refused_before_reaching_csound() {
    for version in Version::ALL {
        hostile_options_are_refused_on(version);
    }
}

fn hostile_options_are_refused_on(version: Version) {
    let mut cs = Csound::on(version).unwrap();
    for bad in [
        "-r",
        "-k",
        "--utility=sndinfo",
        "--opcode-lib=lib/evil.so",
        "--env:INCDIR=/etc",
        "--port=9999",
        "-b -1",
    ] {
        let e = cs.set_option(bad).expect_err(bad);
        assert_eq!(e.kind(), ErrorKind::RefusedOption, "{bad}");
    }
    // Through a CSD's own options: refused as a whole, with the option named.
    for bad in [
        "-r",
        "--opcode-lib=evil.so",
        "--env:SSDIR=/",
        "-k",
        "-d --daemon",
    ] {
        let csd = format!(
            "<CsoundSynthesizer>\n<CsOptions>\n{bad}\n</CsOptions>\n<CsInstruments>\ninstr 1\nendin\n</CsInstruments>\n</CsoundSynthesizer>\n"
        );
        let e = cs.compile_csd_text(&csd, "hostile.csd").expect_err(bad);
        assert_eq!(e.kind(), ErrorKind::RefusedOption, "{bad}: {e}");
        assert!(e.to_string().contains("hostile.csd"), "{e}");
    }
    // The engine is still usable after all that.
    cs.compile_orc("instr 1\nendin").unwrap();
    cs.start().unwrap();
    assert_eq!(cs.perform_ksmps(), Perform::Running);
}

#[test]
fn the_callers_options_win_over_the_csd_header_and_options() {
    let mut cs = Csound::new().unwrap();
    cs.set_option("--sample-rate=96000").unwrap();
    cs.set_option("--ksmps=16").unwrap();
    let csd = "<CsoundSynthesizer>\n<CsOptions>\n-r 22050 --ksmps=128 -odac\n</CsOptions>\n<CsInstruments>\nsr = 44100\nksmps = 64\ninstr 1\nendin\n</CsInstruments>\n</CsoundSynthesizer>\n";
    cs.compile_csd_text(csd, "rates.csd").unwrap();
    cs.start().unwrap();
    assert_eq!(cs.sr(), 96000.0);
    assert_eq!(cs.ksmps(), 16);
    let log = cs.messages().take();
    assert!(
        log.iter().any(|m| m.text.contains("ignored option -odac")),
        "{log:?}"
    );
}

/// Runs `k` k-periods from a deeper stack frame than the later calls.
#[inline(never)]
fn perform_deep(cs: &mut Csound, depth: usize, k: usize) -> [u8; 512] {
    let pad = [depth as u8; 512];
    if depth > 0 {
        let inner = perform_deep(cs, depth - 1, k);
        return [inner[0].wrapping_add(pad[1]); 512];
    }
    for _ in 0..k {
        cs.perform_ksmps();
    }
    pad
}

#[test]
fn exitnow_ends_the_performance_not_the_process() {
    // The first k-periods run deep in the stack, the rest shallow, and the instrument exits
    // later: Csound 6.18 would longjmp into the first call's dead frame and glibc would abort.
    // `exitnow` runs at init time: of a note the score starts later, or one that k-rate code
    // starts with `event`.
    for (version, from) in Version::ALL
        .into_iter()
        .flat_map(|v| [(v, "score"), (v, "k-rate event")])
    {
        let mut cs = Csound::on(version).unwrap();
        let orc = "instr 1\n ktime timeinsts\n if ktime > 0.05 then\n  event \"i\", 2, 0, 1\n  turnoff\n endif\nendin\n\
                   instr 2\n exitnow\nendin\n";
        cs.compile_orc(&format!("{ORC_HEAD}{orc}")).unwrap();
        cs.read_score(if from == "score" {
            "i 2 0.05 10"
        } else {
            "i 1 0 10"
        })
        .unwrap();
        cs.start().unwrap();
        let _ = perform_deep(&mut cs, 20, 3);
        let mut result = Perform::Running;
        let mut periods = 0;
        while result == Perform::Running && periods < 48000 {
            result = cs.perform_ksmps();
            periods += 1;
        }
        assert_eq!(result, Perform::Exited, "exitnow from {from} on {version}");
        assert!(periods > 10, "the exit happened in the shallow calls");
        assert_eq!(
            cs.perform_ksmps(),
            Perform::Ended,
            "a stopped engine stays stopped"
        );
        // The engine's lock was released: a reset and a new performance work on this thread...
        cs.reset();
        cs.compile_orc(&format!(
            "{ORC_HEAD}instr 1\n outs oscili(0.1, 440), oscili(0.1, 440)\nendin\n"
        ))
        .unwrap();
        cs.read_score("i 1 0 1").unwrap();
        cs.start().unwrap();
        assert_eq!(cs.perform_ksmps(), Perform::Running);
        // ...and on another thread, which would deadlock on a lock left held.
        std::thread::spawn(move || {
            assert_eq!(cs.perform_ksmps(), Perform::Running);
        })
        .join()
        .unwrap();
    }
}

#[test]
fn a_csd_that_runs_programs_or_writes_files_is_refused() {
    let mut cs = Csound::new().unwrap();
    let bin = "<CsoundSynthesizer>\n<CsInstruments>\ninstr 1\nendin\n</CsInstruments>\n<CsScore bin=\"sh\">\ntouch pwned\n</CsScore>\n</CsoundSynthesizer>\n";
    let e = cs.compile_csd_text(bin, "bin.csd").expect_err("score bin");
    assert_eq!(e.kind(), ErrorKind::Csd);
    let fileb = "<CsoundSynthesizer>\n<CsInstruments>\ninstr 1\nendin\n</CsInstruments>\n<CsFileB filename=\"x.orc\">\naW5zdHI=\n</CsFileB>\n</CsoundSynthesizer>\n";
    assert_eq!(
        cs.compile_csd_text(fileb, "fileb.csd").unwrap_err().kind(),
        ErrorKind::Csd
    );
}

#[test]
fn creating_an_engine_leaves_the_callers_floating_point_state_alone() {
    #[cfg(target_arch = "x86_64")]
    {
        use csound_plugin::csound::mxcsr;
        let before = mxcsr();
        // Csound turns on flush-to-zero (bit 15) and denormals-are-zero (bit 6): make sure the
        // test would see that, i.e. they are off now.
        assert_eq!(before & 0x8040, 0, "test precondition: FTZ/DAZ off");
        let cs = Csound::new().unwrap();
        assert_eq!(mxcsr(), before);
        drop(cs);
        assert_eq!(mxcsr(), before);
    }
}
