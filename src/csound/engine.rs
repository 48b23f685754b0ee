//! [`Csound`]: one Csound engine, owned, with host-implemented audio and MIDI.

use super::channels::{
    Behaviour, ChannelHints, ChannelInfo, ChannelKind, ControlChannel, StaleChannel,
};
use super::error::{Error, ErrorKind, Result};
use super::messages::{MessageLevel, MessageLog};
use super::{csd, fpu, options, sys};
use std::ffi::{c_char, c_int, c_uchar, c_void, CStr, CString};
use std::path::Path;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, Once};

/// What one k-period of performance ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perform {
    /// The engine is running; call again for the next k-period.
    Running,
    /// The score ended, or the engine is not started. The spout holds silence.
    Ended,
    /// The orchestra left early (`exitnow`, or a fatal error): the engine is stopped and must be
    /// reset or dropped. The process is unharmed.
    Exited,
}

/// A score event type, for [`Csound::score_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `i`: start (or, with a negative p1, release) an instrument instance.
    Instrument,
    /// `f`: create a function table.
    Table,
    /// `e`: end the score.
    End,
}

/// How [`Csound::kill_instance`] chooses among instances of the instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillMode {
    /// Every instance.
    All = 0,
    /// The oldest instance.
    Oldest = 1,
    /// The newest instance.
    Newest = 2,
}

/// A score event Csound refused. `Copy` and allocation-free, so the audio thread may get one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRefused {
    /// Csound's return code.
    pub code: i32,
}

impl std::fmt::Display for EventRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Csound refused the score event (code {})", self.code)
    }
}

impl std::error::Error for EventRefused {}

impl From<EventRefused> for Error {
    fn from(e: EventRefused) -> Self {
        Error::new(ErrorKind::Event, "Csound refused the score event").with_code(e.code)
    }
}

/// What Csound's C callbacks reach through the instance's host-data pointer. Only shared
/// references are ever made to it: callbacks may run on several threads at once.
struct HostData {
    log: Arc<MessageLog>,
    /// The reading end of the MIDI input ring, or null. Owned by the `Csound`.
    midi_in: AtomicPtr<rtrb::Consumer<u8>>,
}

/// Options the layer itself sets on every instance (and again after every reset).
/// `-d`: no graph windows. `-m0`: otherwise every new note prints "new alloc..." on the audio
/// thread. Errors are printed at any message level.
const BASE_OPTIONS: &[&str] = &["-d", "--messagelevel=0"];

/// Capacity of the MIDI input ring in bytes: about 1,300 three-byte messages per k-period.
const MIDI_RING: usize = 4096;

static INIT: Once = Once::new();
/// Source of instance keys (a new one for every instance and every reset).
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// An engine that is never used nor destroyed. libcsound loads its ~40 opcode libraries for
/// each instance and unloads them when the last instance is destroyed; the next instance then
/// pays ~16 ms to load them again (against ~2 ms while they are loaded). Keeping one idle
/// instance keeps them loaded for the life of the process, as a plugin host keeps plugins.
static KEEPER: AtomicPtr<sys::CSOUND> = AtomicPtr::new(ptr::null_mut());

/// Initialises libcsound for this process, once: without the signal handlers and `atexit` hook
/// that `csoundCreate` would otherwise install (they can `exit()` the host on a signal).
fn initialize() {
    INIT.call_once(|| {
        let flags = (sys::CSOUNDINIT_NO_SIGNAL_HANDLER | sys::CSOUNDINIT_NO_ATEXIT) as c_int;
        let _fpu = fpu::Guard::save();
        // SAFETY: called once, before any instance exists; the flags are the documented ones.
        // The keeper has no host data and no callbacks and is never compiled or performed.
        unsafe {
            sys::csoundInitialize(flags);
            KEEPER.store(sys::csoundCreate(ptr::null_mut()), Ordering::Release);
        }
    });
}

/// The Csound version as a number, e.g. 6180 for 6.18.0.
pub fn version() -> i32 {
    // SAFETY: a pure query of a constant.
    unsafe { sys::csoundGetVersion() }
}

unsafe extern "C" fn on_message(cs: *mut sys::CSOUND, attr: c_int, text: *const c_char) {
    if text.is_null() {
        return;
    }
    // SAFETY: `cs` is a live instance (Csound is calling us from inside it) and its host data
    // is the `HostData` allocated in `Csound::new`, freed only after `csoundDestroy`.
    let host = unsafe { sys::csoundGetHostData(cs) as *const HostData };
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

unsafe extern "C" fn on_midi_open(
    cs: *mut sys::CSOUND,
    user: *mut *mut c_void,
    _device: *const c_char,
) -> c_int {
    // SAFETY: as in `on_message`; `user` is Csound's slot for this device's user data.
    unsafe {
        let host = sys::csoundGetHostData(cs) as *const HostData;
        if host.is_null() || user.is_null() {
            return -1;
        }
        *user = (*host).midi_in.load(Ordering::Acquire) as *mut c_void;
    }
    0
}

unsafe extern "C" fn on_midi_read(
    _cs: *mut sys::CSOUND,
    user: *mut c_void,
    buf: *mut c_uchar,
    size: c_int,
) -> c_int {
    let consumer = user as *mut rtrb::Consumer<u8>;
    if consumer.is_null() || buf.is_null() || size <= 0 {
        return 0;
    }
    // SAFETY: `user` is the consumer set in `on_midi_open`, owned by the `Csound` and freed only
    // after `csoundDestroy`; Csound reads MIDI only inside `csoundPerformKsmps`, which the
    // `Csound` runs from `&mut self`, so this is the consumer's only user. `buf` has `size` bytes.
    unsafe {
        let consumer = &mut *consumer;
        let out = std::slice::from_raw_parts_mut(buf, size as usize);
        let n = consumer.slots().min(out.len());
        let Ok(chunk) = consumer.read_chunk(n) else {
            return 0;
        };
        let (a, b) = chunk.as_slices();
        out[..a.len()].copy_from_slice(a);
        out[a.len()..a.len() + b.len()].copy_from_slice(b);
        chunk.commit_all();
        n as c_int
    }
}

unsafe extern "C" fn on_midi_close(_cs: *mut sys::CSOUND, _user: *mut c_void) -> c_int {
    0
}

/// The writing end of an instance's MIDI input: raw MIDI bytes for Csound's own MIDI system
/// (`massign`, `cpsmidi`, `veloc`, `midictrl`...). Get it from
/// [`Csound::enable_midi_input`]. Wait-free, so the audio thread may use it.
pub struct MidiInput {
    producer: rtrb::Producer<u8>,
}

/// The MIDI input ring is full: Csound has not read it for a long while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MidiFull;

impl MidiInput {
    /// Queues one complete MIDI message (e.g. `[0x90, 60, 100]`), or nothing if it does not fit.
    /// Csound reads it at the start of the next k-period.
    pub fn send(&mut self, message: &[u8]) -> Result<(), MidiFull> {
        let mut chunk = self
            .producer
            .write_chunk(message.len())
            .map_err(|_| MidiFull)?;
        let (a, b) = chunk.as_mut_slices();
        let split = a.len();
        a.copy_from_slice(&message[..split]);
        b.copy_from_slice(&message[split..]);
        chunk.commit_all();
        Ok(())
    }
}

/// Lifecycle of the engine, so that calls out of order fail cleanly instead of reaching Csound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
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
    /// The engine. Never null; destroyed in `Drop`.
    cs: NonNull<sys::CSOUND>,
    /// What the C callbacks see (leaked `Box`, freed in `Drop` after the engine).
    host: *mut HostData,
    /// The same log as in `host`, reachable without touching the raw pointer.
    log: Arc<MessageLog>,
    /// Options the caller set (canonical); re-applied after a reset and after a CSD's own
    /// options, so the host's always win.
    options: Vec<String>,
    /// Options the layer adds for features in use (MIDI input, include paths).
    internal: Vec<String>,
    /// MIDI input consumer (leaked `Box`, freed in `Drop`), or null.
    midi_in: *mut rtrb::Consumer<u8>,
    /// Identifies this instance since its last reset, for channel handles.
    key: u64,
    state: State,
    /// The `<CsOptions>` of a CSD were applied since creation or the last reset.
    csd_options_applied: bool,
    /// Read back from Csound at start: the sizes of spin and spout.
    ksmps: usize,
    nchnls: usize,
    nchnls_i: usize,
}

// SAFETY: a Csound instance is not tied to the thread that created it (Csound itself is used
// from audio threads that differ from the loading thread); `&mut self` on every call that
// performs or changes the engine keeps its use single-threaded; the callbacks only share
// thread-safe data (`MessageLog`, an atomic pointer).
unsafe impl Send for Csound {}

impl Csound {
    /// Creates an engine. Leaves the calling thread's floating-point state as it was.
    pub fn new() -> Result<Self> {
        initialize();
        let log = Arc::new(MessageLog::default());
        let host = Box::into_raw(Box::new(HostData {
            log: log.clone(),
            midi_in: AtomicPtr::new(ptr::null_mut()),
        }));
        let raw = {
            let _fpu = fpu::Guard::save();
            // SAFETY: libcsound is initialised; `host` stays valid until after `csoundDestroy`.
            unsafe { sys::csoundCreate(host as *mut c_void) }
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
        };
        csound.configure();
        Ok(csound)
    }

    fn raw(&self) -> *mut sys::CSOUND {
        self.cs.as_ptr()
    }

    /// Installs callbacks and options; needed after creation and after every reset, which
    /// clears them.
    fn configure(&mut self) {
        let cs = self.raw();
        // SAFETY: `cs` is live; the callback matches the declared C signature and only touches
        // the host data, which outlives the engine.
        unsafe {
            sys::csoundSetMessageStringCallback(cs, Some(on_message));
            sys::csoundSetHostImplementedAudioIO(cs, 1, 0);
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
    fn apply_option(&self, option: &str) {
        let Ok(text) = CString::new(option) else {
            return;
        };
        // SAFETY: `cs` is live and `text` a valid C string; only allowlisted or internal options
        // get here, none of which take Csound's crashing error path.
        let rc = unsafe { sys::csoundSetOption(self.raw(), text.as_ptr()) };
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
    fn failure_log(&self, mark: u64) -> Vec<String> {
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

    fn c_text(text: &str, what: &str) -> Result<CString> {
        CString::new(text).map_err(|_| {
            Error::new(
                ErrorKind::Csd,
                format!("{what} contains a NUL character, which Csound cannot read"),
            )
        })
    }

    /// Runs a compile-like call and turns a non-zero result into an error with the log lines.
    fn checked(&self, kind: ErrorKind, what: &str, call: impl FnOnce() -> c_int) -> Result<()> {
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

    /// Applies a CSD's `<CsOptions>` after the allowlist (options that route I/O are dropped
    /// with a note; the caller's options still win). Before [`start`](Self::start) only, and
    /// once: later calls do nothing. [`parse_tokens`](Self::parse_tokens) after this sees the
    /// orchestra exactly as the compile will (`--omacro` macros, include directories).
    pub fn apply_csd_options(&mut self, csd: &csd::Csd, origin: &str) -> Result<()> {
        if self.state != State::Fresh || self.csd_options_applied {
            return Ok(());
        }
        let filtered = options::filter(&csd.options).map_err(|e| {
            Error::new(
                ErrorKind::RefusedOption,
                format!("{origin}: in <CsOptions>, {e}"),
            )
        })?;
        for o in &filtered.ignored {
            self.log.note(
                MessageLevel::Warning,
                &format!("csound-plugin: {origin}: ignored option {o}: the host does the audio and MIDI I/O"),
            );
        }
        for o in filtered.passed.iter().chain(self.options.clone().iter()) {
            self.apply_option(o);
        }
        self.csd_options_applied = true;
        Ok(())
    }

    /// Compiles a CSD given as text (`origin` names it in messages, e.g. a file name).
    ///
    /// The CSD is read by [`csd::parse`] first: its `<CsOptions>` go through the allowlist
    /// ([`apply_csd_options`](Self::apply_csd_options)), and sections that would run programs or
    /// write files are refused. Before [`start`](Self::start) this sets up the engine; while
    /// running it adds instruments (options are then ignored, as Csound does).
    pub fn compile_csd_text(&mut self, text: &str, origin: &str) -> Result<()> {
        let csd = csd::parse(text, origin)?;
        self.apply_csd_options(&csd, origin)?;
        let text = Self::c_text(&csd.text, origin)?;
        let cs = self.raw();
        // SAFETY: `cs` is live and `text` a valid C string holding a CSD whose options and
        // dangerous sections were removed above.
        self.checked(
            ErrorKind::Compile,
            &format!("{origin} did not compile"),
            || unsafe { sys::csoundCompileCsdText(cs, text.as_ptr()) },
        )
    }

    /// Looks up `#include`d files and sound files in `dir` too (the folder of the CSD file),
    /// for every later parse and compile. Before [`start`](Self::start) only.
    pub fn add_search_dir(&mut self, dir: &Path) {
        if self.state != State::Fresh || dir.as_os_str().is_empty() {
            return;
        }
        for var in ["INCDIR", "SSDIR", "SADIR"] {
            let option = format!("--env:{var}+={}", dir.display());
            self.apply_option(&option);
            self.internal.push(option);
        }
    }

    /// Compiles a CSD file. `#include`s and sound files are looked up beside it.
    pub fn compile_csd_file(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let origin = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let text = std::fs::read(path).map_err(|e| {
            Error::new(
                ErrorKind::Csd,
                format!("could not read {}: {e}", path.display()),
            )
        })?;
        let text = String::from_utf8(text).map_err(|e| {
            Error::new(
                ErrorKind::Csd,
                format!(
                    "{} is not UTF-8 text (byte {} is not valid), which Csound would misread",
                    path.display(),
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        if let Some(dir) = path.parent() {
            self.add_search_dir(dir);
        }
        self.compile_csd_text(&text, &origin)
    }

    /// Compiles orchestra code: the whole orchestra before [`start`](Self::start), or new
    /// instruments into a running engine (a failure leaves the running engine as it was).
    pub fn compile_orc(&mut self, orc: &str) -> Result<()> {
        csd::check_readable(orc, "the orchestra")?;
        let text = Self::c_text(orc, "the orchestra")?;
        let cs = self.raw();
        // SAFETY: `cs` is live and `text` a valid C string.
        self.checked(
            ErrorKind::Compile,
            "the orchestra did not compile",
            || unsafe { sys::csoundCompileOrc(cs, text.as_ptr()) },
        )
    }

    /// Parses orchestra code without compiling or running any of it and returns every token of
    /// the expanded parse tree (macros, `#include`s and user-defined opcodes resolved) with its
    /// line: what a safety check needs to see which opcodes an orchestra really uses.
    /// `#include`d files are read from disk.
    pub fn parse_tokens(&mut self, orc: &str) -> Result<Vec<(String, u32)>> {
        csd::check_readable(orc, "the orchestra")?;
        let text = Self::c_text(orc, "the orchestra")?;
        let mark = self.log.mark();
        // SAFETY: `cs` is live and `text` a valid C string; the tree is ours until deleted below.
        let tree = unsafe { sys::csoundParseOrc(self.raw(), text.as_ptr()) };
        if tree.is_null() {
            return Err(
                Error::new(ErrorKind::Compile, "the orchestra did not parse")
                    .with_log(self.failure_log(mark)),
            );
        }
        let mut tokens = Vec::new();
        let mut stack = vec![tree];
        while let Some(node) = stack.pop() {
            if node.is_null() {
                continue;
            }
            // SAFETY: `node` is a node of the tree Csound returned, alive until we delete it;
            // its links are null or point to further nodes of the same tree, its token's lexeme
            // is null or a NUL-terminated string.
            unsafe {
                let n = &*node;
                if !n.value.is_null() && !(*n.value).lexeme.is_null() {
                    let lexeme = CStr::from_ptr((*n.value).lexeme)
                        .to_string_lossy()
                        .into_owned();
                    tokens.push((lexeme, n.line.max(0) as u32));
                }
                stack.extend([n.left, n.right, n.next]);
            }
        }
        // SAFETY: `tree` came from `csoundParseOrc` on this instance and is deleted once.
        unsafe { sys::csoundDeleteTree(self.raw(), tree) };
        Ok(tokens)
    }

    /// Parses a CSD's orchestra as its compile will see it (call
    /// [`apply_csd_options`](Self::apply_csd_options) first): the tokens of the expanded tree,
    /// with lines counted in the CSD file. Runs nothing.
    pub fn parse_csd_orchestra(&mut self, csd: &csd::Csd) -> Result<Vec<(String, u32)>> {
        // Blank lines in front make Csound count lines as the file does.
        let padded = format!(
            "{}{}",
            "\n".repeat(csd.orchestra_line_offset as usize),
            csd.orchestra
        );
        self.parse_tokens(&padded)
    }

    /// Reads score text (events, `f` tables, ...), before or during performance.
    pub fn read_score(&mut self, score: &str) -> Result<()> {
        csd::check_readable(score, "the score")?;
        let text = Self::c_text(score, "the score")?;
        let cs = self.raw();
        // SAFETY: `cs` is live and `text` a valid C string.
        self.checked(
            ErrorKind::Compile,
            "the score could not be read",
            || unsafe { sys::csoundReadScore(cs, text.as_ptr()) },
        )
    }

    /// Starts the engine. Afterwards `sr`, `ksmps` and the channel counts are fixed: read them
    /// back with [`sr`](Self::sr), [`ksmps`](Self::ksmps), ... (a CSD header may differ from what
    /// was asked for only where the host did not set it).
    pub fn start(&mut self) -> Result<()> {
        if self.state != State::Fresh {
            return Err(Error::new(
                ErrorKind::Start,
                "the engine was already started; reset it first",
            ));
        }
        let cs = self.raw();
        // SAFETY: `cs` is live and not started.
        self.checked(ErrorKind::Start, "Csound could not start", || unsafe {
            sys::csoundStart(cs)
        })?;
        // SAFETY: plain queries of a started engine.
        unsafe {
            self.ksmps = sys::csoundGetKsmps(cs) as usize;
            self.nchnls = sys::csoundGetNchnls(cs) as usize;
            self.nchnls_i = sys::csoundGetNchnlsInput(cs) as usize;
        }
        self.state = State::Started;
        Ok(())
    }

    /// Whether the engine is started and has not ended.
    pub fn is_running(&self) -> bool {
        self.state == State::Started
    }

    /// Performs one k-period: reads [`spin_mut`](Self::spin_mut), writes [`spout`](Self::spout).
    /// Real-time safe as far as this layer goes (no allocation, no lock of its own).
    pub fn perform_ksmps(&mut self) -> Perform {
        if self.state != State::Started {
            return Perform::Ended;
        }
        let cs = self.raw();
        // SAFETY: `cs` is live and started. Csound 6.18 calls `setjmp` only on the first
        // `csoundPerformKsmps` of an instance (`jumpset`), so `exitnow` or a fatal error later
        // `longjmp`s into that first call's long-gone stack frame and glibc aborts the process.
        // Clearing `jumpset` makes every call set its own jump point. The field's offset comes
        // from the installed `csoundCore.h` (see build.rs).
        let rc = unsafe {
            (*cs).jumpset = 0;
            sys::csoundPerformKsmps(cs)
        };
        if rc == 0 {
            return Perform::Running;
        }
        self.state = State::Stopped;
        if rc & sys::CSOUND_EXITJMP_SUCCESS as c_int != 0 {
            // SAFETY: an early return skips the unlock of `API_lock` that `csoundPerformKsmps`
            // took (it takes it unless `--realtime` is on); this thread holds it, so release it
            // or every later API call on this instance would deadlock.
            unsafe {
                if (*(*cs).oparms).realtime == 0 && !(*cs).API_lock.is_null() {
                    sys::csoundUnlockMutex((*cs).API_lock);
                }
            }
            return Perform::Exited;
        }
        Perform::Ended
    }

    /// Ends the performance and closes what Csound opened; the engine stays created.
    pub fn cleanup(&mut self) {
        if self.state != State::Fresh {
            // SAFETY: `cs` is live.
            unsafe { sys::csoundCleanup(self.raw()) };
            self.state = State::Stopped;
        }
    }

    /// Resets the engine to its state after creation, keeping the caller's options, MIDI input
    /// and message log. Channel handles from before are refused afterwards.
    pub fn reset(&mut self) {
        // SAFETY: `cs` is live; nothing else runs on it (we hold `&mut self`).
        unsafe { sys::csoundReset(self.raw()) };
        self.key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
        self.state = State::Fresh;
        self.csd_options_applied = false;
        (self.ksmps, self.nchnls, self.nchnls_i) = (0, 0, 0);
        self.configure();
    }

    /// The input of the next k-period: `ksmps * nchnls_i` samples, interleaved by frame.
    /// Empty before [`start`](Self::start).
    pub fn spin_mut(&mut self) -> &mut [f64] {
        let len = self.ksmps * self.nchnls_i;
        if self.state == State::Fresh || len == 0 {
            return &mut [];
        }
        // SAFETY: after start Csound owns a spin buffer of exactly `ksmps * nchnls_i` samples
        // that lives until reset or destroy, both of which need `&mut self`.
        unsafe {
            let p = sys::csoundGetSpin(self.raw());
            if p.is_null() {
                return &mut [];
            }
            std::slice::from_raw_parts_mut(p, len)
        }
    }

    /// The output of the last k-period: `ksmps * nchnls` samples, interleaved by frame.
    /// Empty before [`start`](Self::start).
    pub fn spout(&self) -> &[f64] {
        let len = self.ksmps * self.nchnls;
        if self.state == State::Fresh || len == 0 {
            return &[];
        }
        // SAFETY: as for `spin_mut`, with the spout buffer of `ksmps * nchnls` samples.
        unsafe {
            let p = sys::csoundGetSpout(self.raw());
            if p.is_null() {
                return &[];
            }
            std::slice::from_raw_parts(p, len)
        }
    }

    /// Sample rate.
    pub fn sr(&self) -> f64 {
        // SAFETY: plain query.
        unsafe { sys::csoundGetSr(self.raw()) }
    }

    /// Control rate (`sr / ksmps`).
    pub fn kr(&self) -> f64 {
        // SAFETY: plain query.
        unsafe { sys::csoundGetKr(self.raw()) }
    }

    /// Frames per k-period.
    pub fn ksmps(&self) -> usize {
        // SAFETY: plain query.
        unsafe { sys::csoundGetKsmps(self.raw()) as usize }
    }

    /// Output channels.
    pub fn nchnls(&self) -> usize {
        // SAFETY: plain query.
        unsafe { sys::csoundGetNchnls(self.raw()) as usize }
    }

    /// Input channels.
    pub fn nchnls_input(&self) -> usize {
        // SAFETY: plain query.
        unsafe { sys::csoundGetNchnlsInput(self.raw()) as usize }
    }

    /// The value of full scale (`0dbfs`).
    pub fn zero_dbfs(&self) -> f64 {
        // SAFETY: plain query.
        unsafe { sys::csoundGet0dBFS(self.raw()) }
    }

    /// Frames performed since start.
    pub fn current_time_samples(&self) -> i64 {
        // SAFETY: plain query.
        unsafe { sys::csoundGetCurrentTimeSamples(self.raw()) }
    }

    /// Seconds performed since start (score time).
    pub fn current_time_seconds(&self) -> f64 {
        // SAFETY: plain query.
        unsafe { sys::csoundGetScoreTime(self.raw()) }
    }

    fn c_name(name: &str) -> Result<CString> {
        if name.is_empty() {
            return Err(Error::new(ErrorKind::Channel, "a channel needs a name"));
        }
        CString::new(name).map_err(|_| {
            Error::new(
                ErrorKind::Channel,
                format!("the channel name {name:?} contains a NUL character"),
            )
        })
    }

    /// Resolves (creating if needed) a control channel, for [`set_control`](Self::set_control)
    /// and [`control`](Self::control) without name lookups. Fails if `name` is a channel of
    /// another type.
    pub fn control_channel(&mut self, name: &str) -> Result<ControlChannel> {
        let c_name = Self::c_name(name)?;
        let mut ptr: *mut f64 = ptr::null_mut();
        let kind = (sys::controlChannelType_CSOUND_CONTROL_CHANNEL
            | sys::controlChannelType_CSOUND_INPUT_CHANNEL
            | sys::controlChannelType_CSOUND_OUTPUT_CHANNEL) as c_int;
        // SAFETY: `cs` is live; Csound writes the channel's data pointer into `ptr`.
        let rc = unsafe { sys::csoundGetChannelPtr(self.raw(), &mut ptr, c_name.as_ptr(), kind) };
        if rc != 0 || ptr.is_null() {
            return Err(Error::new(
                ErrorKind::Channel,
                format!("the channel \"{name}\" exists with another type than control (k-rate)"),
            )
            .with_code(rc));
        }
        Ok(ControlChannel { ptr, key: self.key })
    }

    fn channel_cell(&self, channel: ControlChannel) -> Result<&AtomicU64, StaleChannel> {
        if channel.key != self.key {
            return Err(StaleChannel);
        }
        // SAFETY: the key matches, so `ptr` is this instance's channel value since its last
        // reset: alive, 8-byte aligned (Csound allocates it as a MYFLT), and only accessed
        // atomically from Rust.
        Ok(unsafe { AtomicU64::from_ptr(channel.ptr as *mut u64) })
    }

    /// Writes a control channel through its handle. No lookup, no lock, no allocation.
    pub fn set_control(&self, channel: ControlChannel, value: f64) -> Result<(), StaleChannel> {
        self.channel_cell(channel)?
            .store(value.to_bits(), Ordering::Relaxed);
        Ok(())
    }

    /// Reads a control channel through its handle. No lookup, no lock, no allocation.
    pub fn control(&self, channel: ControlChannel) -> Result<f64, StaleChannel> {
        Ok(f64::from_bits(
            self.channel_cell(channel)?.load(Ordering::Relaxed),
        ))
    }

    /// Writes a control channel by name (a lookup: not for the audio thread).
    pub fn set_control_by_name(&mut self, name: &str, value: f64) -> Result<()> {
        let channel = self.control_channel(name)?;
        self.set_control(channel, value)
            .map_err(|e| Error::new(ErrorKind::Channel, e.to_string()))
    }

    /// Reads a control channel by name (a lookup: not for the audio thread).
    pub fn control_by_name(&mut self, name: &str) -> Result<f64> {
        let channel = self.control_channel(name)?;
        self.control(channel)
            .map_err(|e| Error::new(ErrorKind::Channel, e.to_string()))
    }

    /// Sets the range and hints of a control channel (as `chn_k` would).
    pub fn set_control_hints(&mut self, name: &str, hints: &ChannelHints) -> Result<()> {
        let c_name = Self::c_name(name)?;
        let attributes = match &hints.attributes {
            Some(a) => Some(Self::c_text(a, "the channel attributes")?),
            None => None,
        };
        let behav = match hints.behaviour {
            Behaviour::None => sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_NO_HINTS,
            Behaviour::Integer => sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_INT,
            Behaviour::Linear => sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_LIN,
            Behaviour::Exponential => sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_EXP,
        };
        let c_hints = sys::controlChannelHints_t {
            behav,
            dflt: hints.default,
            min: hints.min,
            max: hints.max,
            x: 0,
            y: 0,
            width: 0,
            height: 0,
            attributes: attributes
                .as_ref()
                .map_or(ptr::null_mut(), |a| a.as_ptr() as *mut c_char),
        };
        self.control_channel(name)?;
        // SAFETY: `cs` is live; Csound copies the hints and the attribute string.
        let rc = unsafe { sys::csoundSetControlChannelHints(self.raw(), c_name.as_ptr(), c_hints) };
        if rc != 0 {
            return Err(Error::new(
                ErrorKind::Channel,
                format!("Csound refused the hints of \"{name}\""),
            )
            .with_code(rc));
        }
        Ok(())
    }

    /// Every channel the orchestra declared or used, with its hints.
    pub fn channels(&mut self) -> Result<Vec<ChannelInfo>> {
        let mut list: *mut sys::controlChannelInfo_t = ptr::null_mut();
        // SAFETY: `cs` is live; Csound allocates the list, which we free below.
        let n = unsafe { sys::csoundListChannels(self.raw(), &mut list) };
        if n < 0 {
            return Err(
                Error::new(ErrorKind::Channel, "Csound could not list its channels").with_code(n),
            );
        }
        if list.is_null() {
            return Ok(Vec::new());
        }
        // SAFETY: Csound returned `n` entries at `list`, valid until `csoundDeleteChannelList`.
        let entries = unsafe { std::slice::from_raw_parts(list, n as usize) };
        let text = |p: *const c_char| {
            // SAFETY: non-null strings in the list are NUL-terminated and live with the list.
            (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
        };
        let infos = entries
            .iter()
            .map(|e| {
                let t = e.type_ as u32;
                ChannelInfo {
                    name: text(e.name).unwrap_or_default(),
                    kind: match t & sys::controlChannelType_CSOUND_CHANNEL_TYPE_MASK {
                        sys::controlChannelType_CSOUND_AUDIO_CHANNEL => ChannelKind::Audio,
                        sys::controlChannelType_CSOUND_STRING_CHANNEL => ChannelKind::String,
                        sys::controlChannelType_CSOUND_PVS_CHANNEL => ChannelKind::Pvs,
                        sys::controlChannelType_CSOUND_VAR_CHANNEL => ChannelKind::Var,
                        _ => ChannelKind::Control,
                    },
                    input: t & sys::controlChannelType_CSOUND_INPUT_CHANNEL != 0,
                    output: t & sys::controlChannelType_CSOUND_OUTPUT_CHANNEL != 0,
                    hints: ChannelHints {
                        behaviour: match e.hints.behav {
                            sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_INT => {
                                Behaviour::Integer
                            }
                            sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_LIN => {
                                Behaviour::Linear
                            }
                            sys::controlChannelBehavior_CSOUND_CONTROL_CHANNEL_EXP => {
                                Behaviour::Exponential
                            }
                            _ => Behaviour::None,
                        },
                        default: e.hints.dflt,
                        min: e.hints.min,
                        max: e.hints.max,
                        attributes: text(e.hints.attributes),
                    },
                }
            })
            .collect();
        // SAFETY: `list` came from `csoundListChannels` on this instance and is freed once.
        unsafe { sys::csoundDeleteChannelList(self.raw(), list) };
        Ok(infos)
    }

    /// Writes one k-period (`ksmps` samples) into an audio channel.
    pub fn set_audio_channel(&mut self, name: &str, samples: &[f64]) -> Result<()> {
        let c_name = Self::c_name(name)?;
        if self.state != State::Started || samples.len() != self.ksmps {
            return Err(Error::new(
                ErrorKind::Channel,
                format!(
                    "an audio channel takes one k-period ({} samples) of a started engine",
                    self.ksmps
                ),
            ));
        }
        // SAFETY: `cs` is live and started; Csound copies `ksmps` samples, which `samples` has.
        unsafe {
            sys::csoundSetAudioChannel(self.raw(), c_name.as_ptr(), samples.as_ptr() as *mut f64)
        };
        Ok(())
    }

    /// Reads one k-period (`ksmps` samples) from an audio channel.
    pub fn audio_channel(&mut self, name: &str, samples: &mut [f64]) -> Result<()> {
        let c_name = Self::c_name(name)?;
        if self.state != State::Started || samples.len() != self.ksmps {
            return Err(Error::new(
                ErrorKind::Channel,
                format!(
                    "an audio channel gives one k-period ({} samples) of a started engine",
                    self.ksmps
                ),
            ));
        }
        // SAFETY: `cs` is live and started; Csound writes `ksmps` samples, which `samples` has.
        unsafe { sys::csoundGetAudioChannel(self.raw(), c_name.as_ptr(), samples.as_mut_ptr()) };
        Ok(())
    }

    /// Writes a string channel.
    pub fn set_string_channel(&mut self, name: &str, value: &str) -> Result<()> {
        let c_name = Self::c_name(name)?;
        let c_value = Self::c_text(value, "the string value")?;
        // SAFETY: `cs` is live; Csound copies the string.
        unsafe {
            sys::csoundSetStringChannel(
                self.raw(),
                c_name.as_ptr(),
                c_value.as_ptr() as *mut c_char,
            )
        };
        Ok(())
    }

    /// Reads a string channel (empty if it holds nothing).
    pub fn string_channel(&mut self, name: &str) -> Result<String> {
        let c_name = Self::c_name(name)?;
        // SAFETY: `cs` is live; the size query has no side effects.
        let size = unsafe { sys::csoundGetChannelDatasize(self.raw(), c_name.as_ptr()) };
        if size <= 0 {
            return Ok(String::new());
        }
        let mut buf = vec![0u8; size as usize + 1];
        // SAFETY: Csound copies at most the channel's data size (plus NUL) into `buf`, which has
        // one byte more than that.
        unsafe {
            sys::csoundGetStringChannel(
                self.raw(),
                c_name.as_ptr(),
                buf.as_mut_ptr() as *mut c_char,
            )
        };
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        Ok(String::from_utf8_lossy(&buf[..end]).into_owned())
    }

    /// Sends a score event now (`pfields` from p1). Allocation-free on our side.
    pub fn score_event(&mut self, kind: EventKind, pfields: &[f64]) -> Result<(), EventRefused> {
        self.score_event_at(kind, pfields, None)
    }

    /// Sends a score event at an absolute score time offset (seconds from the start).
    pub fn score_event_absolute(
        &mut self,
        kind: EventKind,
        pfields: &[f64],
        time_offset: f64,
    ) -> Result<(), EventRefused> {
        self.score_event_at(kind, pfields, Some(time_offset))
    }

    fn score_event_at(
        &mut self,
        kind: EventKind,
        pfields: &[f64],
        absolute: Option<f64>,
    ) -> Result<(), EventRefused> {
        let letter = match kind {
            EventKind::Instrument => b'i',
            EventKind::Table => b'f',
            EventKind::End => b'e',
        } as c_char;
        let (p, n) = (pfields.as_ptr(), pfields.len() as std::ffi::c_long);
        // SAFETY: `cs` is live; Csound copies `n` p-fields from `p`.
        let rc = unsafe {
            match absolute {
                None => sys::csoundScoreEvent(self.raw(), letter, p, n),
                Some(t) => sys::csoundScoreEventAbsolute(self.raw(), letter, p, n, t),
            }
        };
        if rc == 0 {
            Ok(())
        } else {
            Err(EventRefused { code: rc })
        }
    }

    /// Sends score text as a line event, as typed at Csound's console ("i 1 0 1 440").
    pub fn input_message(&mut self, message: &str) -> Result<()> {
        csd::check_readable(message, "the score message")?;
        let text = Self::c_text(message, "the score message")?;
        // SAFETY: `cs` is live; Csound copies the text.
        unsafe { sys::csoundInputMessage(self.raw(), text.as_ptr()) };
        Ok(())
    }

    /// Stops instances of instrument `instr` (a fractional number picks tagged notes).
    pub fn kill_instance(&mut self, instr: f64, mode: KillMode, allow_release: bool) -> Result<()> {
        // SAFETY: `cs` is live; a null name means "by number".
        let rc = unsafe {
            sys::csoundKillInstance(
                self.raw(),
                instr,
                ptr::null_mut(),
                mode as c_int,
                allow_release as c_int,
            )
        };
        if rc != 0 {
            return Err(Error::new(
                ErrorKind::Event,
                format!("no instance of instrument {instr} to stop"),
            )
            .with_code(rc));
        }
        Ok(())
    }

    /// Length of function table `table` (without the guard point), if it exists.
    pub fn table_len(&self, table: i32) -> Option<usize> {
        // SAFETY: `cs` is live; a plain query.
        let n = unsafe { sys::csoundTableLength(self.raw(), table) };
        (n >= 0).then_some(n as usize)
    }

    fn table_slice(&self, table: i32) -> Result<(*mut f64, usize)> {
        let missing = || {
            Error::new(
                ErrorKind::Table,
                format!("function table {table} does not exist"),
            )
        };
        let len = self.table_len(table).ok_or_else(missing)?;
        let mut data: *mut f64 = ptr::null_mut();
        // SAFETY: `cs` is live; Csound writes the table's data pointer into `data`.
        let n = unsafe { sys::csoundGetTable(self.raw(), &mut data, table) };
        if n < 0 || data.is_null() {
            return Err(missing());
        }
        Ok((data, len))
    }

    /// The values of function table `table`.
    pub fn table(&self, table: i32) -> Result<Vec<f64>> {
        let (data, len) = self.table_slice(table)?;
        // SAFETY: Csound's table has `len` values at `data`; we copy them out at once.
        Ok(unsafe { std::slice::from_raw_parts(data, len) }.to_vec())
    }

    /// Reads one value of a function table.
    pub fn table_get(&self, table: i32, index: usize) -> Result<f64> {
        let (data, len) = self.table_slice(table)?;
        if index >= len {
            return Err(Error::new(
                ErrorKind::Table,
                format!("index {index} is past the end of table {table} ({len} values)"),
            ));
        }
        // SAFETY: `index < len`, the table's length.
        Ok(unsafe { *data.add(index) })
    }

    /// Writes one value of a function table.
    pub fn table_set(&mut self, table: i32, index: usize, value: f64) -> Result<()> {
        let (data, len) = self.table_slice(table)?;
        if index >= len {
            return Err(Error::new(
                ErrorKind::Table,
                format!("index {index} is past the end of table {table} ({len} values)"),
            ));
        }
        // SAFETY: `index < len`; `&mut self` keeps the engine from reading it meanwhile.
        unsafe { *data.add(index) = value };
        Ok(())
    }

    /// Copies a function table out into `dest`, which must have the table's length.
    pub fn table_copy_out(&self, table: i32, dest: &mut [f64]) -> Result<()> {
        let (data, len) = self.table_slice(table)?;
        if dest.len() != len {
            return Err(Error::new(
                ErrorKind::Table,
                format!("table {table} has {len} values, not {}", dest.len()),
            ));
        }
        // SAFETY: both sides hold `len` values and do not overlap (`dest` is Rust memory).
        unsafe { ptr::copy_nonoverlapping(data, dest.as_mut_ptr(), len) };
        Ok(())
    }

    /// Copies `src`, which must have the table's length, into a function table.
    pub fn table_copy_in(&mut self, table: i32, src: &[f64]) -> Result<()> {
        let (data, len) = self.table_slice(table)?;
        if src.len() != len {
            return Err(Error::new(
                ErrorKind::Table,
                format!("table {table} has {len} values, not {}", src.len()),
            ));
        }
        // SAFETY: as in `table_copy_out`, in the other direction.
        unsafe { ptr::copy_nonoverlapping(src.as_ptr(), data, len) };
        Ok(())
    }

    fn install_midi_callbacks(&mut self) {
        let cs = self.raw();
        // SAFETY: `cs` is live; the callbacks match the C signatures and use only the host data
        // and the consumer, both of which outlive the engine.
        unsafe {
            sys::csoundSetHostImplementedMIDIIO(cs, 1);
            sys::csoundSetExternalMidiInOpenCallback(cs, Some(on_midi_open));
            sys::csoundSetExternalMidiReadCallback(cs, Some(on_midi_read));
            sys::csoundSetExternalMidiInCloseCallback(cs, Some(on_midi_close));
        }
    }

    /// Routes raw MIDI into Csound's own MIDI system, so `massign`ed instruments using
    /// `cpsmidi`, `veloc`, `midictrl`... play. Call before [`start`](Self::start); returns the
    /// sending end. Csound reads it once per k-period, so this path is k-quantised.
    pub fn enable_midi_input(&mut self) -> Result<MidiInput> {
        if self.state != State::Fresh {
            return Err(Error::new(
                ErrorKind::Start,
                "MIDI input must be enabled before the engine starts",
            ));
        }
        if !self.midi_in.is_null() {
            return Err(Error::new(
                ErrorKind::Start,
                "MIDI input is already enabled on this engine",
            ));
        }
        let (producer, consumer) = rtrb::RingBuffer::new(MIDI_RING);
        self.midi_in = Box::into_raw(Box::new(consumer));
        // SAFETY: `host` is live; publishing the pointer lets `on_midi_open` hand it to Csound.
        unsafe { (*self.host).midi_in.store(self.midi_in, Ordering::Release) };
        self.install_midi_callbacks();
        // Without `-M0` Csound never opens the host's MIDI input.
        let option = "-M0".to_string();
        self.apply_option(&option);
        self.internal.push(option);
        Ok(MidiInput { producer })
    }
}

impl Drop for Csound {
    fn drop(&mut self) {
        // SAFETY: `cs` is live and dropped once; after destroy no callback can run, so the host
        // data and MIDI consumer (from `Box::into_raw`) can be freed.
        unsafe {
            sys::csoundDestroy(self.raw());
            drop(Box::from_raw(self.host));
            if !self.midi_in.is_null() {
                drop(Box::from_raw(self.midi_in));
            }
        }
    }
}
