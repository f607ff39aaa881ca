#!/usr/bin/env python3
"""Writes PyTorch golden values for the domain-adaptation losses of HashingCore to
Tests/Fixtures/torch/domain_adaptation.json, in the layout of make_torch_fixtures.py (whose
helpers it uses; run it with the same environment):

    .venv-torch/bin/python Scripts/make_domain_fixtures.py

Read by Tests/HashingCoreTests/DomainAdapterTests.swift. Target labels of -1 mean "no pseudo-label".
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torch_fixtures import Inputs, run_case, write_family  # noqa: E402


def centroid_alignment(source, target, source_labels, target_labels):
    """L_s = sum over classes present in both of ||mean source code - mean target code||^2."""
    shared = sorted(set(source_labels) & {label for label in target_labels if label >= 0})
    total = (source.sum() + target.sum()) * 0
    for c in shared:
        source_mean = source[[i for i, label in enumerate(source_labels) if label == c]].mean(dim=0)
        target_mean = target[[j for j, label in enumerate(target_labels) if label == c]].mean(dim=0)
        total = total + ((source_mean - target_mean) ** 2).sum()
    return total


def cases():
    records = []
    settings = [
        ("centroid_alignment_basic", 6, 5, 4, [0, 1, 1, 2, 0, 2], [1, -1, 0, 0, 3]),
        ("centroid_alignment_one_shared_class", 4, 3, 8, [0, 0, 1, 1], [1, -1, 1]),
        ("centroid_alignment_no_shared_class", 3, 2, 4, [0, 0, 0], [-1, 2]),
    ]
    for name, source_rows, target_rows, bits, source_labels, target_labels in settings:
        inputs = Inputs(name)
        source = inputs.uniform((source_rows, bits))
        target = inputs.uniform((target_rows, bits))

        def function(source, target, source_labels=source_labels, target_labels=target_labels):
            return centroid_alignment(source, target, source_labels, target_labels)

        records.append(run_case(name, "class_centroid_alignment", function, {"source": source, "target": target},
                                {"source_labels": source_labels, "target_labels": target_labels}))
    return records


def main():
    write_family("domain_adaptation", cases())


if __name__ == "__main__":
    main()
