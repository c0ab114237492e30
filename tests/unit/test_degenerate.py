"""Statistics on degenerate data: scores that do not vary, differences that are the same in
every pair, groups of 2. Never t = inf or p = 0: "not testable" with its reason, no FDR, no
mark anywhere (tables, routes, figures, the report)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cytoscore._report import key_contrast_table
from cytoscore._significance import markable
from cytoscore.pl import effect_heatmap
from cytoscore.pl._summary import _contrast_data
from cytoscore.tl import Design, compare_groups, compare_routes


def _tidy(values: dict[str, list[float]], signature: str = "SIG", method: str = "aucell") -> pd.DataFrame:
    rows = [
        {"observation": obs, "signature": signature, "method": method, "score": v}
        for obs, v in zip(values["obs"], values["score"], strict=True)
    ]
    return pd.DataFrame(rows)


def _paired_design(diffs, base=(0.11, 0.23, 0.37)):
    obs = pd.DataFrame(
        {
            "group": ["ctrl"] * len(base) + ["stim"] * len(base),
            "donor": [f"d{i}" for i in range(len(base))] * 2,
        },
        index=[f"ctrl{i}" for i in range(len(base))] + [f"stim{i}" for i in range(len(base))],
    )
    score = list(base) + [b + d for b, d in zip(base, diffs, strict=True)]
    return _tidy({"obs": list(obs.index), "score": score}), obs


def test_the_same_difference_in_every_pair_is_not_testable():
    # AUCell on Kang: stimulated minus control the same in every donor (up to rounding)
    scores, obs = _paired_design([0.1, 0.1, 0.1])
    row = compare_groups(scores, obs, Design(target="stim", reference="ctrl", pair_by="donor")).iloc[0]
    assert row["n_pairs"] == 3
    assert row["paired_mean_difference"] == pytest.approx(0.1)
    assert np.isnan(row["paired_t"]) and np.isnan(row["paired_p"]) and np.isnan(row["p_value"])
    assert np.isnan(row["fdr"]) and np.isnan(row["paired_g"])
    assert "the same in every pair" in row["not_testable"]
    assert not row["markable"]
    assert row["wilcoxon_p"] == pytest.approx(0.25)  # signed ranks are still defined: 2 / 2^3


def test_varying_differences_are_tested_and_marked():
    scores, obs = _paired_design([0.1, 0.12, 0.095])
    row = compare_groups(scores, obs, Design(target="stim", reference="ctrl", pair_by="donor")).iloc[0]
    assert np.isfinite(row["paired_t"]) and 0 < row["paired_p"] < 0.01
    assert row["not_testable"] == "" and row["markable"]


def test_two_pairs_are_tested_but_never_marked():
    scores, obs = _paired_design([0.1, 0.13], base=(0.2, 0.4))
    row = compare_groups(scores, obs, Design(target="stim", reference="ctrl", pair_by="donor")).iloc[0]
    assert np.isfinite(row["paired_p"]) and row["small_n"] and not row["markable"]


def test_a_constant_table_is_not_testable_and_leaves_the_fdr_family():
    obs = pd.DataFrame({"group": ["a"] * 4 + ["b"] * 4}, index=[f"s{i}" for i in range(8)])
    flat = _tidy({"obs": list(obs.index), "score": [0.5] * 8}, signature="FLAT")
    rng = np.random.default_rng(0)
    real = _tidy({"obs": list(obs.index), "score": list(rng.normal(size=4)) + list(rng.normal(2, 1, size=4))},
                 signature="REAL")  # fmt: skip
    table = compare_groups(pd.concat([flat, real]), obs, Design(target="b", reference="a")).set_index(
        "signature"
    )
    assert table.loc["FLAT", "not_testable"] == "the scores are the same in every unit"
    assert np.isnan(table.loc["FLAT", "fdr"]) and np.isnan(table.loc["FLAT", "hedges_g"])
    # the FDR family is the testable row alone: its FDR equals its p
    assert table.loc["REAL", "fdr"] == pytest.approx(table.loc["REAL", "p_value"])


def test_groups_without_spread_but_apart_get_ranks_not_t():
    obs = pd.DataFrame({"group": ["a"] * 3 + ["b"] * 3}, index=[f"s{i}" for i in range(6)])
    eps = 1e-12
    scores = _tidy({"obs": list(obs.index), "score": [1, 1 + eps, 1, 2, 2, 2 - eps]})
    row = compare_groups(scores, obs, Design(target="b", reference="a")).iloc[0]
    assert np.isnan(row["welch_t"]) and np.isnan(row["hedges_g"]) and not row["markable"]
    assert "do not vary within groups" in row["not_testable"]
    assert 0.05 < row["mannwhitney_p"] <= 0.1  # ranks of 3 vs 3 apart: the smallest p they allow


def _route_table(level, fdr, markable_):
    return pd.DataFrame(
        {
            "signature": ["SIG"], "method": ["aucell"], "cell_type": ["B"], "level": [level],
            "n_target": [3], "n_reference": [3], "mean_difference": [0.1], "paired_g": [np.nan],
            "hedges_g": [np.nan], "test": ["paired t"], "p_value": [fdr], "fdr": [fdr], "markable": [markable_],
        }
    )  # fmt: skip


def test_routes_count_no_untestable_row_as_both_significant():
    both = compare_routes(_route_table("replicate", 1e-4, True), _route_table("pseudobulk", 1e-4, False))
    assert not both["both_significant"].iloc[0]
    both = compare_routes(_route_table("replicate", 1e-4, True), _route_table("pseudobulk", 1e-4, True))
    assert both["both_significant"].iloc[0]


def _comparison(n, fdr=1e-4):
    return pd.DataFrame(
        {
            "contrast": ["stim_vs_ctrl"], "signature": ["HALLMARK_INTERFERON_ALPHA_RESPONSE"], "method": ["mean_z"],
            "target": ["stim"], "reference": ["ctrl"], "n_target": [n], "n_reference": [n],
            "mean_difference": [1.2], "mean_difference_ci_low": [0.8], "mean_difference_ci_high": [1.6],
            "hedges_g": [37.9], "hedges_g_ci_low": [11.6], "hedges_g_ci_high": [64.2], "test": ["welch"],
            "p_value": [fdr], "fdr": [fdr], "small_n": [n < 3], "not_testable": [""], "markable": [n >= 3],
        }
    )  # fmt: skip


@pytest.mark.parametrize("n", [2, 3])
def test_no_mark_at_n_2_in_figures_and_report(n):
    table = _comparison(n)
    assert markable(table).iloc[0] == (n >= 3)
    data = _contrast_data(table, "mean_difference", 0.05, 8)
    assert (data["fdr_mark"].notna().iloc[0]) == (n >= 3)
    _, source = effect_heatmap(table, method="mean_z")
    fig, _ = effect_heatmap(table, method="mean_z")
    texts = [t for a in fig.axes[0].artists for t in a.texts]
    assert any("***" in t for t in texts) == (n >= 3)
    verdict = key_contrast_table(table, methods=["mean_z"], signatures=None)["mean_z"].iloc[0]
    assert verdict.startswith("up: " if n >= 3 else "n too small to test; Δ 1.20 [0.80, 1.60]")


@pytest.mark.parametrize("n", [2, 3])
def test_g_is_hidden_at_n_2(n):
    """Hedges' g of 37.9 on 2 per group is not drawn or printed: the cell is grey, marked °."""
    fig, source = effect_heatmap(_comparison(n), method="mean_z", effect="hedges_g")
    texts = [t for a in fig.axes[0].artists for t in a.texts]
    image = fig.axes[0].images[0].get_array()
    assert ("38" in " ".join(texts)) == (n >= 3) and bool(np.ma.is_masked(image[0, 0])) == (n < 3)
    assert source["hedges_g"].iloc[0] == 37.9  # the source data keeps it
    if n < 3:
        assert texts == ["°"] and "g not shown" in fig.get_supxlabel()
