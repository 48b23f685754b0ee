//! `cargo xtask bundle <package> [--release]`: nice-plug's bundler.
//! `cargo xtask bench [--runs N]`: the benchmarks, written to BENCHMARKS.md.

use std::process::Command;

fn cargo(args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(args)
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed", args.join(" ")))
    }
}

fn bench(extra: &[String]) -> Result<(), String> {
    cargo(&["build", "--release", "--bin", "csound-plugin"])?;
    let mut args = vec![
        "bench",
        "--bench",
        "plugin",
        "--",
        "--write",
        "BENCHMARKS.md",
    ];
    args.extend(extra.iter().map(String::as_str));
    cargo(&args)
}

fn main() -> nice_plug_xtask::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("bench") {
        if let Err(e) = bench(&args[2..]) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return Ok(());
    }
    nice_plug_xtask::main()
}
