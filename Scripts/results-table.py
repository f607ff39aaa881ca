"""Prints the README's results tables (mAP@all per method and bit count) from runs/results.tsv."""
import collections
import pathlib
import sys

rows = [line.rstrip("\n").split("\t") for line in open(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "runs/results.tsv"))]
table = collections.defaultdict(dict)
seconds = collections.defaultdict(dict)
for dataset, method, bits, epochs, m_all, tie_aware, m_k, p_h2, r_h2, wall, command in rows:
    table[dataset][(method, int(bits))] = None if m_all == "failed" else (float(m_all), float(p_h2))  # later rows win
    seconds[dataset][(method, int(bits))] = int(wall)
preferred = ["ssdh", "dcwh", "idcwh"]
for dataset in table:
    present = {m for (m, _) in table[dataset]}
    methods = [m for m in preferred if m in present] + sorted(present - set(preferred))
    print(f"\n{dataset}: mAP@all (P@H≤2)\n")
    def label(method):
        name, _, tag = method.partition("@")
        return name.upper() + (f" ({tag.replace('lr', 'lr ')})" if tag else "")
    print("| bits | " + " | ".join(label(m) for m in methods) + " |")
    print("|---|" + "---|" * len(methods))
    for bits in sorted({b for (_, b) in table[dataset]}):
        cells = []
        for method in methods:
            key = (method, bits)
            value = table[dataset].get(key)
            if key not in table[dataset]:
                cells.append("not run yet")
            elif value is None:
                cells.append("diverged (NaN)")
            else:
                cells.append(f"{value[0]:.4f} ({value[1]:.3f})")
        print(f"| {bits} | " + " | ".join(cells) + " |")
    walls = [w for (m, b), w in seconds[dataset].items() if table[dataset].get((m, b))]
    print(f"\nwall time per run: {min(walls)}–{max(walls)} s")
