//! Generates Rust bindings for Debian's Csound 6.18 (`libcsound64-dev`) and links `csound64`.
//!
//! Besides the public API (`csound.h`), the bindings describe the layout of the `CSOUND`
//! struct, private fields included: the host layer must clear its `jumpset` field before every
//! `csoundPerformKsmps` so that `exitnow` and fatal errors return instead of aborting the
//! process (see `src/csound/perform.rs`). Those fields are declared only for builds of
//! libcsound itself and name a few internal types, so a copy of `csoundCore.h` is patched into
//! `OUT_DIR`: the private block is opened and the internal types become opaque (all are used
//! through pointers, except `REMOT_BUF`, whose definition depends only on public types).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

const PACKAGES: &str = "libcsound64-dev libclang-dev";

fn fail(what: &str) -> ! {
    eprintln!(
        "\n\ncsound-plugin cannot build: {what}.\n\
         Install the system packages it needs with\n\n    \
         sudo apt-get install {PACKAGES}\n\n\
         or run `bash scripts/setup-system.sh`, which installs everything the project needs.\n"
    );
    std::process::exit(1);
}

/// The folder holding `csound.h` and `csoundCore.h`.
fn csound_include_dir() -> PathBuf {
    println!("cargo:rerun-if-env-changed=CSOUND_INCLUDE_DIR");
    let candidates = env::var_os("CSOUND_INCLUDE_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/usr/include/csound", "/usr/local/include/csound"].map(PathBuf::from));
    for dir in candidates {
        if dir.join("csound.h").is_file() && dir.join("csoundCore.h").is_file() {
            return dir;
        }
    }
    fail("the Csound 6 headers (csound/csound.h, csound/csoundCore.h) were not found")
}

/// `csoundCore.h` with the private part of `struct CSOUND_` opened and its internal types stubbed.
fn patched_core_header(include: &Path) -> String {
    let path = include.join("csoundCore.h");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|e| fail(&format!("{} could not be read ({e})", path.display())));
    let Some(start) = text.find("struct CSOUND_ {") else {
        fail("csoundCore.h has no `struct CSOUND_`: this is not Csound 6")
    };
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let gate = "#ifdef __BUILDING_LIBCSOUND";
    let Some(gate_at) = text[start..].find(gate).map(|i| i + start) else {
        fail("csoundCore.h has no private block in `struct CSOUND_`: this is not Csound 6.18")
    };
    let stubs = "#ifndef MIDIMAXPORTS\n#define MIDIMAXPORTS (64)\n#endif\n\
        typedef struct SRTBLK_opaque SRTBLK; typedef struct EVTNODE_opaque EVTNODE;\n\
        typedef struct MGLOBAL_opaque MGLOBAL; typedef struct SNDFILE_opaque SNDFILE;\n\
        typedef struct NAMES_opaque NAMES; typedef struct THREADINFO_opaque THREADINFO;\n\
        typedef struct { int len; int type; char data[sizeof(EVTBLK) + 2 * sizeof(int)]; } REMOT_BUF;\n";
    format!(
        "{}{}{}#if 1{}",
        &text[..line_start],
        stubs,
        &text[line_start..gate_at],
        &text[gate_at + gate.len()..]
    )
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // libcsound is opened at run time (`src/csound/sys.rs`), not linked: a machine without it
    // still loads the plugin, which then says what is missing.

    let include = csound_include_dir();
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let core = out.join("csoundCore_layout.h");
    if let Err(e) = fs::write(&core, patched_core_header(&include)) {
        fail(&format!("{} could not be written ({e})", core.display()));
    }
    let wrapper = format!(
        "#include <csound/csound.h>\n#define CSOUND_CSDL_H 1\n#include \"{}\"\n",
        core.display()
    );

    // bindgen panics (rather than returning an error) when libclang cannot be loaded.
    let generated = std::panic::catch_unwind(|| {
        bindgen::Builder::default()
            .header_contents("csound_wrapper.h", &wrapper)
            .clang_arg(format!("-I{}", include.display()))
            .allowlist_function("csound.*")
            .dynamic_library_name("Library")
            .dynamic_link_require_all(true)
            .allowlist_type("CSOUND_|CSOUND_PARAMS|controlChannel.*|TREE|ORCTOKEN|opcodeListEntry|STRINGDAT|ARRAYDAT")
            .allowlist_var("CSOUND.*")
            // Functions taking a `va_list` have no portable Rust signature.
            .blocklist_function("csoundSetMessageCallback|csoundSetDefaultMessageCallback")
            .blocklist_function(".*[Vv]a[Ll]ist.*")
            .layout_tests(false)
            .generate_comments(false)
            .generate()
    });
    let bindings = match generated {
        Ok(Ok(bindings)) => bindings,
        Ok(Err(error)) => fail(&format!("the Csound headers did not parse ({error})")),
        Err(_) => fail("libclang, which generates the Csound bindings, was not found"),
    };
    if let Err(e) = bindings.write_to_file(out.join("csound_bindings.rs")) {
        fail(&format!("the bindings could not be written ({e})"));
    }
    if let Err(e) = fs::write(out.join("factory.rs"), factory_index()) {
        fail(&format!("the factory index could not be written ({e})"));
    }
    build_launcher(&out);
    // Identifies the plugin/engine protocol: an engine process answers only a plugin that speaks
    // the same one (the library file may be replaced while a host has the old one loaded).
    let protocol = "src/engine/remote/protocol.rs";
    println!("cargo:rerun-if-changed={protocol}");
    let text = fs::read(protocol).unwrap_or_default();
    let hash = text.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    println!("cargo:rustc-env=CSOUND_PLUGIN_BUILD={hash:016x}");
}

/// The engine launcher (`src/csound/process/launcher.c`): a small C program the plugin library
/// carries and runs to start its engine processes.
fn build_launcher(out: &Path) {
    let source = "src/csound/process/launcher.c";
    println!("cargo:rerun-if-changed={source}");
    let compiler = env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = std::process::Command::new(&compiler)
        .args(["-O2", "-s", "-o"])
        .arg(out.join("engine-launcher"))
        .arg(source)
        .arg("-ldl")
        .status();
    match status {
        Ok(s) if s.success() => {}
        _ => fail(&format!(
            "the engine launcher could not be compiled with `{compiler}` (a C compiler, gcc)"
        )),
    }
}

/// The factory content under `presets/`, as Rust source that `include_str!`s every file, so
/// adding an orchestra or a preset needs no code: `presets/<kind>/<stem>.csd` is an orchestra,
/// `presets/<kind>/<stem>/*.cspreset` are its presets.
fn factory_index() -> String {
    println!("cargo:rerun-if-changed=presets");
    let root =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("presets");
    let sorted = |dir: &std::path::Path, ext: &str| -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == ext));
        files.sort();
        files
    };
    let mut code = String::from("&[\n");
    for (kind, variant) in [("instrument", "Instrument"), ("effect", "Effect")] {
        let dir = root.join(kind);
        println!("cargo:rerun-if-changed={}", dir.display());
        for csd in sorted(&dir, "csd") {
            let stem = csd
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let presets_dir = dir.join(&stem);
            println!("cargo:rerun-if-changed={}", presets_dir.display());
            println!("cargo:rerun-if-changed={}", csd.display());
            code += &format!(
                "    FactoryOrchestra {{ kind: Kind::{variant}, file: {:?}, text: include_str!({:?}), path: None, presets: &[\n",
                format!("{stem}.csd"),
                csd.display().to_string()
            );
            for preset in sorted(&presets_dir, "cspreset") {
                println!("cargo:rerun-if-changed={}", preset.display());
                code += &format!(
                    "        FactoryPreset {{ file: {:?}, text: include_str!({:?}) }},\n",
                    preset.file_name().unwrap_or_default().to_string_lossy(),
                    preset.display().to_string()
                );
            }
            code += "    ] },\n";
        }
    }
    code + "]\n"
}
