//! What the host is shown after a load: each bound slot's value is what the orchestra plays
//! (its declared default, or the value a preset gives it), and the host is told to read the
//! values and texts again (through our framework patch, `framework/patches`), so a DAW's
//! automation lanes and parameter lists start where the sound is.

use super::PluginParams;
use std::sync::atomic::Ordering;

/// A call that tells the host to read every parameter's value and text again.
pub type Notify = Box<dyn Fn() + Send + Sync>;

impl PluginParams {
    /// Sets how the host is told of values it did not set (see [`Self::show_loaded_values`]).
    pub fn on_values_changed(&self, notify: Notify) {
        let _ = self.values_changed.set(notify);
    }

    /// Gives the next load's slots these values, by channel, in each channel's own units (a
    /// preset the host loads before its orchestra is compiled). Channels the orchestra does not
    /// have are ignored; values are clamped to a channel's range.
    pub fn set_preset_values(&self, values: Vec<(String, f64)>) {
        if let Ok(mut pending) = self.preset_values.lock() {
            *pending = values;
        }
    }

    /// After a load has bound the slots: gives the slots of the preset's channels their values
    /// (they drive their channels, as if the musician had set them), puts every other bound
    /// slot nobody moved at its channel's declared default (what the orchestra plays), and
    /// tells the host if anything changed. Nothing is recorded as automation. Without this a
    /// DAW shows and automates from a slot's creation default. Never on the audio thread.
    pub fn show_loaded_values(&self) {
        let preset: Vec<(String, f64)> = self
            .preset_values
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        let targets: Vec<(usize, f32, bool)> = match self.specs.read() {
            Ok(specs) => specs
                .iter()
                .enumerate()
                .filter_map(|(slot, spec)| {
                    let spec = spec.as_ref()?;
                    match preset.iter().find(|(channel, _)| *channel == spec.channel) {
                        Some(&(_, plain)) => {
                            let (lo, hi) = (spec.min.min(spec.max), spec.max.max(spec.min));
                            Some((slot, spec.normalized(plain.clamp(lo, hi)) as f32, true))
                        }
                        None if !self.is_engaged(slot) => {
                            Some((slot, spec.normalized(spec.default) as f32, false))
                        }
                        None => None,
                    }
                })
                .collect(),
            Err(_) => return,
        };
        let (mut changed, mut shown_only) = (false, 0u64);
        for &(slot, normalized, drives) in &targets {
            let differs = (self.slots[slot].normalized() - normalized).abs() > f32::EPSILON;
            if differs {
                // SAFETY: the pointer is to a parameter `self.slots` owns and keeps in place
                // for as long as `self` lives.
                unsafe {
                    self.slots[slot]
                        .as_ptr()
                        ._internal_set_normalized_value(normalized)
                };
                changed = true;
            }
            if drives {
                self.engaged.fetch_or(1 << slot, Ordering::Relaxed);
            } else if differs {
                shown_only |= 1 << slot;
            }
        }
        // The parameters' callbacks marked the shown-only slots as moved: they were not.
        self.engaged.fetch_and(!shown_only, Ordering::Relaxed);
        if changed {
            if let Some(notify) = self.values_changed.get() {
                notify();
            }
        }
    }
}
