//! Cabbage's profiler: `cabbageProfilerStart "P1", "oscil"` ... `kMicros cabbageProfilerStop
//! "P1", "oscil"` times the opcodes between them each k-period (their average in
//! microseconds), and `cabbageProfilerPrint "P1", kTrigger` prints every block's average.
//!
//! A profiler's blocks live in a Csound global variable of its name, found at init; a
//! k-period reads the clock and adds, without allocating.

use super::shared::{args, bytes, print_bytes};
use crate::csound::sys::{self, Api, Flavor};
use std::ffi::{c_char, c_int, c_void};
use std::io::Write;
use std::sync::OnceLock;
use std::time::Instant;

/// Blocks a profiler times at most.
const BLOCKS: usize = 32;

/// One timed block (all numbers, so Csound's zeroed memory is an empty block).
#[repr(C)]
struct Block {
    name: [u8; 32],
    len: usize,
    started: u64,
    total: u64,
    runs: u64,
}

#[repr(C)]
struct Profiler {
    blocks: [Block; BLOCKS],
    count: usize,
}

/// Nanoseconds since the first use in this process.
fn now() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// The profiler of this name (made if new).
///
/// # Safety
/// `cs` live; `name` a string argument.
unsafe fn profiler<'a>(
    api: Api,
    cs: *mut sys::CSOUND,
    name: *const sys::STRINGDAT,
) -> Option<&'a mut Profiler> {
    let mut variable = [0u8; 96];
    let prefix = b"cabbageProfiler:";
    // SAFETY: as the caller guarantees.
    let name = unsafe { bytes(name) };
    if prefix.len() + name.len() >= variable.len() {
        return None;
    }
    variable[..prefix.len()].copy_from_slice(prefix);
    variable[prefix.len()..prefix.len() + name.len()].copy_from_slice(name);
    let variable = variable.as_ptr() as *const c_char;
    // SAFETY: `cs` live; the variable (zeroed by Csound when made) is laid out as `Profiler`
    // and lives as long as the engine.
    unsafe {
        api.csoundCreateGlobalVariable(cs, variable, std::mem::size_of::<Profiler>());
        (api.csoundQueryGlobalVariable(cs, variable) as *mut Profiler).as_mut()
    }
}

/// The block of this name in a profiler (added if new and there is room).
fn block<'a>(profiler: &'a mut Profiler, name: &[u8]) -> Option<&'a mut Block> {
    let name = &name[..name.len().min(32)];
    let count = profiler.count.min(BLOCKS);
    let at = match profiler.blocks[..count]
        .iter()
        .position(|b| &b.name[..b.len] == name)
    {
        Some(at) => at,
        None if count < BLOCKS => {
            let b = &mut profiler.blocks[count];
            b.name[..name.len()].copy_from_slice(name);
            b.len = name.len();
            profiler.count = count + 1;
            count
        }
        None => return None,
    };
    Some(&mut profiler.blocks[at])
}

/// `cabbageProfilerStart` and `cabbageProfilerStop`: the block, found at init.
#[repr(C)]
pub(super) struct Timer<const STOP: bool> {
    /// Stop's output, then the two names (Start has no output: its first two are the names).
    args: [*mut c_void; 3],
    block: *mut Block,
}

pub(super) unsafe extern "C" fn timer_init<F: Flavor, const STOP: bool>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `Timer`.
    unsafe {
        let p = args::<F, Timer<STOP>>(p);
        let first = STOP as usize;
        let (name, block_name) = (
            p.args[first] as *const sys::STRINGDAT,
            p.args[first + 1] as *const sys::STRINGDAT,
        );
        p.block = profiler(F::api(), cs, name)
            .and_then(|prof| block(prof, bytes(block_name)))
            .map_or(std::ptr::null_mut(), |b| b as *mut Block);
        if STOP {
            *(p.args[0] as *mut f64) = 0.0;
        }
    }
    0
}

pub(super) unsafe extern "C" fn timer_perf<F: Flavor, const STOP: bool>(
    _cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as `timer_init`; `block` is null or in the profiler's variable.
    unsafe {
        let p = args::<F, Timer<STOP>>(p);
        let Some(block) = p.block.as_mut() else {
            return 0;
        };
        if !STOP {
            block.started = now();
            return 0;
        }
        if block.started > 0 {
            block.total += now().saturating_sub(block.started);
            block.runs += 1;
            block.started = 0;
        }
        *(p.args[0] as *mut f64) = block.total as f64 / block.runs.max(1) as f64 / 1000.0;
    }
    0
}

/// `cabbageProfilerPrint "P1", kTrigger`.
#[repr(C)]
pub(super) struct PrintTimes {
    name: *mut sys::STRINGDAT,
    trigger: *mut f64,
    profiler: *mut Profiler,
}

pub(super) unsafe extern "C" fn print_init<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: this opcode's data block, laid out as `PrintTimes`.
    unsafe {
        let p = args::<F, PrintTimes>(p);
        p.profiler =
            profiler(F::api(), cs, p.name).map_or(std::ptr::null_mut(), |x| x as *mut Profiler);
    }
    0
}

pub(super) unsafe extern "C" fn print_perf<F: Flavor>(
    cs: *mut sys::CSOUND,
    p: *mut c_void,
) -> c_int {
    // SAFETY: as `print_init`; each line is written into a fixed buffer.
    unsafe {
        let p = args::<F, PrintTimes>(p);
        let Some(profiler) = p.profiler.as_ref() else {
            return 0;
        };
        if *p.trigger != 1.0 {
            return 0;
        }
        let name = bytes(p.name);
        for b in &profiler.blocks[..profiler.count.min(BLOCKS)] {
            let mut line = [0u8; 160];
            let mut out = std::io::Cursor::new(&mut line[..]);
            let average = b.total as f64 / b.runs.max(1) as f64 / 1000.0;
            let _ = out.write_all(name);
            let _ = out.write_all(b" | ");
            let _ = out.write_all(&b.name[..b.len]);
            let _ = writeln!(out, ": {average:.3} us average over {} k-periods", b.runs);
            let len = out.position() as usize;
            print_bytes(F::api(), cs, &line[..len]);
        }
    }
    0
}

/// This module's registrations for Csound `F`.
pub(super) fn entries<F: Flavor>() -> Vec<super::Entry> {
    use std::mem::size_of as own;
    let timer = F::OPDS + own::<Timer<true>>();
    vec![
        super::Entry(
            c"cabbageProfilerStart",
            timer,
            3,
            c"",
            c"SS",
            Some(timer_init::<F, false>),
            Some(timer_perf::<F, false>),
        ),
        super::Entry(
            c"cabbageProfilerStop",
            timer,
            3,
            c"k",
            c"SS",
            Some(timer_init::<F, true>),
            Some(timer_perf::<F, true>),
        ),
        super::Entry(
            c"cabbageProfilerPrint",
            F::OPDS + own::<PrintTimes>(),
            3,
            c"",
            c"Sk",
            Some(print_init::<F>),
            Some(print_perf::<F>),
        ),
    ]
}
