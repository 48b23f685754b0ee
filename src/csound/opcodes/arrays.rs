//! Array outputs (`i[]`, `k[]`, `S[]`) of the plugin's opcodes, shaped as Csound's own array
//! opcodes shape them: one dimension, memory from Csound's allocator, grown only when too
//! small (so a k-rate output of a steady size allocates once).

use super::shared::write_text;
use crate::csound::sys::{self, Api};
use std::ffi::{c_int, c_void};
use std::mem::size_of;

/// The size of one string member (`STRINGDAT`: a pointer and a size, padded, in both
/// versions).
const STRING_MEMBER: usize = 16;

/// Makes `out` a one-dimensional array of `n` members (`member` bytes each when the array
/// does not say yet); returns its data, or null when Csound could not give the memory.
///
/// # Safety
/// `cs` live; `out` an array output of a running opcode.
unsafe fn shape(
    api: Api,
    cs: *mut sys::CSOUND,
    out: *mut sys::ARRAYDAT,
    n: usize,
    member: usize,
) -> *mut u8 {
    // SAFETY: as the caller guarantees; every pointer written comes from Csound's allocator.
    unsafe {
        let a = &mut *out;
        if a.dimensions < 1 || a.sizes.is_null() {
            let sizes = api.realloc(cs, std::ptr::null_mut(), size_of::<c_int>()) as *mut c_int;
            if sizes.is_null() {
                return std::ptr::null_mut();
            }
            (a.sizes, a.dimensions) = (sizes, 1);
        }
        if a.arrayMemberSize <= 0 {
            a.arrayMemberSize = member as c_int;
        }
        let bytes = a.arrayMemberSize as usize * n.max(1);
        let had = if a.data.is_null() { 0 } else { a.allocated };
        if had < bytes {
            let data = api.realloc(cs, a.data as *mut c_void, bytes) as *mut u8;
            if data.is_null() {
                return std::ptr::null_mut();
            }
            // New members start empty (null strings, zeros), as Csound's own start.
            std::ptr::write_bytes(data.add(had), 0, bytes - had);
            (a.data, a.allocated) = (data as *mut f64, bytes);
        }
        *a.sizes = n as c_int;
        a.data as *mut u8
    }
}

/// Fills a numeric array output with `values`. Returns 0, or -1 without memory.
///
/// # Safety
/// As [`shape`].
pub(super) unsafe fn fill_numbers(
    api: Api,
    cs: *mut sys::CSOUND,
    out: *mut sys::ARRAYDAT,
    values: &[f64],
) -> c_int {
    // SAFETY: as the caller guarantees; `shape` made room for `values.len()` numbers.
    unsafe {
        let data = shape(api, cs, out, values.len(), size_of::<f64>()) as *mut f64;
        if data.is_null() {
            return -1;
        }
        std::ptr::copy_nonoverlapping(values.as_ptr(), data, values.len());
    }
    0
}

/// Fills a string array output with the `n` `texts`. Returns 0, or -1 without memory.
///
/// # Safety
/// As [`shape`].
pub(super) unsafe fn fill_texts<'a>(
    api: Api,
    cs: *mut sys::CSOUND,
    out: *mut sys::ARRAYDAT,
    n: usize,
    texts: impl Iterator<Item = &'a [u8]>,
) -> c_int {
    // SAFETY: as the caller guarantees; `shape` made room for every member, each a string
    // that `write_text` grows.
    unsafe {
        let data = shape(api, cs, out, n, STRING_MEMBER);
        if data.is_null() {
            return -1;
        }
        let stride = (*out).arrayMemberSize as usize;
        for (i, text) in texts.take(n).enumerate() {
            let member = data.add(i * stride) as *mut sys::STRINGDAT;
            if write_text(api, cs, member, text) != 0 {
                return -1;
            }
        }
    }
    0
}

/// The strings of an array input (`S[]`), by index: their count and a reader.
///
/// # Safety
/// `array` a string array argument of a running opcode.
pub(super) unsafe fn texts_in<'a>(array: *const sys::ARRAYDAT) -> impl Iterator<Item = &'a [u8]> {
    // SAFETY: as the caller guarantees: `sizes[0]` members `arrayMemberSize` apart.
    unsafe {
        let a = &*array;
        let n = if a.dimensions >= 1 && !a.sizes.is_null() && !a.data.is_null() {
            (*a.sizes).max(0) as usize
        } else {
            0
        };
        let (first, stride) = (a.data as *const u8, a.arrayMemberSize.max(0) as usize);
        (0..n).map(move |i| super::shared::bytes(first.add(i * stride) as *const sys::STRINGDAT))
    }
}

/// The numbers of an array input (`k[]`, `i[]`).
///
/// # Safety
/// `array` a numeric array argument of a running opcode.
pub(super) unsafe fn numbers_in<'a>(array: *const sys::ARRAYDAT) -> &'a [f64] {
    // SAFETY: as the caller guarantees.
    unsafe {
        let a = &*array;
        if a.dimensions >= 1 && !a.sizes.is_null() && !a.data.is_null() {
            std::slice::from_raw_parts(a.data, (*a.sizes).max(0) as usize)
        } else {
            &[]
        }
    }
}
