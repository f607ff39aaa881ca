#!/usr/bin/env python3
"""Adds the epoch records (losses, pseudo-label coverage and precision) to grid cells trained
before cell.json kept them, from the run's own last checkpoint (last.safetensors keeps the
trainer's history in its metadata). Only finished cells without a "history" are touched; each
cell.json is rewritten atomically. The records are the run's own log: nothing is recomputed.

    python3 Scripts/backfill_cell_history.py runs/budget-dah/runs [more grid run directories]
"""
import json
import os
import struct
import sys


def checkpoint_history(path):
    with open(path, "rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        if length > 100_000_000:
            raise ValueError(f"{path}: implausible safetensors header length {length}")
        header = json.loads(file.read(length))
    history = header.get("__metadata__", {}).get("history")
    return None if history is None else json.loads(history)


def main(directories):
    if not directories:
        sys.exit(__doc__)
    changed = 0
    for directory in directories:
        for name in sorted(os.listdir(directory)):
            cell_path = os.path.join(directory, name, "cell.json")
            checkpoint = os.path.join(directory, name, "last.safetensors")
            if not (os.path.isfile(cell_path) and os.path.isfile(checkpoint)):
                continue
            with open(cell_path) as file:
                cell = json.load(file)
            if cell.get("status") != "finished" or cell.get("history") is not None:
                continue
            history = checkpoint_history(checkpoint)
            if history is None or len(history) != cell.get("epochsCompleted"):
                print(f"{name}: the checkpoint's history does not match the cell; left as it is", file=sys.stderr)
                continue
            cell["history"] = history
            temporary = cell_path + ".tmp"
            with open(temporary, "w") as file:
                json.dump(cell, file, sort_keys=True)
            os.replace(temporary, cell_path)
            changed += 1
    print(f"backfill_cell_history: added the epoch records of {changed} cells")


if __name__ == "__main__":
    main(sys.argv[1:])
