//! The payload an export carries: files appended to the end of the plugin library.
//!
//! A shared library is loaded by its program headers, so bytes after its last section are
//! never mapped: an export is the generic library, unchanged, with its files after it. The
//! layout, from the end of the file backwards:
//!
//! ```text
//! library bytes | file 1 | file 2 | ... | manifest (JSON) | manifest length (u64 LE)
//!               | payload length (u64 LE, files + manifest) | MAGIC (16 bytes)
//! ```
//!
//! The manifest lists each file with its offset from the payload's start and its length. A
//! library without [`MAGIC`] at its end is the generic plugin. [`library_part`] gives the
//! library without any payload, so exporting from an export starts from clean bytes.

use sha2::Digest;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The last 16 bytes of an exported library.
pub const MAGIC: &[u8; 16] = b"CSOUND-PLUGIN-X1";

/// Manifest length, payload length, magic.
const TRAILER: u64 = 8 + 8 + 16;

/// One file in a payload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// Its path inside the export, `/`-separated and relative (`samples/kick.wav`).
    pub path: String,
    /// Where its bytes start, counted from the payload's start.
    pub offset: u64,
    pub length: u64,
    /// The SHA-256 of its bytes in hex: checked when unpacking, and part of the manifest, so the
    /// manifest's hash names the whole content.
    pub sha256: String,
}

/// A payload being put together.
#[derive(Debug, Default)]
pub struct Builder {
    bytes: Vec<u8>,
    entries: Vec<Entry>,
}

impl Builder {
    /// Adds a file (its path inside the export, and its bytes).
    pub fn add(&mut self, path: &str, data: &[u8]) {
        self.entries.push(Entry {
            path: path.to_string(),
            offset: self.bytes.len() as u64,
            length: data.len() as u64,
            sha256: super::hex(&sha2::Sha256::digest(data)),
        });
        self.bytes.extend_from_slice(data);
    }

    /// The files added so far.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The payload with `manifest` (which lists [`Self::entries`]) and the trailer: what is
    /// appended to a library.
    pub fn finish(mut self, manifest: &[u8]) -> Vec<u8> {
        self.bytes.extend_from_slice(manifest);
        let total = self.bytes.len() as u64;
        self.bytes
            .extend_from_slice(&(manifest.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(&total.to_le_bytes());
        self.bytes.extend_from_slice(MAGIC);
        self.bytes
    }
}

/// Where a payload sits in a library file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// The payload's first byte in the file (= the library's length).
    pub start: u64,
    /// Where the manifest starts in the file, and its length.
    pub manifest: (u64, u64),
}

/// Finds the payload of the library at `path`: `Ok(None)` for a library without one.
pub fn locate(path: &Path) -> std::io::Result<Option<Located>> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    if size < TRAILER {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(size - TRAILER))?;
    let mut trailer = [0u8; TRAILER as usize];
    file.read_exact(&mut trailer)?;
    if &trailer[16..] != MAGIC {
        return Ok(None);
    }
    let word = |at: usize| u64::from_le_bytes(trailer[at..at + 8].try_into().unwrap_or([0; 8]));
    let (manifest, total) = (word(0), word(8));
    let broken = || std::io::Error::new(std::io::ErrorKind::InvalidData, "damaged export payload");
    let start = (size - TRAILER).checked_sub(total).ok_or_else(broken)?;
    if manifest > total {
        return Err(broken());
    }
    Ok(Some(Located {
        start,
        manifest: (start + total - manifest, manifest),
    }))
}

/// Reads `length` bytes at `offset` of the file at `path`.
pub fn read_at(path: &Path, offset: u64, length: u64) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut data = Vec::new();
    file.take(length).read_to_end(&mut data)?;
    if data.len() as u64 != length {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the export payload is cut short",
        ));
    }
    Ok(data)
}

/// The library at `path` without any payload: the bytes an export starts from.
pub fn library_part(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = std::fs::read(path)?;
    if let Some(located) = locate(path)? {
        bytes.truncate(located.start as usize);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_reads_back_after_the_library_bytes() {
        let dir = std::env::temp_dir().join(format!("payload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lib.so");
        let mut builder = Builder::default();
        builder.add("a.csd", b"<CsoundSynthesizer>");
        builder.add("s/b.wav", &[0, 1, 2, 255]);
        let entries = builder.entries().to_vec();
        let mut file = b"\x7fELF library bytes".to_vec();
        file.extend(builder.finish(b"{\"m\":1}"));
        std::fs::write(&path, &file).unwrap();

        let located = locate(&path).unwrap().expect("a payload");
        assert_eq!(located.start, 18);
        let manifest = read_at(&path, located.manifest.0, located.manifest.1).unwrap();
        assert_eq!(manifest, b"{\"m\":1}");
        let b = &entries[1];
        let data = read_at(&path, located.start + b.offset, b.length).unwrap();
        assert_eq!(data, [0, 1, 2, 255]);
        assert_eq!(library_part(&path).unwrap(), b"\x7fELF library bytes");

        std::fs::write(&path, b"\x7fELF plain library").unwrap();
        assert_eq!(locate(&path).unwrap(), None);
        assert_eq!(library_part(&path).unwrap(), b"\x7fELF plain library");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_damaged_trailer_is_an_error_not_a_crash() {
        let dir = std::env::temp_dir().join(format!("payload-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lib.so");
        let mut file = vec![0u8; 4];
        file.extend_from_slice(&100u64.to_le_bytes());
        file.extend_from_slice(&1000u64.to_le_bytes());
        file.extend_from_slice(MAGIC);
        std::fs::write(&path, &file).unwrap();
        assert!(locate(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
