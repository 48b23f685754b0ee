//! A Cabbage face drawn as its author declared it, looked at under Xvfb: the author's colours
//! are found at the widgets' places (form, label, shapes, a picture file, checkbox, button,
//! combobox), the combobox shows its `text()` entry by name and a label `cabbageCreate` made
//! shows its text (OCR), the keyboard has black keys, and the gentable follows the table the
//! orchestra rewrites. Needs `Xvfb`, `xwd`, netpbm and `tesseract` (scripts/setup-system.sh).
#![cfg(feature = "standalone")]

mod common;
use common::scratch;
use common::screen::{screenshot, xvfb, Running};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FACE: &str = r#"<Cabbage>
form caption("Colours") size(400, 430), colour(10, 60, 110)
label bounds(10, 10, 180, 30), text("HELLO FACE"), colour(200, 30, 160), fontColour(255, 255, 0), fontSize(20)
image bounds(210, 10, 80, 40), colour(30, 200, 60)
image bounds(300, 10, 90, 40), file("picture.png")
combobox bounds(10, 60, 180, 30), channel("scale"), text("equal", "pythagorean", "just"), value(2), colour(250, 250, 250), fontColour(0, 0, 0)
checkbox bounds(210, 60, 30, 30), channel("on"), value(1), colour:1(220, 20, 20)
button bounds(250, 60, 140, 30), channel("go"), text("OFF", "ON"), colour:0(40, 40, 200), fontColour(255, 255, 255)
gentable bounds(10, 110, 380, 80), tableNumber(1), colour(0, 0, 0), trackerColour(0, 255, 255)
keyboard bounds(10, 200, 380, 80)
soundfiler bounds(10, 350, 180, 60), file("tone.wav"), colour(0, 0, 0), trackerColour(255, 200, 0)
rslider bounds(300, 350, 70, 70), channel("knob"), range(0, 1, 0.5), colour(0, 120, 255), trackerColour(255, 80, 0)
</Cabbage>
<CsoundSynthesizer>
<CsInstruments>
ksmps = 32
nchnls = 2
0dbfs = 1
gisine ftgen 1, 0, 1024, 10, 1
instr 1
 cabbageCreate "label", {{bounds(10, 300, 380, 40), channel("made"), text("CREATED LABEL"), colour(90, 20, 20), fontColour(255, 255, 255), fontSize(20)}}
endin
instr 2
 ; The table becomes a ramp over its first half and silence over the second.
 indx = 0
 while indx < 1024 do
  tableiw indx < 512 ? indx / 512 : 0, indx, 1
  indx += 1
 od
endin
</CsInstruments>
<CsScore>
i 1 0.2 0.1
i 2 20 0.1
</CsScore>
</CsoundSynthesizer>
"#;

/// Pixels of `rgb` (within 4 per channel) in a part of the screen.
fn count(
    shot: &(usize, usize, Vec<u8>),
    (x0, y0, x1, y1): (usize, usize, usize, usize),
    rgb: [u8; 3],
) -> usize {
    let (w, _, pixels) = shot;
    let mut n = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = &pixels[(y * w + x) * 3..][..3];
            if p.iter().zip(rgb).all(|(a, b)| a.abs_diff(b) <= 4) {
                n += 1;
            }
        }
    }
    n
}

/// What OCR reads in a part of the screen, made black on white first (the part's most common
/// colour is the background; anything far from it is ink), three times the size.
fn read(
    shot: &(usize, usize, Vec<u8>),
    (x0, y0, x1, y1): (usize, usize, usize, usize),
    file: &std::path::Path,
) -> String {
    let (w, _, pixels) = shot;
    let at = |x: usize, y: usize| &pixels[(y * w + x) * 3..][..3];
    let mut seen: Vec<[u8; 3]> = (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .map(|(x, y)| {
            let p = at(x, y);
            [p[0], p[1], p[2]]
        })
        .collect();
    seen.sort_unstable();
    let background = seen
        .chunk_by(|a, b| a == b)
        .max_by_key(|run| run.len())
        .map_or([0; 3], |run| run[0]);
    let (cw, ch) = ((x1 - x0) * 3, (y1 - y0) * 3);
    let mut pgm = format!("P5\n{cw} {ch}\n255\n").into_bytes();
    for y in 0..ch {
        for x in 0..cw {
            let p = at(x0 + x / 3, y0 + y / 3);
            let far = p
                .iter()
                .zip(background)
                .map(|(a, b)| a.abs_diff(b) as u32)
                .sum::<u32>()
                > 120;
            pgm.push(if far { 0 } else { 255 });
        }
    }
    std::fs::write(file, pgm).unwrap();
    let out = common::screen::tool("tesseract")
        .args([file.to_str().unwrap(), "-", "--psm", "7"])
        .output()
        .expect("tesseract runs (tesseract-ocr)");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Where the form lies on the screen: the box of its background colour's pixels.
fn form(shot: &(usize, usize, Vec<u8>)) -> Option<(f32, f32, f32)> {
    let (w, _, pixels) = shot;
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (i, p) in pixels.chunks_exact(3).enumerate() {
        if p == [10, 60, 110] {
            let (x, y) = (i % w, i / w);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    (x0 != usize::MAX && x1 > x0 + 100)
        .then(|| (x0 as f32, y0 as f32, (x1 - x0 + 1) as f32 / 400.0))
}

#[test]
fn a_cabbage_face_is_drawn_in_its_authors_colours_and_follows_its_tables() {
    let dir = scratch("face-colours");
    let csd = dir.join("face.csd");
    std::fs::write(&csd, FACE).unwrap();
    {
        let file = std::fs::File::create(dir.join("picture.png")).unwrap();
        let mut encoder = png::Encoder::new(file, 4, 4);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[128, 0, 255].repeat(16)).unwrap();
    }
    {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 48000,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut wav = hound::WavWriter::create(dir.join("tone.wav"), spec).unwrap();
        for i in 0..48000 {
            wav.write_sample((i as f32 * 0.01).sin() * 0.8).unwrap();
        }
        wav.finalize().unwrap();
    }
    let (_server, display) = xvfb();
    let app = Command::new(env!("CARGO_BIN_EXE_csound-plugin-standalone"))
        .args(["--backend", "dummy", "--orchestra", csd.to_str().unwrap()])
        .env("DISPLAY", &display)
        .env("CSOUND_PLUGIN_HOME", dir.join("home"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the standalone build runs");
    let _app = Running(app);
    let ppm = dir.join("face.ppm");
    let started = Instant::now();
    // A widget's part of the screen, from its bounds in the form.
    let place = |f: (f32, f32, f32), (x, y, w, h): (f32, f32, f32, f32)| {
        let at = |v: f32, o: f32| (o + v * f.2) as usize;
        (
            at(x + 3.0, f.0),
            at(y + 3.0, f.1),
            at(x + w - 3.0, f.0),
            at(y + h - 3.0, f.1),
        )
    };
    let table = |f, half: f32| place(f, (10.0 + half * 190.0, 110.0, 190.0, 80.0));
    let cyan = [0, 255, 255];
    // The face drawn, the created label on it, and the table as it starts (a sine: ink in both
    // halves).
    let (shot, f) = loop {
        let shot = screenshot(&display, &ppm);
        let mut seen = None;
        if let Some(f) = form(&shot) {
            let created = count(&shot, place(f, (10.0, 300.0, 380.0, 40.0)), [90, 20, 20]);
            let ink = count(&shot, table(f, 1.0), cyan);
            if created > 0 && ink > 100 {
                break (shot, f);
            }
            seen = Some((f, created, ink));
        }
        assert!(
            started.elapsed() < Duration::from_secs(18),
            "the face was not drawn in time (form, created label, table ink: {seen:?})"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let area = |(x0, y0, x1, y1): (usize, usize, usize, usize)| (x1 - x0) * (y1 - y0);
    for (what, bounds, rgb, share) in [
        ("label", (10.0, 10.0, 180.0, 30.0), [200, 30, 160], 0.3),
        (
            "image colour",
            (210.0, 10.0, 80.0, 40.0),
            [30, 200, 60],
            0.9,
        ),
        ("image file", (300.0, 10.0, 90.0, 40.0), [128, 0, 255], 0.9),
        ("checkbox on", (210.0, 60.0, 30.0, 30.0), [220, 20, 20], 0.3),
        ("button off", (250.0, 60.0, 140.0, 30.0), [40, 40, 200], 0.3),
        ("combobox", (10.0, 60.0, 180.0, 30.0), [250, 250, 250], 0.3),
        ("gentable", (10.0, 110.0, 380.0, 80.0), [0, 0, 0], 0.3),
        (
            "soundfiler's waveform",
            (10.0, 350.0, 180.0, 60.0),
            [255, 200, 0],
            0.3,
        ),
        ("knob body", (300.0, 350.0, 70.0, 55.0), [0, 120, 255], 0.1),
    ] {
        let part = place(f, bounds);
        let found = count(&shot, part, rgb);
        assert!(
            found as f32 >= share * area(part) as f32,
            "{what}: {found} of {} pixels are {rgb:?}",
            area(part)
        );
    }
    let keys = place(f, (10.0, 200.0, 380.0, 80.0));
    assert!(count(&shot, keys, [20, 20, 20]) > 50, "black keys");
    assert!(count(&shot, keys, [245, 245, 245]) > 500, "white keys");
    for (words, bounds) in [
        ("HELLO FACE", (10.0, 10.0, 180.0, 30.0)),
        ("pythagorean", (10.0, 60.0, 180.0, 30.0)),
        ("CREATED LABEL", (10.0, 300.0, 380.0, 40.0)),
    ] {
        let text = read(&shot, place(f, bounds), &dir.join("part.pgm"));
        assert!(text.contains(words), "{words} missing; OCR read: {text}");
    }
    // The orchestra rewrites the table at 20 s: ink in its first half only.
    loop {
        let shot = screenshot(&display, &ppm);
        if count(&shot, table(f, 1.0), cyan) < 20 && count(&shot, table(f, 0.0), cyan) > 100 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the gentable did not follow its table"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
