#!/usr/bin/env bash
# PyTorch reads our models (make check-torch-interop; the project's PyTorch environment, not make
# test): for each covered method (SSDH, DCWH, IDCWH on LeNet) trains a small run on the embedded
# digits, encodes its query images with `hashing encode --write-inputs`, and has
# Scripts/check_torch_interop.py rebuild the network in PyTorch, load best.safetensors with the
# safetensors library, and compare the codes.
#   Scripts/check-torch-interop.sh [hashing binary] [python with torch and safetensors]
set -euo pipefail
cd "$(dirname "$0")/.."
hashing=${1:-.build/release/hashing}
python=${2:-.venv-torch/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for method in ssdh dcwh idcwh; do
    "$hashing" train --method "$method" --dataset embedded-digits --bits 32 --epochs 3 --seed 0 --query-per-class 50 \
        --training-per-class 250 --validation-per-class 30 --progress quiet --output "$work/$method" > "$work/$method.log"
    "$hashing" encode --run "$work/$method" --role query --output "$work/$method-codes.npz" --write-inputs "$work/$method-inputs.npz" > /dev/null
    "$python" Scripts/check_torch_interop.py --run "$work/$method" --codes "$work/$method-codes.npz" --set query \
        --inputs "$work/$method-inputs.npz" || status=1
done
exit "$status"
