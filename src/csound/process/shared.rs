//! Memory shared with the engine process: a memfd mapped in both processes, seen as a slice of
//! `AtomicU32` words, with futex waits and wake-ups on single words.
//!
//! Every access goes through atomics, so neither process can observe a torn value or cause
//! undefined behaviour in the other, whatever it writes: the worst a misbehaving engine can do
//! is write wrong numbers, which the reader checks.

use rustix::fs::{ftruncate, memfd_create, MemfdFlags};
use rustix::mm::{mmap, munmap, MapFlags, ProtFlags};
use rustix::thread::futex;
use std::os::fd::{AsFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

/// A shared region of `u32` words.
pub struct SharedRegion {
    ptr: NonNull<AtomicU32>,
    words: usize,
}

// SAFETY: the region is only reached through `&[AtomicU32]`, which is `Sync`; the mapping
// lives until `Drop`.
unsafe impl Send for SharedRegion {}
// SAFETY: as above.
unsafe impl Sync for SharedRegion {}

impl SharedRegion {
    /// Creates a region of `words` zeroed words; the file descriptor goes to the other process.
    pub fn create(words: usize) -> std::io::Result<(SharedRegion, OwnedFd)> {
        let fd = memfd_create("csound-plugin-engine", MemfdFlags::CLOEXEC)?;
        ftruncate(&fd, (words * 4) as u64)?;
        let region = SharedRegion::map(&fd, words)?;
        Ok((region, fd))
    }

    /// Maps a region another process created (`words` as it was created with).
    pub fn open(fd: impl AsFd, words: usize) -> std::io::Result<SharedRegion> {
        let len = rustix::fs::fstat(&fd)?.st_size as usize;
        if len < words * 4 {
            return Err(std::io::Error::other(
                "the shared region is smaller than expected",
            ));
        }
        SharedRegion::map(fd, words)
    }

    fn map(fd: impl AsFd, words: usize) -> std::io::Result<SharedRegion> {
        // SAFETY: a fresh shared mapping of a memfd at least `words * 4` bytes long; nothing
        // else in this process aliases it, and it is only used as atomics until `munmap`.
        let ptr = unsafe {
            mmap(
                std::ptr::null_mut(),
                words * 4,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                fd,
                0,
            )?
        };
        let ptr = NonNull::new(ptr.cast::<AtomicU32>())
            .ok_or_else(|| std::io::Error::other("mmap returned null"))?;
        Ok(SharedRegion { ptr, words })
    }

    /// The words.
    pub fn words(&self) -> &[AtomicU32] {
        // SAFETY: the mapping is `words * 4` bytes, page-aligned (so aligned for `AtomicU32`),
        // valid until `Drop`, and `AtomicU32` allows shared mutation.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.words) }
    }
}

impl Drop for SharedRegion {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `map`, unmapped once; no reference outlives `self`.
        let _ = unsafe { munmap(self.ptr.as_ptr().cast(), self.words * 4) };
    }
}

/// Waits while `word` holds `expected`, at most `timeout` (spurious wake-ups possible: check
/// the word again). Never waits longer than `timeout`.
pub fn wait(word: &AtomicU32, expected: u32, timeout: Duration) {
    let timeout = rustix::time::Timespec {
        tv_sec: timeout.as_secs() as i64,
        tv_nsec: timeout.subsec_nanos() as i64,
    };
    let _ = futex::wait(word, futex::Flags::empty(), expected, Some(&timeout));
}

/// Wakes the other process's waiter on `word`.
pub fn wake(word: &AtomicU32) {
    let _ = futex::wake(word, futex::Flags::empty(), 1);
}
