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

DATA_DIRECTORY="${1:-${HASHING_DATA:-data}}"
RAW_DIRECTORY="$DATA_DIRECTORY/raw"
PACKAGE_VERSION="1.2.1"
WHEEL_NAME="scikit_learn-$PACKAGE_VERSION-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
WHEEL="$RAW_DIRECTORY/$WHEEL_NAME"
IMAGES_DIRECTORY="$RAW_DIRECTORY/sklearn/datasets/images"
CHINA="$IMAGES_DIRECTORY/china.jpg"
FLOWER="$IMAGES_DIRECTORY/flower.jpg"

# Checksums observed on scikit-learn 1.2.1 from PyPI (the photos are the same
# bytes in Debian's python3-sklearn 1.2.1+dfsg-1).
WHEEL_SHA256="479aedd0abedbda6b8b4529145fe4cd8622f69f726a72cef8f75548a93eeb1e1"
CHINA_SHA256="8378025ad2519d649d02e32bd98990db4ab572357d9f09841c2fbfbb4fefad29"
FLOWER_SHA256="a77f6ec41e353afdf8bdff2ea981b2955535d8d83294f8cfa49cf4e423dd5638"

sha256_of() {
    sha256sum "$1" | cut -d ' ' -f 1
}

matches() {
    local file="$1" expected="$2"
    [[ -f "$file" ]] && [[ "$(sha256_of "$file")" == "$expected" ]]
}

if matches "$CHINA" "$CHINA_SHA256" && matches "$FLOWER" "$FLOWER_SHA256"; then
    echo "fetch-photos: $CHINA and $FLOWER are present and verified; nothing to do."
    exit 0
fi

for tool in python3 unzip sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "fetch-photos: '$tool' is required but was not found on PATH." >&2
        exit 1
    fi
done

mkdir -p "$RAW_DIRECTORY"
if [[ -f "$WHEEL" ]] && ! matches "$WHEEL" "$WHEEL_SHA256"; then
    echo "fetch-photos: removing $WHEEL, whose SHA-256 is not the expected one."
    rm -f "$WHEEL"
fi
if [[ ! -f "$WHEEL" ]]; then
    echo "fetch-photos: downloading scikit-learn==$PACKAGE_VERSION (one pinned wheel, 9.6 MB) from PyPI into $RAW_DIRECTORY ..."
    python3 -m pip download --no-deps --disable-pip-version-check --only-binary=:all: \
        --platform manylinux2014_x86_64 --python-version 3.11 --implementation cp --abi cp311 \
        -d "$RAW_DIRECTORY" "scikit-learn==$PACKAGE_VERSION"
fi
if ! matches "$WHEEL" "$WHEEL_SHA256"; then
    echo "fetch-photos: $WHEEL has SHA-256 $(sha256_of "$WHEEL" 2>/dev/null || echo '(missing)'), expected $WHEEL_SHA256." >&2
    exit 1
fi

unzip -o -q "$WHEEL" 'sklearn/datasets/images/china.jpg' 'sklearn/datasets/images/flower.jpg' \
    'sklearn/datasets/images/README.txt' -d "$RAW_DIRECTORY"

status=0
for pair in "$CHINA:$CHINA_SHA256" "$FLOWER:$FLOWER_SHA256"; do
    file="${pair%%:*}"
    expected="${pair##*:}"
    if ! matches "$file" "$expected"; then
        echo "fetch-photos: $file has SHA-256 $(sha256_of "$file" 2>/dev/null || echo '(missing)'), expected $expected." >&2
        status=1
    fi
done
if [[ $status -ne 0 ]]; then
    exit $status
fi
echo "fetch-photos: $CHINA and $FLOWER are ready."
