//! [`Csound`]: one Csound engine, owned, with host-implemented audio and MIDI.

use super::error::{Error, ErrorKind, Result};
use super::messages::{MessageLevel, MessageLog};
use super::sys::{self, Version};
use super::{fpu, options};
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, Once};

/// What Csound's C callbacks reach through the instance's host-data pointer. Only shared
/// references are ever made to it: callbacks may run on several threads at once.
pub(super) struct HostData {
    pub(super) log: Arc<MessageLog>,
    /// The reading end of the MIDI input ring, or null. Owned by the `Csound`.
    pub(super) midi_in: AtomicPtr<rtrb::Consumer<u8>>,
    /// What Cabbage's opcodes changed in widgets, for the plugin.
    pub(super) widgets: Arc<super::opcodes::WidgetWrites>,
    /// The orchestra's widgets, as Cabbage's opcodes read them: set before the engine starts,
    /// then touched only by the thread performing it ([`Csound::set_widget_table`]).
    pub(super) table: std::cell::UnsafeCell<super::opcodes::WidgetTable>,
    /// The plugin state Cabbage's state opcodes keep ([`Csound::set_state`]); touched as the
    /// table is.
    pub(super) state: std::cell::UnsafeCell<super::opcodes::StateStore>,
}

/// Options the layer itself sets on every instance (and again after every reset).
/// `-d`: no graph windows. `-m0`: otherwise every new note prints "new alloc..." on the audio
/// thread. Errors are printed at any message level.
const BASE_OPTIONS: &[&str] = &["-d", "--messagelevel=0"];

/// Source of instance keys (a new one for every instance and every reset).
pub(super) static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// An engine per Csound that is never used nor destroyed. libcsound loads its opcode libraries
/// for each instance and unloads them when the last instance is destroyed; the next instance
/// then pays ~16 ms to load them again (against ~2 ms while they are loaded). Keeping one idle
/// instance keeps them loaded for the life of the process, as a plugin host keeps plugins.
static KEEPERS: [AtomicPtr<sys::CSOUND>; 2] = [
    AtomicPtr::new(ptr::null_mut()),
    AtomicPtr::new(ptr::null_mut()),
];
static KEEPERS_MADE: [Once; 2] = [Once::new(), Once::new()];

/// Makes the idle engine of `api`'s Csound, once.
fn keep_loaded(api: sys::Api) {
    let i = api.version() as usize;
    KEEPERS_MADE[i].call_once(|| {
        let _fpu = fpu::Guard::save();
        // SAFETY: the library is open and initialised; the keeper has no host data and no
        // callbacks and is never compiled or performed.
        KEEPERS[i].store(
            unsafe { api.csoundCreate(ptr::null_mut()) },
            Ordering::Release,
        );
    });
}

/// Loads the preferred Csound's opcode libraries now (the engine processes' zygote does,
/// once), if that Csound can run here (an instance says why when it cannot).
pub fn warm_up() {
    if let Ok(api) = sys::Api::of(Version::preferred()) {
        keep_loaded(api);
    }
}

unsafe extern "C" fn on_message<F: sys::Flavor>(
    cs: *mut sys::CSOUND,
    attr: c_int,
    text: *const c_char,
) {
    if text.is_null() {
        return;
    }
    // SAFETY: `cs` is a live instance (Csound is calling us from inside it) and its host data
    // is the `HostData` allocated in `Csound::new`, freed only after `csoundDestroy`.
    let host = unsafe { F::api().csoundGetHostData(cs) as *const HostData };
    if host.is_null() {
        return;
    }
    // SAFETY: `text` is a NUL-terminated string owned by Csound for the duration of this call;
    // `host` is valid as above.
    unsafe {
        let bytes = CStr::from_ptr(text).to_bytes();
        (*host).log.push(MessageLevel::from_attr(attr), bytes);
    }
}

/// Lifecycle of the engine, so that calls out of order fail cleanly instead of reaching Csound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Fresh,
    Started,
    Stopped,
}

/// One Csound engine.
///
/// Audio goes through the host: after [`start`](Self::start), each
/// [`perform_ksmps`](Self::perform_ksmps) reads [`spin_mut`](Self::spin_mut) and fills
/// [`spout`](Self::spout) with one k-period (`ksmps` frames, interleaved). Messages never reach
/// stdout: they collect in [`messages`](Self::messages). Several instances may live in one
/// process and run on different threads.
///
/// ```no_run
/// use csound_plugin::csound::{Csound, Perform};
/// let mut cs = Csound::new()?;
/// cs.set_option("--sample-rate=48000")?;
/// cs.compile_orc("0dbfs = 1\nnchnls = 2\ninstr 1\n outs oscili(0.1, p4), oscili(0.1, p4)\nendin")?;
/// cs.read_score("i 1 0 1 440")?;
/// cs.start()?;
/// while cs.perform_ksmps() == Perform::Running {
///     let frames = cs.spout(); // ksmps * nchnls samples
/// #   let _ = frames;
/// }
/// # Ok::<(), csound_plugin::csound::Error>(())
/// ```
pub struct Csound {
    /// The Csound this engine runs on: every call goes through its table.
    pub(super) api: sys::Api,
    /// The engine. Never null; destroyed in `Drop`.
    pub(super) cs: NonNull<sys::CSOUND>,
    /// What the C callbacks see (leaked `Box`, freed in `Drop` after the engine).
    pub(super) host: *mut HostData,
    /// The same log as in `host`, reachable without touching the raw pointer.
    pub(super) log: Arc<MessageLog>,
    /// Options the caller set (canonical); re-applied after a reset and after a CSD's own
    /// options, so the host's always win.
    pub(super) options: Vec<String>,
    /// Options the layer adds for features in use (MIDI input, include paths).
    pub(super) internal: Vec<String>,
    /// MIDI input consumer (leaked `Box`, freed in `Drop`), or null.
    pub(super) midi_in: *mut rtrb::Consumer<u8>,
    /// Identifies this instance since its last reset, for channel handles.
    pub(super) key: u64,
    pub(super) state: State,
    /// The `<CsOptions>` of a CSD were applied since creation or the last reset.
    pub(super) csd_options_applied: bool,
    /// Read back from Csound at start: the sizes of spin and spout.
    pub(super) ksmps: usize,
    pub(super) nchnls: usize,
    pub(super) nchnls_i: usize,
    /// The host does the audio I/O through spin and spout (the plugins); off when Csound writes
    /// the performance to a file itself ([`write_to_file`](Self::write_to_file)).
    pub(super) host_audio: bool,
    /// Cabbage 2 `identChannel`s watched after every k-period ([`opcodes::ident`]).
    pub(super) idents: Vec<super::opcodes::ident::IdentWatch>,
    /// Tables gentable widgets draw ([`opcodes::table_watch`]), and k-periods until the next
    /// look at them.
    pub(super) tables: Vec<super::opcodes::table_watch::TableWatch>,
    pub(super) tables_countdown: usize,
}

// SAFETY: a Csound instance is not tied to the thread that created it (Csound itself is used
// from audio threads that differ from the loading thread); `&mut self` on every call that
// performs or changes the engine keeps its use single-threaded; the callbacks only share
// thread-safe data (`MessageLog`, an atomic pointer).
unsafe impl Send for Csound {}

impl Csound {
    /// Creates an engine on the preferred Csound ([`Version::preferred`]). Leaves the calling
    /// thread's floating-point state as it was.
    pub fn new() -> Result<Self> {
        Self::on(Version::preferred())
    }

    /// Creates an engine on Csound `version`, or says why that Csound cannot run here.
    pub fn on(version: Version) -> Result<Self> {
        let api = sys::Api::of(version).map_err(|e| Error::new(ErrorKind::Csound, e))?;
        keep_loaded(api);
        let log = Arc::new(MessageLog::default());
        let host = Box::into_raw(Box::new(HostData {
            log: log.clone(),
            midi_in: AtomicPtr::new(ptr::null_mut()),
            widgets: Arc::new(super::opcodes::WidgetWrites::new(super::opcodes::QUEUE)),
            table: Default::default(),
            state: Default::default(),
        }));
        let raw = {
            let _fpu = fpu::Guard::save();
            // SAFETY: libcsound is initialised; `host` stays valid until after `csoundDestroy`.
            unsafe { api.csoundCreate(host as *mut c_void) }
        };
        let Some(cs) = NonNull::new(raw) else {
            // SAFETY: `host` came from `Box::into_raw` above and nothing else holds it.
            drop(unsafe { Box::from_raw(host) });
            return Err(Error::new(
                ErrorKind::Csound,
                "Csound could not create an engine",
            ));
        };
        let mut csound = Self {
            api,
            cs,
            host,
            log,
            options: Vec::new(),
            internal: Vec::new(),
            midi_in: ptr::null_mut(),
            key: NEXT_KEY.fetch_add(1, Ordering::Relaxed),
            state: State::Fresh,
            csd_options_applied: false,
            ksmps: 0,
            nchnls: 0,
            nchnls_i: 0,
            host_audio: true,
            idents: Vec::new(),
            tables: Vec::new(),
            tables_countdown: 0,
        };
        csound.configure();
        Ok(csound)
    }

    /// What the orchestra changed in widgets through Cabbage's opcodes (drain it off the
    /// audio thread).
    pub fn widget_writes(&self) -> Arc<super::opcodes::WidgetWrites> {
        // SAFETY: `host` is valid for the engine's life (freed after `csoundDestroy`).
        unsafe { (*self.host).widgets.clone() }
    }

    /// Gives Cabbage's opcodes the orchestra's widgets (`cabbageGet "ch", "bounds"`). Before
    /// [`start`](Self::start): afterwards only the performing thread may touch them.
    pub fn set_widget_table(&mut self, table: super::opcodes::WidgetTable) {
        if self.state != State::Fresh {
            return;
        }
        // SAFETY: the engine is not performing (`&mut self`, not started), so no opcode reads
        // the table now; `host` is valid for the engine's life.
        unsafe { *(*self.host).table.get() = table };
    }

    /// Gives the state opcodes the values a project or preset saved. Call it before the first
    /// k-period; nothing performs while `&mut self` is held.
    pub fn set_state(&mut self, state: super::opcodes::StateStore) {
        // SAFETY: no opcode runs while we hold `&mut self`; `host` is valid.
        unsafe { *(*self.host).state.get() = state };
    }

    pub(super) fn raw(&self) -> *mut sys::CSOUND {
        self.cs.as_ptr()
    }

    /// The Csound this engine runs on.
    pub fn version(&self) -> Version {
        self.api.version()
    }

    /// Installs callbacks and options; needed after creation and after every reset, which
    /// clears them.
    pub(super) fn configure(&mut self) {
        let cs = self.raw();
        // SAFETY: `cs` is live; the callback matches the declared C signature and only touches
        // the host data, which outlives the engine (and so does the widget queue it holds).
        unsafe {
            let on_message = match self.version() {
                Version::Six => on_message::<sys::V6>,
                Version::Seven => on_message::<sys::V7>,
            };
            self.api.csoundSetMessageStringCallback(cs, on_message);
            super::opcodes::register(
                self.api,
                cs,
                &*(*self.host).widgets,
                (*self.host).table.get(),
                (*self.host).state.get(),
                Arc::as_ptr(&(*self.host).log),
            );
        }
        if !self.midi_in.is_null() {
            self.install_midi_callbacks();
        }
        let all: Vec<String> = BASE_OPTIONS
            .iter()
            .map(|s| s.to_string())
            .chain(self.internal.iter().cloned())
            .chain(self.options.iter().cloned())
            .collect();
        for option in &all {
            self.apply_option(option);
        }
    }

    /// Passes an option that was already validated (or is the layer's own) to Csound.
    pub(super) fn apply_option(&self, option: &str) {
        let Ok(text) = CString::new(option) else {
            return;
        };
        // SAFETY: `cs` is live and `text` a valid C string; only allowlisted or internal options
        // get here, none of which take Csound's crashing error path.
        let rc = unsafe { self.api.csoundSetOption(self.raw(), text.as_ptr()) };
        if rc != 0 {
            self.log.note(
                MessageLevel::Warning,
                &format!("csound-plugin: Csound did not accept the option {option}"),
            );
        }
    }

    /// The instance's message log: share it with any thread that shows or stores messages.
    pub fn messages(&self) -> Arc<MessageLog> {
        self.log.clone()
    }

    /// Sets an engine option (e.g. `--ksmps=32`, `-r48000`) after checking it against the
    /// allowlist in [`options`](super::options). Options that route I/O (`-odac`) are ignored with
    /// a note in the log; anything not on the list is refused. Takes effect at the next compile;
    /// survives resets; wins over a CSD's `<CsOptions>`.
    pub fn set_option(&mut self, option: &str) -> Result<()> {
        match options::check(option)? {
            options::Verdict::Pass(canonical) => {
                self.apply_option(&canonical);
                self.options.push(canonical);
            }
            options::Verdict::Ignore(o) => self.log.note(
                MessageLevel::Warning,
                &format!("csound-plugin: ignored option {o}: the host does the audio and MIDI I/O"),
            ),
        }
        Ok(())
    }

    /// Lines logged since `mark` that explain a failure: from the first line that speaks of an
    /// error on (Csound sends even its start-up banner at error level, so the level alone says
    /// little), or else the last few lines.
    pub(super) fn failure_log(&self, mark: u64) -> Vec<String> {
        let lines: Vec<String> = self
            .log
            .since(mark)
            .into_iter()
            .map(|m| m.text.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        let first_error = lines
            .iter()
            .position(|l| l.to_lowercase().contains("error"));
        let from = first_error.unwrap_or(lines.len().saturating_sub(10));
        lines[from..].to_vec()
    }

    pub(super) fn c_text(text: &str, what: &str) -> Result<CString> {
        CString::new(text).map_err(|_| {
            Error::new(
                ErrorKind::Csd,
                format!("{what} contains a NUL character, which Csound cannot read"),
            )
        })
    }

    /// Runs a compile-like call and turns a non-zero result into an error with the log lines.
    pub(super) fn checked(
        &self,
        kind: ErrorKind,
        what: &str,
        call: impl FnOnce() -> c_int,
    ) -> Result<()> {
        let mark = self.log.mark();
        let rc = call();
        if rc == 0 {
            Ok(())
        } else {
            Err(Error::new(kind, what.to_string())
                .with_code(rc)
                .with_log(self.failure_log(mark)))
        }
    }
}

impl Drop for Csound {
    fn drop(&mut self) {
        // SAFETY: `cs` is live and dropped once; after destroy no callback can run, so the host
        // data and MIDI consumer (from `Box::into_raw`) can be freed.
        unsafe {
            self.api.csoundDestroy(self.raw());
            drop(Box::from_raw(self.host));
            if !self.midi_in.is_null() {
                drop(Box::from_raw(self.midi_in));
            }
        }
    }
}
