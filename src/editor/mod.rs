//! The plugin window (egui): generated controls, the preset bar, the orchestra source with
//! compile, Csound's console, an on-screen keyboard (instrument) and output meters.
//!
//! The editor never touches the audio thread's engine: parameter changes go through the host
//! (`ParamSetter`), compiles through the [`Loader`](crate::engine::live::Loader), notes through
//! [`Link::keys`], and the meters come back through [`Link::peaks`].
//!
//! | Module | What it is for |
//! |---|---|
//! | [`window`] | the editor the host opens, and its egui window |
//! | [`link`] | what the audio thread and the editor share |
//! | `ui` | the window's state, tabs and per-frame polling |
//! | `controls` | the generated controls (knobs, toggles, menus) |
//! | `face` | the instrument's own face: its `<Cabbage>` layout |
//! | `widget_state` | what the orchestra changed in its widgets |
//! | `preset_bar` | presets: choose, step, save, import, export |
//! | [`export_panel`] | "Export plugin": the open orchestra as a plugin of its own |
//! | `export_window` | the window that asks for it |
//! | `face_show`, `look` | what the face shows: labels, images, keyboard, tables, sounds |
//! | `source_view` | the orchestra source, coloured, with Compile |
//! | `refusal` | a refused orchestra, and allowing it |
//! | `console` | Csound's messages |
//! | `keyboard` | the on-screen keyboard |
//! | `meters` | the output meters |
//! | `browser` | the in-window file browser |
//! | `theme` | the window's colours |

mod browser;
mod console;
mod controls;
pub mod export_panel;
mod export_window;
mod face;
mod face_show;
mod keyboard;
pub mod link;
mod look;
mod meters;
mod preset_bar;
mod refusal;
mod source_view;
#[cfg(test)]
mod tests;
mod theme;
mod ui;
mod widget_state;
pub mod window;

pub use link::Link;
pub use window::CsoundEditor;
