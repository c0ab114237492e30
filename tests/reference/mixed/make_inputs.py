"""Inputs of the mixed-model reference (run once; R then writes nlme.tsv from them):

    python make_inputs.py && Rscript mixed_reference.R

Three seeded designs: the group varies within donors (repeated visits), the group is
constant within donors (nested: samples in donors in groups), and a numeric covariate."""

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261203)
rows = []
for case, n_donors, per_donor, nested, effect in (
    ("within", 12, 4, False, 0.8),
    ("nested", 10, 5, True, 1.0),
    ("covariate", 14, 3, False, 0.5),
):
    donor_effect = rng.normal(0, 1.0, n_donors)
    for d in range(n_donors):
        for k in range(per_donor):
            group = ("SLE" if d % 2 else "healthy") if nested else ("SLE" if (k + d) % 2 else "healthy")
            age = float(rng.integers(20, 70))
            score = donor_effect[d] + effect * (group == "SLE") + 0.02 * age * (case == "covariate") + rng.normal(0, 0.7)
            rows.append({"case": case, "donor": f"D{d:02d}", "group": group, "age": age, "score": round(score, 6)})
pd.DataFrame(rows).to_csv("inputs.tsv", sep="\t", index=False)
