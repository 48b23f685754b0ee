//! The factory presets: the built-in orchestras' preset files, parsed.

use crate::orchestra::factory::FactoryOrchestra;
use crate::presets::file::Preset;

impl FactoryOrchestra {
    /// Its presets, parsed. A factory preset that does not parse is a build defect (a test
    /// parses them all); it is skipped here.
    pub fn presets(&self) -> impl Iterator<Item = Preset> + '_ {
        self.presets
            .iter()
            .filter_map(|p| Preset::parse(p.text, p.file).ok())
    }
}
