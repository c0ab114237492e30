"""One missing-set policy: a selected set skipped under gene_sets.allow_missing is named, with
its coverage, where it would have been drawn; no later job crashes on it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cytoscore.pl import score_correlation
from cytoscore.pl._check import layout_problems


def test_a_skipped_set_of_the_correlation_panel_is_named_with_its_coverage(tmp_path):
    rng = np.random.default_rng(1)
    obs = [f"s{i}" for i in range(8)]
    scores = pd.DataFrame(
        {"observation": obs, "signature": "IFN_TYPE1_SPECIFIC", "method": "mean_z", "score": rng.normal(size=8)}
    )
    groups = pd.Series(["healthy"] * 4 + ["TB"] * 4, index=obs, name="group")
    coverage = pd.DataFrame(
        {"signature": ["IFN_TYPE1_SPECIFIC", "IFN_GAMMA_SPECIFIC"], "n_genes": [20, 16], "n_found": [18, 3]}
    )
    fig, source = score_correlation(
        scores, groups, x="IFN_TYPE1_SPECIFIC", y="IFN_GAMMA_SPECIFIC", method="mean_z", coverage=coverage
    )
    assert source.to_dict("records") == [
        {"signature": "IFN_GAMMA_SPECIFIC", "reason": "3 of its 16 genes are in the data"}
    ]
    text = " ".join(t.get_text() for t in fig.texts).replace("\n", " ")
    assert "was skipped: 3 of its 16 genes are in the data" in text
    assert layout_problems(fig) == []


def test_a_skipped_key_signature_has_its_row_in_the_report_table():
    from cytoscore._report import key_contrast_table

    table = pd.DataFrame(
        {
            "contrast": ["TB_vs_healthy"], "signature": ["IFN_TYPE1_SPECIFIC"], "method": ["mean_z"],
            "n_target": [10], "n_reference": [10], "mean_difference": [0.8], "mean_difference_ci_low": [0.4],
            "mean_difference_ci_high": [1.2], "hedges_g": [1.1], "hedges_g_ci_low": [0.2], "hedges_g_ci_high": [2.0],
            "test": ["welch"], "p_value": [0.001], "fdr": [0.002], "small_n": [False], "not_testable": [""],
            "markable": [True],
        }
    )  # fmt: skip
    out = key_contrast_table(table, methods=["mean_z"], signatures=["IFN_TYPE1_SPECIFIC", "IFN_GAMMA_SPECIFIC"])
    assert out["mean_z"].tolist()[1] == "not scored" and out["mean_z"].iloc[0].startswith("up: ")
    assert out["notes"].iloc[1].startswith("not scored in this dataset")
