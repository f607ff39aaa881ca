#!/usr/bin/env bash
# Keeps the finished cells of an experiment grid in the repository, so that a grid that takes
# longer than one working session (the supervised MNIST / Fashion-MNIST grids take hours) can be
# continued elsewhere and its tables rebuilt without training again.
#
#   Scripts/grid-cells.sh save    runs/ssdh results/SSDH/cells   # after (part of) a grid ran
#   Scripts/grid-cells.sh restore results/SSDH/cells runs/ssdh   # before running it again
#
# Each finished cell keeps run.json (its specification), cell.json (its record: every number
# the tables show, wall time, best epoch) and report.json (the full evaluation). `hashing
# experiment` treats a restored cell whose run.json matches the grid as finished and skips it.
# Checkpoints, codes and plots are not kept. Idempotent.
set -euo pipefail
usage() {
    echo "usage: $0 save GRID_OUTPUT CELLS_DIRECTORY | restore CELLS_DIRECTORY GRID_OUTPUT" >&2
    exit 1
}
[ $# -eq 3 ] || usage
action=$1
from=$2
to=$3
if [ ! -d "$from" ]; then
    [ "$action" = restore ] && { echo "grid-cells: no saved cells in $from yet"; exit 0; }
    echo "grid-cells: $from is not a directory" >&2
    exit 1
fi
count=0
for cell in "$from"/*/; do
    cell=${cell%/}
    name=$(basename "$cell")
    [ -f "$cell/run.json" ] && [ -f "$cell/report.json" ] && [ -f "$cell/cell.json" ] || continue
    if [ "$action" = save ] && ! grep -q '"status" *: *"finished"' "$cell/cell.json"; then continue; fi
    case "$action" in
        save | restore)
            mkdir -p "$to/$name"
            for file in run.json cell.json report.json; do
                # Atomic per file: a copy interrupted half-way never replaces a good one.
                cp "$cell/$file" "$to/$name/.$file.tmp"
                mv "$to/$name/.$file.tmp" "$to/$name/$file"
            done
            count=$((count + 1))
            ;;
        *) usage ;;
    esac
done
echo "grid-cells: ${action}d $count finished cells from $from to $to"
