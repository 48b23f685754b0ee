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

pub mod shown;
pub mod state;

use crate::orchestra::cabbage::Layout;
use crate::orchestra::declarations::ParamSpec;
use nice_plug::params::internals::ParamPtr;
use nice_plug::prelude::*;
use state::OrchestraState;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// The editor window's size when nothing was saved, in logical pixels.
pub const DEFAULT_EDITOR_SIZE: (u32, u32) = (900, 640);

/// The editor's size for a new instance: an export of a `<Cabbage>` face opens to show it at
/// its own size (the window's bars and keyboard around it).
fn starting_editor_size() -> (u32, u32) {
    match crate::export::own_manifest().and_then(|m| m.form_size) {
        Some((w, h)) => ((w + 60).clamp(600, 2400), (h + 200).clamp(400, 1600)),
        None => DEFAULT_EDITOR_SIZE,
    }
}

/// How a slot no channel is bound to shows its value (before the number).
const UNUSED: &str = "(unused)";

/// How many parameter slots each plugin exposes.
pub const SLOTS: usize = 64;

/// What each slot is bound to now, for showing values; read off the audio thread only.
pub type SlotSpecs = Arc<RwLock<Vec<Option<ParamSpec>>>>;

/// The most steps a parameter is shown to hosts with as a stepped (integer) parameter; finer
/// ones stay continuous and snap in the engine.
const MAX_STEPS: f64 = 1024.0;

/// One host parameter: a normalized value whose meaning comes from the channel bound to it.
/// Channels with steps (integers, menus, a Cabbage increment) are stepped parameters, so hosts
/// show and automate them in steps; the normalized value is the step over the step count.
pub enum SlotParam {
    Continuous(FloatParam),
    Stepped(IntParam),
}

/// One parameter slot with the id and group hosts know it by.
pub struct Slot {
    /// The stable id: `slot_N` in the generic plugins, the channel name in an export.
    pub id: String,
    /// The group path hosts show (`Filter`), empty for none.
    pub group: String,
    pub value: SlotParam,
}

impl Slot {
    /// The value, normalized, with the host's modulation.
    pub fn normalized(&self) -> f32 {
        match &self.value {
            SlotParam::Continuous(p) => p.modulated_normalized_value(),
            SlotParam::Stepped(p) => p.modulated_normalized_value(),
        }
    }

    /// Starts a gesture (a drag) on this parameter.
    pub fn begin(&self, setter: &ParamSetter) {
        match &self.value {
            SlotParam::Continuous(p) => setter.begin_set_parameter(p),
            SlotParam::Stepped(p) => setter.begin_set_parameter(p),
        }
    }

    /// Sets the normalized value inside a gesture.
    pub fn set(&self, setter: &ParamSetter, normalized: f32) {
        match &self.value {
            SlotParam::Continuous(p) => setter.set_parameter_normalized(p, normalized),
            SlotParam::Stepped(p) => setter.set_parameter_normalized(p, normalized),
        }
    }

    /// Ends a gesture.
    pub fn end(&self, setter: &ParamSetter) {
        match &self.value {
            SlotParam::Continuous(p) => setter.end_set_parameter(p),
            SlotParam::Stepped(p) => setter.end_set_parameter(p),
        }
    }

    /// A whole gesture: begin, set, end.
    pub fn set_once(&self, setter: &ParamSetter, normalized: f32) {
        self.begin(setter);
        self.set(setter, normalized);
        self.end(setter);
    }

    /// What hosts show for a normalized value.
    pub fn text(&self, normalized: f32) -> String {
        match &self.value {
            SlotParam::Continuous(p) => p.normalized_value_to_string(normalized, true),
            SlotParam::Stepped(p) => p.normalized_value_to_string(normalized, true),
        }
    }

    /// The normalized value of a typed text.
    pub fn parse(&self, text: &str) -> Option<f32> {
        match &self.value {
            SlotParam::Continuous(p) => p.string_to_normalized_value(text),
            SlotParam::Stepped(p) => p.string_to_normalized_value(text),
        }
    }

    fn as_ptr(&self) -> ParamPtr {
        match &self.value {
            SlotParam::Continuous(p) => p.as_ptr(),
            SlotParam::Stepped(p) => p.as_ptr(),
        }
    }
}

/// The parameter slots, as a [`Params`] whose ids and groups are decided at run time.
pub struct Slots(Vec<Slot>);

impl std::ops::Deref for Slots {
    type Target = [Slot];
    fn deref(&self) -> &[Slot] {
        &self.0
    }
}

// SAFETY: every pointer points at a parameter owned by `self.0`, which is never resized after
// creation, so the pointers stay valid as long as `self` lives (nice-plug's requirement).
unsafe impl Params for Slots {
    fn param_map(&self) -> Vec<(String, ParamPtr, String)> {
        self.0
            .iter()
            .map(|s| (s.id.clone(), s.as_ptr(), s.group.clone()))
            .collect()
    }
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
    #[nested]
    pub slots: Slots,
    /// The spec bound to each slot, shared with the slots' value formatters.
    pub specs: SlotSpecs,
    /// The loaded orchestra's `<Cabbage>` layout, for the editor to draw.
    pub layout: Arc<RwLock<Option<Arc<Layout>>>>,
    /// Every parameter the running orchestra declares (beyond the slots too), and whether it
    /// takes raw MIDI: what exporting it from the editor needs without compiling it again.
    pub declared: Arc<RwLock<(Vec<ParamSpec>, bool)>>,
    /// Every slot drives its channel, moved or not: an export's parameters start at their
    /// channels' defaults, so there is no slot default to keep away from the orchestra (and
    /// `engaged`, kept by slot number, would not follow a channel to a new place).
    pub always_engaged: bool,
    /// Tells the host that slots changed value without it (after a load), so its automation
    /// lanes and parameter lists show what the orchestra plays. Set once by the plugin.
    values_changed: std::sync::OnceLock<shown::Notify>,
    /// Values by channel (in its own units) for the next load to give the slots it binds: a
    /// preset the host loaded.
    preset_values: std::sync::Mutex<Vec<(String, f64)>>,
}

/// The orchestra the standalone application was asked to open (`--orchestra FILE`): a new
/// instance starts with it instead of the built-in one.
static STARTUP_ORCHESTRA: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Makes new instances start with the CSD at `path` (the standalone's `--orchestra`).
pub fn start_with_orchestra(path: String) {
    let _ = STARTUP_ORCHESTRA.set(path);
}

/// The parameters of an exported plugin: its orchestra's channels as declared (at most
/// [`SLOTS`]), or `None` in the generic plugins.
pub fn exported() -> Option<&'static [ParamSpec]> {
    let params = &crate::export::own_manifest()?.params;
    Some(&params[..params.len().min(SLOTS)])
}

/// The channel -> slot bindings of an export (its parameters in order), which no saved state
/// overrides: a project made with an earlier export of the plugin keeps each automation lane on
/// its channel even when the channels were reordered.
pub fn fixed_bindings() -> Option<std::collections::BTreeMap<String, usize>> {
    exported().map(bindings_in_order)
}

/// Each spec's channel bound to its place in `specs`.
fn bindings_in_order(specs: &[ParamSpec]) -> std::collections::BTreeMap<String, usize> {
    specs
        .iter()
        .enumerate()
        .map(|(i, p)| (p.channel.clone(), i))
        .collect()
}

/// How many steps a host should see for `spec`, if it is stepped.
fn step_count(spec: &ParamSpec) -> Option<i32> {
    let span = spec.max - spec.min;
    let count = if !spec.steps.is_empty() || spec.behaviour == crate::csound::Behaviour::Integer {
        span.round()
    } else if spec.step > 0.0
        && spec.skew == 1.0
        && spec.behaviour == crate::csound::Behaviour::Linear
    {
        let count = span / spec.step;
        if (count - count.round()).abs() > 1e-6 {
            return None;
        }
        count.round()
    } else {
        return None;
    };
    (1.0..=MAX_STEPS).contains(&count).then_some(count as i32)
}

impl PluginParams {
    /// The generic plugins' parameters: [`SLOTS`] slots, `slot_1` .. `slot_64`.
    pub fn new() -> Self {
        Self::with(None)
    }

    /// The parameters of this library's plugins: the generic slots, or an export's channels.
    pub fn for_this_library() -> Self {
        Self::with(exported())
    }

    /// The orchestra state a new instance starts with: the standalone's `--orchestra`, an
    /// export's fixed bindings.
    pub fn starting_state() -> OrchestraState {
        Self::starting_state_for(exported())
    }

    /// The orchestra state slots for `fixed` start with (see [`Self::with`]).
    fn starting_state_for(fixed: Option<&[ParamSpec]>) -> OrchestraState {
        OrchestraState {
            path: STARTUP_ORCHESTRA.get().cloned(),
            bindings: fixed.map(bindings_in_order).unwrap_or_default(),
            ..OrchestraState::default()
        }
    }

    /// [`Self::for_this_library`], its slots starting at what the orchestra `csd` (the one the
    /// new instance will load) declares, bound as its load will bind them, when that can be
    /// read from its text ([`crate::orchestra::preview`]). Each such slot's default and value
    /// are the declared default, so a host reads the same values and defaults before and after
    /// activation, and "reset to default" goes where the orchestra starts.
    pub fn for_this_library_showing(csd: Option<&str>) -> Self {
        let fixed = exported();
        let preview = csd.and_then(crate::orchestra::preview::parameters_without_csound);
        let Some(specs) = preview.filter(|_| fixed.is_none()) else {
            return Self::with(fixed);
        };
        let (slots, _) = Self::starting_state().bind(&specs, SLOTS);
        let mut defaults = vec![None; SLOTS];
        for (spec, slot) in specs.iter().zip(&slots) {
            if let Some(slot) = *slot {
                defaults[slot] = Some(spec.normalized(spec.default) as f32);
            }
        }
        let params = Self::build(None, &defaults);
        params.set_specs(&specs, &slots);
        params
    }

    /// Slots for `fixed` (an export's channels, each slot named, ranged and grouped as its
    /// channel), or the generic slots when `None`.
    pub fn with(fixed: Option<&[ParamSpec]>) -> Self {
        Self::build(fixed, &[])
    }

    /// [`Self::with`]; generic slot `i` starts at `defaults[i]` (normalized) where given, else
    /// in the middle.
    fn build(fixed: Option<&[ParamSpec]>, defaults: &[Option<f32>]) -> Self {
        let engaged = Arc::new(AtomicU64::new(0));
        let count = fixed.map_or(SLOTS, |f| f.len().min(SLOTS));
        let specs: SlotSpecs = Arc::new(RwLock::new(vec![None; count]));
        let slots = (0..count)
            .map(|i| {
                let own = fixed.map(|f| f[i].clone());
                let touched = engaged.clone();
                let bound = {
                    let (specs, own) = (specs.clone(), own.clone());
                    move || {
                        specs
                            .try_read()
                            .ok()
                            .and_then(|s| s[i].clone())
                            .or_else(|| own.clone())
                    }
                };
                let labelled = own.is_none();
                let to_text = {
                    let bound = bound.clone();
                    move |normalized: f64| match bound() {
                        Some(spec) if labelled => {
                            format!("{}: {}", spec.label, spec.display(spec.plain(normalized)))
                        }
                        Some(spec) => spec.display(spec.plain(normalized)),
                        None => format!("{UNUSED} {normalized:.3}"),
                    }
                };
                let from_text = move |text: &str| match bound() {
                    Some(spec) => {
                        // What the slot shows is "label: value"; a typed value may come
                        // without the label.
                        let value = text
                            .strip_prefix(spec.label.as_str())
                            .and_then(|t| t.strip_prefix(':'))
                            .unwrap_or(text);
                        spec.parse(value).map(|plain| spec.normalized(plain))
                    }
                    None => text.trim().trim_start_matches(UNUSED).trim().parse().ok(),
                };
                let value = match own
                    .as_ref()
                    .and_then(|spec| Some((spec, step_count(spec)?)))
                {
                    Some((spec, steps)) => {
                        let n = f64::from(steps);
                        let to_text = to_text.clone();
                        SlotParam::Stepped(
                            IntParam::new(
                                spec.label.clone(),
                                (spec.normalized(spec.default) * n).round() as i32,
                                IntRange::Linear { min: 0, max: steps },
                            )
                            .with_callback(Arc::new(move |_| {
                                touched.fetch_or(1 << i, Ordering::Relaxed);
                            }))
                            .with_value_to_string(Arc::new(move |step| {
                                to_text(f64::from(step) / n)
                            }))
                            .with_string_to_value(Arc::new(
                                move |text| from_text(text).map(|v| (v * n).round() as i32),
                            )),
                        )
                    }
                    None => SlotParam::Continuous(
                        FloatParam::new(
                            own.as_ref()
                                .map_or_else(|| format!("Param {}", i + 1), |s| s.label.clone()),
                            own.as_ref().map_or_else(
                                || defaults.get(i).copied().flatten().unwrap_or(0.5),
                                |s| s.normalized(s.default) as f32,
                            ),
                            FloatRange::Linear { min: 0.0, max: 1.0 },
                        )
                        .with_callback(Arc::new(move |_| {
                            touched.fetch_or(1 << i, Ordering::Relaxed);
                        }))
                        .with_value_to_string(Arc::new(move |n| to_text(n as f64)))
                        .with_string_to_value(Arc::new(move |text| {
                            from_text(text).map(|v| v as f32)
                        })),
                    ),
                };
                Slot {
                    id: own
                        .as_ref()
                        .map_or_else(|| format!("slot_{}", i + 1), |s| s.channel.clone()),
                    group: own.as_ref().map_or_else(String::new, |s| s.group.clone()),
                    value,
                }
            })
            .collect();
        Self {
            orchestra: Arc::new(RwLock::new(Self::starting_state_for(
                fixed.map(|f| &f[..count]),
            ))),
            engaged,
            editor_size: Arc::new(RwLock::new(starting_editor_size())),
            slots: Slots(slots),
            specs,
            layout: Arc::new(RwLock::new(None)),
            declared: Default::default(),
            always_engaged: fixed.is_some(),
            values_changed: std::sync::OnceLock::new(),
            preset_values: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Whether slot `i` drives its channel.
    pub fn is_engaged(&self, slot: usize) -> bool {
        slot < self.slots.len()
            && (self.always_engaged || self.engaged.load(Ordering::Relaxed) & (1 << slot) != 0)
    }

    /// Marks slots as not moved (a channel newly bound to them starts at its default).
    pub fn disengage(&self, slots: &[usize]) {
        let mask = slots
            .iter()
            .filter(|&&s| s < self.slots.len())
            .fold(0u64, |m, &s| m | 1 << s);
        self.engaged.fetch_and(!mask, Ordering::Relaxed);
    }

    /// Records which spec each slot is bound to now (`slots[i]` is the slot of `specs[i]`).
    pub fn set_specs(&self, specs: &[ParamSpec], slots: &[Option<usize>]) {
        if let Ok(mut bound) = self.specs.write() {
            bound.iter_mut().for_each(|s| *s = None);
            for (spec, slot) in specs.iter().zip(slots) {
                if let Some(bound) = slot.and_then(|slot| bound.get_mut(slot)) {
                    *bound = Some(spec.clone());
                }
            }
        }
    }

    /// Records the loaded orchestra's layout.
    /// Records what the running orchestra declares ([`PluginParams::declared`]).
    pub fn set_declared(&self, params: Vec<ParamSpec>, raw_midi: bool) {
        if let Ok(mut d) = self.declared.write() {
            *d = (params, raw_midi);
        }
    }

    pub fn set_layout(&self, layout: Option<Layout>) {
        if let Ok(mut l) = self.layout.write() {
            *l = layout.map(Arc::new);
        }
    }

    /// A copy of the orchestra state (never on the audio thread).
    pub fn orchestra(&self) -> OrchestraState {
        self.orchestra.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// The Csound chosen for the orchestra ([`OrchestraState::chosen_csound`]); `None`: each
    /// orchestra runs on the one it needs.
    pub fn csound(&self) -> Option<String> {
        self.orchestra
            .read()
            .ok()
            .and_then(|s| s.chosen_csound().map(String::from))
    }

    /// The Csound the orchestra ran on at its last load (or was chosen for).
    pub fn csound_running(&self) -> Option<String> {
        self.orchestra.read().ok().and_then(|s| s.csound.clone())
    }

    /// Chooses the Csound the orchestra runs on from its next load; `None`: the one each
    /// orchestra needs.
    pub fn set_csound(&self, key: Option<&str>) {
        if let Ok(mut s) = self.orchestra.write() {
            if let Some(key) = key {
                s.csound = Some(key.to_string());
            }
            s.csound_follows_orchestra = key.is_none();
        }
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
            assert_texts_parse_back(&params.slots[slot], slot);
        }
    }

    /// An export's slots are its channels: id, name, group, default, and steps for menus,
    /// integers and whole increments.
    #[test]
    fn exported_slots_are_the_channels_as_declared() {
        let menu = ParamSpec {
            behaviour: Behaviour::Integer,
            steps: vec!["Saw".into(), "Square".into(), "Tri".into()],
            group: "Osc".into(),
            ..ParamSpec::linear("wave", 0.0, 2.0, 1.0)
        };
        let stepped = ParamSpec {
            step: 0.25,
            ..ParamSpec::linear("detune", -1.0, 1.0, 0.5)
        };
        let cutoff = ParamSpec {
            label: "Cutoff".into(),
            unit: "Hz".into(),
            group: "Filter".into(),
            ..ParamSpec::linear("cutoff", 20.0, 20020.0, 1020.0)
        };
        let params = PluginParams::with(Some(&[menu, stepped, cutoff]));
        let map = params.param_map();
        let ids: Vec<(&str, &str)> = map
            .iter()
            .map(|(id, _, g)| (id.as_str(), g.as_str()))
            .collect();
        assert_eq!(ids, [("wave", "Osc"), ("detune", ""), ("cutoff", "Filter")]);
        let steps: Vec<Option<i32>> = params
            .slots
            .iter()
            .map(|s| match &s.value {
                SlotParam::Stepped(p) => Some(p.range().step_count() as i32),
                SlotParam::Continuous(_) => None,
            })
            .collect();
        assert_eq!(steps, [Some(2), Some(8), None]);
        let cutoff = &params.slots[2];
        assert_eq!(
            cutoff.text(cutoff.normalized()),
            "1020 Hz",
            "starts at the default"
        );
        assert_eq!(params.slots[0].text(0.5), "Square");
        assert!((0..SLOTS).all(|i| params.is_engaged(i) == (i < 3)));
        for (i, slot) in params.slots.iter().enumerate() {
            assert_texts_parse_back(slot, i);
        }
    }

    fn assert_texts_parse_back(param: &Slot, slot: usize) {
        for i in 0..=100 {
            let normalized = i as f32 / 100.0;
            let text = param.text(normalized);
            let back = param
                .parse(&text)
                .unwrap_or_else(|| panic!("slot {slot}: `{text}` does not parse"));
            assert_eq!(param.text(back), text, "slot {slot} at {normalized}");
        }
    }
}
