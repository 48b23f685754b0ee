//! Python opcodes, one engine at a time: libpy runs a single interpreter for the whole process
//! without taking the GIL, so two engines running Python opcodes at once crash the process.

use crate::csound::{Error, ErrorKind, Result};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

/// How many loaded engines use Python opcodes (at most one: see [`PythonTurn`]).
static PYTHON_ENGINES: AtomicUsize = AtomicUsize::new(0);

/// Held by the one engine allowed to use Python opcodes. libpy runs a single interpreter for
/// the process without the GIL: two engines running Python opcodes at once crash the process.
pub struct PythonTurn;

impl PythonTurn {
    pub fn take(origin: &str) -> Result<Self> {
        PYTHON_ENGINES
            .compare_exchange(0, 1, AtomicOrdering::AcqRel, AtomicOrdering::Acquire)
            .map(|_| PythonTurn)
            .map_err(|_| {
                Error::new(
                    ErrorKind::Csd,
                    format!(
                        "{origin} uses Python opcodes, and another instance already does: \
                         Csound's Python opcodes can run in only one instance at a time"
                    ),
                )
            })
    }
}

impl Drop for PythonTurn {
    fn drop(&mut self) {
        PYTHON_ENGINES.store(0, AtomicOrdering::Release);
    }
}
