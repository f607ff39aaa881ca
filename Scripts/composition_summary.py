#!/usr/bin/env python3
"""Writes a summary of grids of compositions: for each adapted variant and pair, the run beside
the source-only run of the same composition (tie-aware target->target mAP@all and target accuracy,
mean +- sd over the seeds), and the gain. The source-only variant of `X` is `X-source-only`, or the
variant named `source-only` when the grid has one.

    python3 Scripts/composition_summary.py OUTPUT.md RESULTS.json [RESULTS.json ...]
"""
import json
import statistics
import sys


def main():
    output, sources = sys.argv[1], sys.argv[2:]
    grids = [json.load(open(source)) for source in sources]
    runs = {}
    for cell in [cell for data in grids for cell in data["cells"]]:
        entry = next((r for r in cell.get("retrieval", []) if r["name"] == "target-to-target"), None)
        if entry is None or cell.get("accuracy") is None:
            continue  # not finished
        variant = cell["cell"]["variant"]
        pair = cell["cell"]["dataset"]
        runs.setdefault((pair, variant), []).append((entry["tieAwareMeanAveragePrecision"], 100 * cell["accuracy"]))

    def stats(values):
        mean = statistics.mean(values)
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return mean, sd

    names = [v["name"] for data in grids for v in data["grid"]["variants"]]
    variants = list(dict.fromkeys(n for n in names if n != "source-only" and not n.endswith("-source-only")))
    pairs = list(dict.fromkeys(d for data in grids for d in data["grid"]["datasets"]))

    def baseline(variant):
        return variant + "-source-only" if variant + "-source-only" in names else "source-only"
    lines = [
        "# Compositions beside their source-only runs",
        "",
        f"From {', '.join('`' + source + '`' for source in sources)} (the grids' descriptions give the protocol). "
        "Tie-aware target→target mAP@all and target accuracy (%), mean ± sd over the seeds (n in brackets); "
        "the source-only run is the same composition trained on the source alone (`\"sourceOnly\": true`). "
        "Source-only runs of compositions that differ only in an adapter with no source-side term (DANN, CORAL, MMD) are the same run.",
        "",
        "| composition | pair | adapted mAP | source-only mAP | Δ mAP | adapted acc. | source-only acc. | Δ acc. |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for variant in variants:
        for pair in pairs:
            adapted = runs.get((pair, variant), [])
            alone = runs.get((pair, baseline(variant)), [])
            if not adapted or not alone:
                lines.append(f"| {variant} | {pair} | – | – | – | – | – | – |")
                continue
            (am, asd), (sm, ssd) = stats([a for a, _ in adapted]), stats([a for a, _ in alone])
            (aa, aasd), (sa, sasd) = stats([b for _, b in adapted]), stats([b for _, b in alone])
            lines.append(
                f"| {variant} | {pair} | {am:.4f} ± {asd:.4f} ({len(adapted)}) | {sm:.4f} ± {ssd:.4f} ({len(alone)}) | {am - sm:+.4f} | "
                f"{aa:.1f} ± {aasd:.1f} | {sa:.1f} ± {sasd:.1f} | {aa - sa:+.1f} |")
    open(output, "w").write("\n".join(lines) + "\n")
    print(f"composition_summary: {output}")


if __name__ == "__main__":
    main()
