//! Cabbage 2's `identChannel`: what an orchestra writes into a widget's identifier channel
//! (`chnset "visible(0) text(\"Hi\")", "ident"`) reaches the plugin as widget changes, once
//! per new text, for widgets with a channel and for those without (labels, images).

mod common;

use csound_plugin::engine::remote::protocol::WidgetChange;
use csound_plugin::engine::transport::Transport;
use csound_plugin::engine::Engine;
use csound_plugin::orchestra::source::{Kind, Source};
use csound_plugin::orchestra::trust::TrustStore;

const CSD: &str = "<Cabbage>\nform size(300, 200)\n\
    rslider bounds(10, 10, 60, 60), channel(\"gain\"), range(0, 1, 0.5), identChannel(\"gainIdent\")\n\
    label bounds(10, 80, 100, 20), text(\"Status\"), identChannel(\"statusIdent\")\n\
    </Cabbage>\n<CsoundSynthesizer>\n<CsInstruments>\nksmps = 32\nnchnls = 2\n0dbfs = 1\n\
    instr 1\n\
     ; every k-period, the same text: reported once\n\
     chnset \"visible(0), pos(5, 6) colour(255, 0, 0)\", \"gainIdent\"\n\
     kcount init 0\n kcount += 1\n\
     if kcount == 4 then\n  chnset \"text(\\\"Playing\\\") size(120, 30)\", \"statusIdent\"\n endif\n\
    endin\n</CsInstruments>\n<CsScore>\ni 1 0 10\n</CsScore>\n</CsoundSynthesizer>\n";

#[test]
fn ident_channel_messages_reach_the_plugin_once_per_new_text() {
    let (mut engine, _) = Engine::load(
        &Source::text(CSD, "ident.csd"),
        48000.0,
        Kind::Instrument,
        &TrustStore::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    common::run_silent(&mut engine, 8, &Transport::default());
    let writes = engine.csound().widget_writes();
    let mut changes = Vec::new();
    let mut messages = 0;
    while let Some(write) = writes.pop() {
        messages += 1;
        changes.extend(WidgetChange::from_write(&write));
    }
    assert_eq!(messages, 2, "one message per new text: {changes:?}");
    let find = |channel: &str, identifier: &str| {
        changes
            .iter()
            .find(|c| c.channel == channel && c.identifier == identifier)
            .cloned()
            .unwrap_or_else(|| panic!("no {identifier} for {channel}: {changes:?}"))
    };
    assert_eq!(find("gain", "visible").numbers, [0.0]);
    assert_eq!(find("gain", "pos").numbers, [5.0, 6.0]);
    assert_eq!(find("gain", "colour").numbers, [255.0, 0.0, 0.0]);
    // A label has no channel: its identifier channel names it.
    assert_eq!(find("statusIdent", "text").text, "Playing");
    assert_eq!(find("statusIdent", "size").numbers, [120.0, 30.0]);
}
