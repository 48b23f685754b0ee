//! The two Csounds the layer speaks, opened at run time, behind one function table ([`Api`]):
//!
//! - **6.18**, Debian's `libcsound64.so.6.0`, looked up by name and opened globally, as linking
//!   did (its opcode libraries, the Python opcodes among them, look libcsound's symbols up);
//! - **7.0**, the one the plugin carries ([`bundled`]), opened by path, privately
//!   (`RTLD_LOCAL | RTLD_DEEPBIND`): neither another plugin's Csound nor Debian's can take the
//!   place of any of its symbols, and its symbols reach nobody else.
//!
//! [`Api`]'s methods take the 6.18 names and argument types; where 7.0 renamed or merged a
//! function, the method does what the 6.18 function did (table in `notes/csound7.md`). C
//! callbacks learn which Csound called them from a type parameter ([`Flavor`]).
//!
//! Nothing outside `crate::csound` uses these: the rest of the crate goes through the safe
//! wrappers beside this module.

// The C names are kept (methods, the engine and string types), and the callbacks' transmutes
// change only the name of the engine type their first argument points to.
#![allow(
    non_snake_case,
    clippy::upper_case_acronyms,
    clippy::missing_transmute_annotations
)]

/// Calls the function of the same name in whichever library `api` is; pointer arguments are
/// cast per library with `.cast()` (the types differ only in name where this is used).
macro_rules! call {
    ($api:expr, $f:ident($($a:expr),*)) => {
        match $api {
            Api::Six(l) => l.$f($($a),*),
            Api::Seven(s) => s.lib.$f($($a),*),
        }
    };
}

mod access;
mod api;
mod bundled;
mod layout7;
mod v6;
mod v7;

pub use api::Api;

use std::ffi::{c_char, c_int, c_long, c_void, CString};
use std::sync::OnceLock;

pub use v6::{
    controlChannelBehavior_CSOUND_CONTROL_CHANNEL_EXP,
    controlChannelBehavior_CSOUND_CONTROL_CHANNEL_INT,
    controlChannelBehavior_CSOUND_CONTROL_CHANNEL_LIN,
    controlChannelBehavior_CSOUND_CONTROL_CHANNEL_NO_HINTS, controlChannelHints_t,
    controlChannelInfo_t, controlChannelType_CSOUND_AUDIO_CHANNEL,
    controlChannelType_CSOUND_CHANNEL_TYPE_MASK, controlChannelType_CSOUND_CONTROL_CHANNEL,
    controlChannelType_CSOUND_INPUT_CHANNEL, controlChannelType_CSOUND_OUTPUT_CHANNEL,
    controlChannelType_CSOUND_PVS_CHANNEL, controlChannelType_CSOUND_STRING_CHANNEL,
    controlChannelType_CSOUND_VAR_CHANNEL, ARRAYDAT, CSOUNDINIT_NO_ATEXIT,
    CSOUNDINIT_NO_SIGNAL_HANDLER, CSOUND_EXITJMP_SUCCESS, TREE,
};

/// An engine of either Csound, as the layer holds it: only ever a pointer.
pub enum CSOUND {}

/// The start of a Csound string argument, the same in both versions (the size after it is
/// not: `int` in 6.18, `size_t` in 7.0).
#[repr(C)]
pub struct STRINGDAT {
    pub data: *mut c_char,
}

/// The signature of Csound's opcode functions.
pub type Subr = Option<unsafe extern "C" fn(*mut CSOUND, *mut c_void) -> c_int>;

/// Which Csound an engine runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// Debian's Csound 6.18 (package `libcsound64-6.0`).
    Six,
    /// Csound 7.0, carried inside the plugin.
    Seven,
}

impl Version {
    /// Both, oldest first.
    pub const ALL: [Version; 2] = [Version::Six, Version::Seven];

    /// What a musician reads: "Csound 6.18 (system)" or "Csound 7.0 (bundled)".
    pub fn label(self) -> &'static str {
        match self {
            Version::Six => "Csound 6.18 (system)",
            Version::Seven => "Csound 7.0 (bundled)",
        }
    }

    /// The short name saved in projects and typed on the command line: "6" or "7".
    pub fn key(self) -> &'static str {
        match self {
            Version::Six => "6",
            Version::Seven => "7",
        }
    }

    /// The version a key (or a version number such as "6.18" or "7.0") names.
    pub fn from_key(key: &str) -> Option<Version> {
        match key.trim().split('.').next() {
            Some("6") => Some(Version::Six),
            Some("7") => Some(Version::Seven),
            _ => None,
        }
    }

    /// Whether this Csound can run here (6.18 must be installed; 7.0 unpacks into the cache).
    pub fn is_available(self) -> bool {
        Api::of(self).is_ok()
    }

    /// The Csound a new instance runs on: 6.18 where it is installed (the plugin's Cabbage
    /// support and the Python opcodes are proven on it, and it is what `csound` on the same
    /// machine plays), else the bundled 7.0, so the plugin plays on any machine.
    pub fn preferred() -> Version {
        if Version::Six.is_available() {
            Version::Six
        } else {
            Version::Seven
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Debian's library file name.
pub const LIBRARY_NAME: &str = "libcsound64.so.6.0";

/// Set (to anything but empty), the plugin behaves as on a machine without Debian's Csound:
/// to try what musicians without it get (the tests prove with it that nothing of it is needed).
pub const HIDE_SIX: &str = "CSOUND_PLUGIN_HIDE_CSOUND6";

/// The bundled 7.0, opened.
pub struct Seven {
    /// Its functions, looked up once.
    lib: v7::Library,
    /// Its opcode libraries' folder, which every engine is created with.
    opcodes: CString,
    /// Where the private fields it needs sit in its `CSOUND` struct.
    layout: layout7::Layout,
}

static SIX: OnceLock<Result<v6::Library, String>> = OnceLock::new();
static SEVEN: OnceLock<Result<Seven, String>> = OnceLock::new();

/// How each library is initialised, once, before any engine: without the signal handlers and
/// `atexit` hook that `csoundCreate` would otherwise install (they can `exit()` the host).
const INIT_FLAGS: c_int = (CSOUNDINIT_NO_SIGNAL_HANDLER | CSOUNDINIT_NO_ATEXIT) as c_int;

/// Opens Debian's 6.18 named `name` with every function the bindings name, initialised.
fn open_six(name: &str) -> Result<v6::Library, String> {
    let flags = libc::RTLD_NOW | libc::RTLD_GLOBAL;
    // SAFETY: opening libcsound runs its initialisers, which only set up its own state; every
    // symbol the bindings declare is looked up with the signature from its header.
    let lib = unsafe {
        libloading::os::unix::Library::open(Some(name), flags)
            .and_then(|library| v6::Library::from_library(library))
    };
    let _fpu = super::fpu::Guard::save();
    // SAFETY: the documented flags, before any engine of this library exists.
    lib.inspect(|lib| unsafe {
        lib.csoundInitialize(INIT_FLAGS);
    })
    .map_err(|e| {
        format!(
            "Csound 6.18 is not installed ({name}: {e}); install the Debian package \
             libcsound64-6.0 (scripts/setup-system.sh does), or choose the bundled Csound 7.0"
        )
    })
}

/// Unpacks and opens the bundled 7.0, privately.
fn open_seven() -> Result<Seven, String> {
    let files = bundled::unpack()?;
    // Its opcode libraries take libm's functions from the process without naming libm; a DAW
    // has it globally, the engine launcher (a C program linked with libdl only) does not.
    // SAFETY: libm's initialisers only set up its own state; the handle is kept open for good.
    if let Ok(libm) = unsafe {
        libloading::os::unix::Library::open(Some("libm.so.6"), libc::RTLD_NOW | libc::RTLD_GLOBAL)
    } {
        std::mem::forget(libm);
    }
    let flags = libc::RTLD_NOW | libc::RTLD_LOCAL | libc::RTLD_DEEPBIND;
    // SAFETY: as for 6.18; the file is the one embedded at build time, whose headers made the
    // bindings.
    let lib = unsafe {
        libloading::os::unix::Library::open(Some(&files.library), flags)
            .and_then(|library| v7::Library::from_library(library))
    }
    .map_err(|e| format!("the bundled Csound 7.0 could not be opened ({e})"))?;
    let opcodes = CString::new(files.plugins.to_string_lossy().into_owned())
        .map_err(|_| "the cache folder's name contains a NUL character".to_string())?;
    let _fpu = super::fpu::Guard::save();
    // SAFETY: initialised with the documented flags before any engine of it exists; then one
    // engine of our own measures the layout.
    let layout = unsafe {
        lib.csoundInitialize(INIT_FLAGS);
        layout7::Layout::measure(&lib, opcodes.as_ptr())?
    };
    Ok(Seven {
        lib,
        opcodes,
        layout,
    })
}

/// Which Csound a C callback is called by, as a type: callbacks are generic over it, and each
/// engine registers the instance for its own version.
pub trait Flavor: 'static {
    const VERSION: Version;
    /// The size of an opcode's `OPDS` header (6 pointers in 6.18, 8 in 7.0).
    const OPDS: usize;
    /// The table of this version (opened: an engine of it is calling).
    fn api() -> Api {
        Api::opened(Self::VERSION)
    }
}

/// Csound 6.18's callbacks.
pub struct V6;
/// Csound 7.0's callbacks.
pub struct V7;

impl Flavor for V6 {
    const VERSION: Version = Version::Six;
    const OPDS: usize = std::mem::size_of::<v6::OPDS>();
}

impl Flavor for V7 {
    const VERSION: Version = Version::Seven;
    const OPDS: usize = std::mem::size_of::<v7::OPDS>();
}

#[cfg(test)]
mod tests;
