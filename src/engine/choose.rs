//! Which Csound an orchestra loads on when nobody chose one: the preferred one, unless the
//! orchestra needs 7.0 ([`needs::seven_because`]) or parses only there; and the console line
//! saying why.

use super::driver::Engine;
use super::load::{Loaded, Setup};
use crate::csound::{csd, ErrorKind, MessageLevel, Result, Version};
use crate::orchestra::needs;
use crate::orchestra::note_mode::NoteMode;
use crate::orchestra::source::{Kind, Source};
use crate::orchestra::trust::TrustStore;

impl Engine {
    /// Compiles and starts a CSD as `setup` says (slow: call it off the audio thread).
    ///
    /// This is the one way an orchestra reaches Csound's compiler: it passes the sharing gate
    /// ([`trust::judge`]) first, on this very engine, with the CSD's options applied. An
    /// orchestra that reaches outside the instrument and is not in `trust` is refused with
    /// [`ErrorKind::NotAllowed`], before any of it runs.
    ///
    /// With no Csound in `setup`, the orchestra decides: the preferred one, unless its text needs
    /// 7.0 ([`needs::seven_because`]) or it does not parse on 6.18 and does on 7.0; the
    /// console says why it moved.
    pub fn load_with(
        source: &Source,
        setup: &Setup,
        kind: Kind,
        trust: &TrustStore,
    ) -> Result<(Engine, Loaded)> {
        if let Some(csound) = setup.csound {
            return Self::load_on(source, setup, csound, kind, trust);
        }
        let preferred = Version::preferred();
        if preferred == Version::Seven || !Version::Seven.is_available() {
            return Self::load_on(source, setup, preferred, kind, trust);
        }
        let parsed = csd::parse(&source.text, &source.origin)?;
        let raw_midi = Self::note_mode(&parsed, &source.origin)? == NoteMode::Midi;
        if let Some(why) = needs::seven_because(&parsed, &source.text, raw_midi) {
            return match Self::load_on(source, setup, Version::Seven, kind, trust) {
                Ok(loaded) => Ok(Self::say_why(loaded, &source.origin, why)),
                // Code only 6.18 reads: it stays there, with what that costs.
                Err(e) if e.kind() == ErrorKind::Parse => {
                    let loaded = Self::load_on(source, setup, preferred, kind, trust)?;
                    let first = e.log().first().cloned().unwrap_or_default();
                    let why = format!(
                        "{} does not parse it ({}), though {why}",
                        Version::Seven,
                        first.trim()
                    );
                    Ok(Self::say_why(loaded, &source.origin, why))
                }
                Err(e) => Err(e),
            };
        }
        match Self::load_on(source, setup, preferred, kind, trust) {
            Err(e) if e.kind() == ErrorKind::Parse => {
                let first = e.log().first().cloned().unwrap_or_default();
                let why = format!(
                    "it does not parse on {preferred} ({}) and does on {}",
                    first.trim(),
                    Version::Seven
                );
                match Self::load_on(source, setup, Version::Seven, kind, trust) {
                    Err(e7) if e7.kind() == ErrorKind::Parse => Err(e),
                    Err(e7) => Err(e7),
                    Ok(loaded) => Ok(Self::say_why(loaded, &source.origin, why)),
                }
            }
            other => other,
        }
    }

    /// Says on the console, and in [`Loaded::csound_why`], why an orchestra runs on the Csound
    /// it does.
    fn say_why(
        (engine, mut loaded): (Engine, Loaded),
        origin: &str,
        why: String,
    ) -> (Engine, Loaded) {
        engine.csound.messages().note(
            MessageLevel::Info,
            &format!(
                "csound-plugin: {origin} runs on {} because {why}",
                engine.csound.version().label()
            ),
        );
        loaded.csound_why = Some(why);
        (engine, loaded)
    }
}
