#!/usr/bin/env bash
# Issue 30's domain-adaptation protocol (docs/domain-adaptation.md): runs the grids of the five-pair
# table, each continuing from its saved cells, saves the finished cells back into
# results/DomainAdaptation/<grid>-cells, and rebuilds results/DomainAdaptation/summary.md.
# The whole set takes days of CPU on the 2-core machine (Intersectant-GAN: ~20 min a run); name the
# grids to run only some, and run two invocations side by side with different grids (one thread each).
#
#   Scripts/run-domain-adaptation-protocol.sh                       # every grid, in table order
#   Scripts/run-domain-adaptation-protocol.sh budget-dah-lambda     # one grid
set -euo pipefail
cd "$(dirname "$0")/.."
grids=("$@")
if [ ${#grids[@]} -eq 0 ]; then
    grids=(budget-dann-mnist-mfeat budget-dann-framed-color budget-ssdh-dann budget-dcwh-dann budget-dcwh-dann-slow budget-dah
           budget-dah-lambda budget-dah-hygiene budget-intersectant-gan budget-intersectant-gan-ablation budget-curves)
fi
hashing=.build/release/hashing
[ -x "$hashing" ] || swift build -c release --product hashing
for grid in "${grids[@]}"; do
    [ -f "Examples/DomainAdaptation/$grid.json" ] || { echo "no grid Examples/DomainAdaptation/$grid.json" >&2; exit 1; }
    Scripts/grid-cells.sh restore "results/DomainAdaptation/$grid-cells" "runs/$grid/runs"
    "$hashing" experiment "Examples/DomainAdaptation/$grid.json" --output "runs/$grid" --threads 1
    python3 Scripts/backfill_cell_history.py "runs/$grid/runs"
    Scripts/grid-cells.sh save "runs/$grid/runs" "results/DomainAdaptation/$grid-cells"
    cp "runs/$grid/results.md" "results/DomainAdaptation/$grid-results.md"
    python3 Scripts/list_experiment_runs.py "runs/$grid" "Examples/DomainAdaptation/$grid.json" "results/DomainAdaptation/$grid-runs.md"
done
python3 Scripts/domain_adaptation_table.py results/DomainAdaptation/summary.md Examples/DomainAdaptation/table-rows.json \
    results/DomainAdaptation/budget-*-cells
