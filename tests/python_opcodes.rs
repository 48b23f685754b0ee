//! The Python opcodes of Debian's `csound-plugins` (libpy, Python 3) work inside the host: the
//! examples of "Using Python Inside Csound" (shared seeds), in Python 3 form, checked through
//! control channels and audio.
//!
//! libpy runs one Python interpreter per process and calls it without taking the GIL, so two
//! engines running Python opcodes at once on two threads crash the process (measured:
//! SIGSEGV). These tests therefore take turns.

mod common;
use csound_plugin::csound::{Csound, Perform};
use std::sync::{Mutex, MutexGuard};

static PYTHON: Mutex<()> = Mutex::new(());

fn python_turn() -> MutexGuard<'static, ()> {
    PYTHON.lock().unwrap_or_else(|e| e.into_inner())
}

const HEAD: &str = "sr = 48000\nksmps = 32\nnchnls = 2\n0dbfs = 1\npyinit\n";

/// Compiles, plays `seconds` of the score, returns the engine and its output, and this test's
/// turn at Python (dropped after the engine, which is dropped first).
fn run(orc: &str, score: &str, seconds: f64) -> (Csound, Vec<f64>, MutexGuard<'static, ()>) {
    let turn = python_turn();
    let mut cs = Csound::new().unwrap();
    cs.compile_orc(&format!("{HEAD}{orc}"))
        .unwrap_or_else(|e| panic!("{e}"));
    cs.read_score(score).unwrap();
    cs.start().unwrap();
    let mut out = Vec::new();
    for _ in 0..(seconds * 48000.0 / 32.0) as usize {
        if cs.perform_ksmps() != Perform::Running {
            break;
        }
        out.extend_from_slice(cs.spout());
    }
    let errors: Vec<_> = cs
        .messages()
        .take()
        .into_iter()
        .filter(|m| m.text.contains("ERROR") || m.text.contains("Error"))
        .collect();
    assert!(errors.is_empty(), "Csound reported errors: {errors:?}");
    (cs, out, turn)
}

#[test]
fn pyruni_defines_a_function_and_pycall1i_returns_its_value() {
    let orc = r#"
pyruni {{
def average(a, b):
    ave = (a + b) / 2
    return ave
}}
instr 1
  iave pycall1i "average", p4, p5
  chnset iave, sprintf("ave%d", p4)
endin
"#;
    let (mut cs, _, _turn) = run(orc, "i 1 0 0.1 100 200\ni 1 0.1 0.1 1000 2000", 0.3);
    assert_eq!(cs.control_by_name("ave100").unwrap(), 150.0);
    assert_eq!(cs.control_by_name("ave1000").unwrap(), 1500.0);
}

#[test]
fn global_python_variables_persist_between_instruments() {
    let orc = r#"
pyruni {{
a = 2.0
b = 3.0
}}
instr 1
  pyruni "a = 6.0\nb = 5.0"
endin
instr 2
  isum pyevali "a + b"
  chnset isum, "sum"
endin
"#;
    let (mut cs, _, turn) = run(orc, "i 2 0 0.05\ni 1 0.1 0.05\ni 2 0.2 0.05", 0.1);
    assert_eq!(
        cs.control_by_name("sum").unwrap(),
        5.0,
        "before instr 1 ran"
    );
    drop((cs, turn));
    let (mut cs, _, _turn) = run(orc, "i 2 0 0.05\ni 1 0.1 0.05\ni 2 0.2 0.05", 0.3);
    assert_eq!(
        cs.control_by_name("sum").unwrap(),
        11.0,
        "instr 1 changed the globals"
    );
}

#[test]
fn local_python_variables_belong_to_each_note() {
    // The article's example: four overlapping notes store p4 in a *local* variable of the same
    // name; after all four started, each reads back its own value (a global would read 400).
    let orc = r#"
gkprint init 0
instr 1
  pylassigni "value", p4
  ktrig changed gkprint
  if ktrig == 1 then
    kvalue pyleval "value"
    chnset kvalue, sprintf("value%d", p4)
  endif
endin
instr 2
  gkprint init 1
endin
"#;
    let score = "i 1 0 5 100\ni 1 0.1 5 200\ni 1 0.2 5 300\ni 1 0.3 5 400\ni 2 0.5 1";
    let (mut cs, _, _turn) = run(orc, score, 0.7);
    for v in [100, 200, 300, 400] {
        assert_eq!(cs.control_by_name(&format!("value{v}")).unwrap(), v as f64);
    }
}

#[test]
fn a_python_markov_chain_drives_an_instrument_that_sounds() {
    let orc = r#"
pyruni {{
c = [0.1, 0.2, 0.05, 0.4, 0.25]
d = [0.4, 0.1, 0.1, 0.2, 0.2]
e = [0.2, 0.35, 0.05, 0.4, 0]
g = [0.7, 0.1, 0.2, 0, 0]
a = [0.1, 0.2, 0.05, 0.4, 0.25]
markov = [c, d, e, g, a]
import random
random.seed()
def get_new_note(previous_note):
    number = random.random()
    accum = 0
    i = 0
    while accum < number:
        accum = accum + markov[int(previous_note)][int(i)]
        i = i + 1
    return i - 1.0
}}
giSine ftgen 1, 0, 2048, 10, 1
giScale ftgen 2, 0, 8, -2, 0, 2, 4, 7, 9
instr 1
  ioct init p5
  klastnote init 0
  ktrig metro p4
  knewnote pycall1t ktrig, "get_new_note", klastnote
  schedkwhen ktrig, 0, 10, 2, 0, 0.2, knewnote, ioct
  klastnote = knewnote
endin
instr 2
  ioct init p5
  ipclass table p4, 2
  ipclass = ioct + (ipclass / 100)
  ifreq = cpspch(ipclass)
  aenv linen 0.2, 0.05, p3, 0.1
  aout oscil aenv, ifreq, 1
  outs aout, aout
  chnset chnget:i("notes") + 1, "notes"
  chnset max(chnget:i("highest"), p4), "highest"
  chnset min(chnget:i("lowest"), p4), "lowest"
endin
"#;
    let (mut cs, out, _turn) = run(orc, "i 1 0 3 6 8", 3.0);
    let notes = cs.control_by_name("notes").unwrap();
    assert!(
        notes >= 15.0,
        "the chain spawned only {notes} notes in 3 s at 6 Hz"
    );
    assert!(cs.control_by_name("lowest").unwrap() >= 0.0);
    assert!(
        cs.control_by_name("highest").unwrap() <= 4.0,
        "a note outside the 5-note scale"
    );
    assert!(common::peak(&out) > 0.1, "the spawned notes are silent");
}

#[test]
fn on_csound_7_python_opcodes_are_an_error_that_names_the_csound_that_has_them() {
    use csound_plugin::csound::Version;
    use csound_plugin::engine::{Engine, Setup};
    use csound_plugin::orchestra::trust::TrustStore;
    use csound_plugin::orchestra::{Kind, Source};
    let text = format!(
        "<CsoundSynthesizer>\n<CsInstruments>\n{HEAD}instr 1\n pyruni \"x = 1\"\nendin\n\
         </CsInstruments>\n</CsoundSynthesizer>\n"
    );
    let setup = Setup {
        csound: Some(Version::Seven),
        ..Setup::plugin(48000.0)
    };
    // Allowed by the user (Python runs code): what stops it is the Csound.
    let mut trust = TrustStore::default();
    trust.allow(&text, "python.csd").unwrap();
    let source = Source::text(text, "python.csd");
    let error = Engine::load_with(&source, &setup, Kind::Instrument, &trust)
        .err()
        .expect("refused on 7.0");
    let message = error.to_string();
    assert!(
        message.contains("`pyinit` (line 7)") && message.contains("only Csound 6.18"),
        "{message}"
    );
}
