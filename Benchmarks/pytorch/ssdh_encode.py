"""PyTorch CPU peer of bench-encode: images to packed binary codes with SSDH's network
(forward in evaluation mode without autograd, sigmoid > 0.5, numpy.packbits), for every image of
the .npz file bench-encode writes (images uint8 [N, 1, 28, 28], mean, std), in chunks of
--chunk-size images as our encoder reads them. Prints the best seconds over the repeats as its
last line.
"""
import argparse
import time

import numpy as np
import torch

from ssdh_epoch import SSDH


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", required=True)
    parser.add_argument("--bits", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=500)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    data = np.load(args.data)
    images = torch.from_numpy(data["images"])
    mean, std = float(data["mean"].reshape(-1)[0]), float(data["std"].reshape(-1)[0])
    model = SSDH(args.bits).eval()
    best = float("inf")
    for _ in range(args.repeats):
        start = time.perf_counter()
        packed = []
        with torch.no_grad():
            for s in range(0, len(images), args.chunk_size):
                chunk = images[s:s + args.chunk_size]
                codes = model((chunk.float() / 255 - mean) / std)[0] > 0.5
                packed.append(np.packbits(codes.numpy(), axis=1))
        codes = np.concatenate(packed)
        best = min(best, time.perf_counter() - start)
    assert codes.shape == (len(images), (args.bits + 7) // 8)
    print(f"{best:.3f}")


if __name__ == "__main__":
    main()
