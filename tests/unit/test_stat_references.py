"""Effect sizes and meta-analyses against R metafor 3.8 and effectsize 0.8.3 outputs committed
in tests/reference/stats (made by stats_reference.R from make_inputs.py's tables)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cytoscore.tl import Design, compare_groups, meta_analysis

REF = Path(__file__).parents[1] / "reference" / "stats"
TWO_GROUP = pd.read_csv(REF / "two_group.tsv", sep="\t", keep_default_na=False)
EXPECTED = pd.read_csv(REF / "two_group_reference.tsv", sep="\t").set_index("case")
META = pd.read_csv(REF / "meta_reference.tsv", sep="\t")


def _compare(case: str) -> pd.Series:
    data = TWO_GROUP[TWO_GROUP["case"] == case].reset_index(drop=True)
    data.index = [f"o{i}" for i in range(len(data))]
    scores = pd.DataFrame(
        {"observation": data.index, "signature": "S", "method": "m", "score": data["value"].astype(float)}
    )
    paired = (data["pair"] != "").any()
    obs = data[["group"]].assign(pair=data["pair"])
    table = compare_groups(
        scores, obs, Design(target="target", reference="reference", pair_by="pair" if paired else None)
    )
    return table.iloc[0]


@pytest.mark.parametrize("case", list(EXPECTED.index))
def test_two_group_effects_match_metafor_and_effectsize(case):
    row, ref = _compare(case), EXPECTED.loc[case]
    assert row["mean_difference"] == pytest.approx(ref["mean_difference"], rel=1e-9)
    # Welch CI of the mean difference: R t.test
    assert row["mean_difference_ci_low"] == pytest.approx(ref["welch_ci_low"], rel=1e-9)
    assert row["mean_difference_ci_high"] == pytest.approx(ref["welch_ci_high"], rel=1e-9)
    assert row["welch_p"] == pytest.approx(ref["welch_p"], rel=1e-7)
    # Hedges' g: metafor escalc("SMD") value and variance; effectsize::hedges_g value
    assert row["hedges_g"] == pytest.approx(ref["smd_yi"], rel=1e-9)
    assert row["hedges_g"] == pytest.approx(ref["effectsize_g"], rel=1e-9)
    se = (row["hedges_g_ci_high"] - row["hedges_g_ci_low"]) / (2 * stats.norm.ppf(0.975))
    assert se**2 == pytest.approx(ref["smd_vi"], rel=1e-9)
    if np.isfinite(ref["smcc_yi"]):
        # paired: the standardized mean change (change-score SD), metafor escalc("SMCC")
        assert row["n_pairs"] > 0
        assert row["paired_g"] == pytest.approx(ref["smcc_yi"], rel=1e-9)
        assert row["paired_g"] == pytest.approx(ref["effectsize_paired_g"], rel=1e-9)
        se = (row["paired_g_ci_high"] - row["paired_g_ci_low"]) / (2 * stats.norm.ppf(0.975))
        assert se**2 == pytest.approx(ref["smcc_vi"], rel=1e-9)
        assert row["paired_p"] == pytest.approx(ref["paired_p"], rel=1e-7)


def test_the_three_replicate_case_the_issue_names():
    """3 tight replicates: g ≈ 60 (R agrees; not a bug of ours), the mean difference 7.5."""
    row = _compare("n3_tight")
    assert row["hedges_g"] == pytest.approx(59.8413, abs=1e-4) and row["mean_difference"] == pytest.approx(
        7.5
    )


@pytest.mark.parametrize(
    "case,method,test", [tuple(r) for r in META[["case", "method", "test"]].itertuples(index=False)]
)
def test_meta_analysis_matches_metafor(case, method, test):
    studies = pd.read_csv(REF / "meta.tsv", sep="\t")
    studies = studies[studies["case"] == case]
    z = stats.norm.ppf(0.975)
    se = np.sqrt(studies["vi"].to_numpy())
    table = pd.DataFrame(
        {
            "contrast": studies["study"], "signature": "S", "method": "m", "hedges_g": studies["yi"],
            "hedges_g_ci_low": studies["yi"] - z * se, "hedges_g_ci_high": studies["yi"] + z * se,
        }
    )  # fmt: skip
    row = meta_analysis(table, method=method, test=test).iloc[0]
    ref = META[(META["case"] == case) & (META["method"] == method) & (META["test"] == test)].iloc[0]
    assert row["k"] == ref["k"]
    assert row["tau2"] == pytest.approx(ref["tau2"], rel=1e-7, abs=1e-12)
    assert row["pooled_g"] == pytest.approx(ref["estimate"], rel=1e-7)
    assert row["se"] == pytest.approx(ref["se"], rel=1e-7)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ref["ci_lb"], ref["ci_ub"]), rel=1e-7)
    assert row["p_value"] == pytest.approx(ref["pval"], rel=1e-6)
    assert row["i2"] == pytest.approx(ref["i2"], rel=1e-7, abs=1e-12)
    assert row["q"] == pytest.approx(ref["q"], rel=1e-9)
    assert row["q_p"] == pytest.approx(ref["q_p"], rel=1e-6)
