//! Score events, line events, killing instances, and function tables.

use super::csd;
use super::error::{Error, ErrorKind, Result};
use super::instance::Csound;
use std::ffi::{c_char, c_int};
use std::ptr::{self};

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

impl Csound {
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
        let rc = unsafe { self.api.score_event(self.raw(), letter, p, n, absolute) };
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
        unsafe { self.api.csoundInputMessage(self.raw(), text.as_ptr()) };
        Ok(())
    }

    /// Stops instances of instrument `instr` (a fractional number picks tagged notes).
    pub fn kill_instance(&mut self, instr: f64, mode: KillMode, allow_release: bool) -> Result<()> {
        // SAFETY: `cs` is live.
        let rc = unsafe {
            self.api
                .kill_instance(self.raw(), instr, mode as c_int, allow_release as c_int)
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
        let n = unsafe { self.api.csoundTableLength(self.raw(), table) };
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
        let n = unsafe { self.api.csoundGetTable(self.raw(), &mut data, table) };
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
}
