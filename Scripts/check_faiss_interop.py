"""The Python half of Scripts/check-faiss-interop.sh: FAISS and NumPy read what `hashing export` wrote."""
import argparse
import json
import os
import sys

import faiss
import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--codes", required=True)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    archive = np.load(args.codes)
    failures = []

    database_bits = archive["database_codes"]
    query_bits = archive["query_codes"]
    packed_database = np.load(os.path.join(args.work, "database.npy"))
    packed_query = np.load(os.path.join(args.work, "query.npy"))
    if not np.array_equal(packed_database, np.packbits(database_bits, axis=1)):
        failures.append("database.npy differs from numpy.packbits of the codes file")
    if not np.array_equal(packed_query, np.packbits(query_bits, axis=1)):
        failures.append("query.npy differs from numpy.packbits of the codes file")
    labels = np.load(os.path.join(args.work, "database_labels.npy"))
    ids = np.load(os.path.join(args.work, "database_ids.npy"))
    if not np.array_equal(labels, archive["database_labels"]):
        failures.append("database_labels.npy differs from the codes file's labels")
    if "database_indices" in archive.files and not np.array_equal(ids, archive["database_indices"]):
        failures.append("database_ids.npy differs from the codes file's indices")

    index = faiss.read_index_binary(os.path.join(args.work, "database.index"))
    stored = faiss.vector_to_array(index.xb).reshape(index.ntotal, index.code_size)
    if index.d != database_bits.shape[1] or not np.array_equal(stored, packed_database):
        failures.append(f"the FAISS index holds other codes (d={index.d}, ntotal={index.ntotal})")
    codes_ok = not failures
    distances, neighbours = index.search(np.packbits(query_bits, axis=1), args.k)
    ours = json.load(open(os.path.join(args.work, "ours.json")))
    if len(ours) != len(query_bits):
        failures.append(f"hashing search returned {len(ours)} queries, expected {len(query_bits)}")
    differing_distances = differing_ids = 0
    for row in ours:
        q = row["query"]
        if list(distances[q]) != row["distances"]:
            differing_distances += 1
            continue
        kth = row["distances"][-1]
        theirs_below = {int(i) for i, d in zip(neighbours[q], distances[q]) if d < kth}
        ours_below = {i for i, d in zip(row["ids"], row["distances"]) if d < kth}
        if theirs_below != ours_below:
            differing_ids += 1
    if differing_distances or differing_ids:
        failures.append(f"{differing_distances} queries with other distances, {differing_ids} with other ids below the k-th distance")

    print(f"check-faiss-interop: faiss {faiss.__version__}; {index.ntotal} database codes of {index.d} bits, "
          f"{len(query_bits)} queries, k = {args.k}: index codes = packed .npy = numpy.packbits: "
          f"{'yes' if codes_ok else 'NO'}; FAISS k-NN distances equal hashing search for "
          f"{len(ours) - differing_distances}/{len(ours)} queries, ids below the k-th distance for "
          f"{len(ours) - differing_distances - differing_ids}/{len(ours)}")
    for failure in failures:
        print(f"check-faiss-interop: FAILED: {failure}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
