//! The window's colours, named for what they mean.

use egui::Color32;

/// Errors: a failed compile, error lines in the console.
pub const ERROR: Color32 = Color32::LIGHT_RED;
/// Notices and warnings.
pub const NOTICE: Color32 = Color32::YELLOW;
/// Good news: the orchestra playing.
pub const GOOD: Color32 = Color32::LIGHT_GREEN;
/// Secondary text: line numbers, plain console lines.
pub const DIM: Color32 = Color32::GRAY;
/// The active part of a control (a knob's arc, a pressed key).
pub const ACCENT: Color32 = Color32::from_rgb(90, 160, 255);
