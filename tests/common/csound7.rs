//! Csound 7.0's own command line, as the oracle for the layer on 7.0: the `cycsound` wheel's
//! library, as `scripts/fetch-csound7.sh` unpacked it (not the plugin's copy), driven the way
//! Csound's `csound` program does (`csound_main.c`): create, `csoundCompile` with the
//! arguments, `csoundStart`, `csoundPerformKsmps` until it is not 0, destroy.

use std::ffi::{c_char, c_int, c_void, CString};
use std::path::{Path, PathBuf};

/// The fetched Csound 7.0 (`CSOUND7_DIR`, as `build.rs` reads it, or `third_party/`).
pub fn csound7_dir() -> PathBuf {
    std::env::var_os("CSOUND7_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("third_party/csound-7.0"))
}

type Create = unsafe extern "C" fn(*mut c_void, *const c_char) -> *mut c_void;
type Compile = unsafe extern "C" fn(*mut c_void, c_int, *const *const c_char) -> c_int;
type Engine = unsafe extern "C" fn(*mut c_void) -> c_int;
type Destroy = unsafe extern "C" fn(*mut c_void);
type Initialize = unsafe extern "C" fn(c_int) -> c_int;

/// Renders `csd` as `csound -d -m0 CSD -o OUT -h --format=double [-i WAV]` does on 7.0 (the
/// same arguments `render_cli` gives 6.18's command line), and reads the samples back.
pub fn render_cli7(csd: &Path, input_wav: Option<&Path>, dir: &Path) -> Vec<f64> {
    let out = dir.join(format!(
        "{}-7.raw",
        csd.file_stem().and_then(|s| s.to_str()).unwrap_or("out")
    ));
    let mut args: Vec<String> = ["csound", "-d", "-m0"].map(String::from).to_vec();
    args.push(csd.display().to_string());
    args.extend(["-o".into(), out.display().to_string(), "-h".into()]);
    args.push("--format=double".into());
    if let Some(wav) = input_wav {
        args.extend(["-i".into(), wav.display().to_string()]);
    }
    let args: Vec<CString> = args.into_iter().map(|a| CString::new(a).unwrap()).collect();
    let argv: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
    let dir7 = csound7_dir();
    let plugins = CString::new(dir7.join("plugins").display().to_string()).unwrap();
    // SAFETY: the wheel's library, opened privately (its own copy, apart from the plugin's),
    // called with the signatures of its `csound.h`; the engine is used on this thread only.
    unsafe {
        let lib = libloading::os::unix::Library::open(
            Some(dir7.join("lib/libcsound64.so.7.0")),
            libc::RTLD_NOW | libc::RTLD_LOCAL | libc::RTLD_DEEPBIND,
        )
        .expect("the fetched Csound 7.0 opens");
        let initialize = *lib.get::<Initialize>(b"csoundInitialize").unwrap();
        let create = *lib.get::<Create>(b"csoundCreate").unwrap();
        let compile = *lib.get::<Compile>(b"csoundCompile").unwrap();
        let start = *lib.get::<Engine>(b"csoundStart").unwrap();
        let perform = *lib.get::<Engine>(b"csoundPerformKsmps").unwrap();
        let destroy = *lib.get::<Destroy>(b"csoundDestroy").unwrap();
        // No signal handlers or atexit hook in a test process.
        initialize(3);
        let cs = create(std::ptr::null_mut(), plugins.as_ptr());
        assert!(!cs.is_null(), "Csound 7.0 created no engine");
        assert_eq!(
            compile(cs, argv.len() as c_int, argv.as_ptr()),
            0,
            "7.0 compiled {csd:?}"
        );
        assert_eq!(start(cs), 0, "7.0 started");
        while perform(cs) == 0 {}
        destroy(cs);
        // The library stays loaded (its opcode libraries registered exit handlers).
        std::mem::forget(lib);
    }
    let bytes = std::fs::read(&out).expect("Csound 7.0 wrote its output");
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect()
}
