"""The inputs of the pROC reference (proc_reference.R): scores of cases (1) and controls (0)
in cases chosen for their edges: perfect separation at 3 vs 3, ties across the classes, a
constant score, a score lower in cases (AUC < 0.5), unbalanced integer scores, and larger n.

    python tests/reference/proc/make_cases.py   # writes cases.tsv beside this file
"""

from pathlib import Path

import numpy as np
import pandas as pd


def cases() -> pd.DataFrame:
    rng = np.random.default_rng(25)
    parts = {
        "separated_3v3": ([0.1, 0.2, 0.3], [0.9, 1.0, 1.1]),
        "ties_across_8v7": ([1, 2, 2, 3, 3, 3, 4, 5], [2, 3, 3, 4, 5, 5, 6]),
        "constant_5v5": ([1.0] * 5, [1.0] * 5),
        "lower_in_cases_12v10": (rng.normal(1.0, 1, 12), rng.normal(0.0, 1, 10)),
        "unbalanced_integer_40v5": (rng.integers(0, 6, 40), rng.integers(2, 8, 5)),
        "continuous_20v25": (rng.normal(0, 1, 20), rng.normal(0.8, 1, 25)),
        "large_100v100": (rng.normal(0, 1, 100), rng.normal(0.3, 1, 100)),
        "one_overlap_4v4": ([0.0, 1.0, 2.0, 3.5], [3.0, 4.0, 5.0, 6.0]),
    }
    rows = []
    for name, (controls, cases_) in parts.items():
        rows += [(name, 0, float(v)) for v in controls] + [(name, 1, float(v)) for v in cases_]
    return pd.DataFrame(rows, columns=["case", "response", "score"])


if __name__ == "__main__":
    cases().to_csv(Path(__file__).with_name("cases.tsv"), sep="\t", index=False, float_format="%.17g")
