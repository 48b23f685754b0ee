#!/usr/bin/env bash
# Fetches Csound 7.0 for the plugin to carry through pip, by the pinned version and SHA-256s in
# scripts/csound7-requirements.txt, and nothing else:
# - the `cycsound` 0.2.3 wheel (PyPI): its libcsound64 7.0 (needs only libc, libm, libdl,
#   libpthread) and its opcode libraries, which the plugin library embeds;
# - the `cycsound` 0.2.3 source archive: Csound 7.0's public headers, for the bindings.
# Unpacked into third_party/csound-7.0/ (not committed). After this, builds work offline.
# Skips the download when done for these pins.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=third_party/csound-7.0
downloads=third_party/downloads
requirements=scripts/csound7-requirements.txt
stamp="$dest/.fetched-$(sha256sum "$requirements" | cut -c1-16)"
[ -f "$stamp" ] && exit 0

if ! python3 -m pip --version >/dev/null 2>&1; then
  echo "error: fetching Csound 7.0 needs pip (python3 -m pip); install python3-pip" >&2
  exit 1
fi
mkdir -p "$downloads"
pip_download() {
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r "$requirements" -d "$downloads" "$@"
}
echo "Fetching Csound 7.0 (cycsound 0.2.3, pinned by SHA-256)" >&2
# The wheel is built for CPython 3.11 on manylinux x86_64, whatever Python runs pip.
pip_download --only-binary=:all: --implementation cp --python-version 3.11 --abi cp311 \
  --platform manylinux_2_34_x86_64
pip_download --no-binary=cycsound
wheel=$(ls "$downloads"/cycsound-0.2.3-*.whl)
sdist="$downloads/cycsound-0.2.3.tar.gz"

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
