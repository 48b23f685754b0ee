//! Telling a running engine process something after its load ([`Command`]), from the editor's
//! or the loader's thread (never the audio thread): one JSON line on its control stream.

use super::protocol::Command;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::Mutex;
use std::time::Duration;

/// The plugin's end of an engine's control stream, for commands.
#[derive(Debug)]
pub struct Commands {
    stream: Mutex<UnixStream>,
}

impl Commands {
    /// Commands go through `stream`; a write waits at most a second (the engine reads its
    /// control stream all the time; a stuck one is the watchdog's business).
    pub fn new(stream: UnixStream) -> Commands {
        let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
        Commands {
            stream: Mutex::new(stream),
        }
    }

    /// Sets a text channel of the running orchestra (at the engine's next block).
    pub fn set_string(&self, channel: &str, value: &str) -> std::io::Result<()> {
        let command = Command::SetString {
            channel: channel.to_string(),
            value: value.to_string(),
        };
        let mut line = serde_json::to_string(&command).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut stream = self
            .stream
            .lock()
            .map_err(|_| std::io::Error::other("the engine's control stream failed earlier"))?;
        stream.write_all(line.as_bytes())
    }
}
