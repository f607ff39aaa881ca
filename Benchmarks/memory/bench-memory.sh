#!/usr/bin/env bash
# Peak memory (maximum resident set size, from /usr/bin/time) of a training run as users run it:
# `hashing train` with SSDH, 48 bits, MNIST, batch 128 — data loading, the epochs with their
# validation passes and checkpoints, then the final evaluation (10,000 queries against the
# 60,000-image database: encoding, ranking, mAP). Epochs default to 2: the peak is reached in the
# first epoch or the final evaluation (issue 13's baseline, 146 MB, was a 15-epoch run; set
# EPOCHS=15 to repeat it). bench-epoch prints the PyTorch peer's peak beside its epoch times.
#   Benchmarks/memory/bench-memory.sh [hashing binary]
set -euo pipefail
cd "$(dirname "$0")/../.."
hashing=${1:-.build/release/hashing}
epochs=${EPOCHS:-2}
threads=${THREADS:-2}
source Scripts/lib/ensure-command.sh
ensure_command /usr/bin/time time bench-memory  # GNU time measures the peak
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, threads=$threads"
if ! /usr/bin/time -f "%M %e" -o "$work/time" "$hashing" train --method ssdh --bits 48 --dataset mnist --epochs "$epochs" \
    --batch-size 128 --seed 0 --threads "$threads" --progress quiet --output "$work/run" > "$work/out" 2>&1; then
    cat "$work/out" >&2
    exit 1
fi
read -r kib seconds < <(tail -1 "$work/time")
echo "peak-memory hashing-train ssdh bits=48 mnist epochs=$epochs threads=$threads: $((kib / 1024)) MB (run took ${seconds} s)"
