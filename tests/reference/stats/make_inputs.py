"""Writes the inputs of stats_reference.R: two-group and paired score tables and meta-analysis
study tables, from fixed seeds. Rerun with python make_inputs.py; then Rscript stats_reference.R."""

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261203)
rows = []


def two_group(case, target, reference, pairs=False):
    for group, values in (("target", target), ("reference", reference)):
        for i, v in enumerate(values):
            rows.append({"case": case, "group": group, "pair": f"p{i}" if pairs else "", "value": round(float(v), 6)})


# the case: 3 tight replicates per group
two_group("n3_tight", [7.5, 7.6, 7.4], [0.0, 0.1, -0.1])
two_group("n3", rng.normal(1.0, 1.0, 3), rng.normal(0.0, 1.5, 3))
two_group("n5_n7", rng.normal(0.8, 1.0, 5), rng.normal(0.0, 2.0, 7))
two_group("n12", rng.normal(0.5, 1.0, 12), rng.normal(0.0, 1.0, 12))
two_group("n40_n25", rng.normal(-0.3, 1.2, 40), rng.normal(0.0, 0.9, 25))
for case, n in (("paired4", 4), ("paired6", 6), ("paired15", 15)):
    base = rng.normal(0.0, 1.0, n)
    two_group(case, base + 0.6 + rng.normal(0, 0.5, n), base + rng.normal(0, 0.5, n), pairs=True)
pd.DataFrame(rows).to_csv("two_group.tsv", sep="\t", index=False)

# studies: effect yi with sampling variance vi
bcg = np.array([
    [4, 119, 11, 128], [6, 300, 29, 274], [3, 228, 11, 209], [62, 13536, 248, 12619],
    [33, 5036, 47, 5761], [180, 1361, 372, 1079], [8, 2537, 10, 619], [505, 87886, 499, 87892],
    [29, 7470, 45, 7232], [17, 1699, 65, 1600], [186, 50448, 141, 27197], [5, 2493, 3, 2338],
    [27, 16886, 29, 17825],
], dtype=float)  # fmt: skip
tp, tn, cp, cn = bcg.T
studies = [
    ("bcg", np.log((tp / (tp + tn)) / (cp / (cp + cn))), 1 / tp - 1 / (tp + tn) + 1 / cp - 1 / (cp + cn)),
    ("homogeneous3", np.array([0.50, 0.55, 0.45]), np.array([0.30, 0.25, 0.35]) ** 2),
    ("few4", np.array([0.9, 0.2, 0.6, 0.1]), np.array([0.2, 0.25, 0.3, 0.2]) ** 2),
    ("moderate8", rng.normal(0.6, 0.3, 8).round(4), (rng.uniform(0.15, 0.45, 8) ** 2).round(6)),
]
meta = [
    {"case": case, "study": f"s{i}", "yi": float(y), "vi": float(v)}
    for case, ys, vs in studies
    for i, (y, v) in enumerate(zip(ys, vs, strict=True))
]
pd.DataFrame(meta).to_csv("meta.tsv", sep="\t", index=False, float_format="%.10g")
