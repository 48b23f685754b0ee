//! Opening what someone else shared: untrusted orchestras that reach outside the instrument are
//! refused before anything runs, with the opcode and line named, whether the opcode is written
//! out, hidden behind a macro or inside a user-defined opcode, or code is built from a string;
//! once the user allows that exact file, it runs. Driven through the command line, which uses
//! the same check and trust store as the plugin's editor.

mod common;
use common::scratch;
use csound_plugin::csound::Version;
use csound_plugin::orchestra::trust::{self, TrustStore};
use csound_plugin::orchestra::Kind;
use csound_plugin::presets::Preset;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cli(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_csound-plugin"))
        .env("CSOUND_PLUGIN_HOME", home)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// An instrument that, when it runs, writes `marker` (through `payload`) and plays a tone.
fn csd(globals: &str, body: &str) -> String {
    format!(
        "<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n{globals}\
         instr 1\n{body}\n a1 oscili 0.2, 440\n aenv linsegr 1, 1, 1, 0.01, 0\n \
         outs a1 * aenv, a1 * aenv\nendin\n</CsInstruments>\n<CsScore>\n</CsScore>\n\
         </CsoundSynthesizer>\n"
    )
}

/// The four hostile files: (name, text, opcode, line of the use).
fn hostile(marker: &Path) -> Vec<(&'static str, String, &'static str, u32)> {
    let touch = format!("\"touch {}\"", marker.display());
    vec![
        (
            "direct.csd",
            csd("", &format!(" ir system_i 1, {touch}")),
            "system_i",
            7,
        ),
        (
            "macro.csd",
            csd("#define RUN #system_i#\n", &format!(" ir $RUN 1, {touch}")),
            "system_i",
            8,
        ),
        (
            "udo.csd",
            csd(
                &format!("opcode Helper, 0, 0\n ir system_i 1, {touch}\nendop\n"),
                " Helper",
            ),
            "system_i",
            7,
        ),
        (
            "compilestr.csd",
            csd(
                "",
                &format!(
                    " ir compilestr {{{{instr 9\n ir system_i 1, {touch}\nendin\n}}}}\n \
                     event_i \"i\", 9, 0, 0.01"
                ),
            ),
            "compilestr",
            7,
        ),
    ]
}

/// Runs the command line and insists it succeeds (the orchestra was allowed).
fn cli_ok(home: &Path, args: &[&str], what: &str) {
    let ran = cli(home, args);
    assert!(
        ran.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn hostile_orchestras_are_refused_with_the_opcode_named_until_allowed() {
    let dir = scratch("trust-cli");
    let home = dir.join("home");
    for (name, text, opcode, line) in hostile(&dir.join("ran")) {
        let marker = dir.join("ran");
        let file = write(&dir, name, &text);
        let refused = cli(&home, &["render", file.to_str().unwrap(), "--tail", "0.2"]);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{name} was not refused");
        assert!(
            stderr.contains(&format!("line {line}: `{opcode}`")),
            "{name}: {stderr}"
        );
        assert!(stderr.contains("csound-plugin allow"), "{name}: {stderr}");
        assert!(!marker.exists(), "{name}: ran before it was allowed");

        let allowed = cli(&home, &["allow", file.to_str().unwrap()]);
        assert!(allowed.status.success());
        let out = dir.join("out.wav");
        let args = ["render", file.to_str().unwrap(), "--tail", "0.2"];
        cli_ok(
            &home,
            &[&args[..], &["-o", out.to_str().unwrap()]].concat(),
            name,
        );
        assert!(marker.exists(), "{name}: allowed, it runs");
        std::fs::remove_file(&marker).unwrap();

        // Allowed means this exact content: one more byte asks again.
        let changed = write(&dir, name, &format!("{text}\n"));
        let again = cli(&home, &["render", changed.to_str().unwrap()]);
        assert!(
            !again.status.success(),
            "{name}: a changed file must ask again"
        );
    }
}

#[test]
fn a_shared_preset_carrying_a_hostile_orchestra_is_refused() {
    let dir = scratch("trust-preset");
    let home = dir.join("home");
    let marker = dir.join("ran");
    let (_, text, _, _) = hostile(&marker).remove(1);
    let preset = Preset::capture(
        "Innocent Pad",
        Kind::Instrument,
        "pad.csd",
        &text,
        BTreeMap::new(),
        BTreeMap::new(),
        true,
    );
    let file = write(&dir, "innocent.cspreset", &preset.to_text());
    let refused = cli(&home, &["render", "--preset", file.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("`system_i`"));
    assert!(!marker.exists());
    assert!(cli(&home, &["allow", file.to_str().unwrap()])
        .status
        .success());
    let out = dir.join("out.wav");
    let args = [
        "render",
        "--preset",
        file.to_str().unwrap(),
        "--tail",
        "0.2",
    ];
    cli_ok(
        &home,
        &[&args[..], &["-o", out.to_str().unwrap()]].concat(),
        "preset",
    );
    assert!(marker.exists());
}

#[test]
fn factory_and_harmless_orchestras_open_without_asking() {
    let store = TrustStore::default();
    for orchestra in csound_plugin::orchestra::factory::ORCHESTRAS {
        assert!(trust::vet(orchestra.text, orchestra.file, &store, Version::preferred()).is_ok());
    }
    let harmless = csd("", " ; writes nothing, runs nothing");
    assert!(trust::vet(&harmless, "harmless.csd", &store, Version::preferred()).is_ok());
    let refusal = trust::vet(
        &csd("", " fprints \"x.txt\", \"hi\""),
        "writer.csd",
        &store,
        Version::preferred(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        refusal.contains("writer.csd") && refusal.contains("`fprints` writes files"),
        "{refusal}"
    );
}

#[test]
fn the_gate_refuses_real_opcodes_of_each_family_and_never_a_user_defined_namesake() {
    use csound_plugin::csound::Csound;
    use csound_plugin::orchestra::safety;
    let store = TrustStore::default();
    // A public synth's tuning function is called `pythagorean`; one per family here.
    let families = [
        "py",
        "fout",
        "ftsave",
        "dumpk",
        "soundout",
        "OSC",
        "sock",
        "websocket",
        "serial",
        "Jacko",
    ];
    for version in Version::ALL.into_iter().filter(|v| v.is_available()) {
        for family in families {
            let name = format!("{family}thagorean");
            assert!(
                safety::reach(&name).is_some(),
                "{name} is spelled like the family"
            );
            let udo = format!("opcode {name}, k, k\n kx xin\n xout kx * 2\nendop\n");
            let text = csd(&udo, &format!(" k1 = {name}(1)\n printk2 k1"));
            let judged = trust::vet(&text, "udo.csd", &store, version);
            assert!(judged.is_ok(), "{version}: {name}: {judged:?}");
        }
        // Every opcode of each family this Csound has is one the gate refuses, by name.
        let known = Csound::built_in_opcodes(version).unwrap();
        let members: Vec<&String> = known
            .iter()
            .filter(|n| safety::reach(n).is_some())
            .collect();
        assert!(
            members.iter().any(|n| n.starts_with("fout")) && members.len() > 10,
            "{version}: {members:?}"
        );
        for member in members {
            let tokens = [(member.clone(), 7)];
            let found = safety::findings(&tokens, known);
            assert_eq!(found.len(), 1, "{version}: {member} is refused");
        }
    }
    // Real members in real code, on the Csound that parses them.
    let writer = csd("", " fprints \"x.txt\", \"hi\"\n foutk \"y.txt\", 0, 1");
    for version in Version::ALL.into_iter().filter(|v| v.is_available()) {
        let refusal = trust::vet(&writer, "w.csd", &store, version)
            .unwrap_err()
            .to_string();
        assert!(
            refusal.contains("`fprints`") && refusal.contains("`foutk`"),
            "{version}: {refusal}"
        );
    }
}
