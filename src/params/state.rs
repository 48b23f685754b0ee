//! What a saved project keeps of an orchestra: its text (so the project reopens without the
//! file), where it came from, which parameter slot each channel is bound to, and the last error.

use crate::orchestra::declarations::ParamSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The orchestra part of the plugin state (a `#[persist]` field of the parameters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrchestraState {
    /// The CSD file the user chose, if any: shown to the user and read when `text` is empty.
    pub path: Option<String>,
    /// The CSD itself; `None` means the plugin's built-in orchestra.
    pub text: Option<String>,
    /// Channel name -> parameter slot. Kept across edits so an automation lane stays on its
    /// channel; bindings of channels the orchestra no longer has are kept too, in case it
    /// comes back.
    pub bindings: BTreeMap<String, usize>,
    /// Why the orchestra did not load, with the line, for the log and the editor.
    pub error: Option<String>,
    /// String channel values (from a preset), written when the orchestra loads.
    #[serde(default)]
    pub strings: BTreeMap<String, String>,
    /// The Csound the orchestra runs on ([`crate::csound::Version::key`]): the one chosen, or
    /// (see `csound_follows_orchestra`) the one its last load needed. `None`: nobody chose, and
    /// nothing loaded yet. Projects saved before the choice existed ran on 6.18.
    #[serde(default = "made_on_csound_6")]
    pub csound: Option<String>,
    /// Whether `csound` only records what the orchestra needed, rather than a choice (in the
    /// editor, by an export, by a project saved before orchestras could decide).
    #[serde(default)]
    pub csound_follows_orchestra: bool,
    /// The plugin state the orchestra keeps through Cabbage's state opcodes
    /// (`cabbageSetStateValue`...), by key, given back to it before its first k-period.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub state: BTreeMap<String, serde_json::Value>,
    /// Recompile when the orchestra's file is saved ("Recompile on save"), kept with the
    /// project so it goes on after the editor closes and when the project reopens.
    #[serde(default)]
    pub watch: bool,
}

fn made_on_csound_6() -> Option<String> {
    Some(crate::csound::Version::Six.key().to_string())
}

/// What an orchestra kept as text, with no file and not one of the built-in ones, is called.
pub const UNNAMED: &str = "the saved orchestra";

impl OrchestraState {
    /// The Csound chosen for the orchestra, if one was.
    pub fn chosen_csound(&self) -> Option<&str> {
        self.csound
            .as_deref()
            .filter(|_| !self.csound_follows_orchestra)
    }

    /// Records the Csound a load ran on (a [`crate::csound::Version::key`]), unless one was
    /// chosen.
    pub fn ran_on(&mut self, csound: &str) {
        if self.chosen_csound().is_none() && !csound.is_empty() {
            self.csound = Some(csound.to_string());
            self.csound_follows_orchestra = true;
        }
    }

    /// Records a change the orchestra made to its plugin state (a `state` or `state-clear`
    /// widget change: the key, and its value as JSON text).
    pub fn record_state(&mut self, identifier: &str, key: &str, json: &str) {
        match identifier {
            "state-clear" => self.state.clear(),
            "state" => {
                if let Ok(value) = serde_json::from_str(json) {
                    self.state.insert(key.to_string(), value);
                }
            }
            _ => {}
        }
    }

    /// The file name of the orchestra's path, if it has one ("pad.csd"): how it is shown.
    pub fn file_name(&self) -> Option<String> {
        let path = std::path::Path::new(self.path.as_deref()?);
        Some(path.file_name()?.to_string_lossy().into_owned())
    }

    /// Binds every parameter to a slot: existing bindings stay, new channels take the lowest
    /// free slots; only when none is free are slots of channels absent from `specs` reused.
    /// Returns the slot of each spec (`None` when even that runs out) and the slots that were
    /// newly bound (their values start at the channel's default).
    pub fn bind(&mut self, specs: &[ParamSpec], slots: usize) -> (Vec<Option<usize>>, Vec<usize>) {
        let mut fresh = Vec::new();
        let present: Vec<&str> = specs.iter().map(|s| s.channel.as_str()).collect();
        let mut result = Vec::with_capacity(specs.len());
        for spec in specs {
            if let Some(&slot) = self.bindings.get(&spec.channel) {
                if slot < slots {
                    result.push(Some(slot));
                    continue;
                }
            }
            let taken = |slot: &usize| self.bindings.values().any(|s| s == slot);
            let slot = (0..slots).find(|s| !taken(s)).or_else(|| {
                // Reuse the slot of a channel this orchestra does not have.
                let stale = self
                    .bindings
                    .iter()
                    .filter(|(name, _)| !present.contains(&name.as_str()))
                    .map(|(_, &s)| s)
                    .min()?;
                self.bindings.retain(|_, s| *s != stale);
                Some(stale)
            });
            if let Some(slot) = slot {
                self.bindings.insert(spec.channel.clone(), slot);
                fresh.push(slot);
            }
            result.push(slot);
        }
        (result, fresh)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str) -> ParamSpec {
        ParamSpec::linear(name, 0.0, 1.0, 0.5)
    }

    #[test]
    fn bindings_survive_edits_and_new_channels_take_free_slots() {
        let mut state = OrchestraState::default();
        let (slots, fresh) = state.bind(&[spec("cutoff"), spec("res")], 4);
        assert_eq!(slots, [Some(0), Some(1)]);
        assert_eq!(fresh, [0, 1]);
        // The CSD is edited: a channel added before the others, one removed.
        let (slots, fresh) = state.bind(&[spec("drive"), spec("res")], 4);
        assert_eq!(
            slots,
            [Some(2), Some(1)],
            "res keeps its slot, drive takes a free one"
        );
        assert_eq!(fresh, [2]);
        assert_eq!(
            state.bindings.get("cutoff"),
            Some(&0),
            "a removed channel keeps its slot"
        );
        // It comes back: same slot.
        let (slots, fresh) = state.bind(&[spec("cutoff")], 4);
        assert_eq!((slots, fresh), (vec![Some(0)], vec![]));
    }

    #[test]
    fn when_slots_run_out_stale_ones_are_reused_then_none() {
        let mut state = OrchestraState::default();
        state.bind(&[spec("a"), spec("b")], 2);
        let (slots, fresh) = state.bind(&[spec("b"), spec("c")], 2);
        assert_eq!(slots, [Some(1), Some(0)]);
        assert_eq!(fresh, [0]);
        assert!(!state.bindings.contains_key("a"));
        let (slots, _) = state.bind(&[spec("b"), spec("c"), spec("d")], 2);
        assert_eq!(slots, [Some(1), Some(0), None]);
    }
}
