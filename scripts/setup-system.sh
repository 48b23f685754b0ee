#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the project builds and tests against, when missing:
# Csound 6.18 (library, headers, command line, plugin opcodes with Python), gcc (the engine launcher), libclang for
# bindgen; for the standalone build ALSA and JACK headers; for the editor's screenshot test an
# X server without a screen (Xvfb, Mesa's software OpenGL), xwd, netpbm and tesseract (OCR);
# curl, for the pinned Csound 7.0 the plugin carries (scripts/fetch-csound7.sh); patch, for our
# framework patches (scripts/patch-framework.sh, run last).
# Uses sudo when not root.
set -euo pipefail

packages=(
  csound libcsound64-dev csound-plugins libclang-dev gcc
  pkg-config libasound2-dev libjack-jackd2-dev
  xvfb libgl1 libglx-mesa0 libegl1 libgl1-mesa-dri libx11-xcb1 libxkbcommon-x11-0
  x11-apps x11-utils netpbm tesseract-ocr tesseract-ocr-eng
  curl ca-certificates patch
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  echo "Installing system packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
fi

bash "$(dirname "$0")/fetch-csound7.sh"
bash "$(dirname "$0")/patch-framework.sh"
