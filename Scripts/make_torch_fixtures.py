#!/usr/bin/env python3
"""Writes PyTorch golden values for the engine's operations to Tests/Fixtures/torch/<family>.json.

    /work/.venv-torch/bin/python Scripts/make_torch_fixtures.py

Read by Tests/TestSupport/TorchFixtures.swift (the loader), Tests/TensorCoreTests/TorchGoldenTests.swift
(primitives) and Tests/NeuralNetTests/TorchGoldenLossTests.swift (losses, Linear, BatchNorm layers).

Every case: float32 inputs drawn with a seed derived from the case name (so editing one case
leaves the others unchanged), the output, a random upstream gradient `g` of the output's shape,
and the gradients of every differentiable input after `output.backward(g)`. Non-differentiable
tensors (batch-norm running statistics) are under "constants"; integer labels and settings are
under "params". Some cases carry "extras" (batch statistics, running statistics of a layer).

File layout:
    {"torch_version": "...", "family": "...",
     "cases": [{"name", "op", "params", "inputs", "constants", "output", "upstream", "gradients", "extras"}]}
    with every tensor as {"shape": [...], "data": [row-major floats]}.

Inputs avoid the kinks where PyTorch and the engine may legitimately pick different
subgradients: |x| ≥ 0.05 for relu/leaky_relu/abs/l1, distinct values spaced ≥ 0.01 apart for
max reductions and max pooling, positive values for log/sqrt/pow, no clamp bound hit exactly.
"""

import json
import os
import zlib

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT_DIRECTORY = os.path.join(ROOT, "Tests", "Fixtures", "torch")

torch.set_default_dtype(torch.float32)
torch.use_deterministic_algorithms(True)


# MARK: - Encoding


def encode(tensor):
    """{"shape", "data"} with 9 significant digits: enough for every float32 to round-trip."""
    array = tensor.detach().cpu().to(torch.float32).numpy()
    data = [float(f"{value:.9g}") for value in array.reshape(-1).tolist()]
    decoded = np.array(data, dtype=np.float64).astype(np.float32)
    assert np.array_equal(decoded, array.reshape(-1)), "float32 values must round-trip through the JSON text"
    return {"shape": list(array.shape), "data": data}


# MARK: - Inputs


class Inputs:
    """Random float32 tensors from a generator seeded by the case name."""

    def __init__(self, name):
        self.generator = torch.Generator().manual_seed(zlib.crc32(name.encode()))

    def uniform(self, shape, low=-1.0, high=1.0):
        return torch.rand(shape, generator=self.generator) * (high - low) + low

    def away_from_zero(self, shape, low=0.05, high=1.0):
        """Values with low ≤ |x| < high and a random sign (no relu/abs kinks)."""
        magnitude = self.uniform(shape, low, high)
        sign = torch.where(torch.rand(shape, generator=self.generator) < 0.5, -1.0, 1.0)
        return magnitude * sign

    def distinct(self, shape, low=-2.0, high=2.0):
        """A random permutation of evenly spaced values (no ties anywhere, spacing ≥ 0.01)."""
        count = int(np.prod(shape))
        assert (high - low) / count >= 0.01, "too many elements for the spacing"
        grid = torch.linspace(low, high, count)
        return grid[torch.randperm(count, generator=self.generator)].reshape(shape).contiguous()

    def labels(self, count, classes):
        return torch.randint(0, classes, (count,), generator=self.generator)


# MARK: - Cases


def run_case(name, op, function, inputs, params=None, constants=None, extras=None):
    """Evaluates `function(**inputs, **constants)`, back-propagates a random upstream gradient,
    and returns the case record. Every tensor in `inputs` gets a gradient."""
    leaves = {key: value.detach().clone().requires_grad_(True) for key, value in inputs.items()}
    constants = {key: value.detach().clone() for key, value in (constants or {}).items()}
    output = function(**leaves, **constants)
    upstream = Inputs(name + "/upstream").uniform(tuple(output.shape), -1.0, 1.0)
    output.backward(upstream)
    record = {
        "name": name,
        "op": op,
        "params": params or {},
        "inputs": {key: encode(value) for key, value in leaves.items()},
        "output": encode(output),
        "upstream": encode(upstream),
        "gradients": {},
    }
    for key, value in leaves.items():
        assert value.grad is not None, f"{name}: no gradient reached input {key}"
        record["gradients"][key] = encode(value.grad)
    if constants:
        record["constants"] = {key: encode(value) for key, value in constants.items()}
    if extras:
        record["extras"] = {key: encode(value) for key, value in extras.items()}
    return record


def matmul_cases():
    cases = []
    m, k, n = 3, 5, 4
    for transpose_a in (False, True):
        for transpose_b in (False, True):
            name = "matmul" + ("_tA" if transpose_a else "") + ("_tB" if transpose_b else "")
            r = Inputs(name)
            a = r.uniform((k, m) if transpose_a else (m, k))
            b = r.uniform((n, k) if transpose_b else (k, n))

            def function(a, b, transpose_a=transpose_a, transpose_b=transpose_b):
                return torch.matmul(a.t() if transpose_a else a, b.t() if transpose_b else b)

            cases.append(run_case(name, "matmul", function, {"a": a, "b": b},
                                  {"transpose_a": transpose_a, "transpose_b": transpose_b}))
    # A larger product with a longer inner dimension (more rounding to agree on).
    r = Inputs("matmul_large")
    cases.append(run_case("matmul_large", "matmul", lambda a, b: torch.matmul(a, b),
                          {"a": r.uniform((16, 40)), "b": r.uniform((40, 12))},
                          {"transpose_a": False, "transpose_b": False}))
    r = Inputs("linear_layer")
    cases.append(run_case("linear_layer", "linear", lambda x, weight, bias: F.linear(x, weight, bias),
                          {"x": r.uniform((5, 4)), "weight": r.uniform((3, 4)), "bias": r.uniform((3,))}))
    r = Inputs("linear_layer_no_bias")
    cases.append(run_case("linear_layer_no_bias", "linear", lambda x, weight: F.linear(x, weight),
                          {"x": r.uniform((6, 7)), "weight": r.uniform((2, 7))}))
    return cases


def conv2d_cases():
    # (name, input shape, weight shape, stride, padding, bias)
    settings = [
        ("conv2d_s1_p0_bias", (2, 3, 5, 6), (4, 3, 3, 3), 1, 0, True),
        ("conv2d_s1_p1_nobias", (2, 3, 6, 5), (4, 3, 3, 3), 1, 1, False),
        ("conv2d_s1_p2_bias", (2, 2, 5, 4), (3, 2, 3, 3), 1, 2, True),
        ("conv2d_s2_p0_bias", (1, 3, 8, 7), (2, 3, 2, 2), 2, 0, True),
        ("conv2d_s2_p1_bias", (3, 2, 7, 6), (3, 2, 3, 3), 2, 1, True),
        ("conv2d_s2_p2_k5_bias", (2, 2, 6, 9), (3, 2, 5, 5), 2, 2, True),
        ("conv2d_s1_p1_k3x2_bias", (1, 2, 5, 6), (2, 2, 3, 2), 1, 1, True),
        ("conv2d_s1_p0_k1_bias", (2, 4, 3, 5), (3, 4, 1, 1), 1, 0, True),
        ("conv2d_s2_p1_nobias_wide", (2, 1, 4, 11), (2, 1, 3, 3), 2, 1, False),
    ]
    cases = []
    for name, input_shape, weight_shape, stride, padding, has_bias in settings:
        r = Inputs(name)
        inputs = {"x": r.uniform(input_shape), "weight": r.uniform(weight_shape)}
        if has_bias:
            inputs["bias"] = r.uniform((weight_shape[0],))

        def function(x, weight, bias=None, stride=stride, padding=padding):
            return F.conv2d(x, weight, bias, stride=stride, padding=padding)

        cases.append(run_case(name, "conv2d", function, inputs, {"stride": stride, "padding": padding}))
    return cases


def conv_transpose2d_cases():
    # (name, input shape, weight shape [Cin, Cout, KH, KW], stride, padding, output padding, bias)
    settings = [
        ("convT_s1_p0_op0_bias", (2, 3, 4, 5), (3, 2, 3, 3), 1, 0, 0, True),
        ("convT_s1_p1_op0_nobias", (2, 2, 5, 4), (2, 3, 3, 3), 1, 1, 0, False),
        ("convT_s2_p0_op0_bias", (2, 3, 3, 4), (3, 2, 3, 3), 2, 0, 0, True),
        ("convT_s2_p1_op0_bias", (1, 2, 4, 3), (2, 3, 3, 3), 2, 1, 0, True),
        ("convT_s2_p0_op1_bias", (2, 2, 3, 5), (2, 2, 3, 3), 2, 0, 1, True),
        ("convT_s2_p1_op1_bias", (2, 3, 4, 4), (3, 2, 3, 3), 2, 1, 1, True),
        ("convT_s2_p1_op0_k4_bias", (2, 3, 3, 5), (3, 2, 4, 4), 2, 1, 0, True),
        ("convT_s2_p1_op1_k3x2_nobias", (1, 2, 3, 4), (2, 2, 3, 2), 2, 1, 1, False),
    ]
    cases = []
    for name, input_shape, weight_shape, stride, padding, output_padding, has_bias in settings:
        r = Inputs(name)
        inputs = {"x": r.uniform(input_shape), "weight": r.uniform(weight_shape)}
        if has_bias:
            inputs["bias"] = r.uniform((weight_shape[1],))

        def function(x, weight, bias=None, stride=stride, padding=padding, output_padding=output_padding):
            return F.conv_transpose2d(x, weight, bias, stride=stride, padding=padding, output_padding=output_padding)

        cases.append(run_case(name, "conv_transpose2d", function, inputs,
                              {"stride": stride, "padding": padding, "output_padding": output_padding}))
    return cases


def pooling_cases():
    # (input shape, kernel, stride, padding)
    settings = [
        ("k2_s2", (2, 3, 6, 6), 2, 2, 0),
        ("k2_s2_odd", (2, 2, 7, 5), 2, 2, 0),
        ("k3_s2_p1", (2, 2, 7, 7), 3, 2, 1),
        ("k3_s2_p1_nonsquare", (1, 3, 6, 8), 3, 2, 1),
        ("k3_s1_p1", (1, 2, 5, 4), 3, 1, 1),
    ]
    cases = []
    for kind in ("max_pool2d", "avg_pool2d"):
        for suffix, shape, kernel, stride, padding in settings:
            name = f"{kind}_{suffix}"
            r = Inputs(name)
            x = r.distinct(shape) if kind == "max_pool2d" else r.uniform(shape)
            pool = F.max_pool2d if kind == "max_pool2d" else F.avg_pool2d

            def function(x, pool=pool, kernel=kernel, stride=stride, padding=padding):
                return pool(x, kernel, stride, padding)

            cases.append(run_case(name, kind, function, {"x": x},
                                  {"kernel_size": kernel, "stride": stride, "padding": padding}))
    return cases


def batch_norm_cases():
    cases = []
    for shape, epsilon in (((8, 3), 1e-5), ((4, 3, 5, 6), 1e-5), ((5, 2, 3, 4), 1e-3), ((2, 4), 1e-5)):
        suffix = "x".join(map(str, shape)) + ("" if epsilon == 1e-5 else "_eps1e-3")
        name = f"batch_norm_train_{suffix}"
        r = Inputs(name)
        channels = shape[1]
        # An offset and scale per channel so normalisation does real work.
        offset = r.uniform((channels,), -2, 2).reshape((1, channels) + (1,) * (len(shape) - 2))
        x = r.uniform(shape) * 1.5 + offset
        axes = [0] + list(range(2, len(shape)))
        extras = {"batch_mean": x.mean(dim=axes), "batch_var": x.var(dim=axes, unbiased=False)}

        def function(x, weight, bias, epsilon=epsilon):
            return F.batch_norm(x, None, None, weight, bias, training=True, eps=epsilon)

        cases.append(run_case(name, "batch_norm_train", function,
                              {"x": x, "weight": r.uniform((channels,), 0.5, 1.5), "bias": r.uniform((channels,))},
                              {"epsilon": epsilon}, extras=extras))
    for shape in ((8, 3), (2, 3, 4, 5)):
        name = "batch_norm_eval_" + "x".join(map(str, shape))
        r = Inputs(name)
        channels = shape[1]

        def function(x, weight, bias, running_mean, running_var):
            return F.batch_norm(x, running_mean, running_var, weight, bias, training=False, eps=1e-5)

        cases.append(run_case(name, "batch_norm_eval", function,
                              {"x": r.uniform(shape, -2, 2), "weight": r.uniform((channels,), 0.5, 1.5),
                               "bias": r.uniform((channels,))},
                              {"epsilon": 1e-5},
                              constants={"running_mean": r.uniform((channels,)),
                                         "running_var": r.uniform((channels,), 0.3, 2.0)}))
    return cases


def batch_norm_layer_cases():
    """Steps of nn.BatchNorm1d(3) / nn.BatchNorm2d(3) (momentum 0.1, ε 1e-5): two training
    batches, then one evaluation batch. Each step records the output, the gradients of the
    input, weight and bias, and the running statistics after the step (extras)."""
    cases = []
    for layer_name, layer, shape in (("batchnorm1d", torch.nn.BatchNorm1d(3), (6, 3)),
                                     ("batchnorm2d", torch.nn.BatchNorm2d(3), (4, 3, 5, 5))):
        r = Inputs(layer_name)
        with torch.no_grad():
            layer.weight.copy_(r.uniform((3,), 0.5, 1.5))
            layer.bias.copy_(r.uniform((3,)))
        for step, mode in enumerate(("train", "train", "eval"), start=1):
            name = f"{layer_name}_step{step}_{mode}"
            layer.train(mode == "train")
            layer.zero_grad()
            offset = r.uniform((3,), -2, 2).reshape((1, 3) + (1,) * (len(shape) - 2))
            x = (r.uniform(shape) * 2 + offset).requires_grad_(True)
            output = layer(x)
            upstream = Inputs(name + "/upstream").uniform(tuple(output.shape))
            output.backward(upstream)
            cases.append({
                "name": name,
                "op": layer_name,
                "params": {"step": step, "mode": mode, "momentum": layer.momentum, "epsilon": layer.eps},
                "inputs": {"x": encode(x), "weight": encode(layer.weight), "bias": encode(layer.bias)},
                "output": encode(output),
                "upstream": encode(upstream),
                "gradients": {"x": encode(x.grad), "weight": encode(layer.weight.grad), "bias": encode(layer.bias.grad)},
                "extras": {"running_mean": encode(layer.running_mean), "running_var": encode(layer.running_var)},
            })
    return cases


def elementwise_cases():
    settings = [
        ("relu", "relu", lambda x: F.relu(x), "away", {}),
        ("leaky_relu", "leaky_relu", lambda x: F.leaky_relu(x, 0.2), "away", {"slope": 0.2}),
        ("sigmoid", "sigmoid", lambda x: torch.sigmoid(x), "wide", {}),
        ("tanh", "tanh", lambda x: torch.tanh(x), "wide", {}),
        ("softplus", "softplus", lambda x: F.softplus(x), "wide", {}),
        ("exp", "exp", lambda x: torch.exp(x), "wide", {}),
        ("log", "log", lambda x: torch.log(x), "positive", {}),
        ("sqrt", "sqrt", lambda x: torch.sqrt(x), "positive", {}),
        ("abs", "abs", lambda x: torch.abs(x), "away", {}),
        ("square", "square", lambda x: x * x, "wide", {}),
        ("pow_1.7", "pow", lambda x: torch.pow(x, 1.7), "positive", {"exponent": 1.7}),
        ("neg", "neg", lambda x: -x, "wide", {}),
        ("clamp", "clamp", lambda x: torch.clamp(x, -0.5, 0.5), "clamp", {"min": -0.5, "max": 0.5}),
    ]
    cases = []
    for name, op, function, domain, params in settings:
        r = Inputs(name)
        shape = (3, 4, 5)
        if domain == "away":
            x = r.away_from_zero(shape, 0.05, 3.0)
        elif domain == "positive":
            x = r.uniform(shape, 0.2, 3.0)
        elif domain == "clamp":
            x = r.uniform(shape, -1.0, 1.0)
            x = torch.where((x.abs() - 0.5).abs() < 0.02, x * 0.5, x)  # keep clear of the bounds
        else:
            x = r.uniform(shape, -4.0, 4.0)
        cases.append(run_case(name, op, lambda x, function=function: function(x), {"x": x}, params))
    r = Inputs("maximum")
    a, b = r.uniform((3, 4)), r.uniform((4,))
    b = torch.where((a - b).abs().min(dim=0).values < 0.02, b + 0.05, b)  # no ties
    cases.append(run_case("maximum", "maximum", lambda a, b: torch.maximum(a, b), {"a": a, "b": b}))
    r = Inputs("minimum")
    a, b = r.uniform((3, 4)), r.uniform((3, 4))
    b = torch.where((a - b).abs() < 0.02, b + 0.05, b)
    cases.append(run_case("minimum", "minimum", lambda a, b: torch.minimum(a, b), {"a": a, "b": b}))
    return cases


def softmax_cases():
    cases = []
    for shape in ((4, 5), (2, 3, 4)):
        for kind, function in (("softmax", F.softmax), ("log_softmax", F.log_softmax)):
            for dim in (1, -1) if len(shape) == 3 else (1,):
                name = f"{kind}_{'x'.join(map(str, shape))}_dim{dim}"
                r = Inputs(name)
                cases.append(run_case(name, kind, lambda x, function=function, dim=dim: function(x, dim=dim),
                                      {"x": r.uniform(shape, -3, 3)}, {"axis": dim}))
    # Large logits: the stable formulation must not overflow.
    r = Inputs("log_softmax_large")
    cases.append(run_case("log_softmax_large_4x5_dim1", "log_softmax", lambda x: F.log_softmax(x, dim=1),
                          {"x": r.uniform((4, 5), 80, 120)}, {"axis": 1}))
    return cases


def reduction_cases():
    cases = []
    for axes, keep in (([1], False), ([1], True), ([0, 2], False), ([0, 2], True), ([0, 1, 2], False), ([-1], True)):
        for kind in ("sum", "mean", "var"):
            name = f"{kind}_axes{'_'.join(map(str, axes))}_keep{int(keep)}"
            r = Inputs(name)
            if kind == "sum":
                function = lambda x, axes=axes, keep=keep: x.sum(dim=axes, keepdim=keep)
            elif kind == "mean":
                function = lambda x, axes=axes, keep=keep: x.mean(dim=axes, keepdim=keep)
            else:
                function = lambda x, axes=axes, keep=keep: x.var(dim=axes, keepdim=keep, unbiased=False)
            cases.append(run_case(name, kind, function, {"x": r.uniform((3, 4, 5))}, {"axes": axes, "keepdim": keep}))
    r = Inputs("sum_all")
    cases.append(run_case("sum_all", "sum_all", lambda x: x.sum(), {"x": r.uniform((3, 4, 5))}))
    r = Inputs("mean_all")
    cases.append(run_case("mean_all", "mean_all", lambda x: x.mean(), {"x": r.uniform((3, 4, 5))}))
    for dim in (0, 1, 2, -1):
        for keep in (False, True):
            for kind in ("max", "amax"):
                name = f"{kind}_dim{dim}_keep{int(keep)}"
                r = Inputs(name)
                if kind == "max":
                    function = lambda x, dim=dim, keep=keep: torch.max(x, dim=dim, keepdim=keep).values
                else:
                    function = lambda x, dim=dim, keep=keep: torch.amax(x, dim=dim, keepdim=keep)
                cases.append(run_case(name, "max", function, {"x": r.distinct((3, 4, 5))}, {"axis": dim, "keepdim": keep}))
    return cases


def broadcasting_cases():
    shapes = {"3x1x4": (3, 1, 4), "2x1": (2, 1), "4": (4,), "3x2x4": (3, 2, 4)}
    pairs = [("3x1x4", "2x1"), ("2x1", "3x1x4"), ("3x1x4", "4"), ("4", "3x1x4"), ("2x1", "4"), ("3x2x4", "2x1")]
    operations = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
    cases = []
    for op, function in operations.items():
        for left, right in pairs:
            name = f"{op}_{left}_{right}"
            r = Inputs(name)
            a = r.uniform(shapes[left], -2, 2)
            b = r.away_from_zero(shapes[right], 0.5, 2.0) if op == "div" else r.uniform(shapes[right], -2, 2)
            cases.append(run_case(name, op, lambda a, b, function=function: function(a, b), {"a": a, "b": b}))
    return cases


def shape_cases():
    cases = []
    r = Inputs("permute")
    cases.append(run_case("permute_2_0_1", "permute", lambda x: x.permute(2, 0, 1), {"x": r.uniform((2, 3, 4))},
                          {"axes": [2, 0, 1]}))
    r = Inputs("transpose2d")
    cases.append(run_case("transpose2d", "permute", lambda x: x.t(), {"x": r.uniform((3, 5))}, {"axes": [1, 0]}))
    r = Inputs("slice")
    cases.append(run_case("slice_axis1_1_3", "slice", lambda x: x[:, 1:3], {"x": r.uniform((3, 5, 2))},
                          {"axis": 1, "start": 1, "end": 3}))
    r = Inputs("concatenate")
    cases.append(run_case("concatenate_axis1", "concatenate", lambda a, b: torch.cat([a, b], dim=1),
                          {"a": r.uniform((2, 3, 2)), "b": r.uniform((2, 1, 2))}, {"axis": 1}))
    r = Inputs("gather")
    index = [[2, 0, 2], [1, 1, 3]]
    cases.append(run_case("gather_axis1", "gather", lambda x: torch.gather(x, 1, torch.tensor(index)),
                          {"x": r.uniform((2, 4))}, {"axis": 1, "indices": index}))
    r = Inputs("broadcast_to")
    cases.append(run_case("broadcast_to", "broadcast_to", lambda x: x.expand(2, 3, 4), {"x": r.uniform((3, 1))},
                          {"shape": [2, 3, 4]}))
    return cases


def loss_cases():
    cases = []
    r = Inputs("cross_entropy")
    labels = r.labels(6, 5)
    cases.append(run_case("cross_entropy_mean", "cross_entropy",
                          lambda logits, labels=labels: F.cross_entropy(logits, labels),
                          {"logits": r.uniform((6, 5), -3, 3)}, {"labels": labels.tolist()}))
    r = Inputs("cross_entropy_ignore")
    labels = r.labels(7, 4)
    labels[[1, 4]] = -100
    cases.append(run_case("cross_entropy_ignore_index", "cross_entropy",
                          lambda logits, labels=labels: F.cross_entropy(logits, labels, ignore_index=-100),
                          {"logits": r.uniform((7, 4), -3, 3)}, {"labels": labels.tolist(), "ignore_index": -100}))
    for name, ignored in (("cross_entropy_sample_weights", []), ("cross_entropy_sample_weights_ignore", [0, 3])):
        r = Inputs(name)
        labels = r.labels(6, 5)
        labels[ignored] = -100

        def function(logits, sample_weights, labels=labels):
            per_sample = F.cross_entropy(logits, labels, reduction="none", ignore_index=-100)
            return (per_sample * sample_weights).sum() / (labels != -100).sum()

        params = {"labels": labels.tolist()}
        if ignored:
            params["ignore_index"] = -100
        cases.append(run_case(name, "cross_entropy_weighted", function,
                              {"logits": r.uniform((6, 5), -3, 3), "sample_weights": r.uniform((6,), 0, 1)}, params))
    r = Inputs("bce_soft")
    cases.append(run_case("binary_cross_entropy_with_logits_soft", "binary_cross_entropy",
                          lambda logits, targets: F.binary_cross_entropy_with_logits(logits, targets),
                          {"logits": r.uniform((4, 3), -4, 4), "targets": r.uniform((4, 3), 0, 1)}))
    r = Inputs("bce_hard")
    cases.append(run_case("binary_cross_entropy_with_logits_hard", "binary_cross_entropy",
                          lambda logits, targets: F.binary_cross_entropy_with_logits(logits, targets),
                          {"logits": r.uniform((5, 2, 3), -30, 30),
                           "targets": (r.uniform((5, 2, 3)) > 0).to(torch.float32)}))
    r = Inputs("mse")
    cases.append(run_case("mse_loss", "mse", lambda prediction, target: F.mse_loss(prediction, target),
                          {"prediction": r.uniform((4, 5)), "target": r.uniform((4, 5))}))
    r = Inputs("l1")
    prediction = r.uniform((4, 5))
    target = prediction + r.away_from_zero((4, 5), 0.05, 1.0)
    cases.append(run_case("l1_loss", "l1", lambda prediction, target: F.l1_loss(prediction, target),
                          {"prediction": prediction, "target": target}))
    return cases


FAMILIES = {
    "matmul": matmul_cases,
    "conv2d": conv2d_cases,
    "conv_transpose2d": conv_transpose2d_cases,
    "pooling": pooling_cases,
    "batch_norm": batch_norm_cases,
    "batch_norm_layer": batch_norm_layer_cases,
    "elementwise": elementwise_cases,
    "softmax": softmax_cases,
    "reductions": reduction_cases,
    "broadcasting": broadcasting_cases,
    "shape": shape_cases,
    "losses": loss_cases,
}


def write_family(family, cases):
    """Writes one family's cases to OUTPUT_DIRECTORY/<family>.json; returns the bytes written."""
    os.makedirs(OUTPUT_DIRECTORY, exist_ok=True)
    names = [case["name"] for case in cases]
    assert len(names) == len(set(names)), f"{family}: duplicate case names"
    text = json.dumps({"torch_version": torch.__version__, "family": family, "cases": cases},
                      separators=(",", ":")) + "\n"
    path = os.path.join(OUTPUT_DIRECTORY, f"{family}.json")
    with open(path, "w") as file:
        file.write(text)
    print(f"{family:18s} {len(cases):3d} cases {len(text):8d} bytes")
    return len(text)


def main():
    total_bytes = 0
    total_cases = 0
    for family, make in FAMILIES.items():
        torch.manual_seed(0)  # nothing should draw from the global generator, but just in case
        cases = make()
        total_bytes += write_family(family, cases)
        total_cases += len(cases)
    print(f"{'total':18s} {total_cases:3d} cases {total_bytes:8d} bytes")
    assert total_bytes < 2_000_000, "fixtures must stay under 2 MB"


if __name__ == "__main__":
    main()
