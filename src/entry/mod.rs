//! The library's entry points: which plugins this file offers, under which names and ids.
//!
//! nice-plug's export macros take a plugin's name and ids from constants, fixed when the library
//! is built. An exported orchestra (`crate::export`) is the same library with a different name
//! and ids, known only when the host loads it, so this library has its own CLAP entry
//! ([`clap`]) and VST3 factory ([`vst3`]) that read them from [`offers`]: the two generic
//! plugins, or the one plugin an export carries. Instances are still nice-plug's wrappers.

pub mod clap;
pub mod clap_presets;
pub mod instances;
pub mod vst3;

use crate::orchestra::Kind;
use crate::{EffectFlavour, Flavour, InstrumentFlavour};
use nice_plug::prelude::{ClapFeature, Vst3SubCategory};

/// One plugin this library offers, as hosts see it before creating it.
#[derive(Debug)]
pub struct Offer {
    /// Which plugin type an instance is.
    pub kind: Kind,
    pub name: String,
    pub vendor: String,
    pub clap_id: String,
    pub clap_features: Vec<&'static str>,
    /// The VST3 class id, in the byte order of this platform.
    pub vst3_id: [u8; 16],
    /// `|`-separated VST3 subcategories.
    pub vst3_subcategories: String,
    /// Whether an instrument's instances receive MIDI controllers (all but an export made
    /// without them: [`crate::NotesOnlyInstrument`]).
    pub midi_controllers: bool,
}

/// The plugins in this library file: the Csound Instrument and the Csound Effect, or the one
/// plugin of an export. None for an export whose payload cannot be read (the reason is logged).
pub fn offers() -> &'static [Offer] {
    static OFFERS: std::sync::OnceLock<Vec<Offer>> = std::sync::OnceLock::new();
    OFFERS.get_or_init(|| match crate::export::own() {
        None => vec![generic::<InstrumentFlavour>(), generic::<EffectFlavour>()],
        Some(Ok(own)) => {
            let m = &own.manifest;
            let mut offer = match m.kind {
                Kind::Instrument => generic::<InstrumentFlavour>(),
                Kind::Effect => generic::<EffectFlavour>(),
            };
            offer.name = m.name.clone();
            offer.vendor = m.vendor.clone();
            offer.clap_id = m.clap_id.clone();
            offer.vst3_id = m.vst3_bytes();
            offer.midi_controllers = m.midi_controllers;
            if let Err(e) = &own.unpacked {
                nice_plug::nice_error!("{}: could not unpack its files: {e}", m.name);
            }
            vec![offer]
        }
        Some(Err(e)) => {
            nice_plug::nice_error!("this exported plugin cannot load: {e}");
            Vec::new()
        }
    })
}

/// `s` as a C string for a host (a NUL inside it, which C strings cannot hold, is dropped).
pub(crate) fn c_string(s: &str) -> std::ffi::CString {
    std::ffi::CString::new(s.replace('\0', "")).unwrap_or_default()
}

/// What a generic plugin of flavour `F` is.
fn generic<F: Flavour>() -> Offer {
    use nice_plug::prelude::Vst3Plugin;
    Offer {
        kind: F::KIND,
        name: F::NAME.to_string(),
        vendor: crate::VENDOR.to_string(),
        clap_id: F::CLAP_ID.to_string(),
        clap_features: F::CLAP_FEATURES.iter().map(ClapFeature::as_str).collect(),
        vst3_id: crate::CsoundPlugin::<F>::PLATFORM_VST3_CLASS_ID,
        vst3_subcategories: F::VST3_SUBCATEGORIES
            .iter()
            .map(Vst3SubCategory::as_str)
            .collect::<Vec<_>>()
            .join("|"),
        midi_controllers: F::MIDI >= nice_plug::prelude::MidiConfig::MidiCCs,
    }
}

/// The name instances of `kind` show in their window: the export's, or the generic plugin's.
pub fn name_of(kind: Kind) -> &'static str {
    offers()
        .iter()
        .find(|o| o.kind == kind)
        .map_or("Csound", |o| o.name.as_str())
}
