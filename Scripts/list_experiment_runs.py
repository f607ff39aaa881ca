#!/usr/bin/env python3
"""Writes one table row per run of a finished domain-pair experiment grid, so every run behind a
mean ± sd is recorded in the repository:

    python3 Scripts/list_experiment_runs.py runs/sh-mnist Examples/SemanticHash/mnist-source.json \
        Examples/SemanticHash/mnist-source-runs.md

Reads <output>/results.json and each run's last.safetensors header (its training history); needs
only the Python standard library.
"""

import json
import struct
import sys


def history(run_directory):
    with open(run_directory + "/last.safetensors", "rb") as file:
        length = struct.unpack("<Q", file.read(8))[0]
        metadata = json.loads(file.read(length))["__metadata__"]
    return json.loads(metadata["history"])


def main(output, grid_file, destination):
    results = json.load(open(output + "/results.json"))
    rows = []
    for cell in results["cells"]:
        if cell.get("status") != "finished":
            rows.append(f"| {cell['id']} | {cell.get('status', 'not run')} | | | | | |")
            continue
        retrieval = {entry["name"]: entry for entry in cell["retrieval"]}
        last = history(output + "/runs/" + cell["id"])[-1]
        fraction = last.get("pseudoLabelFraction")
        pseudo = "—" if fraction is None else f"{100 * fraction:.0f}% ({100 * (last.get('pseudoLabelAccuracy') or 0):.0f}% right)"
        rows.append(f"| {cell['id']} | {retrieval['target-to-target']['tieAwareMeanAveragePrecision']:.4f} | "
                    f"{retrieval['target-to-source']['tieAwareMeanAveragePrecision']:.4f} | {100 * cell['accuracy']:.2f} | "
                    f"{pseudo} | {cell['bestEpoch']} | {cell['seconds']:.0f} |")
    lines = [f"# Every run of {grid_file}", "",
             f"One row per run, from `{output}/results.json` and each run's checkpoint history: tie-aware mAP@all, "
             "target accuracy, the last epoch's target pseudo-labels (the fraction of target training images selected "
             "in that epoch and how many are right, measured with labels only the log sees), the epoch that model "
             "selection chose on the source validation split, and wall seconds of training + evaluation.", "",
             "| run | target→target | target→source | target acc. (%) | pseudo-labels, last epoch | best epoch | seconds |",
             "|---|---|---|---|---|---|---|"] + rows
    with open(destination, "w") as file:
        file.write("\n".join(lines) + "\n")
    print(f"list_experiment_runs: {len(rows)} runs → {destination}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: list_experiment_runs.py OUTPUT_DIRECTORY GRID_FILE DESTINATION.md")
    main(*sys.argv[1:])
