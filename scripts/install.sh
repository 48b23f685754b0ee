#!/usr/bin/env bash
# The main job, from a fresh machine: system packages, release bundles of the two plugins
# (CLAP and VST3) installed into your user plugin folders, the `csound-plugin` command line
# (into ~/.local/bin, or $BIN_DIR), and a first render of the built-in instrument's demo phrase.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-system.sh
cargo xtask bundle csound-plugin --release
cargo build --release --bin csound-plugin

clap_dir="${CLAP_PATH_OVERRIDE:-$HOME/.clap}"
vst3_dir="${VST3_PATH_OVERRIDE:-$HOME/.vst3}"
mkdir -p "$clap_dir" "$vst3_dir"
cp -f "target/bundled/Csound Plugin.clap" "$clap_dir/"
rm -rf "$vst3_dir/Csound Plugin.vst3"
cp -R "target/bundled/Csound Plugin.vst3" "$vst3_dir/"

echo
echo "Installed \"Csound Instrument\" and \"Csound Effect\":"
echo "  CLAP: $clap_dir/Csound Plugin.clap"
echo "  VST3: $vst3_dir/Csound Plugin.vst3"

# The command line, also where it works without this folder (exports are made from the
# installed CLAP plugin when no library is beside the program).
bin_dir="${BIN_DIR:-$HOME/.local/bin}"
mkdir -p "$bin_dir"
install -m 755 target/release/csound-plugin "$bin_dir/csound-plugin"

demo="$PWD/target/demo.wav"
./target/release/csound-plugin render --output "$demo" >/dev/null
echo "  command line: $bin_dir/csound-plugin (try --help; also $PWD/target/release/csound-plugin)"
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *)
    echo
    echo "  $bin_dir is not on your PATH, so typing csound-plugin will not find it yet. Add it:"
    echo "    echo 'export PATH=\"$bin_dir:\$PATH\"' >> ~/.profile   # then log in again,"
    echo "    export PATH=\"$bin_dir:\$PATH\"                        # or, for this shell only"
    ;;
esac
echo
echo "The built-in instrument's demo phrase: $demo"
