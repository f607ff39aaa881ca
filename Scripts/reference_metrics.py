#!/usr/bin/env python3
"""Independent reference values for the Evaluation target's retrieval metrics.

Generates binary codes and labels with a fixed seed (random codes with heavy ties, and clustered
codes around class centres; single-label and multi-label, one case wider than 64 bits and one with
more than 64 labels), computes every metric of `RetrievalEvaluator` with numpy and scikit-learn,
and writes codes, labels, options and expected values to Tests/Fixtures/metrics/reference.json.

This file shares no code with the Swift side and computes things the direct, slow way:
  * distances: a dense query x database matrix of differing bits (no popcount);
  * ranking: np.argsort(kind="stable") on distances, i.e. ties broken by database index;
  * AP@all and AP@K: sklearn.metrics.average_precision_score on strictly decreasing scores
    (-rank), which makes it the ordinary AP of the ranking; AP@K on the top-K slice, i.e.
    normalised by the relevant items retrieved in the top K; cross-checked against a numpy cumsum;
  * tie-aware AP (McSherry & Najork 2008): the per-position expectation
        E[AP] = 1/R * sum_g (r/t) * sum_{j=1..t} (R_before + 1 + (j-1)(r-1)/(t-1)) / (c + j)
    summed term by term (the Swift side uses harmonic numbers instead), and checked here against
    exhaustive enumeration of every order within ties on small random cases;
  * P@K = hits in top min(K, N) / K; precision/recall within radius r with distance <= r.
Means are over all queries; a query without relevant items scores AP 0 and recall 0, and a radius
retrieving nothing scores precision 0.

Run:  /work/.venv-torch/bin/python Scripts/reference_metrics.py   (needs numpy, scikit-learn)
"""

import itertools
import json
import math
import os
import sys

import numpy as np
import sklearn
from sklearn.metrics import average_precision_score

SEED = 20240604
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "metrics", "reference.json")


# ---------------------------------------------------------------------------------------------
# Metrics, the slow and direct way


def hamming_matrix(query_bits, database_bits):
    """[Q, N] number of differing bits (bits are 0/1 uint8 matrices)."""
    return (query_bits[:, None, :] != database_bits[None, :, :]).sum(axis=2)


def relevance_matrix(query_labels, database_labels, label_kind):
    if label_kind == "single":
        return np.asarray(query_labels)[:, None] == np.asarray(database_labels)[None, :]
    label_count = 1 + max([l for s in list(query_labels) + list(database_labels) for l in s], default=0)

    def multi_hot(sets):
        matrix = np.zeros((len(sets), label_count), dtype=np.int64)
        for row, labels in enumerate(sets):
            matrix[row, list(labels)] = 1
        return matrix

    return (multi_hot(query_labels) @ multi_hot(database_labels).T) > 0


def ap_numpy(ranked_relevance):
    """Mean over relevant positions of hits/rank (0 without relevant items)."""
    ranked_relevance = np.asarray(ranked_relevance, dtype=bool)
    if not ranked_relevance.any():
        return 0.0
    hits = np.cumsum(ranked_relevance)
    ranks = np.arange(1, len(ranked_relevance) + 1)
    return float(np.mean(hits[ranked_relevance] / ranks[ranked_relevance]))


def ap_sklearn(ranked_relevance):
    ranked_relevance = np.asarray(ranked_relevance, dtype=bool)
    if not ranked_relevance.any():
        return 0.0
    scores = -np.arange(len(ranked_relevance), dtype=np.float64)  # strictly decreasing: no ties
    return float(average_precision_score(ranked_relevance.astype(int), scores))


def tie_aware_ap(distances, relevance):
    """Expected AP@all over uniformly random orders within equal distances, term by term."""
    relevant_total = int(relevance.sum())
    if relevant_total == 0:
        return 0.0
    total = 0.0
    before = 0
    relevant_before = 0
    for value in np.unique(distances):  # ascending
        in_group = distances == value
        t = int(in_group.sum())
        r = int(relevance[in_group].sum())
        if r > 0:
            slope = (r - 1) / (t - 1) if t > 1 else 0.0
            for j in range(1, t + 1):
                total += (r / t) * (relevant_before + 1 + (j - 1) * slope) / (before + j)
        before += t
        relevant_before += r
    return total / relevant_total


def tie_aware_ap_by_enumeration(distances, relevance):
    """Mean AP over every order within ties (product of the permutations of each group)."""
    groups = [list(np.flatnonzero(distances == value)) for value in np.unique(distances)]
    values = []
    for orders in itertools.product(*[itertools.permutations(g) for g in groups]):
        ranked = np.concatenate([np.asarray(o, dtype=int) for o in orders])
        values.append(ap_numpy(relevance[ranked]))
    return float(np.mean(values))


def query_metrics(distances, relevance, options, bit_count):
    order = np.argsort(distances, kind="stable")
    ranked = relevance[order]
    n = len(ranked)
    relevant_total = int(relevance.sum())
    ap_all = ap_sklearn(ranked)
    assert abs(ap_all - ap_numpy(ranked)) < 1e-12, (ap_all, ap_numpy(ranked))
    top = ranked[: options["topK"]]
    ap_top = ap_sklearn(top)
    assert abs(ap_top - ap_numpy(top)) < 1e-12
    precision_at = [float(ranked[: min(k, n)].sum()) / k for k in options["precisionCutoffs"]]
    precision_radius, recall_radius = [], []
    for radius in range(bit_count + 1):
        inside = distances <= radius
        retrieved = int(inside.sum())
        relevant_retrieved = int((inside & relevance).sum())
        precision_radius.append(relevant_retrieved / retrieved if retrieved else 0.0)
        recall_radius.append(relevant_retrieved / relevant_total if relevant_total else 0.0)
    return {
        "relevantCount": relevant_total,
        "averagePrecision": ap_all,
        "tieAwareAveragePrecision": tie_aware_ap(distances, relevance),
        "averagePrecisionAtK": ap_top,
        "precisionAtCutoffs": precision_at,
        "precisionWithinRadius": precision_radius,
        "recallWithinRadius": recall_radius,
    }


def evaluate(query_bits, database_bits, query_labels, database_labels, label_kind, options):
    bit_count = query_bits.shape[1]
    distances = hamming_matrix(query_bits, database_bits)
    relevance = relevance_matrix(query_labels, database_labels, label_kind)
    per_query = [query_metrics(distances[q], relevance[q], options, bit_count) for q in range(len(query_bits))]

    def mean(key):
        return float(np.mean([m[key] for m in per_query]))

    def mean_curve(key):
        return [float(v) for v in np.mean(np.array([m[key] for m in per_query]), axis=0)]

    radius = min(options["radius"], bit_count)
    precision_curve = mean_curve("precisionWithinRadius")
    recall_curve = mean_curve("recallWithinRadius")
    return {
        "queriesWithoutRelevantItems": sum(1 for m in per_query if m["relevantCount"] == 0),
        "meanAveragePrecision": mean("averagePrecision"),
        "tieAwareMeanAveragePrecision": mean("tieAwareAveragePrecision"),
        "meanAveragePrecisionAtK": mean("averagePrecisionAtK"),
        "precisionAtK": mean_curve("precisionAtCutoffs"),
        "precisionWithinRadius": precision_curve[radius],
        "recallWithinRadius": recall_curve[radius],
        "precisionCurve": precision_curve,
        "recallCurve": recall_curve,
        "perQueryAveragePrecision": [m["averagePrecision"] for m in per_query],
        "perQueryTieAwareAveragePrecision": [m["tieAwareAveragePrecision"] for m in per_query],
        "perQueryAveragePrecisionAtK": [m["averagePrecisionAtK"] for m in per_query],
        "perQueryRelevantCount": [m["relevantCount"] for m in per_query],
    }


# ---------------------------------------------------------------------------------------------
# Self-checks of the reference itself


def self_check(rng):
    # Tie-aware formula against exhaustive enumeration on small random cases (<= 8 items).
    for trial in range(300):
        n = int(rng.integers(1, 9))
        distances = rng.integers(0, int(rng.integers(1, 4)), size=n)
        relevance = rng.random(n) < rng.random()
        exact = tie_aware_ap_by_enumeration(distances, relevance)
        formula = tie_aware_ap(distances, relevance)
        assert abs(exact - formula) < 1e-12, (trial, distances, relevance, exact, formula)
    # Without ties the tie-aware AP is the ordinary AP.
    relevance = rng.random(50) < 0.3
    assert abs(tie_aware_ap(np.arange(50), relevance) - ap_numpy(relevance)) < 1e-12
    # Hand-computed: ranked [1, 0, 1, 0] -> (1/1 + 2/3) / 2.
    assert abs(ap_sklearn([1, 0, 1, 0]) - (1 + 2 / 3) / 2) < 1e-15
    # Stable argsort breaks ties by index.
    assert list(np.argsort(np.array([1, 0, 1, 0, 1]), kind="stable")) == [1, 3, 0, 2, 4]


# ---------------------------------------------------------------------------------------------
# Data


def random_bits(rng, count, bit_count):
    return (rng.random((count, bit_count)) < 0.5).astype(np.uint8)


def flipped(rng, centres, flip_probability):
    return (centres ^ (rng.random(centres.shape) < flip_probability)).astype(np.uint8)


def bit_strings(bits):
    return ["".join("1" if b else "0" for b in row) for row in bits]


def make_cases(rng):
    cases = []

    def add(name, bit_count, label_kind, query_bits, database_bits, query_labels, database_labels, top_k, cutoffs):
        options = {"topK": top_k, "precisionCutoffs": cutoffs, "radius": 2}
        expected = evaluate(query_bits, database_bits, query_labels, database_labels, label_kind, options)
        if label_kind == "single":
            query_lists = [[int(l)] for l in query_labels]
            database_lists = [[int(l)] for l in database_labels]
        else:
            query_lists = [sorted(int(l) for l in s) for s in query_labels]
            database_lists = [sorted(int(l) for l in s) for s in database_labels]
        cases.append({
            "name": name, "bitCount": bit_count, "labelKind": label_kind,
            "queryCodes": bit_strings(query_bits), "databaseCodes": bit_strings(database_bits),
            "queryLabels": query_lists, "databaseLabels": database_lists,
            "options": options, "expected": expected,
        })

    # 1. Random 16-bit codes: many ties at every distance; 6 classes.
    q, n, b = 40, 300, 16
    add("random-single-16bit", b, "single", random_bits(rng, q, b), random_bits(rng, n, b),
        rng.integers(0, 6, q), rng.integers(0, 6, n), 50, [1, 3, 10, 30, 100, n + 7])

    # 2. Clustered 32-bit codes around 10 class centres (12% bit flips).
    q, n, b, classes = 60, 500, 32, 10
    centres = random_bits(rng, classes, b)
    query_labels, database_labels = rng.integers(0, classes, q), rng.integers(0, classes, n)
    add("clustered-single-32bit", b, "single", flipped(rng, centres[query_labels], 0.12),
        flipped(rng, centres[database_labels], 0.12), query_labels, database_labels, 100, [1, 5, 10, 50, 100, 200])

    # 3. 6-bit codes: huge tie groups; class 4 of some queries is absent from the database.
    q, n, b = 24, 120, 6
    query_labels = rng.integers(0, 5, q)
    query_labels[:3] = 4
    database_labels = rng.integers(0, 4, n)
    add("tiny-ties-6bit", b, "single", random_bits(rng, q, b), random_bits(rng, n, b),
        query_labels, database_labels, 10, [1, 2, 10, 60, 500])

    # 4. 70-bit codes (two words), 5 clustered classes with 20% flips, plus near-duplicates.
    q, n, b, classes = 30, 250, 70, 5
    centres = random_bits(rng, classes, b)
    query_labels, database_labels = rng.integers(0, classes, q), rng.integers(0, classes, n)
    query_bits = flipped(rng, centres[query_labels], 0.2)
    database_bits = flipped(rng, centres[database_labels], 0.2)
    # Near-duplicates: database item i copies query i with exactly i % 4 bits flipped (distances
    # 0, 1, 2, 3 straddle the radius-2 boundary), with the query's label for even i only.
    for i in range(q):
        database_bits[i] = query_bits[i]
        database_bits[i, rng.choice(b, size=i % 4, replace=False)] ^= 1
        database_labels[i] = query_labels[i] if i % 2 == 0 else (query_labels[i] + 1) % classes
    add("clustered-single-70bit", b, "single", query_bits, database_bits, query_labels, database_labels,
        40, [1, 10, 25, 100])

    # 5. Multi-label, 24-bit codes, 7 labels: 0-3 labels per item (empty sets give queries
    #    without relevant items); codes near the centre of the item's first label.
    q, n, b, labels = 50, 400, 24, 7
    centres = random_bits(rng, labels, b)

    def label_sets(count):
        sets = []
        for _ in range(count):
            size = int(rng.choice([0, 1, 1, 2, 2, 3]))
            sets.append(sorted(set(int(x) for x in rng.choice(labels, size=size, replace=False))))
        return sets

    def codes_for(sets):
        return np.stack([flipped(rng, centres[s[0]], 0.15) if s else random_bits(rng, 1, b)[0] for s in sets])

    query_sets, database_sets = label_sets(q), label_sets(n)
    add("clustered-multi-24bit", b, "multi", codes_for(query_sets), codes_for(database_sets),
        query_sets, database_sets, 60, [1, 5, 20, 100, 400])

    # 6. Multi-label with 80 labels (two label words), 20-bit random codes.
    q, n, b, labels = 30, 200, 20, 80

    def wide_sets(count):
        return [sorted(set(int(x) for x in rng.choice(labels, size=int(rng.integers(1, 5)), replace=False)))
                for _ in range(count)]

    add("random-multi-80labels-20bit", b, "multi", random_bits(rng, q, b), random_bits(rng, n, b),
        wide_sets(q), wide_sets(n), 30, [1, 10, 30, 250])
    return cases


def main():
    rng = np.random.default_rng(SEED)
    self_check(rng)
    cases = make_cases(rng)
    document = {
        "generator": "Scripts/reference_metrics.py",
        "seed": SEED,
        "numpy": np.__version__,
        "scikitLearn": sklearn.__version__,
        "python": sys.version.split()[0],
        "conventions": [
            "ranking: np.argsort(distance, kind='stable'): ties broken by ascending database index",
            "AP@K normalised by relevant items retrieved in the top K; 0 when there are none",
            "P@K = hits in top min(K, N) / K",
            "radius r: distance <= r; precision 0 when nothing is retrieved; recall 0 without relevant items",
            "means over all queries",
            "codes: character j of a code string is bit j",
        ],
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    temporary = OUTPUT + ".partial"
    with open(temporary, "w") as f:
        json.dump(document, f, separators=(",", ":"))
        f.write("\n")
    os.replace(temporary, OUTPUT)
    size = os.path.getsize(OUTPUT)
    print(f"wrote {os.path.relpath(OUTPUT)}: {len(cases)} cases, {size} bytes")
    for case in cases:
        e = case["expected"]
        print(f"  {case['name']}: mAP={e['meanAveragePrecision']:.6f} tie-aware={e['tieAwareMeanAveragePrecision']:.6f} "
              f"mAP@{case['options']['topK']}={e['meanAveragePrecisionAtK']:.6f} P@H<=2={e['precisionWithinRadius']:.6f} "
              f"R@H<=2={e['recallWithinRadius']:.6f} no-relevant={e['queriesWithoutRelevantItems']}")
    assert size < 1_000_000


if __name__ == "__main__":
    main()
