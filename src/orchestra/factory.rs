//! The factory content: the orchestras and presets under `presets/`, built into the binaries so
//! a plugin needs no files beside it. Adding `presets/<kind>/<stem>.csd` adds an orchestra;
//! `presets/<kind>/<stem>/<name>.cspreset` adds a preset for it (see `build.rs`).

use crate::orchestra::source::Kind;

/// A built-in orchestra.
#[derive(Debug)]
pub struct FactoryOrchestra {
    pub kind: Kind,
    /// Its file name, e.g. `pad.csd` (presets name their orchestra by it).
    pub file: &'static str,
    pub text: &'static str,
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

/// The built-in orchestras of one kind.
pub fn orchestras(kind: Kind) -> impl Iterator<Item = &'static FactoryOrchestra> {
    ORCHESTRAS.iter().filter(move |o| o.kind == kind)
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
    orchestra(kind, file).unwrap_or(&ORCHESTRAS[0])
}

/// Whether `text` is exactly a built-in orchestra (factory code is trusted).
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
