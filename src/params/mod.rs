//! The plugin's parameters: a fixed pool of slots, bound to the orchestra's channels.
//!
//! A host reads a plugin's parameter list once, when the plugin is created, and nice-plug cannot
//! ask it to read names or ranges again. Orchestras, though, change. So the plugin exposes
//! [`SLOTS`] normalized (0..1) parameters with stable IDs (`slot_1` .. `slot_64`); the
//! orchestra's channels are bound to slots by name, and the binding is saved with the project
//! ([`OrchestraState::bindings`]), so an automation lane stays on the same channel when the CSD
//! is edited. The host shows each slot's value in the channel's own terms ("1.2 kHz", "Saw").
//!
//! Until the host or the user moves a slot, its channel keeps the orchestra's declared default
//! (`chn_k` defaults are only hints to Csound, and a slot's own default is fixed at creation):
//! [`PluginParams::engaged`] marks the slots that were moved.

pub mod state;

use crate::orchestra::cabbage::Layout;
use crate::orchestra::declarations::ParamSpec;
use nice_plug::prelude::*;
use state::OrchestraState;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// The editor window's size when nothing was saved, in logical pixels.
pub const DEFAULT_EDITOR_SIZE: (u32, u32) = (900, 640);

/// How a slot no channel is bound to shows its value (before the number).
const UNUSED: &str = "(unused)";

/// How many parameter slots each plugin exposes.
pub const SLOTS: usize = 64;

/// What each slot is bound to now, for showing values; read off the audio thread only.
pub type SlotSpecs = Arc<RwLock<Vec<Option<ParamSpec>>>>;

/// One slot: a normalized parameter whose meaning comes from the channel bound to it.
#[derive(Params)]
pub struct Slot {
    #[id = "slot"]
    pub value: FloatParam,
}

#[derive(Params)]
pub struct PluginParams {
    /// The orchestra and its channel bindings, saved with the project.
    #[persist = "orchestra"]
    pub orchestra: Arc<RwLock<OrchestraState>>,
    /// Bit `i` set: slot `i` was moved by the host or the user, so its value drives the channel.
    #[persist = "engaged"]
    pub engaged: Arc<AtomicU64>,
    /// The editor window's logical size, so it reopens as the user left it.
    #[persist = "editor-size"]
    pub editor_size: Arc<RwLock<(u32, u32)>>,
    /// The parameter slots.
    #[nested(array)]
    pub slots: Vec<Slot>,
    /// The spec bound to each slot, shared with the slots' value formatters.
    pub specs: SlotSpecs,
    /// The loaded orchestra's `<Cabbage>` layout, for the editor to draw.
    pub layout: Arc<RwLock<Option<Arc<Layout>>>>,
}

/// The orchestra the standalone application was asked to open (`--orchestra FILE`): a new
/// instance starts with it instead of the built-in one.
static STARTUP_ORCHESTRA: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Makes new instances start with the CSD at `path` (the standalone's `--orchestra`).
pub fn start_with_orchestra(path: String) {
    let _ = STARTUP_ORCHESTRA.set(path);
}

impl PluginParams {
    pub fn new() -> Self {
        let engaged = Arc::new(AtomicU64::new(0));
        let specs: SlotSpecs = Arc::new(RwLock::new(vec![None; SLOTS]));
        let slots = (0..SLOTS)
            .map(|i| {
                let (to_text, from_text) = (specs.clone(), specs.clone());
                let touched = engaged.clone();
                Slot {
                    value: FloatParam::new(
                        format!("Param {}", i + 1),
                        0.5,
                        FloatRange::Linear { min: 0.0, max: 1.0 },
                    )
                    .with_callback(Arc::new(move |_| {
                        touched.fetch_or(1 << i, Ordering::Relaxed);
                    }))
                    .with_value_to_string(Arc::new(move |normalized| {
                        match to_text.try_read().ok().and_then(|s| s[i].clone()) {
                            Some(spec) => format!(
                                "{}: {}",
                                spec.label,
                                spec.display(spec.plain(normalized as f64))
                            ),
                            None => format!("{UNUSED} {normalized:.3}"),
                        }
                    }))
                    .with_string_to_value(Arc::new(move |text| {
                        let spec = from_text.try_read().ok().and_then(|s| s[i].clone());
                        match spec {
                            Some(spec) => {
                                // What the slot shows is "label: value"; a typed value
                                // may come without the label.
                                let value = text
                                    .strip_prefix(spec.label.as_str())
                                    .and_then(|t| t.strip_prefix(':'))
                                    .unwrap_or(text);
                                spec.parse(value).map(|plain| spec.normalized(plain) as f32)
                            }
                            None => text.trim().trim_start_matches(UNUSED).trim().parse().ok(),
                        }
                    })),
                }
            })
            .collect();
        Self {
            orchestra: Arc::new(RwLock::new(OrchestraState {
                path: STARTUP_ORCHESTRA.get().cloned(),
                ..OrchestraState::default()
            })),
            engaged,
            editor_size: Arc::new(RwLock::new(DEFAULT_EDITOR_SIZE)),
            slots,
            specs,
            layout: Arc::new(RwLock::new(None)),
        }
    }

    /// Whether slot `i` drives its channel.
    pub fn is_engaged(&self, slot: usize) -> bool {
        slot < SLOTS && self.engaged.load(Ordering::Relaxed) & (1 << slot) != 0
    }

    /// Marks slots as not moved (a channel newly bound to them starts at its default).
    pub fn disengage(&self, slots: &[usize]) {
        let mask = slots
            .iter()
            .filter(|&&s| s < SLOTS)
            .fold(0u64, |m, &s| m | 1 << s);
        self.engaged.fetch_and(!mask, Ordering::Relaxed);
    }

    /// Records which spec each slot is bound to now (`slots[i]` is the slot of `specs[i]`).
    pub fn set_specs(&self, specs: &[ParamSpec], slots: &[Option<usize>]) {
        if let Ok(mut bound) = self.specs.write() {
            bound.iter_mut().for_each(|s| *s = None);
            for (spec, slot) in specs.iter().zip(slots) {
                if let Some(slot) = *slot {
                    bound[slot] = Some(spec.clone());
                }
            }
        }
    }

    /// Records the loaded orchestra's layout.
    pub fn set_layout(&self, layout: Option<Layout>) {
        if let Ok(mut l) = self.layout.write() {
            *l = layout.map(Arc::new);
        }
    }

    /// A copy of the orchestra state (never on the audio thread).
    pub fn orchestra(&self) -> OrchestraState {
        self.orchestra.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Replaces the orchestra state (never on the audio thread).
    pub fn set_orchestra(&self, state: OrchestraState) {
        if let Ok(mut s) = self.orchestra.write() {
            *s = state;
        }
    }
}

impl Default for PluginParams {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csound::Behaviour;

    /// Every text a slot shows reads back as a value that shows the same text.
    #[test]
    fn every_slot_text_parses_back() {
        let params = PluginParams::new();
        let skewed = ParamSpec {
            skew: 0.3,
            step: 1.0,
            unit: "Hz".into(),
            ..ParamSpec::linear("cutoff", 20.0, 20000.0, 1000.0)
        };
        let menu = ParamSpec {
            behaviour: Behaviour::Integer,
            steps: vec!["Saw".into(), "Square: wide".into(), "Tri".into()],
            ..ParamSpec::linear("wave", 1.0, 3.0, 2.0)
        };
        let exponential = ParamSpec {
            behaviour: Behaviour::Exponential,
            ..ParamSpec::linear("freq", 20.0, 20000.0, 440.0)
        };
        let specs = [
            ParamSpec::linear("gain", 0.0, 1.0, 0.5),
            skewed,
            menu,
            exponential,
        ];
        params.set_specs(&specs, &[Some(0), Some(1), Some(2), Some(3)]);
        for slot in [0, 1, 2, 3, 10] {
            let param = &params.slots[slot].value;
            for i in 0..=100 {
                let normalized = i as f32 / 100.0;
                let text = param.normalized_value_to_string(normalized, true);
                let back = param
                    .string_to_normalized_value(&text)
                    .unwrap_or_else(|| panic!("slot {slot}: `{text}` does not parse"));
                assert_eq!(
                    param.normalized_value_to_string(back, true),
                    text,
                    "slot {slot} at {normalized}"
                );
            }
        }
    }
}
