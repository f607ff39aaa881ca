#!/usr/bin/env bash
# Refactors keep results: trains each paper method that is now a composition of registered parts
# (SSDH, DCWH, SemanticHash, DAH), and Intersectant-GAN at its defaults, for a short fixed run with an OLD and a NEW build of `hashing`,
# same seed and thread count, and compares the codes files byte for byte.
# Usage: Scripts/check-bit-identity.sh OLD NEW_HASHING [THREADS]
#   OLD: a `hashing` binary, or a git revision, which is checked out in a worktree under /tmp and
#   built in release (make check-bit-identity BASE=<revision>).
set -euo pipefail
cd "$(dirname "$0")/.."
old="${1:?usage: check-bit-identity.sh OLD NEW_HASHING [THREADS]}"
new="${2:?usage: check-bit-identity.sh OLD NEW_HASHING [THREADS]}"
threads="${3:-2}"
if [ ! -x "$old" ]; then
    revision=$(git rev-parse --verify "$old^{commit}")
    tree="/tmp/hashing-bit-identity-$revision"
    [ -d "$tree" ] || git worktree add --detach "$tree" "$revision" > /dev/null
    (cd "$tree" && swift build -c release --product hashing > /dev/null)
    old="$tree/.build/release/hashing"
    echo "check-bit-identity: old build: $revision"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(--bits 32 --epochs 3 --query-per-class 30 --validation-per-class 20 --training-per-class 100 --batch-size 50 --seed 5
        --progress quiet --top-k 100 --threads "$threads")
runs=(
    "ssdh|--method ssdh --dataset embedded-digits"
    "dcwh|--method dcwh --dataset embedded-digits"
    "semantic-hash|--method semantic-hash --dataset embedded-digits"
    "semantic-hash-center|--method semantic-hash --dataset embedded-digits --method-config {\"centerWeight\":0.5}"
    "dah|--method dah --backbone lenet-bn --dataset optdigits-to-mfeat"
    "intersectant-gan|--method intersectant-gan --dataset optdigits-to-mfeat --input-normalization none"
)
codes() { python3 -c "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); print([(n, z.read(n).hex()) for n in sorted(z.namelist())])" "$1"; }
failed=0
for entry in "${runs[@]}"; do
    name="${entry%%|*}"
    read -r -a options <<< "${entry#*|}"
    for side in old new; do
        binary=$old; [ "$side" = new ] && binary=$new
        "$binary" train "${options[@]}" "${common[@]}" --output "$work/$name-$side" > "$work/$name-$side.log"
    done
    if cmp -s <(codes "$work/$name-old/codes.npz") <(codes "$work/$name-new/codes.npz"); then
        echo "check-bit-identity: $name: identical codes ($(grep -o 'mAP@all [0-9.]*' "$work/$name-new.log" | head -1))"
    else
        echo "check-bit-identity: $name: codes DIFFER" >&2
        failed=1
    fi
done
exit $failed
