#!/usr/bin/env bash
# Fetch optdigits (UCI "Optical Recognition of Handwritten Digits", the 1,797
# 8 × 8 test images with values 0–16, as scikit-learn ships them) from the
# scikit-learn 1.2.1 wheel on PyPI: sklearn/datasets/data/digits.csv.gz.
#
# The wheel is pinned to one file (CPython 3.11, manylinux2014 x86-64) whatever
# the local Python is: the data inside is platform-independent, and pinning the
# file lets its SHA-256 be checked. (Debian's python3-sklearn 1.2.1+dfsg-1 holds
# the same data in a 2 MB package, but a Debian version can be superseded; a
# PyPI file cannot.) The same wheel holds the two photos of fetch-photos.sh.
#
# Usage: Scripts/fetch-optdigits.sh [DATA_DIRECTORY]
#   DATA_DIRECTORY defaults to $HASHING_DATA, else "data" (relative to the
#   current directory), the same default the Swift `Optdigits` loader uses.
#
# Idempotent: does nothing when the file is present with the expected SHA-256.
# Licence of the data: CC BY 4.0 (UCI Machine Learning Repository), see NOTICE.
set -euo pipefail
source "$(dirname "$0")/lib/fetch-from-wheel.sh"

DATA_DIRECTORY="${1:-${HASHING_DATA:-data}}"
NAME=fetch-optdigits
RAW_DIRECTORY="$DATA_DIRECTORY/raw"
PACKAGE_VERSION="1.2.1"
WHEEL="$RAW_DIRECTORY/scikit_learn-$PACKAGE_VERSION-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
DOWNLOAD_NOTE="scikit-learn==$PACKAGE_VERSION (one pinned wheel, 9.6 MB)"
PIP_ARGS=(--only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.11 --implementation cp --abi cp311
          "scikit-learn==$PACKAGE_VERSION")
# Checksums observed on scikit-learn 1.2.1 from PyPI.
WHEEL_SHA256="479aedd0abedbda6b8b4529145fe4cd8622f69f726a72cef8f75548a93eeb1e1"
MEMBERS=("sklearn/datasets/data/digits.csv.gz:09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22")
EXTRA_MEMBERS=()

fetch_from_wheel
