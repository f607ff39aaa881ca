#!/usr/bin/env bash
# Runs the supervised grids (Examples/SSDH, Examples/ClasswiseHashing, Examples/SSDHMultiLabel),
# continuing from the cells kept in the repository, and refreshes what is committed from them:
# each grid's cells, results.md, runs.md (every run) and plots, then the README's tables. Safe to
# interrupt and run again: finished cells are skipped, a started one resumes from its checkpoint.
#
# Two chains run side by side, one thread each (on 2 cores, two one-thread runs finish more work
# than one two-thread run: LeNet's step scales 1.2× from 1 to 2 threads): ClasswiseHashing (72
# cells) in one, SSDH (24) then SSDHMultiLabel (3) in the other. Logs: runs/<grid>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
hashing=${HASHING:-.build/release/hashing}
threads=${GRID_THREADS:-1}

run_grid() {
    local grid=$1 output=runs/$2 status=0
    Scripts/grid-cells.sh restore "results/$grid/cells" "$output/runs"
    "$hashing" experiment "Examples/$grid/experiment.json" --output "$output" --threads "$threads" >> "runs/$2.log" 2>&1 || status=$?
    Scripts/grid-cells.sh save "$output/runs" "results/$grid/cells"
    cp "$output/results.md" "results/$grid/results.md"
    mkdir -p "results/$grid/plots"
    cp "$output"/plots/*.svg "results/$grid/plots/" 2>/dev/null || true
    python3 Scripts/list_experiment_runs.py "$output" "Examples/$grid/experiment.json" "results/$grid/runs.md"
    echo "$grid: $(grep -c 'finished in' "runs/$2.log" || true) cells finished so far (log runs/$2.log), exit status $status"
    return "$status"
}

mkdir -p runs
(run_grid ClasswiseHashing classwise-hashing) &
classwise=$!
status=0
run_grid SSDH ssdh && run_grid SSDHMultiLabel ssdhmultilabel || status=$?
wait "$classwise" || status=$?
Scripts/update-readme-results.sh
exit "$status"
