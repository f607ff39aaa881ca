#!/usr/bin/env bash
# Install Fashion-MNIST (60,000 training + 10,000 test images, gzipped IDX)
# from the Debian package dataset-fashion-mnist, which places the files in
# /usr/share/datasets/fashion-mnist/. The Swift `FashionMNIST` loader reads
# them from there (or from $HASHING_FASHION_MNIST when set).
#
# Usage: Scripts/fetch-fashion-mnist.sh
#
# Idempotent: does nothing when the four files are present. Licence of the
# data: MIT.
set -euo pipefail

PACKAGE_DIRECTORY="/usr/share/datasets/fashion-mnist"
DIRECTORY="${HASHING_FASHION_MNIST:-$PACKAGE_DIRECTORY}"
FILES=(
    train-images-idx3-ubyte.gz
    train-labels-idx1-ubyte.gz
    t10k-images-idx3-ubyte.gz
    t10k-labels-idx1-ubyte.gz
)

all_present() {
    local name
    for name in "${FILES[@]}"; do
        [[ -s "$DIRECTORY/$name" ]] || return 1
    done
    return 0
}

if all_present; then
    echo "fetch-fashion-mnist: all four files are present in $DIRECTORY; nothing to do."
    exit 0
fi

if [[ "$DIRECTORY" != "$PACKAGE_DIRECTORY" ]]; then
    echo "fetch-fashion-mnist: HASHING_FASHION_MNIST=$DIRECTORY lacks some of: ${FILES[*]}." >&2
    echo "  Put the files there, or unset HASHING_FASHION_MNIST to use the Debian package's $PACKAGE_DIRECTORY." >&2
    exit 1
elif [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "fetch-fashion-mnist: installing the Debian package dataset-fashion-mnist ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends dataset-fashion-mnist
else
    echo "fetch-fashion-mnist: Fashion-MNIST is missing from $DIRECTORY." >&2
    echo "  Install it as root with: apt-get update && apt-get install -y dataset-fashion-mnist" >&2
    echo "  or place ${FILES[*]} in a directory and set HASHING_FASHION_MNIST to it." >&2
    exit 1
fi

if ! all_present; then
    echo "fetch-fashion-mnist: the package was installed but $DIRECTORY still lacks some of: ${FILES[*]}." >&2
    exit 1
fi
echo "fetch-fashion-mnist: Fashion-MNIST is ready in $DIRECTORY."
