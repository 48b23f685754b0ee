//! How the face draws what a Cabbage author declared beyond plain controls: the keyboard with its black keys and held notes, a gentable's table,
//! a soundfiler's sound, an image's picture, and the files a combobox lists (`populate`).
//!
//! Pictures and sounds are read from disk once per file (beside the orchestra, for relative
//! names) and kept ([`Media`]); a table's shape comes from the engine as it changes.

use crate::csound::opcodes::wildcard;
use egui::{Color32, Pos2, Rect, Vec2};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A function table as the engine sent it: its length, range and shape in buckets.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TableShape {
    pub(super) len: usize,
    pub(super) low: f64,
    pub(super) high: f64,
    /// Each bucket's lowest and highest value, 0..255 between `low` and `high`.
    pub(super) buckets: Vec<(u8, u8)>,
}

impl TableShape {
    /// The table number and shape a `table` widget change carries (number, length, low, high,
    /// then the buckets' bytes).
    pub(super) fn from_numbers(numbers: &[f64]) -> Option<(u32, TableShape)> {
        let [number, len, low, high, bytes @ ..] = numbers else {
            return None;
        };
        let buckets = bytes
            .chunks_exact(2)
            .map(|p| (p[0] as u8, p[1] as u8))
            .collect();
        let shape = TableShape {
            len: *len as usize,
            low: *low,
            high: *high,
            buckets,
        };
        Some((*number as u32, shape))
    }
}

/// Draws min/max buckets (0..255 each) as a filled outline centred on `zero` (0..255 too).
pub(super) fn outline(
    painter: &egui::Painter,
    rect: Rect,
    buckets: &[(u8, u8)],
    zero: u8,
    colour: Color32,
) {
    if buckets.is_empty() {
        return;
    }
    let y = |v: u8| rect.max.y - rect.height() * v as f32 / 255.0;
    let w = rect.width() / buckets.len() as f32;
    // One mesh of bars side by side: no edge feathering between neighbours, so the ink keeps
    // its colour at any width.
    let mut mesh = egui::Mesh::default();
    for (i, (low, high)) in buckets.iter().enumerate() {
        let x = rect.min.x + i as f32 * w;
        let (top, bottom) = (y(*high).min(y(zero)), y(*low).max(y(zero)));
        let bar = Rect::from_min_max(Pos2::new(x, top), Pos2::new(x + w, bottom.max(top + 1.0)));
        mesh.add_colored_rect(bar, colour);
    }
    painter.add(egui::Shape::mesh(mesh));
}

/// Draws a table: filled from its zero line (or its lowest value) to each bucket.
pub(super) fn table(painter: &egui::Painter, rect: Rect, shape: &TableShape, colour: Color32) {
    let span = (shape.high - shape.low).max(f64::MIN_POSITIVE);
    let zero = ((0.0f64.clamp(shape.low, shape.high) - shape.low) / span * 255.0).round() as u8;
    outline(painter, rect, &shape.buckets, zero, colour);
}

/// Whether a MIDI key is a black key.
pub(super) fn is_black(key: u8) -> bool {
    matches!(key % 12, 1 | 3 | 6 | 8 | 10)
}

/// The keys of a keyboard widget from `lowest`, white ones filling its width about `key_width`
/// wide, black ones over them: (key, rectangle, black), black ones last (drawn on top).
pub(super) fn keys(rect: Rect, lowest: u8, key_width: f32) -> Vec<(u8, Rect, bool)> {
    let count = (rect.width() / key_width.max(4.0)).floor().max(7.0) as usize;
    let whites: Vec<u8> = (lowest..=127)
        .filter(|k| !is_black(*k))
        .take(count)
        .collect();
    let w = rect.width() / whites.len().max(1) as f32;
    let mut out: Vec<(u8, Rect, bool)> = whites
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            let r = Rect::from_min_size(
                rect.min + Vec2::new(i as f32 * w, 0.0),
                Vec2::new(w - 1.0, rect.height()),
            );
            (k, r, false)
        })
        .collect();
    for (i, &k) in whites.iter().enumerate() {
        if k < 127 && is_black(k + 1) && i + 1 < whites.len() {
            let r = Rect::from_min_size(
                rect.min + Vec2::new((i as f32 + 0.65) * w, 0.0),
                Vec2::new(w * 0.7, rect.height() * 0.6),
            );
            out.push((k + 1, r, true));
        }
    }
    out
}

/// Pictures and sound outlines read from disk, by file, and folder listings.
#[derive(Default)]
pub(super) struct Media {
    images: HashMap<PathBuf, Option<egui::TextureHandle>>,
    sounds: HashMap<PathBuf, Option<Vec<(u8, u8)>>>,
    listings: HashMap<(PathBuf, String), Vec<String>>,
}

impl Media {
    /// The picture in `path` (PNG or JPEG), as a texture; `None` when it cannot be read.
    pub(super) fn image(
        &mut self,
        ctx: &egui::Context,
        path: &Path,
    ) -> Option<&egui::TextureHandle> {
        self.images
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let data = std::fs::read(path).ok()?;
                let image = decode_picture(&data)?;
                Some(ctx.load_texture(path.to_string_lossy(), image, egui::TextureOptions::LINEAR))
            })
            .as_ref()
    }

    /// The outline of the sound in `path` (a WAV file): 512 buckets, 0..255 around 128.
    pub(super) fn sound(&mut self, path: &Path) -> Option<&[(u8, u8)]> {
        self.sounds
            .entry(path.to_path_buf())
            .or_insert_with(|| sound_outline(path))
            .as_deref()
    }

    /// The files in `folder` named like `pattern` (`*.wav`), by name, sorted.
    pub(super) fn listing(&mut self, folder: &Path, pattern: &str) -> &[String] {
        self.listings
            .entry((folder.to_path_buf(), pattern.to_string()))
            .or_insert_with(|| {
                let mut names: Vec<String> = std::fs::read_dir(folder)
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter(|n| pattern.is_empty() || wildcard(pattern.as_bytes(), n.as_bytes()))
                    .collect();
                names.sort();
                names
            })
    }
}

/// A PNG or JPEG picture's pixels.
pub(super) fn decode_picture(data: &[u8]) -> Option<egui::ColorImage> {
    if data.starts_with(b"\x89PNG") {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(data));
        decoder.set_transformations(
            png::Transformations::normalize_to_color8() | png::Transformations::ALPHA,
        );
        let mut reader = decoder.read_info().ok()?;
        let mut buf = vec![0; reader.output_buffer_size()?];
        let info = reader.next_frame(&mut buf).ok()?;
        let bytes = &buf[..info.buffer_size()];
        let size = [info.width as usize, info.height as usize];
        return match info.color_type {
            png::ColorType::Rgba => Some(egui::ColorImage::from_rgba_unmultiplied(size, bytes)),
            png::ColorType::GrayscaleAlpha => {
                let rgba: Vec<u8> = bytes
                    .chunks_exact(2)
                    .flat_map(|p| [p[0], p[0], p[0], p[1]])
                    .collect();
                Some(egui::ColorImage::from_rgba_unmultiplied(size, &rgba))
            }
            _ => None,
        };
    }
    use zune_jpeg::zune_core::{
        bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions,
    };
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGBA);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(data), options);
    let pixels = decoder.decode().ok()?;
    let (w, h) = decoder.dimensions()?;
    (pixels.len() == w * h * 4).then(|| egui::ColorImage::from_rgba_unmultiplied([w, h], &pixels))
}

/// A WAV file's outline: each of 512 buckets' lowest and highest sample (all channels), 0..255
/// for -1..1.
fn sound_outline(path: &Path) -> Option<Vec<(u8, u8)>> {
    let mut reader = hound::WavReader::open(path).ok()?;
    let spec = reader.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().filter_map(Result::ok).collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.max(1) - 1)) as f32;
            reader
                .samples::<i32>()
                .filter_map(Result::ok)
                .map(|s| s as f32 * scale)
                .collect()
        }
    };
    const BUCKETS: usize = 512;
    let byte = |v: f32| ((v.clamp(-1.0, 1.0) + 1.0) * 127.5).round() as u8;
    let per = samples.len().div_ceil(BUCKETS).max(1);
    Some(
        samples
            .chunks(per)
            .map(|c| {
                let (lo, hi) = c
                    .iter()
                    .fold((f32::MAX, f32::MIN), |(l, h), s| (l.min(*s), h.max(*s)));
                (byte(lo), byte(hi))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_decode_and_keyboards_have_black_keys() {
        // A 2x1 PNG: red, then half-transparent blue.
        let mut png = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut png, 2, 1);
            encoder.set_color(png::ColorType::Rgba);
            let mut writer = encoder.write_header().unwrap();
            writer
                .write_image_data(&[255, 0, 0, 255, 0, 0, 255, 128])
                .unwrap();
        }
        let image = decode_picture(&png).expect("a PNG");
        assert_eq!(image.size, [2, 1]);
        assert_eq!(image.pixels[0], Color32::from_rgb(255, 0, 0));
        assert_eq!(
            image.pixels[1],
            Color32::from_rgba_unmultiplied(0, 0, 255, 128)
        );
        let all = keys(
            Rect::from_min_size(Pos2::ZERO, Vec2::new(140.0, 40.0)),
            60,
            20.0,
        );
        let blacks: Vec<u8> = all.iter().filter(|k| k.2).map(|k| k.0).collect();
        assert_eq!(blacks, [61, 63, 66, 68, 70]);
    }
}
