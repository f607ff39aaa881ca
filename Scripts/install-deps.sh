#!/usr/bin/env bash
# Installs the system libraries the package links (OpenBLAS, zlib) when they are missing.
# Idempotent: does nothing when pkg-config already finds them.
set -euo pipefail

have_openblas() { pkg-config --exists openblas 2>/dev/null; }
have_zlib() { [ -f /usr/include/zlib.h ] && [ -f /usr/include/jpeglib.h ]; }

if command -v pkg-config >/dev/null 2>&1 && have_openblas && have_zlib; then
    exit 0
fi
packages="pkg-config libopenblas-dev zlib1g-dev libjpeg-dev"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: installing $packages with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq $packages >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: installing $packages with sudo apt-get"
    sudo -n apt-get update -qq
    sudo -n apt-get install -y -qq $packages >/dev/null
else
    echo "install-deps: OpenBLAS (pkg-config 'openblas') or zlib is missing and cannot be installed automatically." >&2
    echo "  On Debian/Ubuntu run: sudo apt-get install -y $packages" >&2
    echo "  On macOS nothing is needed (Accelerate is used)." >&2
    exit 1
fi
have_openblas || { echo "install-deps: OpenBLAS still not found by pkg-config after installing" >&2; exit 1; }
