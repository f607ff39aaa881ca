#!/usr/bin/env bash
# Fetch the two colour photos scikit-learn ships (china.jpg and flower.jpg,
# 640 × 427, CC BY 2.0), the backgrounds of the MNIST-M-style colour digits
# (Swift `ColorDigits`), from the scikit-learn 1.2.1 wheel on PyPI:
# sklearn/datasets/images/{china,flower}.jpg.
#
# The wheel is the same pinned file as in fetch-optdigits.sh (downloaded once,
# shared through the data directory).
#
# Usage: Scripts/fetch-photos.sh [DATA_DIRECTORY]
#   DATA_DIRECTORY defaults to $HASHING_DATA, else "data" (relative to the
#   current directory), the same default the Swift loaders use.
#
# Idempotent: does nothing when both photos are present with the expected
# SHA-256. Licence of the photos: CC BY 2.0, see NOTICE.
set -euo pipefail
source "$(dirname "$0")/lib/fetch-from-wheel.sh"

DATA_DIRECTORY="${1:-${HASHING_DATA:-data}}"
NAME=fetch-photos
RAW_DIRECTORY="$DATA_DIRECTORY/raw"
PACKAGE_VERSION="1.2.1"
WHEEL="$RAW_DIRECTORY/scikit_learn-$PACKAGE_VERSION-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
DOWNLOAD_NOTE="scikit-learn==$PACKAGE_VERSION (one pinned wheel, 9.6 MB)"
PIP_ARGS=(--only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.11 --implementation cp --abi cp311
          "scikit-learn==$PACKAGE_VERSION")
# Checksums observed on scikit-learn 1.2.1 from PyPI.
WHEEL_SHA256="479aedd0abedbda6b8b4529145fe4cd8622f69f726a72cef8f75548a93eeb1e1"
# The photos are the same bytes in Debian's python3-sklearn 1.2.1+dfsg-1.
MEMBERS=(
    "sklearn/datasets/images/china.jpg:8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29"
    "sklearn/datasets/images/flower.jpg:a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638"
)
EXTRA_MEMBERS=("sklearn/datasets/images/README.txt")

fetch_from_wheel
