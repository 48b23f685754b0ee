#!/usr/bin/env bash
# The whole test suite, from a fresh machine: system packages, formatting, lints, the plugin
# bundles (a debug build that aborts on any allocation in `process`), and every test, including
# the standalone build's editor drawn under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-system.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --features csound-plugin/standalone -- -D warnings
cargo xtask bundle csound-plugin --features assert_process_allocs
cargo test --workspace --features csound-plugin/standalone
