//! The factory content: the orchestras and presets under `presets/`, built into the binaries so
//! a plugin needs no files beside it. Adding `presets/<kind>/<stem>.csd` adds an orchestra;
//! `presets/<kind>/<stem>/<name>.cspreset` adds a preset for it (see `build.rs`).
//!
//! An exported plugin (`crate::export`) replaces this content with its own orchestra and
//! presets ([`make_own`]): everything that asks for "the built-in orchestra" then gets the
//! export's, and nothing else changes.

use crate::orchestra::source::Kind;

/// A built-in orchestra.
#[derive(Debug)]
pub struct FactoryOrchestra {
    pub kind: Kind,
    /// Its file name, e.g. `pad.csd` (presets name their orchestra by it).
    pub file: &'static str,
    pub text: &'static str,
    /// Where it is on disk, for an exported orchestra (its `#include`s and sound files are
    /// beside it); `None` for the orchestras built into the binary.
    pub path: Option<&'static str>,
    pub presets: &'static [FactoryPreset],
}

/// A built-in preset file.
#[derive(Debug)]
pub struct FactoryPreset {
    pub file: &'static str,
    pub text: &'static str,
}

/// Every built-in orchestra, instruments first, each kind in file name order.
pub const ORCHESTRAS: &[FactoryOrchestra] = include!(concat!(env!("OUT_DIR"), "/factory.rs"));

/// The instrument's orchestra when the user has chosen none.
pub const DEFAULT_INSTRUMENT: &str = "poly-synth.csd";
/// The effect's orchestra when the user has chosen none.
pub const DEFAULT_EFFECT: &str = "ping-pong-delay.csd";

/// How an exported plugin differs from the generic ones, besides its orchestra.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// Every instance plays the export's orchestra, whatever a project or preset brings.
    pub locked: bool,
    /// The export's plugin id: what keeps its user presets apart from other plugins'.
    pub id: String,
    /// The Csound its new instances start on, when the export says.
    pub csound: Option<String>,
    /// Whether its instances receive MIDI controllers (an instrument made without them does
    /// not, so VST3 hosts list only its own parameters).
    pub midi_controllers: bool,
}

/// An exported plugin's own content, set once when its library loads.
struct Own {
    orchestras: &'static [FactoryOrchestra],
    terms: Terms,
}

static OWN: std::sync::OnceLock<Own> = std::sync::OnceLock::new();

/// Makes `orchestra` this library's only built-in orchestra, an exported plugin's, on its
/// `terms`. The first call wins; the content lives as long as the library.
pub fn make_own(orchestra: FactoryOrchestra, terms: Terms) {
    let _ = OWN.get_or_init(|| Own {
        orchestras: Box::leak(Box::new([orchestra])),
        terms,
    });
}

/// The Csound an export's new instances start on, when the export says.
pub fn own_csound() -> Option<&'static str> {
    OWN.get().and_then(|own| own.terms.csound.as_deref())
}

/// The plugin id of this library's export, if it is one.
pub fn own_id() -> Option<&'static str> {
    OWN.get().map(|own| own.terms.id.as_str())
}

/// Whether instances receive MIDI controllers: always, but in an export made without them.
pub fn midi_controllers() -> bool {
    OWN.get().is_none_or(|own| own.terms.midi_controllers)
}

/// The built-in orchestras: the factory ones, or an export's own.
fn all() -> &'static [FactoryOrchestra] {
    OWN.get().map_or(ORCHESTRAS, |own| own.orchestras)
}

/// Whether this is an exported plugin whose orchestra cannot be replaced.
pub fn locked() -> bool {
    OWN.get().is_some_and(|own| own.terms.locked)
}

/// The built-in orchestras of one kind.
pub fn orchestras(kind: Kind) -> impl Iterator<Item = &'static FactoryOrchestra> {
    all().iter().filter(move |o| o.kind == kind)
}

/// The built-in orchestra of `kind` named `file`.
pub fn orchestra(kind: Kind, file: &str) -> Option<&'static FactoryOrchestra> {
    orchestras(kind).find(|o| o.file == file)
}

/// The orchestra a plugin of `kind` starts with.
pub fn default_orchestra(kind: Kind) -> &'static FactoryOrchestra {
    let file = match kind {
        Kind::Instrument => DEFAULT_INSTRUMENT,
        Kind::Effect => DEFAULT_EFFECT,
    };
    orchestra(kind, file)
        .or_else(|| orchestras(kind).next())
        .unwrap_or(&all()[0])
}

/// Whether `text` is exactly an orchestra built into the binary (factory code is trusted; an
/// export's orchestra is not: it was shared like any file).
pub fn is_factory_text(text: &str) -> bool {
    ORCHESTRAS.iter().any(|o| o.text == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_defaults_are_built_in() {
        assert_eq!(default_orchestra(Kind::Instrument).file, DEFAULT_INSTRUMENT);
        assert_eq!(default_orchestra(Kind::Effect).file, DEFAULT_EFFECT);
        assert_eq!(default_orchestra(Kind::Effect).kind, Kind::Effect);
    }
}
