#!/usr/bin/env python3
"""Writes the safetensors fixtures that Tests/TensorCoreTests/SafeTensorsTests.swift reads.

    python3 Scripts/make_safetensors_fixture.py            # write, then verify if torch is around
    python3 Scripts/make_safetensors_fixture.py --verify-only

1. reference.safetensors (+ reference.json): written here with the standard library alone
   (struct + json), straight from the format's specification, independently of the Swift code.
   It holds F32, F64, F16, BF16, I64, I32 and U8 tensors (rank 0, empty and special values
   included), stored in a non-sorted order, and string metadata. reference.json lists every
   tensor's dtype, shape and expected values as float32 bit patterns (exact, NaN-safe).

2. Verification, when a Python with torch is available (this interpreter, or
   /work/.venv-torch/bin/python, or $SAFETENSORS_VERIFY_PYTHON):
   - torch reinterprets each tensor's raw bytes (torch.frombuffer) and converts to float32; the
     bits must match reference.json;
   - if the official `safetensors` package is installed: its loader must read reference.safetensors
     with the same values and metadata; it writes official-numpy.safetensors (+ .json) with
     safetensors.numpy.save_file; and it must read swift-written.safetensors (written by the Swift
     tests, see SafeTensorsTests) with the values in swift-written.json, and re-save it byte for byte.

The script needs no virtual environment to write the reference fixture.
"""

import json
import math
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "safetensors")
DEFAULT_VERIFY_PYTHON = "/work/.venv-torch/bin/python"

# struct format character and size of each dtype the Swift reader converts.
FORMATS = {"F32": ("f", 4), "F64": ("d", 8), "F16": ("e", 2), "I64": ("q", 8), "I32": ("i", 4), "U8": ("B", 1)}


def float32_bits(value):
    """The bit pattern of `value` rounded to float32 (round to nearest even, overflow to inf)."""
    if math.isnan(value):
        return 0x7FC00000
    try:
        return struct.unpack("<I", struct.pack("<f", value))[0]
    except OverflowError:
        return 0x7F800000 if value > 0 else 0xFF800000


def bf16_bytes(values):
    """BF16 encoding of values that bf16 represents exactly (the top half of their float32 bits)."""
    out = b""
    for value in values:
        bits = float32_bits(value)
        assert bits & 0xFFFF == 0, f"{value} is not exactly representable in bf16"
        out += struct.pack("<H", bits >> 16)
    return out


def encode(dtype, values):
    if dtype == "BF16":
        return bf16_bytes(values)
    code, _ = FORMATS[dtype]
    return struct.pack("<" + code * len(values), *values)


def expected_bits(dtype, values):
    # Integers below 2**53 are exact as Python floats, so one rounding to float32 happens, as in Swift.
    return [float32_bits(float(v)) for v in values]


# name, dtype, shape, values (in the order their data is laid out: deliberately not sorted by name)
REFERENCE_TENSORS = [
    ("weights.f64", "F64", [2, 2], [math.pi, -1e-3, 123456789.123, 1e-40]),
    ("counts.i64", "I64", [3], [-5, 2**40 + 1, 123456789012]),
    ("matrix.f32", "F32", [2, 3], [-0.0, 1.5, 3.4028234663852886e38, 1e-45, -2.75, 0.1]),
    ("scalar.f32", "F32", [], [42.5]),
    ("empty.f32", "F32", [0, 3], []),
    ("half.f16", "F16", [6], [1.0, -2.5, 65504.0, 2.0**-24, float("inf"), float("-inf")]),
    ("brain.bf16", "BF16", [1, 3], [1.0, -3.5, 2.0**100]),
    ("ints.i32", "I32", [2, 2], [-(2**31), 2**31 - 1, 0, -7]),
    ("image.u8", "U8", [2, 2, 1], [0, 1, 128, 255]),
]
REFERENCE_METADATA = {"format": "pt", "note": 'unicode ✓ "quoted" \\ back\nslash', "empty": ""}


def write_reference():
    header = {"__metadata__": REFERENCE_METADATA}
    data = b""
    expected = {"metadata": REFERENCE_METADATA, "tensors": {}}
    for name, dtype, shape, values in REFERENCE_TENSORS:
        assert math.prod(shape) == len(values)
        raw = encode(dtype, values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
        expected["tensors"][name] = {"dtype": dtype, "shape": shape, "float32_bits": expected_bits(dtype, values)}
    header_bytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    os.makedirs(FIXTURES, exist_ok=True)
    with open(os.path.join(FIXTURES, "reference.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)) + header_bytes + data)
    with open(os.path.join(FIXTURES, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.join(FIXTURES, 'reference.safetensors')} ({8 + len(header_bytes) + len(data)} bytes)")


# ---------------------------------------------------------------------------------------------
# Verification (needs torch; the official safetensors package is optional)


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAILED: {message}")


def torch_bits(tensor):
    import torch

    return tensor.to(torch.float32).contiguous().view(torch.int32).flatten().tolist()


def as_unsigned(bits):
    return [b & 0xFFFFFFFF for b in bits]


def compare(label, tensors, expected):
    check(set(tensors) == set(expected), f"{label}: names {sorted(tensors)} != {sorted(expected)}")
    for name, want in expected.items():
        got = tensors[name]
        check(list(got.shape) == want["shape"], f"{label}: {name} shape {list(got.shape)} != {want['shape']}")
        check(as_unsigned(torch_bits(got)) == want["float32_bits"], f"{label}: {name} values differ")


def verify():
    import torch

    torch_dtypes = {
        "F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
        "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8,
    }
    path = os.path.join(FIXTURES, "reference.safetensors")
    with open(os.path.join(FIXTURES, "reference.json"), encoding="utf-8") as f:
        expected = json.load(f)
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    data = blob[8 + n :]
    check(header.pop("__metadata__") == expected["metadata"], "reference: metadata differs")
    decoded = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = torch_dtypes[info["dtype"]]
        if end > begin:
            flat = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype)
        else:
            flat = torch.empty(0, dtype=dtype)
        decoded[name] = flat.reshape(info["shape"])
    compare("torch.frombuffer(reference)", decoded, expected["tensors"])
    print(f"torch {torch.__version__}: reference.safetensors values match reference.json")

    try:
        import numpy as np
        import safetensors
        from safetensors import safe_open
        from safetensors.numpy import load_file as np_load, save_file as np_save
        from safetensors.torch import load_file as torch_load
    except ImportError:
        print("the official safetensors package is not installed: skipping the official-loader checks")
        return

    version = safetensors.__version__
    compare(f"safetensors {version} load_file(reference)", torch_load(path), expected["tensors"])
    with safe_open(path, framework="pt") as f:
        check(f.metadata() == expected["metadata"], "official loader: reference metadata differs")
    print(f"safetensors {version}: reads reference.safetensors, values and metadata match")

    # A second fixture written by the official library itself.
    official = {
        "a.float32": np.array([[1.0, -2.0, 0.5], [3.25, -0.0, 1e-3]], dtype=np.float32),
        "b.float64": np.array([math.e, -1e10], dtype=np.float64),
        "c.float16": np.array([0.5, -65504.0, 2.0**-24], dtype=np.float16),
        "d.int64": np.array([[-1, 7], [2**33, 0]], dtype=np.int64),
        "e.int32": np.array([12345678], dtype=np.int32),
        "f.uint8": np.array([3, 250], dtype=np.uint8),
        "g.scalar": np.array(7.0, dtype=np.float32),
        "h.empty": np.zeros((2, 0), dtype=np.float32),
    }
    official_metadata = {"writer": f"safetensors.numpy.save_file {version}"}
    official_path = os.path.join(FIXTURES, "official-numpy.safetensors")
    np_save(official, official_path, metadata=official_metadata)
    dtype_names = {"float32": "F32", "float64": "F64", "float16": "F16", "int64": "I64", "int32": "I32", "uint8": "U8"}
    official_expected = {
        "metadata": official_metadata,
        "tensors": {
            name: {
                "dtype": dtype_names[str(array.dtype)],
                "shape": list(array.shape),
                "float32_bits": [int(b) for b in array.astype(np.float32).reshape(-1).view(np.uint32)],
            }
            for name, array in official.items()
        },
    }
    with open(os.path.join(FIXTURES, "official-numpy.json"), "w", encoding="utf-8") as f:
        json.dump(official_expected, f, indent=1, sort_keys=True)
        f.write("\n")
    compare("official-numpy round trip", torch_load(official_path), official_expected["tensors"])
    print(f"safetensors {version}: wrote official-numpy.safetensors")

    # The file our Swift encoder wrote must load with the official loader.
    swift_path = os.path.join(FIXTURES, "swift-written.safetensors")
    if not os.path.exists(swift_path):
        print("swift-written.safetensors not found: run the Swift tests with SAFETENSORS_REGENERATE_FIXTURES=1")
        return
    with open(os.path.join(FIXTURES, "swift-written.json"), encoding="utf-8") as f:
        swift_expected = json.load(f)
    compare(f"safetensors {version} load_file(swift-written)", torch_load(swift_path), swift_expected["tensors"])
    with safe_open(swift_path, framework="np") as f:
        swift_metadata = f.metadata()
    check(swift_metadata == swift_expected["metadata"], "official loader: swift-written metadata differs")
    # Re-saving with the official writer gives the same bytes (our layout is the official one).
    resaved = os.path.join(FIXTURES, ".resaved.tmp")
    try:
        np_save(np_load(swift_path), resaved, metadata=swift_metadata)
        with open(resaved, "rb") as a, open(swift_path, "rb") as b:
            identical = a.read() == b.read()
    finally:
        os.remove(resaved)
    check(identical, "the official writer lays swift-written.safetensors out differently")
    print(f"safetensors {version}: reads swift-written.safetensors (values and metadata match) "
          "and re-saves it byte for byte")


def main():
    verify_only = "--verify-only" in sys.argv
    if not verify_only:
        write_reference()
    try:
        import torch  # noqa: F401
    except ImportError:
        python = os.environ.get("SAFETENSORS_VERIFY_PYTHON", DEFAULT_VERIFY_PYTHON)
        # (A venv's python is a symlink to the system one, so compare the paths, not their targets;
        # the environment variable stops a second hand-over.)
        if os.path.exists(python) and "SAFETENSORS_FIXTURE_CHILD" not in os.environ:
            environment = dict(os.environ, SAFETENSORS_FIXTURE_CHILD="1")
            print(f"verifying with {python}")
            sys.exit(subprocess.call([python, os.path.abspath(__file__), "--verify-only"], env=environment))
        print("torch is not available: skipping verification")
        return
    verify()


if __name__ == "__main__":
    main()
