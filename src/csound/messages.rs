//! Csound's messages, captured instead of printed.
//!
//! Csound calls its message callback from whatever thread is inside the API: the audio thread
//! during a k-period (init errors, `prints`), a worker thread while compiling. So the callback
//! side must not allocate, lock or block: it copies the message, in fixed-size fragments, into a
//! bounded lock-free queue, and counts what did not fit. Lines are put back together on the
//! reading side, which may lock and allocate freely.
//!
//! ```no_run
//! # use csound_plugin::csound::Csound;
//! let mut cs = Csound::new()?;
//! let log = cs.messages(); // an Arc: hand it to a GUI or logging thread
//! cs.compile_orc("instr 1\n prints \"hello\\n\"\nendin")?;
//! for m in log.take() {
//!     println!("{:?}: {}", m.level, m.text);
//! }
//! # Ok::<(), csound_plugin::csound::Error>(())
//! ```

use crossbeam_queue::ArrayQueue;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Bytes of message text carried by one queue slot.
const FRAGMENT: usize = 240;
/// Queue slots: about 120 KiB of text between two reads.
const SLOTS: usize = 512;
/// Complete lines kept for a reader that has not taken them yet.
const BACKLOG: usize = 4096;
/// Lines kept for error reports (`recent`), whether taken or not.
const HISTORY: usize = 256;

/// The level Csound gave a message (`CSOUNDMSG_*` in `csound.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum MessageLevel {
    /// Ordinary information.
    Info,
    /// An error (syntax errors, init and performance errors).
    Error,
    /// Output of orchestra opcodes such as `prints`.
    Orchestra,
    /// Real-time performance information.
    Realtime,
    /// A warning.
    Warning,
    /// Text Csound meant for standard output.
    Stdout,
}

impl MessageLevel {
    /// Decodes the type bits of a Csound message attribute.
    pub(crate) fn from_attr(attr: i32) -> Self {
        match attr & 0x7000 {
            0x1000 => Self::Error,
            0x2000 => Self::Orchestra,
            0x3000 => Self::Realtime,
            0x4000 => Self::Warning,
            0x5000 => Self::Stdout,
            _ => Self::Info,
        }
    }
}

/// One line of Csound output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub level: MessageLevel,
    /// The line, without its newline.
    pub text: String,
}

/// A piece of a message as it crossed the queue.
struct Fragment {
    level: MessageLevel,
    len: u8,
    bytes: [u8; FRAGMENT],
}

/// The reading side's state: lines being assembled and lines not yet taken.
#[derive(Default)]
struct Reader {
    partial: Vec<u8>,
    partial_level: Option<MessageLevel>,
    backlog: VecDeque<Message>,
    history: VecDeque<(u64, Message)>,
    /// How many complete lines were ever assembled: a position in the history.
    lines: u64,
}

/// The message log of one Csound instance. Shared (`Arc`) between the instance, which writes
/// to it from Csound's callback, and any thread that reads it.
pub struct MessageLog {
    queue: ArrayQueue<Fragment>,
    /// Fragments lost because the queue was full.
    dropped: AtomicU64,
    reader: Mutex<Reader>,
}

impl Default for MessageLog {
    fn default() -> Self {
        Self {
            queue: ArrayQueue::new(SLOTS),
            dropped: AtomicU64::new(0),
            reader: Mutex::new(Reader::default()),
        }
    }
}

impl MessageLog {
    /// Adds a message. Called from Csound's message callback on any thread: copies, never
    /// allocates or blocks (lost if the log is full).
    pub fn push(&self, level: MessageLevel, text: &[u8]) {
        for chunk in text.chunks(FRAGMENT) {
            let mut fragment = Fragment {
                level,
                len: chunk.len() as u8,
                bytes: [0; FRAGMENT],
            };
            fragment.bytes[..chunk.len()].copy_from_slice(chunk);
            if self.queue.push(fragment).is_err() {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Adds a line of the host layer's own (e.g. an ignored option) to the log.
    pub(crate) fn note(&self, level: MessageLevel, text: &str) {
        self.push(level, text.as_bytes());
        self.push(level, b"\n");
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Reader> {
        // A panic while holding the lock leaves only text behind: keep going with it.
        self.reader.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves queued fragments into complete lines.
    fn collect(&self, reader: &mut Reader) {
        while let Some(f) = self.queue.pop() {
            for &b in &f.bytes[..f.len as usize] {
                // A line's level is its first fragment's, raised to Error if any part is one.
                let level = reader.partial_level.get_or_insert(f.level);
                if f.level == MessageLevel::Error {
                    *level = MessageLevel::Error;
                }
                if b == b'\n' {
                    let text = String::from_utf8_lossy(&reader.partial).into_owned();
                    let level = reader.partial_level.take().unwrap_or(f.level);
                    reader.partial.clear();
                    finish_line(reader, Message { level, text });
                } else {
                    reader.partial.push(b);
                }
            }
        }
    }

    /// Takes every complete line not taken yet, oldest first.
    pub fn take(&self) -> Vec<Message> {
        let mut reader = self.lock();
        self.collect(&mut reader);
        reader.backlog.drain(..).collect()
    }

    /// A position in the log: lines after it can be read back with [`MessageLog::since`].
    pub fn mark(&self) -> u64 {
        let mut reader = self.lock();
        self.collect(&mut reader);
        reader.lines
    }

    /// The recent lines (up to a few hundred) after `mark`, taken or not, including an
    /// unfinished last line.
    pub fn since(&self, mark: u64) -> Vec<Message> {
        let mut reader = self.lock();
        self.collect(&mut reader);
        let mut lines: Vec<Message> = reader
            .history
            .iter()
            .filter(|(n, _)| *n >= mark)
            .map(|(_, m)| m.clone())
            .collect();
        if !reader.partial.is_empty() {
            lines.push(Message {
                level: reader.partial_level.unwrap_or(MessageLevel::Info),
                text: String::from_utf8_lossy(&reader.partial).into_owned(),
            });
        }
        lines
    }

    /// How many message fragments were lost because nobody read the log in time.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

fn finish_line(reader: &mut Reader, message: Message) {
    if reader.backlog.len() == BACKLOG {
        reader.backlog.pop_front();
    }
    if reader.history.len() == HISTORY {
        reader.history.pop_front();
    }
    reader.history.push_back((reader.lines, message.clone()));
    reader.backlog.push_back(message);
    reader.lines += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_become_lines_with_their_level() {
        let log = MessageLog::default();
        log.push(MessageLevel::Error, b"INIT ERROR in instr 1 ");
        log.push(MessageLevel::Error, b"line 11:\nnext ");
        assert_eq!(
            log.take(),
            vec![Message {
                level: MessageLevel::Error,
                text: "INIT ERROR in instr 1 line 11:".into()
            }]
        );
        log.push(MessageLevel::Info, b"line\n");
        let next = log.take();
        assert_eq!(next[0].text, "next line");
        assert_eq!(
            next[0].level,
            MessageLevel::Error,
            "the line began in an error fragment"
        );
        log.push(MessageLevel::Info, b"a\nb\n");
        let two = log.take();
        assert_eq!(
            two.iter().map(|m| m.level).collect::<Vec<_>>(),
            [MessageLevel::Info; 2]
        );
    }

    #[test]
    fn long_messages_survive_fragmenting_and_a_full_queue_counts_drops() {
        let log = MessageLog::default();
        let long = "x".repeat(FRAGMENT * 3 + 7);
        log.note(MessageLevel::Warning, &long);
        assert_eq!(log.take()[0].text, long);
        for _ in 0..SLOTS + 10 {
            log.push(MessageLevel::Info, b"y");
        }
        assert_eq!(log.dropped(), 10);
    }

    #[test]
    fn since_sees_lines_already_taken() {
        let log = MessageLog::default();
        log.note(MessageLevel::Info, "before");
        let mark = log.mark();
        log.note(MessageLevel::Error, "after");
        assert_eq!(log.take().len(), 2);
        let since: Vec<_> = log.since(mark).into_iter().map(|m| m.text).collect();
        assert_eq!(since, ["after"]);
    }

    #[test]
    fn levels_decode_from_csound_attributes() {
        assert_eq!(MessageLevel::from_attr(0x1000 | 0x100), MessageLevel::Error);
        assert_eq!(MessageLevel::from_attr(0x4000), MessageLevel::Warning);
        assert_eq!(MessageLevel::from_attr(0), MessageLevel::Info);
    }
}
