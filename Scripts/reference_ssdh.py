#!/usr/bin/env python3
"""An independent PyTorch SSDH run on exactly the images of one of our runs (issue 12).

Issue 12 compares `hashing train --method ssdh` with "an independent PyTorch implementation of the
same protocol". This script is such an implementation, written the plain PyTorch way, and fed the
very same training, validation, query and database images as a given run of ours, so that the
only differences left are the implementations and the random draws:

  * network: Caffe LeNet (conv 20@5x5, max-pool, conv 50@5x5, max-pool, fc 500, ReLU) -> sigmoid
    latent layer of K units -> linear classifier, every layer with PyTorch's default
    initialisation (the model and loss of Benchmarks/pytorch/ssdh_epoch.py);
  * loss: softmax cross-entropy - mean (a - 0.5)^2 + mean_n (mean_k a_nk - 0.5)^2;
  * SGD lr 0.01, momentum 0.9, weight decay 5e-4 (on every parameter), batch 128, 15 epochs, lr x0.1
    after epoch 10, an optional linear warm-up; pixels standardised by the run's training mean/sd;
  * model selection as ours does it: after each epoch, validation mAP@all of the held-out
    validation images against 5,000 training images (a seeded choice), the best epoch kept;
  * the best epoch's codes (a > 0.5) of the run's query and database images are written as a
    codes file in the run's database order, so that `hashing evaluate --codes` scores them with
    the same evaluator, the same seeded database order and the same tie rule as our own runs.

Inputs come from `hashing encode --run R --role <role> --output P-<role>-codes.npz
--write-inputs P-<role>.npz` for the roles train, validation, query and database.

Run:  .venv-torch/bin/python Scripts/reference_ssdh.py --inputs P --bits 12 --seed 0 --output codes.npz
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Benchmarks", "pytorch"))
from ssdh_epoch import SSDH, mean_average_precision, ssdh_loss  # noqa: E402


def load_role(prefix, role):
    inputs = np.load(f"{prefix}-{role}.npz")
    codes = np.load(f"{prefix}-{role}-codes.npz")
    pixels = torch.from_numpy(inputs["pixels"].astype(np.float32) / 255)
    mean = torch.from_numpy(inputs["mean"].astype(np.float32)).view(1, -1, 1, 1)
    std = torch.from_numpy(inputs["std"].astype(np.float32)).view(1, -1, 1, 1)
    return {
        "images": (pixels - mean) / std,
        "labels": torch.from_numpy(codes[f"{role}_labels"].astype(np.int64)),
        "indices": codes[f"{role}_indices"],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", required=True, help="prefix P of P-<role>.npz and P-<role>-codes.npz")
    parser.add_argument("--bits", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--milestone", type=int, default=10, help="lr x0.1 after this many epochs")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--warmup-epochs", type=float, default=0)
    parser.add_argument("--output", required=True, help="codes file (.npz) of the best epoch's query and database codes")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)

    train = load_role(args.inputs, "train")
    validation = load_role(args.inputs, "validation")
    query = load_role(args.inputs, "query")
    database = load_role(args.inputs, "database")
    validation_database = torch.randperm(len(train["labels"]), generator=generator)[:5000]

    model = SSDH(args.bits)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    steps_per_epoch = (len(train["labels"]) + args.batch_size - 1) // args.batch_size
    warmup_steps = int(args.warmup_epochs * steps_per_epoch)

    def encode(images):
        model.eval()
        with torch.no_grad():
            codes = torch.cat([(model(images[s:s + 1000])[0] > 0.5).float() for s in range(0, len(images), 1000)])
        model.train()
        return codes

    best = (-1.0, None, 0)
    step = 0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        base_rate = 0.01 * (0.1 if epoch > args.milestone else 1.0)
        order = torch.randperm(len(train["labels"]), generator=generator)
        cross_entropy = 0.0
        for s in range(0, len(order), args.batch_size):
            batch = order[s:s + args.batch_size]
            step += 1
            rate = base_rate * min(1.0, step / warmup_steps) if warmup_steps > 0 else base_rate
            for group in optimizer.param_groups:
                group["lr"] = rate
            codes, logits = model(train["images"][batch])
            loss = ssdh_loss(codes, logits, train["labels"][batch])
            cross_entropy += torch.nn.functional.cross_entropy(logits.detach(), train["labels"][batch]).item()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if not torch.isfinite(loss):
                raise SystemExit(f"diverged at epoch {epoch}")
        score = mean_average_precision(
            encode(validation["images"]), validation["labels"],
            encode(train["images"][validation_database]), train["labels"][validation_database])
        if score > best[0]:
            best = (score, {k: v.clone() for k, v in model.state_dict().items()}, epoch)
        print(f"epoch {epoch}: cross-entropy {cross_entropy / steps_per_epoch:.3f}, validation mAP {score:.4f},"
              f" {time.perf_counter() - start:.1f} s", flush=True)

    model.load_state_dict(best[1])
    print(f"best validation mAP {best[0]:.4f} at epoch {best[2]}")
    query_codes = encode(query["images"]).numpy().astype(np.uint8)
    database_codes = encode(database["images"]).numpy().astype(np.uint8)
    temporary = args.output + ".tmp.npz"
    np.savez(temporary,
             query_codes=query_codes, query_labels=query["labels"].numpy(), query_indices=query["indices"],
             database_codes=database_codes, database_labels=database["labels"].numpy(), database_indices=database["indices"])
    os.replace(temporary, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
