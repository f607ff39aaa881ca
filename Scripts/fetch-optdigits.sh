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

DATA_DIRECTORY="${1:-${HASHING_DATA:-data}}"
RAW_DIRECTORY="$DATA_DIRECTORY/raw"
PACKAGE_VERSION="1.2.1"
WHEEL_NAME="scikit_learn-$PACKAGE_VERSION-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
WHEEL="$RAW_DIRECTORY/$WHEEL_NAME"
CSV="$RAW_DIRECTORY/sklearn/datasets/data/digits.csv.gz"

# Checksums observed on scikit-learn 1.2.1 from PyPI.
WHEEL_SHA256="479aedd0abedbda6b8b4529145fe4cd8622f69f726a72cef8f75548a93eeb1e1"
CSV_SHA256="09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"

sha256_of() {
    sha256sum "$1" | cut -d ' ' -f 1
}

matches() {
    local file="$1" expected="$2"
    [[ -f "$file" ]] && [[ "$(sha256_of "$file")" == "$expected" ]]
}

if matches "$CSV" "$CSV_SHA256"; then
    echo "fetch-optdigits: $CSV is present and verified; nothing to do."
    exit 0
fi

for tool in python3 unzip sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "fetch-optdigits: '$tool' is required but was not found on PATH." >&2
        exit 1
    fi
done

mkdir -p "$RAW_DIRECTORY"
if [[ -f "$WHEEL" ]] && ! matches "$WHEEL" "$WHEEL_SHA256"; then
    echo "fetch-optdigits: removing $WHEEL, whose SHA-256 is not the expected one."
    rm -f "$WHEEL"
fi
if [[ ! -f "$WHEEL" ]]; then
    echo "fetch-optdigits: downloading scikit-learn==$PACKAGE_VERSION (one pinned wheel, 9.6 MB) from PyPI into $RAW_DIRECTORY ..."
    python3 -m pip download --no-deps --disable-pip-version-check --only-binary=:all: \
        --platform manylinux2014_x86_64 --python-version 3.11 --implementation cp --abi cp311 \
        -d "$RAW_DIRECTORY" "scikit-learn==$PACKAGE_VERSION"
fi
if ! matches "$WHEEL" "$WHEEL_SHA256"; then
    echo "fetch-optdigits: $WHEEL has SHA-256 $(sha256_of "$WHEEL" 2>/dev/null || echo '(missing)'), expected $WHEEL_SHA256." >&2
    exit 1
fi

unzip -o -q "$WHEEL" 'sklearn/datasets/data/digits.csv.gz' -d "$RAW_DIRECTORY"

if ! matches "$CSV" "$CSV_SHA256"; then
    echo "fetch-optdigits: $CSV has SHA-256 $(sha256_of "$CSV" 2>/dev/null || echo '(missing)'), expected $CSV_SHA256." >&2
    exit 1
fi
echo "fetch-optdigits: $CSV is ready."
