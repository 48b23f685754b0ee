//! `cargo xtask bundle <package> --release`: nice-plug's bundler.

fn main() -> nice_plug_xtask::Result<()> {
    nice_plug_xtask::main()
}
