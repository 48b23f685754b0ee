//! The CLAP test host's editor: opened embedded in an X11 window (of the display in
//! `DISPLAY`), as a DAW opens a plugin's window.

use clack_extensions::gui::{GuiApiType, GuiConfiguration, PluginGui, Window as ClapWindow};
use clack_host::prelude::*;

/// Opens the plugin's editor inside the X11 window `parent`; `None` if the plugin has no
/// editor or refuses.
pub fn open<H: HostHandlers>(instance: &mut PluginInstance<H>, parent: u64) -> Option<PluginGui> {
    let gui = instance
        .plugin_shared_handle()
        .get_extension::<PluginGui>()?;
    let handle = instance.plugin_handle();
    let config = GuiConfiguration {
        api_type: GuiApiType::X11,
        is_floating: false,
    };
    if !gui.is_api_supported(&handle, config) || gui.create(&handle, config).is_err() {
        return None;
    }
    // SAFETY: `parent` is a live X11 window of the display the plugin connects to.
    let parented = unsafe { gui.set_parent(&handle, ClapWindow::from_x11_handle(parent)) };
    (parented.is_ok() && gui.show(&handle).is_ok()).then_some(gui)
}
