#!/usr/bin/env bash
# The main job, from a fresh machine: system packages, a release build, and a first sound
# rendered through the Csound host layer.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-system.sh
cargo build --release --examples
cargo run --release --quiet --example play_csd -- tests/csd/additive.csd
