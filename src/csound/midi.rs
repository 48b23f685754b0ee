//! Raw MIDI into Csound's own MIDI system: a lock-free ring the audio thread writes and
//! Csound's MIDI input callbacks read once per k-period.

use super::error::{Error, ErrorKind, Result};
use super::instance::{Csound, HostData, State};
use super::sys;
use std::ffi::{c_char, c_int, c_uchar, c_void};
use std::sync::atomic::Ordering;

/// Capacity of the MIDI input ring in bytes: about 1,300 three-byte messages per k-period.
const MIDI_RING: usize = 4096;

unsafe extern "C" fn on_midi_open<F: sys::Flavor>(
    cs: *mut sys::CSOUND,
    user: *mut *mut c_void,
    _device: *const c_char,
) -> c_int {
    // SAFETY: as in `on_message`; `user` is Csound's slot for this device's user data.
    unsafe {
        let host = F::api().csoundGetHostData(cs) as *const HostData;
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

impl Csound {
    pub(super) fn install_midi_callbacks(&mut self) {
        let cs = self.raw();
        // SAFETY: `cs` is live; the callbacks match the C signatures and use only the host data
        // and the consumer, both of which outlive the engine.
        unsafe {
            let on_midi_open = match self.version() {
                sys::Version::Six => on_midi_open::<sys::V6>,
                sys::Version::Seven => on_midi_open::<sys::V7>,
            };
            self.api.csoundSetHostImplementedMIDIIO(cs);
            self.api
                .csoundSetExternalMidiInOpenCallback(cs, on_midi_open);
            self.api.csoundSetExternalMidiReadCallback(cs, on_midi_read);
            self.api
                .csoundSetExternalMidiInCloseCallback(cs, on_midi_close);
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
