#!/usr/bin/env bash
# Makes the framework the plugin builds against: the pinned crates.io releases of nice-plug and
# nice-plug-core, fetched by cargo (`framework/fetch`: exact versions, checksums from its
# Cargo.lock), unpacked into third_party/ (not committed) and patched with framework/patches/
# (framework/README.md says what each patch fixes). Cargo.toml's [patch.crates-io] points there.
# Redone when a patch changes; after that, builds work offline.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.4.2
root=third_party/made-by-scripts-patch-framework.sh
lock=framework/fetch/Cargo.lock
cache="${CARGO_HOME:-$HOME/.cargo}/registry/cache"
fetched=

for crate in nice-plug nice-plug-core; do
  dest="$root/$crate"
  patches=(framework/patches/"$crate"/*.patch)
  stamp="$dest/.patched-$(cat "${patches[@]}" | sha256sum | cut -c1-16)"
  [ -f "$stamp" ] && continue

  if [ -z "$fetched" ]; then
    cargo fetch --locked --quiet --manifest-path framework/fetch/Cargo.toml
    fetched=yes
  fi
  checksum=$(awk -v name="$crate" -v version="$version" '
    $0 == "name = \"" name "\"" { hit = 1; next }
    hit && $0 == "version = \"" version "\"" { ok = 1; next }
    hit && ok && /^checksum = / { gsub(/"/, "", $3); print $3; exit }
    /^\[\[package\]\]/ { hit = 0; ok = 0 }' "$lock")
  crate_file=
  for file in "$cache"/*/"$crate-$version.crate"; do
    if [ -f "$file" ] && echo "$checksum  $file" | sha256sum --check --status; then
      crate_file=$file
      break
    fi
  done
  if [ -z "$checksum" ] || [ -z "$crate_file" ]; then
    echo "error: cargo did not fetch $crate $version with the checksum in $lock" >&2
    exit 1
  fi

  rm -rf "$dest" "$dest.part"
  mkdir -p "$dest.part"
  tar -xzf "$crate_file" -C "$dest.part" --strip-components=1
  for p in "${patches[@]}"; do
    if ! patch --quiet --directory="$dest.part" --strip=1 --forward <"$p"; then
      echo "error: $p does not apply to $crate $version" >&2
      exit 1
    fi
  done
  touch "$dest.part/${stamp##*/}"
  mv "$dest.part" "$dest"
  echo "Patched $crate $version with ${#patches[@]} patch(es) in $dest" >&2
done
