//! [`Api`]: one opened Csound's function table, and what an engine goes through with it:
//! creation, options, callbacks, compiling, events, starting and performing. (Reading and
//! writing what an engine holds is in `access.rs`.)

use super::*;

/// The function table of one opened Csound.
#[derive(Clone, Copy)]
pub enum Api {
    /// Debian's 6.18, opened by name.
    Six(&'static v6::Library),
    /// The bundled 7.0, opened by path, with its opcode folder and measured layout.
    Seven(&'static Seven),
}

impl Api {
    /// The table of `version`, opening the library on first use, or why it cannot be opened.
    pub fn of(version: Version) -> Result<Api, &'static str> {
        match version {
            Version::Six => SIX
                .get_or_init(|| match std::env::var_os(HIDE_SIX) {
                    Some(v) if !v.is_empty() => Err(format!(
                        "Csound 6.18 is hidden from the plugin ({HIDE_SIX} is set)"
                    )),
                    _ => open_six(LIBRARY_NAME),
                })
                .as_ref()
                .map(Api::Six)
                .map_err(String::as_str),
            Version::Seven => SEVEN
                .get_or_init(open_seven)
                .as_ref()
                .map(Api::Seven)
                .map_err(String::as_str),
        }
    }

    /// The table of a version already opened (an engine of it exists).
    pub(super) fn opened(version: Version) -> Api {
        match Api::of(version) {
            Ok(api) => api,
            Err(_) => unreachable!("{version} is used before an engine of it was created"),
        }
    }

    /// Which Csound this table calls.
    pub fn version(self) -> Version {
        match self {
            Api::Six(_) => Version::Six,
            Api::Seven(_) => Version::Seven,
        }
    }

    // SAFETY (every method below): the caller passes a live engine of this library (or, for
    // `csoundCreate` and `csoundGetVersion`, none) and arguments valid for the C function of
    // the same name in 6.18, which the method hands on (or translates, for 7.0).

    /// The library's version number (6181, 7000): the tests check which library a table calls.
    #[cfg(test)]
    pub unsafe fn csoundGetVersion(self) -> c_int {
        unsafe { call!(self, csoundGetVersion()) }
    }

    /// `csoundCreate`: 7.0's engines are told where the bundled opcode libraries are.
    pub unsafe fn csoundCreate(self, host: *mut c_void) -> *mut CSOUND {
        unsafe {
            match self {
                Api::Six(l) => l.csoundCreate(host).cast(),
                Api::Seven(s) => s.lib.csoundCreate(host, s.opcodes.as_ptr()).cast(),
            }
        }
    }

    pub unsafe fn csoundDestroy(self, cs: *mut CSOUND) {
        unsafe { call!(self, csoundDestroy(cs.cast())) }
    }

    pub unsafe fn csoundReset(self, cs: *mut CSOUND) {
        unsafe { call!(self, csoundReset(cs.cast())) }
    }

    pub unsafe fn csoundGetHostData(self, cs: *mut CSOUND) -> *mut c_void {
        unsafe { call!(self, csoundGetHostData(cs.cast())) }
    }

    pub unsafe fn csoundSetOption(self, cs: *mut CSOUND, option: *const c_char) -> c_int {
        unsafe { call!(self, csoundSetOption(cs.cast(), option)) }
    }

    pub unsafe fn csoundSetMessageStringCallback(
        self,
        cs: *mut CSOUND,
        f: unsafe extern "C" fn(*mut CSOUND, c_int, *const c_char),
    ) {
        // SAFETY: the callback's first argument is an engine pointer in every version.
        unsafe {
            call!(
                self,
                csoundSetMessageStringCallback(cs.cast(), Some(std::mem::transmute(f)))
            )
        }
    }

    /// `csoundSetHostImplementedAudioIO`: 7.0 has only "on" (a new or reset engine of it is
    /// off), so "off" sets nothing there.
    pub unsafe fn csoundSetHostImplementedAudioIO(self, cs: *mut CSOUND, on: c_int, size: c_int) {
        unsafe {
            match self {
                Api::Six(l) => l.csoundSetHostImplementedAudioIO(cs.cast(), on, size),
                Api::Seven(s) if on != 0 => s.lib.csoundSetHostAudioIO(cs.cast()),
                Api::Seven(_) => {}
            }
        }
    }

    pub unsafe fn csoundSetHostImplementedMIDIIO(self, cs: *mut CSOUND) {
        unsafe {
            match self {
                Api::Six(l) => l.csoundSetHostImplementedMIDIIO(cs.cast(), 1),
                Api::Seven(s) => s.lib.csoundSetHostMIDIIO(cs.cast()),
            }
        }
    }

    pub unsafe fn csoundSetExternalMidiInOpenCallback(
        self,
        cs: *mut CSOUND,
        f: unsafe extern "C" fn(*mut CSOUND, *mut *mut c_void, *const c_char) -> c_int,
    ) {
        // SAFETY: as for the message callback.
        unsafe {
            call!(
                self,
                csoundSetExternalMidiInOpenCallback(cs.cast(), Some(std::mem::transmute(f)))
            )
        }
    }

    pub unsafe fn csoundSetExternalMidiReadCallback(
        self,
        cs: *mut CSOUND,
        f: unsafe extern "C" fn(*mut CSOUND, *mut c_void, *mut u8, c_int) -> c_int,
    ) {
        // SAFETY: as for the message callback.
        unsafe {
            call!(
                self,
                csoundSetExternalMidiReadCallback(cs.cast(), Some(std::mem::transmute(f)))
            )
        }
    }

    pub unsafe fn csoundSetExternalMidiInCloseCallback(
        self,
        cs: *mut CSOUND,
        f: unsafe extern "C" fn(*mut CSOUND, *mut c_void) -> c_int,
    ) {
        // SAFETY: as for the message callback.
        unsafe {
            call!(
                self,
                csoundSetExternalMidiInCloseCallback(cs.cast(), Some(std::mem::transmute(f)))
            )
        }
    }

    /// `csoundCompileCsdText`.
    pub unsafe fn csoundCompileCsdText(self, cs: *mut CSOUND, text: *const c_char) -> c_int {
        unsafe {
            match self {
                Api::Six(l) => l.csoundCompileCsdText(cs.cast(), text),
                Api::Seven(s) => s.lib.csoundCompileCSD(cs.cast(), text, 1, 0),
            }
        }
    }

    pub unsafe fn csoundCompileOrc(self, cs: *mut CSOUND, text: *const c_char) -> c_int {
        unsafe {
            match self {
                Api::Six(l) => l.csoundCompileOrc(cs.cast(), text),
                Api::Seven(s) => s.lib.csoundCompileOrc(cs.cast(), text, 0),
            }
        }
    }

    pub unsafe fn csoundParseOrc(self, cs: *mut CSOUND, text: *const c_char) -> *mut TREE {
        // The two `TREE`s and `ORCTOKEN`s agree up to the fields read (checked in the tests).
        unsafe {
            match self {
                Api::Six(l) => l.csoundParseOrc(cs.cast(), text),
                Api::Seven(s) => s.lib.csoundParseOrc(cs.cast(), text).cast(),
            }
        }
    }

    pub unsafe fn csoundDeleteTree(self, cs: *mut CSOUND, tree: *mut TREE) {
        unsafe { call!(self, csoundDeleteTree(cs.cast(), tree.cast())) }
    }

    /// `csoundReadScore`: 7.0 reads score text through `csoundEventString`.
    pub unsafe fn csoundReadScore(self, cs: *mut CSOUND, text: *const c_char) -> c_int {
        unsafe {
            match self {
                Api::Six(l) => l.csoundReadScore(cs.cast(), text),
                Api::Seven(s) => {
                    s.lib.csoundEventString(cs.cast(), text, 0);
                    0
                }
            }
        }
    }

    /// `csoundInputMessage`.
    pub unsafe fn csoundInputMessage(self, cs: *mut CSOUND, text: *const c_char) {
        unsafe {
            match self {
                Api::Six(l) => l.csoundInputMessage(cs.cast(), text),
                Api::Seven(s) => s.lib.csoundEventString(cs.cast(), text, 0),
            }
        }
    }

    /// `csoundScoreEvent` (`at` none) or `csoundScoreEventAbsolute` (`at` the time offset).
    /// 7.0 has only relative events: an absolute one is moved by the score time now.
    pub unsafe fn score_event(
        self,
        cs: *mut CSOUND,
        letter: c_char,
        p: *const f64,
        n: c_long,
        at: Option<f64>,
    ) -> c_int {
        unsafe {
            match (self, at) {
                (Api::Six(l), None) => l.csoundScoreEvent(cs.cast(), letter, p, n),
                (Api::Six(l), Some(t)) => l.csoundScoreEventAbsolute(cs.cast(), letter, p, n, t),
                (Api::Seven(s), at) => {
                    let kind = match letter as u8 {
                        b'i' => 0,
                        b'f' => 1,
                        b'e' => 2,
                        _ => return -1,
                    };
                    let n = n.max(0) as usize;
                    let given = std::slice::from_raw_parts(p, n);
                    match at {
                        // Not on the audio thread (the plugins send relative events).
                        Some(t) if n > 1 => {
                            let mut fields = given.to_vec();
                            let now = s.lib.csoundGetScoreTime(cs.cast());
                            fields[1] = (fields[1] + t - now).max(0.0);
                            s.lib
                                .csoundEvent(cs.cast(), kind, fields.as_ptr(), n as c_int, 0);
                        }
                        _ => s
                            .lib
                            .csoundEvent(cs.cast(), kind, given.as_ptr(), n as c_int, 0),
                    }
                    0
                }
            }
        }
    }

    /// `csoundKillInstance` (by number). 7.0 has no such call: its `turnoff2_i` opcode does the
    /// same, run as code.
    pub unsafe fn kill_instance(
        self,
        cs: *mut CSOUND,
        instr: f64,
        mode: c_int,
        release: c_int,
    ) -> c_int {
        unsafe {
            match self {
                Api::Six(l) => {
                    l.csoundKillInstance(cs.cast(), instr, std::ptr::null_mut(), mode, release)
                }
                Api::Seven(s) => {
                    let code = format!("turnoff2_i {instr}, {mode}, {release}\n");
                    let Ok(code) = CString::new(code) else {
                        return -1;
                    };
                    s.lib.csoundEvalCode(cs.cast(), code.as_ptr());
                    0
                }
            }
        }
    }

    pub unsafe fn csoundStart(self, cs: *mut CSOUND) -> c_int {
        unsafe { call!(self, csoundStart(cs.cast())) }
    }

    /// `csoundCleanup`. 7.0 closes what a performance opened when it is reset.
    pub unsafe fn csoundCleanup(self, cs: *mut CSOUND) {
        unsafe {
            match self {
                Api::Six(l) => {
                    l.csoundCleanup(cs.cast());
                }
                Api::Seven(s) => {
                    s.lib.csoundReset(cs.cast());
                }
            }
        }
    }

    pub unsafe fn csoundPerformKsmps(self, cs: *mut CSOUND) -> c_int {
        unsafe { call!(self, csoundPerformKsmps(cs.cast())) }
    }
}
