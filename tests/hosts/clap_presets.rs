//! The CLAP test host's preset browser: indexes a bundle's presets as a DAW's indexer does
//! (preset-discovery factory, providers, their declared locations, each file in a file
//! location), with no plugin instance.

use clack_extensions::preset_discovery::prelude::*;
use clack_host::prelude::*;
use std::ffi::{CStr, CString};
use std::path::{Path, PathBuf};

/// One preset as the host's browser lists it.
#[derive(Clone, Debug, Default)]
pub struct Listed {
    pub provider: String,
    pub name: String,
    /// The file it is in (file locations), None for the plugin's own presets.
    pub file: Option<PathBuf>,
    pub load_key: Option<String>,
    /// (abi, id) of the plugins it is for.
    pub plugins: Vec<(String, String)>,
    pub flags: u32,
    pub creators: Vec<String>,
    pub description: String,
    pub features: Vec<String>,
}

/// What a provider declared when it started.
#[derive(Default)]
struct Indexer {
    extensions: Vec<String>,
    /// File locations' paths (None: the plugin itself).
    locations: Vec<Option<PathBuf>>,
}

impl IndexerImpl for Indexer {
    fn declare_filetype(&mut self, file_type: FileType) -> Result<(), HostError> {
        let extension = file_type
            .file_extension
            .map(|e| e.to_string_lossy().into_owned());
        self.extensions.push(extension.unwrap_or_default());
        Ok(())
    }

    fn declare_location(&mut self, location: LocationInfo) -> Result<(), HostError> {
        self.locations.push(match location.location {
            Location::Plugin => None,
            Location::File { path } => Some(PathBuf::from(path.to_string_lossy().into_owned())),
        });
        Ok(())
    }

    fn declare_soundpack(&mut self, _soundpack: Soundpack) -> Result<(), HostError> {
        Ok(())
    }
}

/// Collects the presets one `get_metadata` call describes.
struct Receiver {
    provider: String,
    file: Option<PathBuf>,
    listed: Vec<Listed>,
    errors: Vec<String>,
}

impl Receiver {
    fn current(&mut self) -> &mut Listed {
        self.listed
            .last_mut()
            .expect("metadata before begin_preset")
    }
}

fn text(s: &CStr) -> String {
    s.to_string_lossy().into_owned()
}

impl MetadataReceiverImpl for Receiver {
    fn on_error(&mut self, _error_code: i32, error_message: Option<&CStr>) {
        self.errors
            .push(error_message.map(text).unwrap_or_default());
    }

    fn begin_preset(
        &mut self,
        name: Option<&CStr>,
        load_key: Option<&CStr>,
    ) -> Result<(), HostError> {
        self.listed.push(Listed {
            provider: self.provider.clone(),
            name: name.map(text).unwrap_or_default(),
            file: self.file.clone(),
            load_key: load_key.map(text),
            ..Listed::default()
        });
        Ok(())
    }

    fn add_plugin_id(&mut self, plugin_id: UniversalPluginId) {
        let id = (text(plugin_id.abi), text(plugin_id.id));
        self.current().plugins.push(id);
    }

    fn set_soundpack_id(&mut self, _soundpack_id: &CStr) {}

    fn set_flags(&mut self, flags: Flags) {
        self.current().flags = flags.bits();
    }

    fn add_creator(&mut self, creator: &CStr) {
        self.current().creators.push(text(creator));
    }

    fn set_description(&mut self, description: &CStr) {
        self.current().description = text(description);
    }

    fn set_timestamps(&mut self, _created: Option<Timestamp>, _modified: Option<Timestamp>) {}

    fn add_feature(&mut self, feature: &CStr) {
        self.current().features.push(text(feature));
    }

    fn add_extra_info(&mut self, _key: &CStr, _value: &CStr) {}
}

/// Every preset of the bundle's providers: the plugin's own, and each file with a declared
/// extension in each declared file location (searched as a host's indexer does). Panics on a
/// provider that reports an error.
pub fn index(bundle: &Path) -> Vec<Listed> {
    let entry = super::clap::entry(bundle);
    let host_info = HostInfo::new("csound-plugin indexer", "csound-plugin", "", "0.1.0")
        .expect("host info strings have no NUL");
    let factory = entry
        .get_factory::<PresetDiscoveryFactory>()
        .expect("the bundle has a preset-discovery factory");
    let ids: Vec<CString> = factory
        .provider_descriptors()
        .filter_map(|d| d.id().map(CStr::to_owned))
        .collect();
    let mut all = Vec::new();
    for id in ids {
        let mut provider = Provider::instantiate(Indexer::default(), &entry, &id, &host_info)
            .unwrap_or_else(|e| panic!("provider {id:?}: {e:?}"));
        let locations = provider.indexer().locations.clone();
        let extensions = provider.indexer().extensions.clone();
        assert!(!extensions.is_empty(), "{id:?} declares no file type");
        for location in locations {
            let files: Vec<Option<PathBuf>> = match location {
                None => vec![None],
                Some(dir) => std::fs::read_dir(&dir)
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        let ext = p.extension().map(|e| e.to_string_lossy().into_owned());
                        extensions.iter().any(|x| Some(x) == ext.as_ref())
                    })
                    .map(Some)
                    .collect(),
            };
            for file in files {
                let mut receiver = Receiver {
                    provider: text(&id),
                    file: file.clone(),
                    listed: Vec::new(),
                    errors: Vec::new(),
                };
                let path = file
                    .as_ref()
                    .map(|f| CString::new(f.to_string_lossy().into_owned()).expect("path"));
                let location = match &path {
                    Some(path) => Location::File { path },
                    None => Location::Plugin,
                };
                provider.get_metadata(location, &mut receiver);
                assert!(
                    receiver.errors.is_empty(),
                    "{file:?}: {:?}",
                    receiver.errors
                );
                all.extend(receiver.listed);
            }
        }
    }
    all
}
