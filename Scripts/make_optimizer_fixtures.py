"""PyTorch golden values for the optimizers: parameter trajectories under fixed gradients.

Run with the torch venv (make fixtures, or .venv-torch/bin/python Scripts/make_optimizer_fixtures.py).
Writes Tests/Fixtures/torch/optimizers.json.
"""
import json
import pathlib

import torch

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "torch" / "optimizers.json"


def trajectory(make_optimizer, start, gradients, learning_rates=None):
    p = torch.nn.Parameter(start.clone())
    optimizer = make_optimizer([p])
    values = []
    for step, g in enumerate(gradients):
        if learning_rates is not None:
            for group in optimizer.param_groups:
                group["lr"] = learning_rates[step]
        p.grad = g.clone()
        optimizer.step()
        values.append(p.detach().flatten().tolist())
    return values


def main():
    torch.manual_seed(7)
    start = torch.randn(3, 4)
    gradients = [torch.randn(3, 4) for _ in range(4)]
    cases = []
    configs = [
        ("sgd-plain", "sgd", dict(lr=0.1)),
        ("sgd-momentum", "sgd", dict(lr=0.1, momentum=0.9)),
        ("sgd-momentum-dampening", "sgd", dict(lr=0.1, momentum=0.9, dampening=0.5)),
        ("sgd-nesterov-decay", "sgd", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)),
        ("sgd-decay", "sgd", dict(lr=0.1, weight_decay=0.01)),
        ("adam", "adam", dict(lr=0.01)),
        ("adam-betas-decay", "adam", dict(lr=2e-4, betas=(0.5, 0.999), weight_decay=0.01)),
        ("adamw", "adamw", dict(lr=0.01, weight_decay=0.1)),
    ]
    for name, kind, options in configs:
        if kind == "sgd":
            make = lambda ps, o=options: torch.optim.SGD(ps, **o)
        elif kind == "adam":
            make = lambda ps, o=options: torch.optim.Adam(ps, **o)
        else:
            make = lambda ps, o=options: torch.optim.AdamW(ps, **o)
        cases.append({
            "name": name,
            "kind": kind,
            "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in options.items()},
            "values": trajectory(make, start, gradients),
        })
    # A learning rate changed between steps (what schedules do).
    rates = [0.1, 0.1, 0.01, 0.01]
    cases.append({
        "name": "sgd-momentum-schedule",
        "kind": "sgd",
        "options": {"lr": 0.1, "momentum": 0.9},
        "learning_rates": rates,
        "values": trajectory(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9), start, gradients, rates),
    })
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "torch_version": torch.__version__,
        "start": start.flatten().tolist(),
        "shape": list(start.shape),
        "gradients": [g.flatten().tolist() for g in gradients],
        "cases": cases,
    }, indent=1))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
