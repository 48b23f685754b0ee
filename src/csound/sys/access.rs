//! What an engine holds, through [`Api`]: rates and the audio buffers, tables, channels, the
//! data of the opcodes the layer adds, and the private fields `exitnow` needs.

use super::*;

impl Api {
    // SAFETY (every method below): as in `api.rs`, a live engine of this library and arguments
    // valid for the C function of the same name in 6.18; the private fields are read at the
    // offsets their headers (6.18) or the measurement (7.0, `layout7.rs`) give.

    pub unsafe fn csoundGetKsmps(self, cs: *mut CSOUND) -> u32 {
        unsafe { call!(self, csoundGetKsmps(cs.cast())) }
    }

    pub unsafe fn csoundGetNchnls(self, cs: *mut CSOUND) -> u32 {
        unsafe {
            match self {
                Api::Six(l) => l.csoundGetNchnls(cs.cast()),
                Api::Seven(s) => s.lib.csoundGetChannels(cs.cast(), 0),
            }
        }
    }

    pub unsafe fn csoundGetNchnlsInput(self, cs: *mut CSOUND) -> u32 {
        unsafe {
            match self {
                Api::Six(l) => l.csoundGetNchnlsInput(cs.cast()),
                Api::Seven(s) => s.lib.csoundGetChannels(cs.cast(), 1),
            }
        }
    }

    pub unsafe fn csoundGetSr(self, cs: *mut CSOUND) -> f64 {
        unsafe { call!(self, csoundGetSr(cs.cast())) }
    }

    pub unsafe fn csoundGetKr(self, cs: *mut CSOUND) -> f64 {
        unsafe { call!(self, csoundGetKr(cs.cast())) }
    }

    pub unsafe fn csoundGet0dBFS(self, cs: *mut CSOUND) -> f64 {
        unsafe { call!(self, csoundGet0dBFS(cs.cast())) }
    }

    pub unsafe fn csoundGetCurrentTimeSamples(self, cs: *mut CSOUND) -> i64 {
        unsafe { call!(self, csoundGetCurrentTimeSamples(cs.cast())) }
    }

    pub unsafe fn csoundGetScoreTime(self, cs: *mut CSOUND) -> f64 {
        unsafe { call!(self, csoundGetScoreTime(cs.cast())) }
    }

    pub unsafe fn csoundGetSpin(self, cs: *mut CSOUND) -> *mut f64 {
        unsafe { call!(self, csoundGetSpin(cs.cast())) }
    }

    pub unsafe fn csoundGetSpout(self, cs: *mut CSOUND) -> *const f64 {
        unsafe { call!(self, csoundGetSpout(cs.cast())) }
    }

    pub unsafe fn csoundTableLength(self, cs: *mut CSOUND, table: c_int) -> c_int {
        unsafe { call!(self, csoundTableLength(cs.cast(), table)) }
    }

    pub unsafe fn csoundGetTable(
        self,
        cs: *mut CSOUND,
        data: *mut *mut f64,
        table: c_int,
    ) -> c_int {
        unsafe { call!(self, csoundGetTable(cs.cast(), data, table)) }
    }

    pub unsafe fn csoundGetChannelPtr(
        self,
        cs: *mut CSOUND,
        p: *mut *mut f64,
        name: *const c_char,
        kind: c_int,
    ) -> c_int {
        unsafe { call!(self, csoundGetChannelPtr(cs.cast(), p.cast(), name, kind)) }
    }

    pub unsafe fn csoundListChannels(
        self,
        cs: *mut CSOUND,
        list: *mut *mut controlChannelInfo_t,
    ) -> c_int {
        unsafe { call!(self, csoundListChannels(cs.cast(), list.cast())) }
    }

    pub unsafe fn csoundDeleteChannelList(self, cs: *mut CSOUND, list: *mut controlChannelInfo_t) {
        unsafe { call!(self, csoundDeleteChannelList(cs.cast(), list.cast())) }
    }

    pub unsafe fn csoundSetControlChannelHints(
        self,
        cs: *mut CSOUND,
        name: *const c_char,
        hints: controlChannelHints_t,
    ) -> c_int {
        unsafe {
            match self {
                Api::Six(l) => l.csoundSetControlChannelHints(cs.cast(), name, hints),
                // SAFETY: the two hint structs have the same layout (checked in the tests).
                Api::Seven(s) => s.lib.csoundSetControlChannelHints(
                    cs.cast(),
                    name,
                    std::mem::transmute::<controlChannelHints_t, v7::controlChannelHints_t>(hints),
                ),
            }
        }
    }

    pub unsafe fn csoundGetAudioChannel(
        self,
        cs: *mut CSOUND,
        name: *const c_char,
        samples: *mut f64,
    ) {
        unsafe { call!(self, csoundGetAudioChannel(cs.cast(), name, samples)) }
    }

    pub unsafe fn csoundSetAudioChannel(
        self,
        cs: *mut CSOUND,
        name: *const c_char,
        samples: *mut f64,
    ) {
        unsafe { call!(self, csoundSetAudioChannel(cs.cast(), name, samples)) }
    }

    pub unsafe fn csoundGetStringChannel(
        self,
        cs: *mut CSOUND,
        name: *const c_char,
        text: *mut c_char,
    ) {
        unsafe { call!(self, csoundGetStringChannel(cs.cast(), name, text)) }
    }

    pub unsafe fn csoundSetStringChannel(
        self,
        cs: *mut CSOUND,
        name: *const c_char,
        text: *mut c_char,
    ) {
        unsafe { call!(self, csoundSetStringChannel(cs.cast(), name, text)) }
    }

    pub unsafe fn csoundGetChannelDatasize(self, cs: *mut CSOUND, name: *const c_char) -> c_int {
        unsafe { call!(self, csoundGetChannelDatasize(cs.cast(), name)) }
    }

    pub unsafe fn csoundCreateGlobalVariable(
        self,
        cs: *mut CSOUND,
        name: *const c_char,
        size: usize,
    ) -> c_int {
        unsafe { call!(self, csoundCreateGlobalVariable(cs.cast(), name, size)) }
    }

    pub unsafe fn csoundQueryGlobalVariable(
        self,
        cs: *mut CSOUND,
        name: *const c_char,
    ) -> *mut c_void {
        unsafe { call!(self, csoundQueryGlobalVariable(cs.cast(), name)) }
    }

    /// `csoundAppendOpcode` of an opcode with init and performance functions (7.0 infers the
    /// thread from which are given; 6.18 is told).
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn append_opcode(
        self,
        cs: *mut CSOUND,
        name: *const c_char,
        size: usize,
        thread: c_int,
        outs: *const c_char,
        ins: *const c_char,
        init: Subr,
        perf: Subr,
    ) -> c_int {
        // SAFETY: the functions' first argument is an engine pointer in every version.
        unsafe {
            match self {
                Api::Six(l) => l.csoundAppendOpcode(
                    cs.cast(),
                    name,
                    size as c_int,
                    0,
                    thread,
                    outs,
                    ins,
                    std::mem::transmute(init),
                    std::mem::transmute(perf),
                    None,
                ),
                Api::Seven(s) => s.lib.csoundAppendOpcode(
                    cs.cast(),
                    name,
                    size,
                    0,
                    outs,
                    ins,
                    std::mem::transmute(init),
                    std::mem::transmute(perf),
                    None,
                ),
            }
        }
    }

    /// Grows memory Csound owns (a string argument's text) with Csound's own allocator.
    pub unsafe fn realloc(self, cs: *mut CSOUND, p: *mut c_void, size: usize) -> *mut c_void {
        unsafe {
            let f = match self {
                Api::Six(_) => (*cs.cast::<v6::CSOUND>()).ReAlloc,
                Api::Seven(_) => (*cs.cast::<v7::CSOUND>())
                    .ReAlloc
                    .map(|f| std::mem::transmute(f)),
            };
            match f {
                Some(f) => f(cs.cast(), p, size as _),
                None => std::ptr::null_mut(),
            }
        }
    }

    /// The room a string argument has for text, in bytes.
    pub unsafe fn string_size(self, s: *const STRINGDAT) -> usize {
        unsafe {
            match self {
                Api::Six(_) => (*s.cast::<v6::STRINGDAT>()).size.max(0) as usize,
                Api::Seven(_) => (*s.cast::<v7::STRINGDAT>()).size,
            }
        }
    }

    /// Gives a string argument new text memory of `size` bytes.
    pub unsafe fn set_string(self, s: *mut STRINGDAT, data: *mut c_char, size: usize) {
        unsafe {
            match self {
                Api::Six(_) => {
                    let s = &mut *s.cast::<v6::STRINGDAT>();
                    (s.data, s.size) = (data, size as c_int);
                }
                Api::Seven(_) => {
                    let s = &mut *s.cast::<v7::STRINGDAT>();
                    (s.data, s.size) = (data, size);
                }
            }
        }
    }

    /// The size of an opcode's `OPDS` header, after which its arguments follow.
    pub fn opds_size(self) -> usize {
        match self {
            Api::Six(_) => V6::OPDS,
            Api::Seven(_) => V7::OPDS,
        }
    }

    /// How many input arguments the running opcode whose data block is `opds` was given.
    pub unsafe fn in_arg_count(self, opds: *const u8) -> usize {
        unsafe {
            let count = match self {
                Api::Six(_) => (*(*opds.cast::<v6::OPDS>()).optext).t.inArgCount,
                Api::Seven(_) => (*(*opds.cast::<v7::OPDS>()).optext).t.inArgCount,
            };
            count as usize
        }
    }

    /// Before every `csoundPerformKsmps`: both versions `setjmp` only in the first call of an
    /// engine (`jumpset`), so `exitnow` or a fatal error later `longjmp`s into that first
    /// call's long-gone stack frame and glibc aborts the process. Clearing `jumpset` makes
    /// every call set its own jump point.
    pub unsafe fn arm_exit(self, cs: *mut CSOUND) {
        unsafe {
            match self {
                Api::Six(_) => (*cs.cast::<v6::CSOUND>()).jumpset = 0,
                Api::Seven(s) => s.layout.clear_jumpset(cs),
            }
        }
    }

    /// After a `csoundPerformKsmps` that left through `exitnow`: the early return skipped the
    /// unlock of `API_lock` it took (unless `--realtime` is on); this thread holds it, so
    /// release it or every later API call on this engine would deadlock.
    pub unsafe fn release_after_exit(self, cs: *mut CSOUND) {
        unsafe {
            match self {
                Api::Six(l) => {
                    let c = &*cs.cast::<v6::CSOUND>();
                    if (*c.oparms).realtime == 0 && !c.API_lock.is_null() {
                        l.csoundUnlockMutex(c.API_lock);
                    }
                }
                Api::Seven(s) => {
                    if let Some(lock) = s.layout.held_api_lock(cs) {
                        s.lib.csoundUnlockMutex(lock);
                    }
                }
            }
        }
    }

    /// The names of every opcode the engine knows (built in, from its plugin libraries, and
    /// registered by the host), one per overload: what the sharing gate resolves tokens against.
    pub unsafe fn opcode_names(self, cs: *mut CSOUND) -> Vec<String> {
        /// Reads the names of a list of `n` entries and gives it back to Csound.
        unsafe fn names<E>(list: *mut E, n: c_int, name: fn(&E) -> *const c_char) -> Vec<String> {
            if list.is_null() || n <= 0 {
                return Vec::new();
            }
            // SAFETY: Csound made `n` entries at `list`; each name is NUL-terminated.
            unsafe { std::slice::from_raw_parts(list, n as usize) }
                .iter()
                .filter(|e| !name(e).is_null())
                .map(|e| {
                    unsafe { std::ffi::CStr::from_ptr(name(e)) }
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        }
        unsafe {
            match self {
                Api::Six(l) => {
                    let mut list = std::ptr::null_mut();
                    let n = l.csoundNewOpcodeList(cs.cast(), &mut list);
                    let found = names(list, n, |e: &v6::opcodeListEntry| e.opname);
                    if !list.is_null() {
                        l.csoundDisposeOpcodeList(cs.cast(), list);
                    }
                    found
                }
                Api::Seven(s) => {
                    let mut list = std::ptr::null_mut();
                    let n = s.lib.csoundNewOpcodeList(cs.cast(), &mut list);
                    let found = names(list, n, |e: &v7::opcodeListEntry| e.opname);
                    if !list.is_null() {
                        s.lib.csoundDisposeOpcodeList(cs.cast(), list);
                    }
                    found
                }
            }
        }
    }
}
