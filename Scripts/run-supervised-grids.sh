#!/usr/bin/env bash
# Runs the supervised grids (Examples/SSDH, Examples/ClasswiseHashing, Examples/SSDHMultiLabel), continuing from the cells
# kept in the repository, and refreshes what is committed from them: each grid's cells,
# results.md, runs.md (every run) and plots, then the README's tables. Safe to interrupt and run
# again: finished cells are skipped, a started one resumes from its checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
hashing=${HASHING:-.build/release/hashing}
for pair in SSDH:ssdh ClasswiseHashing:classwise-hashing SSDHMultiLabel:ssdhmultilabel; do
    grid=${pair%%:*}
    output=runs/${pair#*:}
    Scripts/grid-cells.sh restore "Examples/$grid/cells" "$output/runs"
    status=0
    "$hashing" experiment "Examples/$grid/experiment.json" --output "$output" || status=$?
    Scripts/grid-cells.sh save "$output/runs" "Examples/$grid/cells"
    cp "$output/results.md" "Examples/$grid/results.md"
    mkdir -p "Examples/$grid/plots"
    cp "$output"/plots/*.svg "Examples/$grid/plots/" 2>/dev/null || true
    python3 Scripts/list_experiment_runs.py "$output" "Examples/$grid/experiment.json" "Examples/$grid/runs.md"
    [ "$status" -eq 0 ] || exit "$status"
done
Scripts/update-readme-results.sh
