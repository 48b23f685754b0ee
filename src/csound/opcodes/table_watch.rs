//! The function tables Cabbage's `gentable` widgets draw: watched after k-periods, about 30
//! times a second of audio, and sent to the plugin when they change (the orchestra rewrites
//! them with `tablew`, `ftgen`...), as a `table` [`WidgetWrite`]: its number, length, lowest and
//! highest value, and its shape in [`BUCKETS`] buckets (each bucket's lowest and highest value,
//! one byte each, between the two).

use super::shared::{queue, WidgetWrite};
use crate::csound::Csound;

/// How many buckets a table's shape has.
pub const BUCKETS: usize = 256;

/// How many of a table's values the change check reads at most (evenly spread).
const CHECKED: usize = 65536;

/// One watched table.
#[derive(Debug)]
pub struct TableWatch {
    number: i32,
    /// A fingerprint of what was sent last (0: nothing yet).
    last: u64,
}

/// A table's values' fingerprint (FNV-1a over their bits), reading at most [`CHECKED`].
fn fingerprint(values: &[f64]) -> u64 {
    let step = values.len().div_ceil(CHECKED).max(1);
    values
        .iter()
        .step_by(step)
        .fold(0xcbf2_9ce4_8422_2325 ^ values.len() as u64, |h, v| {
            (h ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3)
        })
        | 1
}

/// The write that shows `values`: range in the numbers, shape in the text.
pub fn shape(number: i32, values: &[f64]) -> WidgetWrite {
    let mut write = WidgetWrite::new(b"", b"table");
    let (low, high) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    let (low, high) = if low.is_finite() {
        (low, high)
    } else {
        (0.0, 0.0)
    };
    let span = (high - low).max(f64::MIN_POSITIVE);
    let byte = |v: f64| (((v - low) / span) * 255.0).round().clamp(0.0, 255.0) as u8;
    for b in 0..BUCKETS {
        let from = b * values.len() / BUCKETS;
        let to = ((b + 1) * values.len() / BUCKETS)
            .max(from + 1)
            .min(values.len());
        let part = values.get(from..to).unwrap_or(&[]);
        let (l, h) = part
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
                (l.min(*v), h.max(*v))
            });
        let (l, h) = if l.is_finite() { (l, h) } else { (low, low) };
        write.text[2 * b] = byte(l);
        write.text[2 * b + 1] = byte(h);
    }
    write.text_len = (2 * BUCKETS) as u16;
    write.numbers = [number as f64, values.len() as f64, low, high];
    write.count = 4;
    write
}

impl Csound {
    /// Watches function table `number` for a gentable widget: sent after the next k-period,
    /// and again whenever it changes.
    pub fn watch_table(&mut self, number: u32) {
        if !self.tables.iter().any(|t| t.number == number as i32) {
            self.tables.push(TableWatch {
                number: number as i32,
                last: 0,
            });
        }
    }

    /// Sends the watched tables that changed, about 30 times a second of audio. For the audio
    /// thread, after a k-period: reads the tables, copies into fixed records, no allocation.
    pub fn poll_tables(&mut self) {
        if self.tables.is_empty() {
            return;
        }
        if self.tables_countdown > 0 {
            self.tables_countdown -= 1;
            return;
        }
        let per_second = self.sr() / self.ksmps().max(1) as f64;
        self.tables_countdown = (per_second / 30.0) as usize;
        // SAFETY: the engine is live; the queue outlives it.
        let Some(queue) = (unsafe { queue(self.api, self.raw()) }) else {
            return;
        };
        for t in 0..self.tables.len() {
            let number = self.tables[t].number;
            let mut data: *mut f64 = std::ptr::null_mut();
            // SAFETY: `&mut self`: nothing performs; Csound gives the table's values, valid
            // until it changes the table, which it cannot do while we read.
            let len = unsafe { self.api.csoundGetTable(self.raw(), &mut data, number) };
            if len <= 0 || data.is_null() {
                continue;
            }
            // SAFETY: as above: `len` values at `data`.
            let values = unsafe { std::slice::from_raw_parts(data, len as usize) };
            let now = fingerprint(values);
            if now != self.tables[t].last && queue.push(shape(number, values)).is_ok() {
                self.tables[t].last = now;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_becomes_its_range_and_bucket_shape() {
        let ramp: Vec<f64> = (0..1024).map(|i| i as f64 / 1023.0 * 2.0 - 1.0).collect();
        let w = shape(3, &ramp);
        assert_eq!(w.numbers(), [3.0, 1024.0, -1.0, 1.0]);
        assert_eq!((w.text[0], w.text[2 * BUCKETS - 1]), (0, 255));
        assert!(
            w.text[..2 * BUCKETS].windows(2).all(|p| p[0] <= p[1]),
            "a rising ramp"
        );
        assert_ne!(fingerprint(&ramp), fingerprint(&ramp[..1000]));
    }
}
