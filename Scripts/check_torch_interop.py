"""PyTorch reads our models (make check-torch-interop): builds a run's backbone and hash layer as a
torch.nn.Module from this toolkit's own definitions, loads the run's best.safetensors into it with
the safetensors library, encodes the images `hashing encode --write-inputs` wrote, and compares the
bits with the codes `hashing encode` wrote. Prints the share of identical codes, and for the codes
that differ, how far the differing outputs are from the threshold.

Covered: the backbones `lenet` (Caffe LeNet: conv 20@5x5 -> max-pool 2 -> conv 50@5x5 -> max-pool
2 -> fc 500 -> ReLU; no activation after the convolutions) and `lenet-bn` (the same with batch norm
and ReLU after each convolution, one set of batch-norm statistics and affine parameters per domain:
DSBN, evaluation mode), with the hash layers of `ssdh` (latent linear -> sigmoid, bit = output >
0.5) and of `dcwh` / `idcwh` (hash linear -> tanh, bit = output >= 0). Other backbones and methods
are refused with a message, not guessed.

Usage: check_torch_interop.py --run RUN --codes CODES.npz --set query --inputs INPUTS.npz
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file


class LeNet(nn.Module):
    def __init__(self, channels, size):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        after = ((size - 4) // 2 - 4) // 2
        self.fc1 = nn.Linear(50 * after * after, 500)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        return F.relu(self.fc1(x.flatten(1)))


class LeNetBN(LeNet):
    """LeNet with batch norm (eps 1e-5) + ReLU after each convolution; the branch is chosen by domain."""

    def __init__(self, channels, size):
        super().__init__(channels, size)
        self.norm1 = nn.BatchNorm2d(20)
        self.norm2 = nn.BatchNorm2d(50)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.norm1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.norm2(self.conv2(x))), 2)
        return F.relu(self.fc1(x.flatten(1)))


def backbone_state(weights, backbone, branch):
    """The backbone's parameters under torch's names; DSBN's branch `branch` becomes the batch norm."""
    state = {}
    for key, value in weights.items():
        if not key.startswith("network.backbone."):
            continue
        name = key[len("network.backbone."):]
        if ".branches." in name:
            layer, _, rest = name.partition(".branches.")
            index, _, field = rest.partition(".")
            if int(index) != branch:
                continue
            field = {"runningMean": "running_mean", "runningVariance": "running_var"}.get(field, field)
            name = f"{layer}.{field}"
        state["backbone." + name] = value
    return state


class HashNet(nn.Module):
    """backbone -> linear -> activation; `layer` is the checkpoint's name of the hash layer."""

    def __init__(self, backbone, bits, activation):
        super().__init__()
        self.backbone = backbone
        self.linear = nn.Linear(500, bits)
        self.activation = activation

    def forward(self, x):
        return self.activation(self.linear(self.backbone(x)))


METHODS = {  # method -> (checkpoint prefix of the hash layer, activation, threshold rule)
    "ssdh": ("network.latent.linear", torch.sigmoid, lambda y: y > 0.5, 0.5),
    "dcwh": ("network.hash.linear", torch.tanh, lambda y: y >= 0, 0.0),
    "idcwh": ("network.hash.linear", torch.tanh, lambda y: y >= 0, 0.0),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", required=True)
    parser.add_argument("--codes", required=True)
    parser.add_argument("--set", default="query")
    parser.add_argument("--inputs", required=True)
    args = parser.parse_args()
    spec = json.load(open(os.path.join(args.run, "run.json")))
    method, backbone = spec["method"], spec["backbone"]
    if backbone not in ("lenet", "lenet-bn") or method not in METHODS:
        sys.exit(f"check_torch_interop: {method} on {backbone} is not covered yet (covered: lenet, lenet-bn with {', '.join(METHODS)})")
    inputs = np.load(args.inputs)
    pixels, mean, std = inputs["pixels"], inputs["mean"], inputs["std"]
    shape = tuple(int(v) for v in inputs["input_shape"])
    if tuple(pixels.shape[1:]) != shape:
        sys.exit(f"check_torch_interop: the run resizes or converts its images ({pixels.shape[1:]} -> {shape}); not covered yet")
    x = (torch.from_numpy(pixels.astype(np.float32)) / 255 - torch.from_numpy(mean).view(1, -1, 1, 1)) / torch.from_numpy(std).view(1, -1, 1, 1)

    prefix, activation, rule, threshold = METHODS[method]
    network = (LeNet if backbone == "lenet" else LeNetBN)(shape[0], shape[1])
    net = HashNet(network, spec["bits"], activation)
    weights = load_file(os.path.join(args.run, "best.safetensors"))
    domain = int(inputs["domain"][0]) if "domain" in inputs.files else 0
    branch = domain if any(".branches.1." in k for k in weights) else 0
    state = backbone_state(weights, backbone, branch)
    if backbone == "lenet-bn":  # torch's batch norm counts its updates; ours does not keep the count
        state["backbone.norm1.num_batches_tracked"] = torch.tensor(0)
        state["backbone.norm2.num_batches_tracked"] = torch.tensor(0)
    state["linear.weight"] = weights[prefix + ".weight"]
    state["linear.bias"] = weights[prefix + ".bias"]
    net.load_state_dict(state, strict=True)
    net.eval()
    with torch.no_grad():
        outputs = torch.cat([net(x[i:i + 500]) for i in range(0, len(x), 500)])
    theirs = rule(outputs).numpy()
    ours = np.load(args.codes)[f"{args.set}_codes"].astype(bool)
    if ours.shape != theirs.shape:
        sys.exit(f"check_torch_interop: shapes differ: ours {ours.shape}, PyTorch's {theirs.shape}")
    same_codes = np.all(ours == theirs, axis=1)
    differing = ours != theirs
    margin = np.abs(outputs.numpy() - threshold)[differing]
    worst = float(margin.max()) if margin.size else 0.0
    share = float(same_codes.mean())
    print(f"check-torch-interop {method} {backbone} (domain branch {branch}) bits={spec['bits']}: {same_codes.sum()}/{len(same_codes)} codes identical "
          f"({100 * share:.3f} %), {int(differing.sum())} differing bits, largest |output - threshold| among them {worst:.2e}")
    # Pass: >= 99.9 % identical codes, and every differing bit within float rounding of the threshold.
    ok = share >= 0.999 and worst < 1e-4
    if not ok:
        print("check-torch-interop: FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
