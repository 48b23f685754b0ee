#!/usr/bin/env bash
# Fetches Csound 7.0 for the plugin to carry, by pinned version and SHA-256, and nothing else:
# - the `cycsound` 0.2.3 wheel (PyPI): its libcsound64 7.0 (needs only libc, libm, libdl,
#   libpthread) and its opcode libraries, which the plugin library embeds;
# - the `cycsound` 0.2.3 source archive: Csound 7.0's public headers, for the bindings.
# Unpacked into third_party/csound-7.0/ (not committed). After this, builds work offline.
# Skips the download when the files are there with the right hashes.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=third_party/csound-7.0
downloads=third_party/downloads
wheel_url=https://files.pythonhosted.org/packages/94/a4/ba6122d91526e6a9c9b3220713acf03ee5d085c9b2e8952cd7973be3ee02/cycsound-0.2.3-cp311-cp311-manylinux_2_31_x86_64.manylinux_2_34_x86_64.whl
wheel_sha=9ba09fd6de962f1232ca5ed1ccc7ffb403d1f5d821c3b8c4cd360cce0c502713
sdist_url=https://files.pythonhosted.org/packages/56/ab/aea27e53a6294d76eedb4c92574b7447b68e2e0b627677dc9cd031e924c8/cycsound-0.2.3.tar.gz
sdist_sha=6b621cfc2369210f32d30b6ecb8b37f8dbd962739188a0ef9a701011162c5fd6
stamp="$dest/.fetched-$wheel_sha-$sdist_sha"
[ -f "$stamp" ] && exit 0

mkdir -p "$downloads"
fetch() { # url sha256 -> path of the verified file
  local file="$downloads/${1##*/}"
  if ! echo "$2  $file" | sha256sum --check --status 2>/dev/null; then
    echo "Fetching ${1##*/}" >&2
    curl -fsSL --retry 3 -o "$file.part" "$1"
    if ! echo "$2  $file.part" | sha256sum --check --status; then
      echo "error: ${1##*/} does not have the pinned SHA-256 $2" >&2
      rm -f "$file.part"
      exit 1
    fi
    mv "$file.part" "$file"
  fi
  echo "$file"
}
wheel=$(fetch "$wheel_url" "$wheel_sha")
sdist=$(fetch "$sdist_url" "$sdist_sha")

rm -rf "$dest" "$dest.part"
mkdir -p "$dest.part/include" "$dest.part/plugins" "$dest.part/lib"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m zipfile -e "$wheel" "$tmp/wheel"
tar -xzf "$sdist" -C "$tmp"
cp "$tmp"/cycsound-0.2.3/include/*.h "$dest.part/include/"
cp "$tmp"/wheel/cycsound.libs/libcsound64-*.so.7.0 "$dest.part/lib/libcsound64.so.7.0"
# The real-time audio and MIDI modules need ALSA, JACK or PortMidi, and the host does that I/O.
for plugin in "$tmp"/wheel/cycsound/plugins/*.so; do
  case "${plugin##*/}" in librtalsa.so | librtjack.so | libpmidi.so) continue ;; esac
  cp "$plugin" "$dest.part/plugins/"
done
mv "$dest.part" "$dest"
touch "$stamp"
echo "Csound 7.0 is in $dest ($(ls "$dest/plugins" | wc -l) opcode libraries)" >&2
