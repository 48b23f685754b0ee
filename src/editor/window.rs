//! The editor handed to the host: the egui window, made anew on each opening at the saved size,
//! resizable down to a minimum.

use super::link::Link;
use super::ui::Ui;
use crate::engine::live::Loader;
use crate::orchestra::source::Kind;
use crate::params::PluginParams;
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::{
    Editor, HostMethods, ParentWindowHandle, ResizeHint, SizeConstraints, SpawnedEditor,
};
use nice_plug_egui::{create_egui_editor, EguiEditorHandle, EguiEditorState, NiceEguiApp};
use std::sync::{Arc, Mutex};

/// The smallest size the window can be resized to.
const MIN_SIZE: (f32, f32) = (640.0, 420.0);
/// The editor handed to the host. The egui editor is made anew on each opening from the
/// saved size (nice-plug-egui's state cannot be restored from a project).
pub struct CsoundEditor {
    name: &'static str,
    kind: Kind,
    params: Arc<PluginParams>,
    loader: Arc<Loader>,
    link: Arc<Link>,
    /// The window's UI state, made on the first opening (plugins that are never opened do
    /// not read preset folders) and kept across openings.
    ui: Arc<Mutex<Option<Ui>>>,
}

impl CsoundEditor {
    pub fn new(
        name: &'static str,
        kind: Kind,
        params: Arc<PluginParams>,
        loader: Arc<Loader>,
        link: Arc<Link>,
    ) -> Self {
        Self {
            name,
            kind,
            params,
            loader,
            link,
            ui: Arc::new(Mutex::new(None)),
        }
    }

    fn size(&self) -> (u32, u32) {
        self.params
            .editor_size
            .read()
            .map(|s| *s)
            .unwrap_or(crate::params::DEFAULT_EDITOR_SIZE)
    }
}

impl Editor for CsoundEditor {
    type Handle = EguiEditorHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn std::error::Error>> {
        let (w, h) = self.size();
        let state = EguiEditorState::from_size(
            nice_plug::editor::dpi::LogicalSize::new(w as f64, h as f64),
            1.0,
        );
        if let Ok(mut ui) = self.ui.lock() {
            if ui.is_none() {
                *ui = Some(Ui::new(
                    self.kind,
                    self.params.clone(),
                    self.loader.clone(),
                    self.link.clone(),
                ));
            }
        }
        self.link
            .open
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let app = App {
            ui: self.ui.clone(),
            size: self.params.editor_size.clone(),
            link: self.link.clone(),
        };
        let settings = nice_plug_egui::EguiNiceSettings::new()
            .with_tile(self.name)
            .with_resize_hint(resize_hint())
            // Redraw requests (sound, a moved parameter) are looked at 30 times a second.
            .with_repaint_poll_interval(std::time::Duration::from_secs_f64(1.0 / 30.0));
        let editor = create_egui_editor(state, self.link.repaint.clone(), settings, app)
            .ok_or("the editor could not be created")?;
        editor.spawn(
            parent,
            wait_for_parent,
            fallback_scale_factor,
            gui_context,
            host,
        )
    }

    fn size(&self) -> nice_plug::editor::dpi::NativeSize<u32> {
        let (w, h) = self.size();
        nice_plug::editor::dpi::NativeSize::new(w, h)
    }

    fn resize_hint(&self) -> ResizeHint {
        resize_hint()
    }
}

fn resize_hint() -> ResizeHint {
    ResizeHint {
        size_constraints: SizeConstraints::Logical {
            min_size: Some(nice_plug::editor::dpi::LogicalSize::new(
                MIN_SIZE.0, MIN_SIZE.1,
            )),
            max_size: None,
        },
        ..ResizeHint::RESIZABLE
    }
}

/// The egui app: forwards to the shared [`Ui`] and records the window size.
struct App {
    ui: Arc<Mutex<Option<Ui>>>,
    size: Arc<std::sync::RwLock<(u32, u32)>>,
    /// Marked open while this window lives.
    link: Arc<Link>,
}

impl Drop for App {
    fn drop(&mut self) {
        self.link
            .open
            .store(false, std::sync::atomic::Ordering::Relaxed);
    }
}

impl NiceEguiApp for App {
    fn build(
        &mut self,
        _egui_ctx: egui::Context,
        gui: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        if let Ok(mut ui) = self.ui.lock() {
            if let Some(ui) = ui.as_mut() {
                ui.gui = Some(gui);
            }
        }
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        let mut moving = true;
        if let Ok(mut state) = self.ui.lock() {
            if let Some(state) = state.as_mut() {
                state.show(ui);
                moving = state.moving();
            }
        }
        // While meters fall or something changed, the next frame follows; otherwise the
        // window waits for a redraw request (sound, a parameter the host moved, input) and
        // looks at the console and the loader twice a second.
        let next = if moving { 33 } else { 500 };
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(next));
    }

    fn resized(&mut self, size: nice_plug_egui::baseview::WindowSize) {
        if let Ok(mut s) = self.size.write() {
            *s = (
                size.logical.width.round() as u32,
                size.logical.height.round() as u32,
            );
        }
    }
}
