//! Cabbage 2's `identChannel`: an orchestra changes a widget by writing identifier text into
//! the widget's string channel (`chnset "visible(0) text(\"Hi\")", "ident"`). The engine
//! watches those channels after every k-period ([`Csound::poll_idents`]) and reports a text
//! that changed as one `ident` [`WidgetWrite`], read off the audio thread.

use super::shared::{bytes, fingerprint, queue, WidgetWrite};
use crate::csound::error::Result;
use crate::csound::{sys, Csound};
use std::ffi::c_int;

/// One watched identifier channel.
#[derive(Debug)]
pub struct IdentWatch {
    /// The channel's data inside Csound (valid until the engine is reset or destroyed, which
    /// clears the watches first).
    data: *mut sys::STRINGDAT,
    /// The record sent when the text changes: the widget's key, `ident`, and the text.
    write: WidgetWrite,
    /// A hash of the text last seen.
    last: u64,
}

// SAFETY: `data` is only read by the `Csound` owning the watch, through `&mut self`.
unsafe impl Send for IdentWatch {}

impl Csound {
    /// Watches the string channel `ident` (created if needed) for the widget known as `widget`
    /// (its channel, or else its identifier channel). Its text as it stands now is not reported.
    pub fn watch_ident(&mut self, ident: &str, widget: &str) -> Result<()> {
        let kind = sys::controlChannelType_CSOUND_STRING_CHANNEL as c_int;
        let data = self.channel_data(ident, kind, "text")?;
        let data = data as *mut sys::STRINGDAT;
        // SAFETY: `data` is the channel Csound just gave; nothing performs during `&mut self`.
        let last = fingerprint(unsafe { bytes(data) });
        self.idents.push(IdentWatch {
            data,
            write: WidgetWrite::new(widget.as_bytes(), b"ident"),
            last,
        });
        Ok(())
    }

    /// Reports every watched identifier channel whose text changed since the last call. For the
    /// audio thread, after a k-period: no allocation, no lock (only the orchestra, performing on
    /// this thread, writes these channels).
    pub fn poll_idents(&mut self) {
        if self.idents.is_empty() {
            return;
        }
        // SAFETY: the engine is live; the queue outlives it.
        let Some(queue) = (unsafe { queue(self.api, self.raw()) }) else {
            return;
        };
        for watch in &mut self.idents {
            // SAFETY: the watch is cleared at reset, so `data` is this engine's live channel;
            // nothing performs while we hold `&mut self`.
            let bytes = unsafe { bytes(watch.data) };
            let now = fingerprint(bytes);
            if now != watch.last {
                watch.last = now;
                let mut write = watch.write;
                write.set_text(bytes);
                let _ = queue.push(write);
            }
        }
    }
}
