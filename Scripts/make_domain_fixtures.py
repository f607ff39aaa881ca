#!/usr/bin/env python3
"""Writes PyTorch golden values for the domain-adaptation losses and adapters of HashingCore to
Tests/Fixtures/torch/domain_adaptation.json, in the layout of make_torch_fixtures.py (whose
helpers it uses; run it with the same environment):

    .venv-torch/bin/python Scripts/make_domain_fixtures.py

Read by Tests/HashingCoreTests/DomainAdapterTests.swift. Target labels of -1 mean "no pseudo-label".
Covered: Intersectant-GAN's class-centroid alignment; gradient reversal (identity forward, -scale
times the gradient backward); DANN's domain loss (BCE of a 3-layer discriminator on the reversed
features of both domains, source 0 and target 1); Deep CORAL; the multi-kernel Gaussian MMD.
"""

import os
import sys

import torch
import torch.nn.functional as F

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
    records += adapter_cases()
    return records


class GradientReversal(torch.autograd.Function):
    """Identity forward; the gradient times -scale backward (Ganin & Lempitsky 2015)."""

    @staticmethod
    def forward(ctx, x, scale):
        ctx.scale = scale
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.scale * grad, None


def dann_domain_loss(source, target, w1, b1, w2, b2, w3, b3, scale):
    pooled = GradientReversal.apply(torch.cat([source, target]), scale)
    hidden = F.relu(F.linear(pooled, w1, b1))
    hidden = F.relu(F.linear(hidden, w2, b2))
    logits = F.linear(hidden, w3, b3)
    labels = torch.cat([torch.zeros(len(source), 1), torch.ones(len(target), 1)])
    return F.binary_cross_entropy_with_logits(logits, labels)


def coral(source, target):
    d = source.shape[1]
    return ((torch.cov(source.T) - torch.cov(target.T)) ** 2).sum() / (4 * d * d)


def squared_distances(a, b):
    return (a.pow(2).sum(1, keepdim=True) + b.pow(2).sum(1).view(1, -1) - 2 * a @ b.T).clamp(min=0)


def mmd(source, target, bandwidths):
    pooled = torch.cat([source, target])
    distances = squared_distances(pooled, pooled)
    scale = max(distances.detach().mean().item(), 1e-12)
    kernel = sum(torch.exp(-distances / (2 * b * scale)) for b in bandwidths)
    ns = len(source)
    return kernel[:ns, :ns].mean() + kernel[ns:, ns:].mean() - 2 * kernel[:ns, ns:].mean()


def information_maximization(scores, entropy_weight, diversity_weight):
    # SHOT (Liang et al. 2020): mean per-image entropy minus the entropy of the mean prediction.
    probabilities = torch.softmax(scores, dim=1)
    entropy = -(probabilities * torch.log_softmax(scores, dim=1)).sum(dim=1).mean()
    mean = probabilities.mean(dim=0)
    diversity = -(mean * torch.log(mean + 1e-5)).sum()
    return entropy_weight * entropy - diversity_weight * diversity


def adapter_cases():
    records = []
    for name, shape, scale in [("gradient_reversal_basic", (4, 3), 0.7), ("gradient_reversal_full", (2, 5), 1.0)]:
        inputs = Inputs(name)

        def function(x, scale=scale):
            return GradientReversal.apply(x, scale)

        records.append(run_case(name, "gradient_reversal", function, {"x": inputs.uniform(shape)}, {"scale": scale}))

    for name, source_rows, target_rows, width, hidden, scale in [
        ("dann_domain_loss_basic", 4, 3, 5, 6, 0.4),
        ("dann_domain_loss_full_reversal", 3, 5, 4, 3, 1.0),
    ]:
        inputs = Inputs(name)
        tensors = {
            "source": inputs.uniform((source_rows, width)), "target": inputs.uniform((target_rows, width)),
            "w1": inputs.uniform((hidden, width)), "b1": inputs.uniform((hidden,)),
            "w2": inputs.uniform((hidden, hidden)), "b2": inputs.uniform((hidden,)),
            "w3": inputs.uniform((1, hidden)), "b3": inputs.uniform((1,)),
        }

        def function(source, target, w1, b1, w2, b2, w3, b3, scale=scale):
            return dann_domain_loss(source, target, w1, b1, w2, b2, w3, b3, scale)

        records.append(run_case(name, "dann_domain_loss", function, tensors, {"scale": scale}))

    for name, source_rows, target_rows, width in [("coral_basic", 6, 5, 4), ("coral_wide", 3, 4, 7)]:
        inputs = Inputs(name)
        records.append(run_case(name, "coral", coral, {"source": inputs.uniform((source_rows, width)),
                                                        "target": inputs.uniform((target_rows, width), -2.0, 2.0)}))

    for name, source_rows, target_rows, width, bandwidths in [
        ("mmd_basic", 5, 4, 3, [0.25, 0.5, 1.0, 2.0, 4.0]),
        ("mmd_one_kernel", 4, 6, 5, [1.0]),
    ]:
        inputs = Inputs(name)

        def function(source, target, bandwidths=bandwidths):
            return mmd(source, target, bandwidths)

        records.append(run_case(name, "mmd", function, {"source": inputs.uniform((source_rows, width)),
                                                         "target": inputs.uniform((target_rows, width), -0.5, 1.5)},
                                {"bandwidths": bandwidths}))
    for name, rows, classes, entropy_weight, diversity_weight in [
        ("information_maximization_basic", 6, 4, 1.0, 1.0),
        ("information_maximization_weighted", 3, 10, 0.3, 2.0),
    ]:
        inputs = Inputs(name)

        def function(scores, entropy_weight=entropy_weight, diversity_weight=diversity_weight):
            return information_maximization(scores, entropy_weight, diversity_weight)

        records.append(run_case(name, "information_maximization", function,
                                {"scores": inputs.uniform((rows, classes), -3.0, 3.0)},
                                {"entropy_weight": entropy_weight, "diversity_weight": diversity_weight}))
    return records


def main():
    write_family("domain_adaptation", cases())


if __name__ == "__main__":
    main()
