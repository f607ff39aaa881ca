#!/usr/bin/env bash
# Reproduces the README's results tables: trains and evaluates each method at each bit count.
#
# Usage: Scripts/run-experiments.sh DATASET "METHODS" "BITS" [EPOCHS] [METHOD_CONFIG_JSON TAG]
#   e.g. Scripts/run-experiments.sh mnist "ssdh dcwh idcwh" "12 24 32 48" 10
#        Scripts/run-experiments.sh mnist idcwh "12 48" 10 '{"learningRate": 0.001}' lr0.001
# Each run goes to runs/DATASET-METHOD-BITS/ (report.json, plots, codes.npz, checkpoints) and
# appends one line to runs/results.tsv: dataset, method, bits, epochs, mAP@all, tie-aware mAP,
# mAP@1000, P@H≤2, R@H≤2, wall seconds, command.
set -euo pipefail
cd "$(dirname "$0")/.."
dataset="${1:?dataset}"
methods="${2:?methods}"
bits_list="${3:?bit counts}"
epochs="${4:-10}"
method_config="${5:-}"
tag="${6:-}"
milestone=$(( epochs * 7 / 10 ))
binary="${HASHING_BINARY:-.build/release/hashing}"
[ -x "$binary" ] || swift build -c release --product hashing
mkdir -p runs
for method in $methods; do
  for bits in $bits_list; do
    output="runs/$dataset-$method-$bits${tag:+-$tag}"
    command=($binary train --method "$method" --bits "$bits" --dataset "$dataset" --epochs "$epochs" --lr-milestones "$milestone" --output "$output" --progress lines)
    [ -z "$method_config" ] || command+=(--method-config "$method_config")
    echo "== ${command[*]}"
    start=$(date +%s)
    if ! "${command[@]}" 2>&1 | tee "$output.log"; then
      seconds=$(( $(date +%s) - start ))
      reason=$(grep -h "hashing:" "$output.log" | tail -n 1)
      printf '%s\t%s\t%s\t%s\tfailed\t-\t-\t-\t-\t%s\t%s (%s)\n' "$dataset" "$method${tag:+@$tag}" "$bits" "$epochs" "$seconds" "${command[*]}" "$reason" >> runs/results.tsv
      continue
    fi
    seconds=$(( $(date +%s) - start ))
    python3 - "$output/report.json" "$dataset" "$method${tag:+@$tag}" "$bits" "$epochs" "$seconds" "${command[*]}" >> runs/results.tsv <<'PY'
import json, sys
path, dataset, method, bits, epochs, seconds, command = sys.argv[1:]
r = json.load(open(path))
print("\t".join([dataset, method, bits, epochs, "%.4f" % r["meanAveragePrecision"], "%.4f" % r["tieAwareMeanAveragePrecision"],
                 "%.4f" % r["meanAveragePrecisionAtK"], "%.4f" % r["precisionWithinRadius"], "%.4f" % r["recallWithinRadius"], seconds, command]))
PY
  done
done
