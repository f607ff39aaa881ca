#!/usr/bin/env python3
"""Writes PyTorch golden values for Methods/IntersectantGAN (its generators and loss terms) to
Tests/Fixtures/torch/intersectant_gan.json, in the layout of make_torch_fixtures.py (whose
helpers it uses; run it with the same environment):

    .venv-torch/bin/python Scripts/make_gan_fixtures.py

Read by Tests/IntersectantGANTests/TorchGoldenTests.swift. The networks and losses are written
here from their definitions in the method's README and doc comments, independently of the Swift
code. Labels of -1 mean "no (pseudo-)label".

Generator cases: an nn.Module whose parameter names are the Swift module's paths
(`fc.weight`, `deconvolutions.0.weight`, `norms.0.bias`, ...), run in training mode (batch
statistics), with every parameter an input of the case, so the gradients of
`sum(output * upstream)` with respect to the codes and every weight, bias and batch-norm affine
parameter are recorded. Weights are drawn wider than the method's N(0, 0.02) initialisation so
that every layer does visible work; the pre-activations of every LeakyReLU are kept away from
its kink at 0.
"""

import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_torch_fixtures import Inputs, run_case, write_family  # noqa: E402

SLOPE = 0.05
EPSILON = 1e-5
# No LeakyReLU input closer to 0 than this (rounding must not flip its side of the kink).
KINK_MARGIN = 1e-4


# MARK: - Generators


class ImageGenerator(nn.Module):
    """G: codes [N, d] -> images [N, C, s, s] in [0, 1]; batch norm and LeakyReLU between layers.

    lenet:  fc d -> 2w*(s/4)^2, reshape [N, 2w, s/4, s/4], BN2d, LeakyReLU,
            ConvT(2w -> w, k4 s2 p1), BN2d, LeakyReLU, ConvT(w -> C, k4 s2 p1), sigmoid.
    digits: u as a d x 1 x 1 image, ConvT(d -> 4w, k4 s1 p0), BN, LReLU,
            ConvT(4w -> 2w, k3 if s = 28 else k4, s2 p1), BN, LReLU, ConvT(2w -> w, k4 s2 p1), BN, LReLU,
            ConvT(w -> C, k4 s2 p1), sigmoid.
    """

    def __init__(self, architecture, code_length, image_shape, width, slope=SLOPE, epsilon=EPSILON):
        super().__init__()
        channels, side, _ = image_shape
        self.architecture = architecture
        self.slope = slope
        self.pre_activations = []
        if architecture == "lenet":
            quarter = side // 4
            self.seed_shape = (2 * width, quarter, quarter)
            self.fc = nn.Linear(code_length, 2 * width * quarter * quarter)
            self.fcNorm = nn.BatchNorm2d(2 * width, eps=epsilon)
            self.deconvolutions = nn.ModuleList([
                nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
                nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1),
            ])
            self.norms = nn.ModuleList([nn.BatchNorm2d(width, eps=epsilon)])
        else:
            self.seed_shape = (code_length, 1, 1)
            self.deconvolutions = nn.ModuleList([
                nn.ConvTranspose2d(code_length, 4 * width, 4, stride=1, padding=0),
                nn.ConvTranspose2d(4 * width, 2 * width, 3 if side == 28 else 4, stride=2, padding=1),
                nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1),
                nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1),
            ])
            self.norms = nn.ModuleList([nn.BatchNorm2d(c, eps=epsilon) for c in (4 * width, 2 * width, width)])

    def activate(self, x):
        self.pre_activations.append(x.detach())
        return F.leaky_relu(x, self.slope)

    def forward(self, codes):
        x = codes
        if self.architecture == "lenet":
            x = self.activate(self.fcNorm(self.fc(x).reshape((codes.shape[0],) + self.seed_shape)))
        else:
            x = x.reshape((codes.shape[0],) + self.seed_shape)
        for index, deconvolution in enumerate(self.deconvolutions):
            x = deconvolution(x)
            x = self.activate(self.norms[index](x)) if index < len(self.norms) else torch.sigmoid(x)
        return x


def parameter_values(model, inputs):
    """Random values for every parameter of `model`, by name: weights and biases uniform,
    batch-norm scales around 1 and shifts around 0."""
    values = {}
    for name, parameter in model.named_parameters():
        if "Norm" in name or name.startswith("norms."):
            low, high = (0.5, 1.5) if name.endswith("weight") else (-0.5, 0.5)
        else:
            low, high = (-0.5, 0.5) if name.endswith("weight") else (-0.2, 0.2)
        values[name] = inputs.uniform(tuple(parameter.shape), low, high)
    return values


def generator_cases():
    # (name, architecture, code length d, image shape [C, s, s], width w, batch)
    settings = [
        ("generator_lenet_side8", "lenet", 8, (1, 8, 8), 3, 4),
        ("generator_lenet_side12_rgb", "lenet", 6, (3, 12, 12), 2, 2),
        ("generator_digits_side28", "digits", 8, (1, 28, 28), 2, 3),
    ]
    records = []
    for name, architecture, code_length, image_shape, width, batch in settings:
        inputs = Inputs(name)
        model = ImageGenerator(architecture, code_length, image_shape, width)
        model.train()
        codes = torch.tanh(inputs.uniform((batch, code_length), -2.0, 2.0))
        parameters = parameter_values(model, inputs)

        def function(codes, model=model, **parameters):
            model.pre_activations.clear()
            return functional_call(model, parameters, (codes,))

        record = run_case(name, "image_generator", function, {"codes": codes, **parameters},
                          {"architecture": architecture, "code_length": code_length, "image_shape": list(image_shape),
                           "width": width, "slope": SLOPE, "epsilon": EPSILON})
        assert record["output"]["shape"] == [batch, *image_shape], f"{name}: output {record['output']['shape']}"
        closest = min(x.abs().min().item() for x in model.pre_activations)
        assert closest > KINK_MARGIN, f"{name}: a LeakyReLU input is {closest} from its kink; pick other inputs"
        records.append(record)
    return records


# MARK: - Losses


def pairwise_hash_loss(codes, labels):
    """1/2 * mean over every ordered pair (i, j), the diagonal included, of (u_i.u_j / d - s_ij)^2,
    s_ij = 1 for a shared label, else -1."""
    labels = torch.tensor(labels)
    similarity = torch.where(labels[:, None] == labels[None, :], 1.0, -1.0)
    return 0.5 * ((codes @ codes.T / codes.shape[1] - similarity) ** 2).mean()


def sign_quantization(codes):
    """mean (u - sgn u)^2 with sgn(0) = +1; the sign is a constant (no gradient through it)."""
    signs = torch.where(codes.detach() >= 0, 1.0, -1.0)
    return ((codes - signs) ** 2).mean()


def partial_cross_entropy(logits, labels):
    """Mean cross-entropy over the rows with a label (label -1: no part); 0 when there is none."""
    labels = torch.tensor(labels)
    per_row = F.cross_entropy(logits, labels, reduction="none", ignore_index=-1)
    return per_row.sum() / max(int((labels >= 0).sum()), 1)


def discriminator_losses(real_logits, fake_logits, real_labels):
    """(real term, fake term): real rows as their class (unlabelled rows excluded), generated
    rows as the fake class N = columns - 1."""
    fake_class = real_logits.shape[1] - 1
    real = partial_cross_entropy(real_logits, real_labels)
    fake = F.cross_entropy(fake_logits, torch.full((fake_logits.shape[0],), fake_class))
    return torch.stack([real, fake])


def discriminator_losses_variant(real_logits, fake_logits, real_labels, batch_mean, unlabelled_real):
    """Issue 30's variant: labelled real rows as their class, over the batch when batch_mean;
    when unlabelled_real, unlabelled real rows as -log(1 - p_fake), everything over the batch."""
    fake_class = real_logits.shape[1] - 1
    labels = torch.tensor(real_labels)
    per_row = F.cross_entropy(real_logits, labels, reduction="none", ignore_index=-1)
    if unlabelled_real:
        p_fake = torch.softmax(real_logits, dim=1)[:, fake_class]
        per_row = torch.where(labels >= 0, per_row, -torch.log(1 - p_fake))
        real = per_row.mean()
    elif batch_mean:
        real = per_row.sum() / len(real_labels)
    else:
        real = per_row.sum() / max(int((labels >= 0).sum()), 1)
    fake = F.cross_entropy(fake_logits, torch.full((fake_logits.shape[0],), fake_class))
    return torch.stack([real, fake])


def centroid_alignment(source, target, source_labels, target_labels):
    """Sum over the classes present in both domains of ||mean source row - mean target row||^2."""
    source_labels, target_labels = torch.tensor(source_labels), torch.tensor(target_labels)
    total = (source.sum() + target.sum()) * 0
    for c in sorted(set(source_labels.tolist()) & set(label for label in target_labels.tolist() if label >= 0)):
        difference = source[source_labels == c].mean(dim=0) - target[target_labels == c].mean(dim=0)
        total = total + (difference ** 2).sum()
    return total


def centroid_alignment_mean(source, target, source_labels, target_labels):
    """The same, as a mean over (shared classes x bits)."""
    source_labels, target_labels = torch.tensor(source_labels), torch.tensor(target_labels)
    shared = sorted(set(source_labels.tolist()) & set(label for label in target_labels.tolist() if label >= 0))
    if not shared:
        return (source.sum() + target.sum()) * 0
    rows = [source[source_labels == c].mean(dim=0) - target[target_labels == c].mean(dim=0) for c in shared]
    return torch.stack(rows).pow(2).mean()


def loss_cases():
    records = []
    for name, rows, bits, labels in [
        ("pairwise_hash_basic", 6, 8, [0, 2, 1, 1, 0, 2]),
        ("pairwise_hash_one_class", 4, 5, [3, 3, 3, 3]),
        ("pairwise_hash_all_distinct", 5, 12, [0, 1, 2, 3, 4]),
    ]:
        inputs = Inputs(name)
        codes = torch.tanh(inputs.uniform((rows, bits), -2.0, 2.0))
        records.append(run_case(name, "pairwise_hash", lambda codes, labels=labels: pairwise_hash_loss(codes, labels),
                                {"codes": codes}, {"labels": labels}))

    name = "sign_quantization_tanh"
    inputs = Inputs(name)
    records.append(run_case(name, "sign_quantization", sign_quantization,
                            {"codes": torch.tanh(inputs.away_from_zero((5, 8), 0.05, 2.0))}))
    # Exact zeros: sgn(0) = +1, so each contributes 1 and has gradient -2 / (N K).
    name = "sign_quantization_with_zeros"
    inputs = Inputs(name)
    codes = inputs.away_from_zero((4, 6))
    codes[0, 1] = codes[2, 4] = codes[3, 0] = 0.0
    records.append(run_case(name, "sign_quantization", sign_quantization, {"codes": codes}))

    for name, real_rows, fake_rows, classes, real_labels in [
        ("discriminator_losses_some_unlabelled", 6, 4, 3, [2, -1, 0, 1, -1, 2]),
        ("discriminator_losses_all_labelled", 4, 5, 4, [3, 0, 0, 1]),
        ("discriminator_losses_none_labelled", 3, 2, 2, [-1, -1, -1]),
    ]:
        inputs = Inputs(name)

        def function(real_logits, fake_logits, real_labels=real_labels):
            return discriminator_losses(real_logits, fake_logits, real_labels)

        records.append(run_case(name, "discriminator_losses", function,
                                {"real_logits": inputs.uniform((real_rows, classes + 1), -3.0, 3.0),
                                 "fake_logits": inputs.uniform((fake_rows, classes + 1), -3.0, 3.0)},
                                {"real_labels": real_labels}))

    for name, rows, classes, labels in [
        ("partial_cross_entropy_some_unlabelled", 7, 4, [1, -1, 3, -1, 0, 0, -1]),
        ("partial_cross_entropy_all_labelled", 5, 3, [2, 0, 1, 1, 2]),
        ("partial_cross_entropy_none_labelled", 3, 5, [-1, -1, -1]),
    ]:
        inputs = Inputs(name)
        records.append(run_case(name, "partial_cross_entropy",
                                lambda logits, labels=labels: partial_cross_entropy(logits, labels),
                                {"logits": inputs.uniform((rows, classes), -3.0, 3.0)}, {"labels": labels}))

    for name, real_rows, fake_rows, classes, real_labels, batch_mean, unlabelled_real in [
        ("discriminator_variant_batch_mean", 6, 4, 3, [2, -1, 0, 1, -1, 2], True, False),
        ("discriminator_variant_unlabelled_real", 6, 4, 3, [2, -1, 0, 1, -1, 2], True, True),
        ("discriminator_variant_none_labelled_real", 4, 3, 5, [-1, -1, -1, -1], False, True),
    ]:
        inputs = Inputs(name)

        def function(real_logits, fake_logits, real_labels=real_labels, batch_mean=batch_mean, unlabelled_real=unlabelled_real):
            return discriminator_losses_variant(real_logits, fake_logits, real_labels, batch_mean, unlabelled_real)

        records.append(run_case(name, "discriminator_losses_variant", function,
                                {"real_logits": inputs.uniform((real_rows, classes + 1), -3.0, 3.0),
                                 "fake_logits": inputs.uniform((fake_rows, classes + 1), -3.0, 3.0)},
                                {"real_labels": real_labels, "batch_mean": int(batch_mean), "unlabelled_real": int(unlabelled_real)}))

    for name, rows, classes, labels in [
        ("partial_cross_entropy_batch_mean", 7, 4, [1, -1, 3, -1, 0, 0, -1]),
    ]:
        inputs = Inputs(name)
        records.append(run_case(name, "partial_cross_entropy_batch",
                                lambda logits, labels=labels: F.cross_entropy(
                                    logits, torch.tensor(labels), reduction="none", ignore_index=-1).sum() / len(labels),
                                {"logits": inputs.uniform((rows, classes), -3.0, 3.0)}, {"labels": labels}))

    for name, source_rows, target_rows, bits, source_labels, target_labels in [
        ("centroid_alignment_unlabelled_targets", 7, 6, 8, [0, 1, 2, 1, 0, 3, 2], [2, -1, 1, -1, 2, 4]),
        ("centroid_alignment_all_shared", 5, 5, 6, [0, 1, 1, 2, 0], [1, 0, 2, 2, 1]),
        ("centroid_alignment_nothing_shared", 3, 3, 4, [0, 0, 1], [-1, 2, -1]),
    ]:
        inputs = Inputs(name)

        def function(source, target, source_labels=source_labels, target_labels=target_labels):
            return centroid_alignment(source, target, source_labels, target_labels)

        records.append(run_case(name, "class_centroid_alignment", function,
                                {"source": torch.tanh(inputs.uniform((source_rows, bits), -2.0, 2.0)),
                                 "target": torch.tanh(inputs.uniform((target_rows, bits), -2.0, 2.0))},
                                {"source_labels": source_labels, "target_labels": target_labels}))
    name = "centroid_alignment_mean"
    inputs = Inputs(name)
    source_labels, target_labels = [0, 1, 2, 1, 0, 3, 2], [2, -1, 1, -1, 2, 4]

    def function(source, target, source_labels=source_labels, target_labels=target_labels):
        return centroid_alignment_mean(source, target, source_labels, target_labels)

    records.append(run_case(name, "class_centroid_alignment_mean", function,
                            {"source": torch.tanh(inputs.uniform((7, 8), -2.0, 2.0)),
                             "target": torch.tanh(inputs.uniform((6, 8), -2.0, 2.0))},
                            {"source_labels": source_labels, "target_labels": target_labels}))
    return records


def main():
    torch.manual_seed(0)  # nothing should draw from the global generator, but just in case
    written = write_family("intersectant_gan", generator_cases() + loss_cases())
    assert written < 200_000, "the Intersectant-GAN fixtures must stay under 200 KB"


if __name__ == "__main__":
    main()
