//! Renders a CSD through the host layer (host-implemented audio, as a plugin does) and prints
//! what it heard. `cargo run --example play_csd -- path/to/file.csd`

use csound_plugin::csound::{Csound, Perform};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: play_csd FILE.csd");
        std::process::exit(2);
    };
    let mut cs = match Csound::new() {
        Ok(cs) => cs,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = cs.compile_csd_file(&path).and_then(|()| cs.start()) {
        eprintln!("{e}");
        std::process::exit(1);
    }
    let (mut frames, mut peak) = (0usize, 0.0f64);
    while cs.perform_ksmps() == Perform::Running {
        peak = cs.spout().iter().fold(peak, |m, s| m.max(s.abs()));
        frames += cs.ksmps();
    }
    for m in cs.messages().take() {
        if m.text.to_lowercase().contains("error") {
            eprintln!("csound: {}", m.text);
        }
    }
    println!(
        "{path}: {:.2} s at {} Hz, {} channels, peak {:.3} ({:.1} dBFS)",
        frames as f64 / cs.sr(),
        cs.sr(),
        cs.nchnls(),
        peak,
        20.0 * (peak / cs.zero_dbfs()).log10()
    );
}
