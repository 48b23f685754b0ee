//! The editor's logic, run headless: egui frames without a window.

use super::controls::knob;
use super::keyboard::semitone;
use super::link::Link;
use super::source_view::highlight;
use super::ui::*;
use crate::csound::{Message, MessageLevel};
use crate::engine::events::MidiEvent;
use crate::engine::live::Loader;
use crate::orchestra::source::Kind;
use crate::params::PluginParams;
use egui::Color32;
use std::sync::atomic::Ordering;
use std::sync::Arc;

#[test]
fn highlighting_keeps_the_text_and_marks_the_error_line() {
    let text = "<CsInstruments>\ninstr 1 ; hi\n a1 oscili 0.1, \"x\"\nendin\n";
    let job = highlight(text, Some(3));
    assert_eq!(job.text, text, "colouring must not change the text");
    let red: Vec<&str> = job
        .sections
        .iter()
        .filter(|s| s.format.background != Color32::TRANSPARENT)
        .map(|s| &job.text[s.byte_range.start.0..s.byte_range.end.0])
        .collect();
    assert_eq!(red.concat(), " a1 oscili 0.1, \"x\"\n");
}

/// Runs frames of a knob (value 0.5, default 0.25) headless, one list of events per frame;
/// returns what the knob reported over all frames: (last value set, reset value).
fn drive_knob(frames: &[Vec<egui::Event>], shift: bool) -> (Option<f32>, Option<f32>) {
    let ctx = egui::Context::default();
    let (mut value, mut reset) = (None, None);
    for (i, events) in frames.iter().enumerate() {
        let modifiers = egui::Modifiers {
            shift,
            ..Default::default()
        };
        let mut events = events.clone();
        events.insert(0, egui::Event::ModifiersChanged(modifiers));
        let input = egui::RawInput {
            time: Some(i as f64 * 0.05),
            events,
            ..Default::default()
        };
        let mut output = ctx.run_ui(input, |ui| {
            let r = knob(ui, 0.5, 0.25);
            value = r.value.or(value);
            reset = r.reset.or(reset);
        });
        // Nothing draws here: the font textures are dropped unapplied on purpose.
        output.textures_delta.clear();
    }
    (value, reset)
}

fn pointer(pos: egui::Pos2, pressed: Option<bool>) -> Vec<egui::Event> {
    let mut events = vec![egui::Event::PointerMoved(pos)];
    if let Some(pressed) = pressed {
        events.push(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: Default::default(),
        });
    }
    events
}

#[test]
fn knobs_drag_finely_with_shift_and_reset_on_double_click() {
    // The knob is the first widget: inside the panel's top-left corner.
    let at = egui::pos2(30.0, 30.0);
    let up = |dy: f32| egui::pos2(30.0, 30.0 - dy);
    let drag = vec![
        vec![],
        pointer(at, Some(true)),
        pointer(up(10.0), None),
        pointer(up(40.0), None),
        pointer(up(40.0), Some(false)),
    ];
    let (coarse, _) = drive_knob(&drag, false);
    let (fine, _) = drive_knob(&drag, true);
    let coarse = coarse.expect("dragging moves the value") - 0.5;
    let fine = fine.expect("dragging moves the value") - 0.5;
    assert!(coarse > 0.0 && fine > 0.0, "up raises: {coarse} {fine}");
    assert!(
        (coarse / fine - 10.0).abs() < 0.5,
        "Shift makes steps ten times finer: {coarse} / {fine}"
    );
    let double = vec![
        vec![],
        pointer(at, Some(true)),
        pointer(at, Some(false)),
        pointer(at, Some(true)),
        pointer(at, Some(false)),
    ];
    assert_eq!(
        drive_knob(&double, false).1,
        Some(0.25),
        "back to the default"
    );
    assert_eq!(drive_knob(&drag, false).1, None, "a drag is not a reset");
}

fn ui_for_tests() -> Ui {
    let params = Arc::new(PluginParams::new());
    let (loader, _player) = Loader::new(params.clone(), Kind::Instrument);
    Ui::new(
        Kind::Instrument,
        params,
        Arc::new(loader),
        Arc::new(Link::default()),
    )
}

#[test]
fn the_console_filters_by_level_and_text() {
    let mut ui = ui_for_tests();
    let line = |level, text: &str| Message {
        level,
        text: text.into(),
    };
    ui.console = vec![
        line(MessageLevel::Error, "INIT ERROR in instr 1 line 12"),
        line(MessageLevel::Warning, "WARNING: table 3 not found"),
        line(MessageLevel::Info, "new alloc for instr 1"),
    ];
    let shown = |ui: &Ui| {
        ui.visible_lines()
            .map(|m| m.text.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(shown(&ui).len(), 3);
    ui.console_filter = "INSTR 1".into();
    assert_eq!(shown(&ui).len(), 2, "case-insensitive text filter");
    ui.show_levels[0] = false;
    assert_eq!(shown(&ui), ["new alloc for instr 1"]);
}

#[test]
fn the_keyboard_sends_each_note_on_and_off_once() {
    let mut ui = ui_for_tests();
    let key = (ui.octave * 12 + 12 + semitone(egui::Key::E).unwrap()) as u8;
    assert_eq!(key, 63, "the E key plays E-flat 4");
    ui.note(key, true);
    ui.note(key, true); // held: no second note-on
    ui.note(key, false);
    let sent: Vec<MidiEvent> = std::iter::from_fn(|| ui.link.keys.pop()).collect();
    assert!(matches!(
        sent[..],
        [
            MidiEvent::NoteOn { key: 63, .. },
            MidiEvent::NoteOff { key: 63, .. }
        ]
    ));
}

#[test]
fn meters_keep_the_peak_until_read() {
    let link = Link::default();
    let mut l = vec![0.1f32, -0.7];
    let mut r = vec![0.2f32, 0.3];
    link.meter(&[&mut l, &mut r]);
    let mut quiet = vec![0.0f32; 2];
    let mut quiet2 = vec![0.0f32; 2];
    link.meter(&[&mut quiet, &mut quiet2]);
    assert_eq!(link.peaks[0].load(Ordering::Relaxed), 0.7);
    assert_eq!(link.peaks[1].load(Ordering::Relaxed), 0.3);
}

#[test]
fn what_the_orchestra_changes_in_a_widget_is_drawn_over_its_layout() {
    use super::widget_state::WidgetState;
    use crate::engine::remote::protocol::WidgetChange;
    use crate::orchestra::cabbage::{read, Bounds, Colour};
    let layout = read(
        "<Cabbage>\nrslider bounds(1, 2, 30, 40), channel(\"gain\"), \
                       range(0, 1, 0.5), text(\"Gain\")\n</Cabbage>",
    )
    .unwrap()
    .unwrap();
    let change = |identifier: &str, numbers: &[f64], text: &str| WidgetChange {
        channel: "gain".into(),
        identifier: identifier.into(),
        numbers: numbers.to_vec(),
        text: text.into(),
    };
    let mut state = WidgetState::default();
    assert_eq!(
        state.record(&change("value", &[0.75], "")),
        Some(0.75),
        "for the host"
    );
    assert_eq!(state.record(&change("visible", &[0.0], "")), None);
    state.record(&change("text", &[], "Level"));
    state.record(&change("colour", &[255.0, 0.0, 0.0], ""));
    state.record(&change("bounds", &[5.0, 6.0, 70.0, 80.0], ""));
    let drawn = state.apply(&layout.widgets[0]);
    assert!(!drawn.visible);
    assert_eq!(drawn.text, ["Level"]);
    assert_eq!(drawn.colour, Some(Colour([255, 0, 0, 255])));
    assert_eq!(
        drawn.bounds,
        Bounds {
            x: 5.0,
            y: 6.0,
            width: 70.0,
            height: 80.0
        }
    );
    assert_eq!(
        drawn.ranges[0].default, 0.75,
        "an unbound widget shows Csound's value"
    );
    assert_eq!(
        layout.widgets[0].text,
        ["Gain"],
        "the layout itself is kept"
    );
}

#[test]
fn an_ident_channels_pos_and_size_each_keep_the_other() {
    use super::widget_state::WidgetState;
    use crate::engine::remote::protocol::WidgetChange;
    use crate::orchestra::cabbage::{read, Bounds};
    let layout = read(
        "<Cabbage>\nlabel bounds(1, 2, 30, 40), text(\"Status\"), identChannel(\"id\")\n</Cabbage>",
    )
    .unwrap()
    .unwrap();
    let change = |identifier: &str, numbers: &[f64]| WidgetChange {
        channel: "id".into(),
        identifier: identifier.into(),
        numbers: numbers.to_vec(),
        text: String::new(),
    };
    let mut state = WidgetState::default();
    state.record(&change("pos", &[5.0, 6.0]));
    let moved = |state: &WidgetState| state.apply(&layout.widgets[0]).bounds;
    assert_eq!(
        moved(&state),
        Bounds {
            x: 5.0,
            y: 6.0,
            width: 30.0,
            height: 40.0
        }
    );
    state.record(&change("size", &[70.0, 80.0]));
    assert_eq!(
        moved(&state),
        Bounds {
            x: 5.0,
            y: 6.0,
            width: 70.0,
            height: 80.0
        }
    );
    state.record(&change("fontcolour", &[0.0, 255.0, 0.0]));
    assert!(state.apply(&layout.widgets[0]).font_colour.is_some());
}

#[test]
fn an_orchestra_kept_as_text_is_not_named_after_a_built_in_one() {
    use crate::orchestra::factory;
    use crate::params::state::{OrchestraState, UNNAMED};
    let ui = ui_for_tests();
    assert_eq!(
        ui.running().1,
        factory::default_orchestra(Kind::Instrument).file,
        "nothing saved: the built-in one"
    );
    let custom = "<CsoundSynthesizer>\n<CsInstruments>\ninstr 1\nendin\n</CsInstruments>\n</CsoundSynthesizer>\n";
    ui.params.set_orchestra(OrchestraState {
        text: Some(custom.into()),
        ..OrchestraState::default()
    });
    assert_eq!(ui.running(), (custom.to_string(), UNNAMED.to_string()));
    let built_in = factory::orchestras(Kind::Instrument)
        .nth(1)
        .expect("a second one");
    ui.params.set_orchestra(OrchestraState {
        text: Some(built_in.text.into()),
        ..OrchestraState::default()
    });
    assert_eq!(
        ui.running().1,
        built_in.file,
        "a built-in text keeps its name"
    );
}

#[test]
fn a_widget_kept_out_of_presets_is_not_captured() {
    use crate::orchestra::cabbage;
    let ui = ui_for_tests();
    let layout = cabbage::read(
        "<Cabbage>\nrslider channel(\"kept\"), range(0, 1, 0.5)\n\
         rslider channel(\"left\"), range(0, 1, 0.5), presetIgnore(1)\n</Cabbage>",
    )
    .unwrap()
    .unwrap();
    let specs = cabbage::parameters(&layout);
    ui.params.set_specs(&specs, &[Some(0), Some(1)]);
    ui.params.set_layout(Some(layout));
    let preset = ui.capture("Mine");
    let captured: Vec<&str> = preset.values.keys().map(String::as_str).collect();
    assert_eq!(captured, ["kept"]);
}
