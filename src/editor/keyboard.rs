//! The on-screen keyboard (mouse, and the computer keyboard: A W S E D … K, Z/X octave).

use super::ui::*;
use crate::engine::events::MidiEvent;
use egui::{Color32, RichText};

impl Ui {
    pub(super) fn keyboard(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if ui
                .small_button("−")
                .on_hover_text("Octave down (Z)")
                .clicked()
            {
                self.octave = (self.octave - 1).max(0);
            }
            ui.label(format!("C{}", self.octave));
            if ui
                .small_button("+")
                .on_hover_text("Octave up (X)")
                .clicked()
            {
                self.octave = (self.octave + 1).min(8);
            }
            ui.label(
                RichText::new("Play with the mouse or the keys A W S E D F T G Y H U J K")
                    .weak()
                    .small(),
            );
        });
        let (rect, response) = ui.allocate_exact_size(
            egui::vec2(ui.available_width(), ui.available_height().max(40.0)),
            egui::Sense::click_and_drag(),
        );
        let first = (self.octave.clamp(0, 8) * 12 + 12) as u8; // C of the octave, MIDI
        let whites: Vec<u8> = (0..36u8)
            .map(|i| first.saturating_add(i))
            .filter(|k| !is_black(*k))
            .collect();
        let w = rect.width() / whites.len() as f32;
        let painter = ui.painter_at(rect);
        let mut key_rects: Vec<(u8, egui::Rect, bool)> = Vec::new();
        for (i, &key) in whites.iter().enumerate() {
            let r = egui::Rect::from_min_size(
                rect.min + egui::vec2(i as f32 * w, 0.0),
                egui::vec2(w - 1.0, rect.height()),
            );
            key_rects.push((key, r, false));
        }
        for (i, &key) in whites.iter().enumerate() {
            if key < 127 && is_black(key + 1) {
                let r = egui::Rect::from_min_size(
                    rect.min + egui::vec2((i as f32 + 0.65) * w, 0.0),
                    egui::vec2(w * 0.7, rect.height() * 0.6),
                );
                key_rects.push((key + 1, r, true));
            }
        }
        for (key, r, black) in &key_rects {
            let down = self.held[*key as usize & 127];
            let fill = match (black, down) {
                (_, true) => Color32::from_rgb(120, 170, 255),
                (false, false) => Color32::from_gray(235),
                (true, false) => Color32::from_gray(25),
            };
            painter.rect_filled(*r, 2.0, fill);
        }
        // Black keys lie on top: look them up first.
        let under = |pos: egui::Pos2| {
            key_rects
                .iter()
                .rev()
                .find(|(_, r, _)| r.contains(pos))
                .map(|(k, _, _)| *k)
        };
        let pointer = response.interact_pointer_pos();
        let pressed = ui.input(|i| i.pointer.primary_down());
        let target = if pressed {
            pointer.and_then(under)
        } else {
            None
        };
        if target != self.mouse_key {
            if let Some(old) = self.mouse_key.take() {
                self.note(old, false);
            }
            if let Some(new) = target {
                self.note(new, true);
                self.mouse_key = Some(new);
            }
        }
    }

    /// The computer keyboard plays notes when no text field has the focus.
    pub(super) fn computer_keyboard(&mut self, ui: &mut egui::Ui) {
        if ui.ctx().egui_wants_keyboard_input() || self.tab == Tab::Orchestra {
            return;
        }
        let events = ui.input(|i| i.events.clone());
        for event in events {
            let egui::Event::Key {
                key,
                pressed,
                repeat: false,
                ..
            } = event
            else {
                continue;
            };
            match (key, pressed) {
                (egui::Key::Z, true) => self.octave = (self.octave - 1).max(0),
                (egui::Key::X, true) => self.octave = (self.octave + 1).min(8),
                _ => {
                    if let Some(semitone) = semitone(key) {
                        let k = (self.octave * 12 + 12 + semitone).clamp(0, 127) as u8;
                        self.note(k, pressed);
                    }
                }
            }
        }
    }

    pub(super) fn note(&mut self, key: u8, on: bool) {
        let key = key & 127;
        if self.held[key as usize] == on {
            return;
        }
        self.held[key as usize] = on;
        let event = if on {
            MidiEvent::NoteOn {
                at: 0,
                channel: 0,
                key,
                velocity: 0.8,
            }
        } else {
            MidiEvent::NoteOff {
                at: 0,
                channel: 0,
                key,
            }
        };
        let _ = self.link.keys.push(event);
    }
}

pub(super) fn is_black(key: u8) -> bool {
    matches!(key % 12, 1 | 3 | 6 | 8 | 10)
}

/// The semitone above C a computer key plays (a piano row on A..K, sharps on W E T Y U).
pub(super) fn semitone(key: egui::Key) -> Option<i32> {
    use egui::Key::*;
    Some(match key {
        A => 0,
        W => 1,
        S => 2,
        E => 3,
        D => 4,
        F => 5,
        T => 6,
        G => 7,
        Y => 8,
        H => 9,
        U => 10,
        J => 11,
        K => 12,
        _ => return None,
    })
}
