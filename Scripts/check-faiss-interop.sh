#!/usr/bin/env bash
# FAISS reads our exports (make check-faiss-interop; needs the FAISS environment, not run by make test):
#   1. trains a small SSDH run on the embedded digits (no download) and takes its codes file
#      (query and database sets, 32 bits);
#   2. `hashing export --format faiss` of the database; `hashing export --format packed-npy` of both;
#   3. in Python: faiss.read_index_binary loads the index; its codes equal the packed .npy, which
#      equals numpy.packbits of the codes file's 0/1 bits; FAISS's k-NN of every query (packed with
#      numpy.packbits) returns the distances `hashing search --json` returns, and the same ids below
#      the k-th distance (ties at the k-th distance may be broken differently).
#   Scripts/check-faiss-interop.sh [hashing binary] [python with faiss]
set -euo pipefail
cd "$(dirname "$0")/.."
hashing=${1:-.build/release/hashing}
python=${2:-.venv-faiss/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "check-faiss-interop: training SSDH (32 bits, embedded digits, 4 epochs) in $work/run"
"$hashing" train --method ssdh --dataset embedded-digits --bits 32 --epochs 4 --seed 0 --query-per-class 50 --training-per-class 250 --validation-per-class 30 --progress quiet --output "$work/run" > "$work/train.log"
codes="$work/run/codes.npz"
"$hashing" export --codes "$codes" --set database --format faiss --output "$work/database.index"
"$hashing" export --codes "$codes" --set database --format packed-npy --output "$work/database.npy"
"$hashing" export --codes "$codes" --set query --format packed-npy --output "$work/query.npy"
"$hashing" index --codes "$codes" --set database --output "$work/database.hidx" > /dev/null
queries=$("$python" -c "import numpy as np; print(np.load('$codes')['query_codes'].shape[0])")
"$hashing" search --index "$work/database.hidx" --codes "$codes" --k 10 --count "$queries" --json "$work/ours.json" > /dev/null
"$python" Scripts/check_faiss_interop.py --work "$work" --codes "$codes" --k 10
