//! Generates Rust bindings for the two Csounds the plugin speaks: Debian's 6.18
//! (`libcsound64-dev`) and 7.0 (`scripts/fetch-csound7.sh`), both opened at run time; and embeds
//! Csound 7.0's library and opcode libraries, which the plugin carries.
//!
//! Besides the public API (`csound.h`), the bindings describe the layout of the `CSOUND`
//! struct, private fields included: the host layer must clear its `jumpset` field before every
//! `csoundPerformKsmps` so that `exitnow` and fatal errors return instead of aborting the
//! process (see `src/csound/perform.rs`). Those fields are declared only for builds of
//! libcsound itself and name a few internal types, so a copy of each `csoundCore.h` is patched
//! into `OUT_DIR`: the private block is opened and the internal types become opaque (all are
//! used through pointers, except `REMOT_BUF`, whose definition depends only on public types).

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

/// `csoundCore.h` (in `include`) with the private part of `struct CSOUND_` opened and the
/// internal types it names replaced by `stubs`; with `last`, the private part ends after the
/// field declared on the line containing `last`.
fn patched_core_header(include: &Path, stubs: &str, last: Option<&str>) -> String {
    let path = include.join("csoundCore.h");
    let text = fs::read_to_string(&path)
        .unwrap_or_else(|e| fail(&format!("{} could not be read ({e})", path.display())));
    let Some(start) = text.find("struct CSOUND_ {") else {
        fail(&format!("{} has no `struct CSOUND_`", path.display()))
    };
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let gate = "#ifdef __BUILDING_LIBCSOUND";
    let Some(gate_at) = text[start..].find(gate).map(|i| i + start) else {
        fail(&format!(
            "{} has no private block in `struct CSOUND_`",
            path.display()
        ))
    };
    let mut private = text[gate_at + gate.len()..].to_string();
    if let Some(last) = last {
        let end = "#endif /* __BUILDING_LIBCSOUND */";
        let (Some(at), Some(close)) = (private.find(last), private.find(end)) else {
            fail(&format!(
                "{} has no `{last}` in `struct CSOUND_`",
                path.display()
            ))
        };
        let cut = private[at..]
            .find('\n')
            .map_or(private.len(), |i| at + i + 1);
        private.replace_range(cut..close, "");
    }
    format!(
        "{}{}{}#if 1{}",
        &text[..line_start],
        stubs,
        &text[line_start..gate_at],
        private
    )
}

/// Internal types the private part of 6.18's `struct CSOUND_` names: all used through
/// pointers, except `REMOT_BUF`, whose definition depends only on public types.
const STUBS_6: &str = "#ifndef MIDIMAXPORTS\n#define MIDIMAXPORTS (64)\n#endif\n\
    typedef struct SRTBLK_opaque SRTBLK; typedef struct EVTNODE_opaque EVTNODE;\n\
    typedef struct MGLOBAL_opaque MGLOBAL; typedef struct SNDFILE_opaque SNDFILE;\n\
    typedef struct NAMES_opaque NAMES; typedef struct THREADINFO_opaque THREADINFO;\n\
    typedef struct { int len; int type; char data[sizeof(EVTBLK) + 2 * sizeof(int)]; } REMOT_BUF;\n";

/// The same for 7.0's, whose private part is read only up to `API_lock`. Its headers do not
/// define `ENGINE_STATE`, which it holds by value: the stub has the size of one pointer, and
/// the layer measures the real difference at run time (`src/csound/sys/layout7.rs`).
const STUBS_7: &str = "#ifndef MIDIMAXPORTS\n#define MIDIMAXPORTS (64)\n#endif\n\
    typedef struct { void *unknown_size; } ENGINE_STATE;\n\
    typedef struct SRTBLK_opaque SRTBLK; typedef struct EVTNODE_opaque EVTNODE;\n\
    typedef struct MGLOBAL_opaque MGLOBAL; typedef struct NAMES_opaque NAMES;\n\
    typedef struct THREADINFO_opaque THREADINFO; typedef struct CORFIL_opaque CORFIL;\n\
    typedef struct MACRO_opaque MACRO; typedef struct OPCODINFO_opaque OPCODINFO;\n\
    typedef struct ALLOC_DATA_opaque ALLOC_DATA;\n\
    typedef struct { int32_t len; int32_t type; char data[sizeof(EVTBLK) + 2 * sizeof(int32_t)]; } REMOT_BUF;\n";

/// Generates bindgen's run-time-loaded bindings (`Library`) for the Csound whose headers are in
/// `include`, `wrapper` being the header text that names them.
fn bindings(include: &Path, wrapper: &str, file: &Path) {
    // bindgen panics (rather than returning an error) when libclang cannot be loaded.
    let generated = std::panic::catch_unwind(|| {
        bindgen::Builder::default()
            .header_contents("csound_wrapper.h", wrapper)
            .clang_arg(format!("-I{}", include.display()))
            .allowlist_function("csound.*")
            .dynamic_library_name("Library")
            .dynamic_link_require_all(true)
            .allowlist_type("CSOUND_|CSOUND_PARAMS|controlChannel.*|TREE|ORCTOKEN|opcodeListEntry|STRINGDAT|ARRAYDAT|OPDS|OPARMS")
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
        Ok(Err(error)) => fail(&format!(
            "the Csound headers in {} did not parse ({error})",
            include.display()
        )),
        Err(_) => fail("libclang, which generates the Csound bindings, was not found"),
    };
    if let Err(e) = bindings.write_to_file(file) {
        fail(&format!("the bindings could not be written ({e})"));
    }
}

/// Csound 7.0 as `scripts/fetch-csound7.sh` unpacked it: `include/`, `lib/`, `plugins/`.
fn csound7_dir() -> PathBuf {
    println!("cargo:rerun-if-env-changed=CSOUND7_DIR");
    let dir = env::var_os("CSOUND7_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"))
                .join("third_party/csound-7.0")
        });
    println!("cargo:rerun-if-changed={}", dir.display());
    if !dir.join("include/csound.h").is_file() || !dir.join("lib/libcsound64.so.7.0").is_file() {
        eprintln!(
            "\n\ncsound-plugin cannot build: Csound 7.0 (the headers and the library the plugin \
             carries) is not in {}.\nFetch it (pinned by version and hash) with\n\n    \
             bash scripts/fetch-csound7.sh\n",
            dir.display()
        );
        std::process::exit(1);
    }
    dir
}

/// Rust source listing Csound 7.0's files for the library to embed (`FILES`: path and bytes,
/// the library first, then the opcode libraries under `plugins/`) and a hash of them all
/// (`STAMP`), which names the folder they are unpacked into.
fn csound7_files(dir: &Path) -> String {
    let mut files = vec![dir.join("lib/libcsound64.so.7.0")];
    let mut plugins: Vec<PathBuf> = fs::read_dir(dir.join("plugins"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    plugins.retain(|p| p.extension().is_some_and(|e| e == "so"));
    plugins.sort();
    files.extend(plugins);
    let mut code = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for file in files {
        let bytes = fs::read(&file)
            .unwrap_or_else(|e| fail(&format!("{} could not be read ({e})", file.display())));
        for b in file
            .file_name()
            .unwrap_or_default()
            .as_encoded_bytes()
            .iter()
            .chain(&bytes)
        {
            hash = (hash ^ *b as u64).wrapping_mul(0x0100_0000_01b3);
        }
        let name = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .to_string_lossy()
            .into_owned();
        code += &format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            file.display().to_string()
        );
    }
    code + &format!("];\npub const STAMP: &str = \"{hash:016x}\";\n")
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // libcsound is opened at run time (`src/csound/sys/`), not linked: a machine without
    // Debian's still loads the plugin, which then plays on the bundled 7.0.

    let include = csound_include_dir();
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let core = out.join("csoundCore_layout.h");
    if let Err(e) = fs::write(&core, patched_core_header(&include, STUBS_6, None)) {
        fail(&format!("{} could not be written ({e})", core.display()));
    }
    let wrapper = format!(
        "#include <csound/csound.h>\n#define CSOUND_CSDL_H 1\n#include \"{}\"\n",
        core.display()
    );
    bindings(&include, &wrapper, &out.join("csound_bindings.rs"));

    let seven = csound7_dir();
    let include7 = seven.join("include");
    let core7 = out.join("csoundCore7_layout.h");
    if let Err(e) = fs::write(
        &core7,
        patched_core_header(&include7, STUBS_7, Some("*API_lock;")),
    ) {
        fail(&format!("{} could not be written ({e})", core7.display()));
    }
    let wrapper7 = format!(
        "#include \"csound.h\"\n#include \"csound_compiler.h\"\n#define CSOUND_CSDL_H 1\n#include \"{}\"\n",
        core7.display()
    );
    bindings(&include7, &wrapper7, &out.join("csound7_bindings.rs"));
    if let Err(e) = fs::write(out.join("csound7_files.rs"), csound7_files(&seven)) {
        fail(&format!(
            "the list of Csound 7 files could not be written ({e})"
        ));
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
