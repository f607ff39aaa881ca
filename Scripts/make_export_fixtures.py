"""Golden files for the code exporters (Tests/Fixtures/export), made by NumPy and FAISS themselves.

For each case: `<name>_bits.npy` (uint8 [N, K] of 0/1, seeded), `<name>_packed.npy`
(numpy.packbits(bits, axis=1): the bit order `hashing export --format packed-npy` must match) and,
when K is a multiple of 8, `<name>.index` (faiss.write_index_binary of an IndexBinaryFlat holding
the packed codes: the bytes `hashing export --format faiss` must match), plus `<name>_knn.npy`
(int64 [N, 3]: FAISS's 3 nearest database ids for each code used as a query, as a search check).

Run with the FAISS environment: .venv-faiss/bin/python Scripts/make_export_fixtures.py
"""
import os

import faiss
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "export")
CASES = [("k20", 5, 20), ("k64", 7, 64), ("k48", 9, 48)]


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261204)
    for name, count, bits in CASES:
        codes = rng.integers(0, 2, size=(count, bits), dtype=np.uint8)
        packed = np.packbits(codes, axis=1)
        np.save(os.path.join(OUT, f"{name}_bits.npy"), codes)
        np.save(os.path.join(OUT, f"{name}_packed.npy"), packed)
        if bits % 8 == 0:
            index = faiss.IndexBinaryFlat(bits)
            index.add(packed)
            faiss.write_index_binary(index, os.path.join(OUT, f"{name}.index"))
            _, ids = index.search(packed, 3)
            np.save(os.path.join(OUT, f"{name}_knn.npy"), ids.astype(np.int64))
        print(f"{name}: {count} codes of {bits} bits")
    print(f"faiss {faiss.__version__}, numpy {np.__version__}")


if __name__ == "__main__":
    main()
