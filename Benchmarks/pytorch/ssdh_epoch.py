"""PyTorch CPU peer of bench-epoch: one whole SSDH training epoch on MNIST, as a PyTorch user
would write it with the data in memory, then the validation pass.

The same work as the Swift side's epoch: each batch is gathered from the uint8 training images
in a seeded random order, scaled and standardised by the training statistics; SSDH's network
(Caffe LeNet features -> sigmoid latent layer of K units -> classifier) is trained with softmax
cross-entropy - binarisation + balance, SGD lr 0.01 momentum 0.9 weight decay 5e-4; then the
validation queries and database are encoded in evaluation mode without autograd, binarised at
0.5 and scored by mAP@all (Hamming ranking, ties by database order).

The data come from the .npz file bench-epoch writes (train_images uint8 [N,1,28,28],
train_labels, validation_query_indices, validation_database_indices, mean, std). Prints
"steps=<s> validation=<s> total=<s>" per timed epoch, and the best total seconds as the last line.
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SSDH(nn.Module):
    def __init__(self, bits, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc1 = nn.Linear(800, 500)
        self.latent = nn.Linear(500, bits)
        self.classifier = nn.Linear(bits, classes)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        codes = torch.sigmoid(self.latent(F.relu(self.fc1(x.flatten(1)))))
        return codes, self.classifier(codes)


def ssdh_loss(codes, logits, labels):
    classification = F.cross_entropy(logits, labels)
    binarization = ((codes - 0.5) ** 2).mean()
    balance = ((codes.mean(dim=1) - 0.5) ** 2).mean()
    return classification - binarization + balance


def mean_average_precision(query_codes, query_labels, database_codes, database_labels, chunk=500):
    """mAP@all by Hamming ranking; a stable sort keeps database order among equal distances."""
    bits = query_codes.shape[1]
    q = query_codes * 2 - 1
    d = database_codes * 2 - 1
    total = 0.0
    for start in range(0, q.shape[0], chunk):
        distances = 0.5 * (bits - q[start:start + chunk] @ d.T)
        order = torch.sort(distances, dim=1, stable=True).indices
        relevant = (database_labels[order] == query_labels[start:start + chunk, None]).float()
        hits = relevant.cumsum(dim=1)
        ranks = torch.arange(1, relevant.shape[1] + 1, dtype=torch.float32)
        counts = relevant.sum(dim=1)
        precision_sums = (hits / ranks * relevant).sum(dim=1)
        total += torch.where(counts > 0, precision_sums / counts.clamp(min=1), torch.zeros_like(counts)).sum().item()
    return total / q.shape[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", required=True)
    parser.add_argument("--bits", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=1, help="timed epochs (the best is printed last)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    data = np.load(args.data)
    images = torch.from_numpy(data["train_images"])
    labels = torch.from_numpy(data["train_labels"].astype(np.int64))
    train = torch.from_numpy(data["train_indices"].astype(np.int64))
    queries = torch.from_numpy(data["validation_query_indices"].astype(np.int64))
    database = torch.from_numpy(data["validation_database_indices"].astype(np.int64))
    mean, std = float(data["mean"].reshape(-1)[0]), float(data["std"].reshape(-1)[0])

    def prepare(indices):
        return (images[indices].float() / 255 - mean) / std

    model = SSDH(args.bits)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)

    def encode(indices):
        model.eval()
        with torch.no_grad():
            codes = torch.cat([(model(prepare(indices[s:s + 500]))[0] > 0.5).float() for s in range(0, len(indices), 500)])
        model.train()
        return codes

    best = float("inf")
    generator = torch.Generator().manual_seed(0)
    for _ in range(args.epochs):
        start = time.perf_counter()
        order = train[torch.randperm(len(train), generator=generator)]
        model.train()
        for s in range(0, len(order), args.batch_size):
            batch = order[s:s + args.batch_size]
            codes, logits = model(prepare(batch))
            loss = ssdh_loss(codes, logits, labels[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        if not torch.isfinite(loss):
            raise SystemExit("the PyTorch epoch diverged")
        steps_end = time.perf_counter()
        validation_map = mean_average_precision(encode(queries), labels[queries], encode(database), labels[database])
        end = time.perf_counter()
        print(f"steps={steps_end - start:.2f} validation={end - steps_end:.2f} total={end - start:.2f} validation_map={validation_map:.4f}")
        best = min(best, end - start)
    print(f"{best:.3f}")


if __name__ == "__main__":
    main()
