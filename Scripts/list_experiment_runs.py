#!/usr/bin/env python3
"""Writes one table row per run of a finished experiment grid (domain pairs or single data sets), so every run behind a
mean ± sd is recorded in the repository:

    python3 Scripts/list_experiment_runs.py runs/sh-mnist Examples/SemanticHash/mnist-source.json \
        results/SemanticHash/mnist-source-runs.md

Reads <output>/results.json and each run's last.safetensors header (its training history: the
last epoch's pseudo-labels), where the checkpoint is still there; needs only the Python standard
library.
"""

import json
import struct
import sys


def history(run_directory):
    """The run's epoch records, or [] for a cell restored without its checkpoint (Scripts/grid-cells.sh)."""
    try:
        file = open(run_directory + "/last.safetensors", "rb")
    except FileNotFoundError:
        return []
    with file:
        length = struct.unpack("<Q", file.read(8))[0]
        metadata = json.loads(file.read(length))["__metadata__"]
    return json.loads(metadata["history"])


def main(output, grid_file, destination):
    results = json.load(open(output + "/results.json"))
    finished = [cell for cell in results["cells"] if cell.get("status") == "finished"]
    # Domain pairs report target→target and target→source; a single data set query→database.
    names = [entry["name"] for entry in finished[0]["retrieval"]] if finished else []
    adapts = "target-to-target" in names
    rows = []
    for cell in results["cells"]:
        if cell.get("status") != "finished":
            rows.append(f"| {cell['id']} | {cell.get('status', 'not run')} |" + " |" * (len(names) + 4))
            continue
        retrieval = {entry["name"]: entry for entry in cell["retrieval"]}
        epochs = history(output + "/runs/" + cell["id"])
        last = epochs[-1] if epochs else {}
        best = cell.get("bestValidationMAP")
        validation = "—" if best is None else f"{best:.4f}"
        fraction = last.get("pseudoLabelFraction")
        pseudo = "—" if fraction is None else f"{100 * fraction:.0f}% ({100 * (last.get('pseudoLabelAccuracy') or 0):.0f}% right)"
        maps = " | ".join(f"{retrieval[name]['tieAwareMeanAveragePrecision']:.4f}" for name in names)
        # Multi-label runs report no classification accuracy.
        accuracy_text = "—" if cell.get("accuracy") is None else f"{100 * cell['accuracy']:.2f}"
        rows.append(f"| {cell['id']} | {maps} | {accuracy_text} | {pseudo} | {cell['bestEpoch']} | {validation} | {cell['seconds']:.0f} |")
    headings = [name.replace("-to-", "→") for name in names]
    accuracy = "target acc. (%)" if adapts else "accuracy (%)"
    split = "the source validation split" if adapts else "the validation split"
    lines = [f"# Every run of {grid_file}", "",
             f"One row per run, from `{output}/results.json` and each run's checkpoint history: tie-aware mAP@all, "
             f"{'target ' if adapts else ''}accuracy, the last epoch's target pseudo-labels (domain-adaptive runs: the "
             "fraction of target training images selected in that epoch and how many are right, measured with labels "
             f"only the log sees), the epoch that model selection chose on {split} and its validation mAP, and wall "
             "seconds of training + evaluation.", "",
             "| run | " + " | ".join(headings) + f" | {accuracy} | pseudo-labels, last epoch | best epoch | validation mAP | seconds |",
             "|---|" + "---|" * (len(names) + 5)] + rows
    with open(destination, "w") as file:
        file.write("\n".join(lines) + "\n")
    print(f"list_experiment_runs: {len(rows)} runs → {destination}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: list_experiment_runs.py OUTPUT_DIRECTORY GRID_FILE DESTINATION.md")
    main(*sys.argv[1:])
