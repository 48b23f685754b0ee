//! The CLAP test host's audio ports: picking the configuration a test's track width asks for
//! (audio-ports-config), and reading the ports the plugin then declares.

use super::Setup;
use clack_extensions::audio_ports::{AudioPortFlags, AudioPortInfoBuffer, PluginAudioPorts};
use clack_extensions::audio_ports_config::{
    AudioPortsConfigBuffer, MainPortInfo, PluginAudioPortsConfig,
};
use clack_host::prelude::*;

/// Picks the audio-ports configuration whose main ports have the setup's channel counts, as a
/// DAW does for a track of that width (a plugin without the extension keeps its ports).
pub fn select_config<H: HostHandlers>(instance: &mut PluginInstance<H>, setup: &Setup) {
    let Some(ext) = instance
        .plugin_shared_handle()
        .get_extension::<PluginAudioPortsConfig>()
    else {
        return;
    };
    let handle = instance.plugin_handle();
    let mut buffer = AudioPortsConfigBuffer::new();
    let found = (0..ext.count(&handle)).find_map(|index| {
        let config = ext.get(&handle, index, &mut buffer)?;
        let channels = |port: Option<MainPortInfo>| port.map_or(0, |p| p.channel_count);
        (channels(config.main_input) == setup.inputs
            && channels(config.main_output) == setup.outputs)
            .then_some(config.id)
    });
    let id = found.unwrap_or_else(|| {
        panic!(
            "the plugin offers no configuration of {} in, {} out",
            setup.inputs, setup.outputs
        )
    });
    ext.select(&handle, id)
        .expect("the plugin selects a configuration it offers");
}

/// Ports as (channel count, is main), in order.
pub type Ports = Vec<(u32, bool)>;

/// Each declared port of one direction as (channel count, is main), from the audio-ports
/// extension.
pub fn port_layout<H: HostHandlers>(
    instance: &mut PluginInstance<H>,
    ext: PluginAudioPorts,
    is_input: bool,
) -> Vec<(u32, bool)> {
    let handle = instance.plugin_handle();
    let mut buffer = AudioPortInfoBuffer::new();
    (0..ext.count(&handle, is_input))
        .map(|index| {
            let info = ext
                .get(&handle, index, is_input, &mut buffer)
                .unwrap_or_else(|| panic!("plugin has no info for audio port {index}"));
            (
                info.channel_count,
                info.flags.contains(AudioPortFlags::IS_MAIN),
            )
        })
        .collect()
}

/// The port flagged main (else the first), checked to have the `channels` the test expects.
pub fn main_port(layout: &[(u32, bool)], channels: u32, direction: &str) -> Option<usize> {
    let index = layout
        .iter()
        .position(|&(_, main)| main)
        .or((!layout.is_empty()).then_some(0))?;
    assert_eq!(
        layout[index].0, channels,
        "the main {direction} port has {} channels, the setup asks for {channels}",
        layout[index].0
    );
    Some(index)
}

/// The ports a new instance of `plugin_id` declares before a host picks a configuration, as
/// (channel count, is main) per input and per output port: its default layout.
pub fn default_ports(bundle: &std::path::Path, plugin_id: &str) -> (Ports, Ports) {
    let mut instance = super::clap::new_instance(bundle, plugin_id);
    let ports = instance
        .plugin_shared_handle()
        .get_extension::<PluginAudioPorts>()
        .expect("the plugin declares its audio ports");
    (
        port_layout(&mut instance, ports, true),
        port_layout(&mut instance, ports, false),
    )
}
