#!/usr/bin/env python3
"""Writes PyTorch golden values for the label-prototype losses of Methods/SemanticHash
(SemanticHash and DAH) to Tests/Fixtures/torch/label_prototypes.json, in the layout of
make_torch_fixtures.py (whose helpers it uses; run it with the same environment):

    .venv-torch/bin/python Scripts/make_prototype_fixtures.py

Read by Tests/SemanticHashTests. The losses are written here from their definitions in the
method's README, independently of the Swift code.
"""

import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torch_fixtures import Inputs, run_case, write_family  # noqa: E402


def centred(words):
    """The class-name vectors less their class mean, each row scaled to norm sqrt(D)."""
    centred = words - words.mean(dim=0, keepdim=True)
    return centred * (words.shape[1] ** 0.5) / centred.norm(dim=1, keepdim=True)


def prototypes_from_words(words, weight, bias):
    """p_c = tanh(W e_c + b) of the centred vectors: the semantic hash function."""
    return torch.tanh(centred(words) @ weight.T + bias)


def softmax_objective(codes, prototypes, labels, scale):
    bits = codes.shape[1]
    return F.cross_entropy(scale * codes @ prototypes.T / bits, torch.tensor(labels))


def hinge_objective(codes, prototypes, labels, margin):
    scores = codes @ prototypes.T
    rows = torch.arange(len(labels))
    positive = scores[rows, labels]
    mask = torch.zeros_like(scores, dtype=torch.bool)
    mask[rows, labels] = True
    hardest = scores.masked_fill(mask, float("-inf")).max(dim=1).values
    return torch.clamp(margin - positive + hardest, min=0).mean()


def center_loss(codes, prototypes, labels, weight, count):
    """lambda/2 * sum_i ||h_i - p_{y_i}||^2 / (K * count), the prototypes held fixed."""
    bits = codes.shape[1]
    return weight / 2 * ((codes - prototypes.detach()[labels]) ** 2).sum() / (bits * count)


def quantization(codes):
    signs = torch.where(codes >= 0, 1.0, -1.0)
    return ((codes - signs) ** 2).mean()


def cases():
    records = []
    for name, rows, classes, bits, labels, scale in [
        ("prototype_softmax_basic", 5, 3, 8, [0, 2, 1, 1, 0], 10.0),
        ("prototype_softmax_scale_one", 4, 4, 6, [3, 0, 2, 1], 1.0),
    ]:
        inputs = Inputs(name)
        codes = torch.tanh(inputs.uniform((rows, bits), -2.0, 2.0))
        prototypes = torch.tanh(inputs.uniform((classes, bits), -2.0, 2.0))

        def function(codes, prototypes, labels=labels, scale=scale):
            return softmax_objective(codes, prototypes, labels, scale)

        records.append(run_case(name, "prototype_softmax", function, {"codes": codes, "prototypes": prototypes},
                                {"labels": labels, "scale": scale}))

    for name, rows, classes, bits, labels, margin in [
        ("prototype_hinge_basic", 6, 4, 8, [0, 1, 2, 3, 1, 0], 1.0),
        ("prototype_hinge_wide_margin", 4, 3, 5, [2, 2, 0, 1], 3.0),
    ]:
        inputs = Inputs(name)
        # Inner products of distinct random codes: no ties between negatives and no hinge at its kink.
        codes = inputs.uniform((rows, bits), -1.0, 1.0)
        prototypes = inputs.uniform((classes, bits), -1.0, 1.0)

        def function(codes, prototypes, labels=labels, margin=margin):
            return hinge_objective(codes, prototypes, labels, margin)

        records.append(run_case(name, "prototype_hinge", function, {"codes": codes, "prototypes": prototypes},
                                {"labels": labels, "margin": margin}))

    for name, rows, classes, bits, labels, weight, count in [
        ("prototype_center_basic", 5, 3, 6, [0, 1, 2, 2, 1], 1.0, 5),
        ("prototype_center_joint_mean", 3, 4, 4, [3, 3, 0], 0.1, 7),
    ]:
        inputs = Inputs(name)
        codes = inputs.uniform((rows, bits))
        prototypes = inputs.uniform((classes, bits))

        def function(codes, prototypes, labels=labels, weight=weight, count=count):
            return center_loss(codes, prototypes, labels, weight, count)

        records.append(run_case(name, "prototype_center", function, {"codes": codes},
                                {"labels": labels, "weight": weight, "count": count}, constants={"prototypes": prototypes}))

    name = "prototypes_from_words"
    inputs = Inputs(name)
    words = inputs.uniform((4, 12))
    weight = inputs.uniform((6, 12), -0.2, 0.2)
    bias = inputs.uniform((6,), -0.3, 0.3)
    records.append(run_case(name, "prototypes_from_words", prototypes_from_words,
                            {"weight": weight, "bias": bias}, constants={"words": words}))

    name = "sign_quantization"
    inputs = Inputs(name)
    codes = inputs.away_from_zero((4, 6))
    records.append(run_case(name, "sign_quantization", quantization, {"codes": codes}))
    return records


def main():
    write_family("label_prototypes", cases())


if __name__ == "__main__":
    main()
