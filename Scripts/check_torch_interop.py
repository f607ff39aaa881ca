"""PyTorch reads our models (make check-torch-interop): builds a run's backbone and hash layer as a
torch.nn.Module from this toolkit's own definitions, loads the run's best.safetensors into it with
the safetensors library, encodes the images `hashing encode --write-inputs` wrote, and compares the
bits with the codes `hashing encode` wrote. Prints the share of identical codes, and for the codes
that differ, how far the differing outputs are from the threshold.

Covered: every catalog backbone: `lenet` (Caffe LeNet: conv 20@5x5 -> max-pool 2 -> conv 50@5x5
-> max-pool 2 -> fc 500 -> ReLU; no activation after the convolutions; `lenet-torch-init` is the same
network initialised as PyTorch does), `lenet-bn` (the same with
batch norm and ReLU after each convolution), `digits-convnet` and `small-vgg` (classes below); batch
norm is DSBN, one set of statistics and affine parameters per domain, in evaluation mode; with the hash layers of `ssdh` (hash linear -> sigmoid, bit = output >
0.5) and of every other method (hash linear -> tanh, bit = output >= 0: DCWH, IDCWH, SemanticHash,
DAH, and Intersectant-GAN's shared encoder, whose codes always take its source branch), and of
`composed` methods (their hash layer: sigmoid, tanh or identity). A method not in the table is
refused with a message, not guessed.

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


class DigitsConvNet(nn.Module):
    """DupGAN's digits encoder: 3 x (conv 5x5 stride 2 pad 2) then conv 4x4, each -> batch norm ->
    LeakyReLU(0.05); 64-128-256-512 channels; the features are the flattened 512 x 1 x 1."""

    def __init__(self, channels, size):
        super().__init__()
        widths = [channels, 64, 128, 256, 512]
        self.convolutions = nn.ModuleList(
            nn.Conv2d(widths[i], widths[i + 1], 4 if i == 3 else 5, stride=1 if i == 3 else 2, padding=0 if i == 3 else 2) for i in range(4))
        self.norms = nn.ModuleList(nn.BatchNorm2d(w) for w in widths[1:])

    def forward(self, x):
        for convolution, norm in zip(self.convolutions, self.norms):
            x = F.leaky_relu(norm(convolution(x)), 0.05)
        return x.flatten(1)


class SmallVGG(nn.Module):
    """5 x (conv 3x3 pad 1 -> batch norm -> ReLU), max-pool 2 after the 2nd, 4th and 5th; 64-64-128-128-256
    channels; fc 512 -> ReLU."""

    def __init__(self, channels, size):
        super().__init__()
        widths = [channels, 64, 64, 128, 128, 256]
        self.convolutions = nn.ModuleList(nn.Conv2d(widths[i], widths[i + 1], 3, padding=1) for i in range(5))
        self.norms = nn.ModuleList(nn.BatchNorm2d(w) for w in widths[1:])
        self.fc = nn.Linear(256 * (size // 8) ** 2, 512)

    def forward(self, x):
        for index, (convolution, norm) in enumerate(zip(self.convolutions, self.norms)):
            x = F.relu(norm(convolution(x)))
            if index in (1, 3, 4):
                x = F.max_pool2d(x, 2)
        return F.relu(self.fc(x.flatten(1)))


BACKBONES = {"lenet": (LeNet, 500), "lenet-torch-init": (LeNet, 500), "lenet-bn": (LeNetBN, 500), "digits-convnet": (DigitsConvNet, 512), "small-vgg": (SmallVGG, 512)}


def backbone_state(weights, prefix, branch):
    """The backbone's parameters under torch's names; DSBN's branch `branch` becomes the batch norm."""
    state = {}
    for key, value in weights.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix):]
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

    def __init__(self, backbone, features, bits, activation):
        super().__init__()
        self.backbone = backbone
        self.linear = nn.Linear(features, bits)
        self.activation = activation

    def forward(self, x):
        return self.activation(self.linear(self.backbone(x)))


TANH = ("network.hash.linear", torch.tanh, lambda y: y >= 0, 0.0)
METHODS = {  # method -> (checkpoint prefix of the hash layer, activation, threshold rule, threshold)
    "ssdh": ("network.hash.linear", torch.sigmoid, lambda y: y > 0.5, 0.5),
    "dcwh": TANH,
    "idcwh": TANH,
    "semantic-hash": TANH,
    "dah": TANH,
    "intersectant-gan": TANH,
}
# Where the backbone's parameters live: Intersectant-GAN calls it the shared encoder, and encodes
# every image through its source branch (its codes come from the common space).
BACKBONE_PREFIX = {"intersectant-gan": "network.encoder."}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", required=True)
    parser.add_argument("--codes", required=True)
    parser.add_argument("--set", default="query")
    parser.add_argument("--inputs", required=True)
    args = parser.parse_args()
    spec = json.load(open(os.path.join(args.run, "run.json")))
    method, backbone = spec["method"], spec["backbone"]
    if method == "composed":
        # A composition names its hash layer: sigmoid (bit = output > 0.5), tanh or identity (bit = output >= 0).
        layer = json.loads(spec.get("methodConfiguration") or "{}").get("hashLayer", "tanh")
        layer = layer["name"] if isinstance(layer, dict) else layer
        METHODS["composed"] = {
            "sigmoid": ("network.hash.linear", torch.sigmoid, lambda y: y > 0.5, 0.5),
            "tanh": TANH,
            "identity": ("network.hash.linear", lambda y: y, lambda y: y >= 0, 0.0),
        }.get(layer)
        if METHODS["composed"] is None:
            sys.exit(f"check_torch_interop: the composed hash layer '{layer}' is not covered yet")
    if backbone not in BACKBONES or method not in METHODS:
        sys.exit(f"check_torch_interop: {method} on {backbone} is not covered yet (covered: {', '.join(BACKBONES)} with {', '.join(METHODS)})")
    inputs = np.load(args.inputs)
    pixels, mean, std = inputs["pixels"], inputs["mean"], inputs["std"]
    shape = tuple(int(v) for v in inputs["input_shape"])
    if tuple(pixels.shape[1:]) != shape:
        sys.exit(f"check_torch_interop: the run resizes or converts its images ({pixels.shape[1:]} -> {shape}); not covered yet")
    x = (torch.from_numpy(pixels.astype(np.float32)) / 255 - torch.from_numpy(mean).view(1, -1, 1, 1)) / torch.from_numpy(std).view(1, -1, 1, 1)

    prefix, activation, rule, threshold = METHODS[method]
    make, features = BACKBONES[backbone]
    net = HashNet(make(shape[0], shape[1]), features, spec["bits"], activation)
    weights = load_file(os.path.join(args.run, "best.safetensors"))
    domain = int(inputs["domain"][0]) if "domain" in inputs.files else 0
    prefix_of_backbone = BACKBONE_PREFIX.get(method, "network.backbone.")
    branch = domain if method != "intersectant-gan" and any(".branches.1." in k for k in weights) else 0
    state = backbone_state(weights, prefix_of_backbone, branch)
    for name, module in net.backbone.named_modules():  # torch's batch norm counts its updates; ours does not
        if isinstance(module, nn.BatchNorm2d):
            state[f"backbone.{name}.num_batches_tracked"] = torch.tensor(0)
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
