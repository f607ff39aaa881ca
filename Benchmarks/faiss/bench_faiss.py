#!/usr/bin/env python3
"""FAISS IndexBinaryFlat k-NN timing for bench-search, on the codes bench-search wrote.

Reads the database and query codes as raw bytes (row-major, bits/8 bytes per code, the little-endian
bytes of bench-search's 64-bit words, which is FAISS's own bit order), builds IndexBinaryFlat, and
times index.search(queries, k) on ONE thread (faiss.omp_set_num_threads(1)): one warm-up search on a
few queries, then the best of --repeats full searches. Only search() is timed, as on the Swift side.
Writes the distances (int32, queries x k) and ids (int64) for bench-search to compare, and prints one
JSON line: {"qps": ..., "seconds": [...], "faiss": version, "simd": compile options}.
"""
import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import faiss  # noqa: E402
import numpy as np  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--bits", type=int, required=True)
    parser.add_argument("--k", type=int, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--distances-out", required=True)
    parser.add_argument("--ids-out", required=True)
    args = parser.parse_args()

    faiss.omp_set_num_threads(args.threads)
    code_bytes = args.bits // 8
    database = np.fromfile(args.database, dtype=np.uint8).reshape(-1, code_bytes)
    queries = np.fromfile(args.queries, dtype=np.uint8).reshape(-1, code_bytes)

    index = faiss.IndexBinaryFlat(args.bits)
    index.add(database)
    index.search(queries[: min(10, len(queries))], args.k)  # warm-up

    seconds = []
    distances = ids = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        distances, ids = index.search(queries, args.k)
        seconds.append(time.perf_counter() - start)

    distances.astype(np.int32).tofile(args.distances_out)
    ids.astype(np.int64).tofile(args.ids_out)
    print(json.dumps({
        "qps": len(queries) / min(seconds),
        "seconds": seconds,
        "faiss": faiss.__version__,
        "simd": faiss.get_compile_options(),
        # The level FAISS's dynamic dispatch runs (FAISS_SIMD_LEVEL overrides it), where it says.
        "level": faiss.SIMDConfig.get_level_name() if hasattr(faiss, "SIMDConfig") and hasattr(faiss.SIMDConfig, "get_level_name") else "?",
        "threads": faiss.omp_get_max_threads(),
    }))


if __name__ == "__main__":
    main()
