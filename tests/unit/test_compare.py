import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from cytoscore import InputError
from cytoscore.tl import Design, bh_fdr, compare_groups, hedges_g


def test_hedges_g_hand_worked():
    x = np.array([2.0, 4.0, 6.0])  # mean 4, var 4
    y = np.array([1.0, 2.0, 3.0])  # mean 2, var 1
    # pooled sd = sqrt((2*4 + 2*1)/4) = sqrt(2.5); d = 2/sqrt(2.5) = 1.264911
    # J(4) = Γ(2) / (sqrt(2) Γ(1.5)) = 1 / (1.414214 · 0.886227) = 0.797885 (the approximation
    # 1 - 3/(4·4 - 1) gives 0.8); g = 1.009253
    g, se, lo, hi = hedges_g(x, y)
    assert g == pytest.approx(0.797885 * 2 / np.sqrt(2.5), rel=1e-6) == pytest.approx(1.009253, rel=1e-6)
    assert se == pytest.approx(np.sqrt(6 / 9 + g**2 / 12))
    assert (lo, hi) == pytest.approx((g - 1.959964 * se, g + 1.959964 * se), rel=1e-6)


def test_bh_matches_statsmodels_and_keeps_nan():
    p = np.array([0.01, 0.04, np.nan, 0.03, 0.2])
    out = bh_fdr(p)
    expected = multipletests(p[~np.isnan(p)], method="fdr_bh")[1]
    np.testing.assert_allclose(out[~np.isnan(p)], expected)
    assert np.isnan(out[2])
    # by hand: sorted 0.01,0.03,0.04,0.2 -> 0.04,0.0533,0.0533,0.2
    np.testing.assert_allclose(expected, [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])


def simulated(seed=7, effect=1.5):
    rng = np.random.default_rng(seed)
    obs = [f"s{i}" for i in range(16)]
    groups = pd.Series(["ctrl"] * 8 + ["case"] * 8, index=obs)
    rows = []
    for sig, shift in (("UP", effect), ("NULL", 0.0), ("DOWN", -effect)):
        for method in ("m1", "m2"):
            values = rng.normal(size=16) + np.where(groups == "case", shift, 0.0)
            rows += [
                {"observation": o, "signature": sig, "method": method, "score": v}
                for o, v in zip(obs, values, strict=True)
            ]
    return pd.DataFrame(rows), groups


def test_compare_groups_agrees_with_scipy():
    scores, groups = simulated()
    table = compare_groups(scores, groups, Design(target="case", reference="ctrl", name="c"))
    assert len(table) == 6
    for row in table.itertuples():
        sub = scores[(scores.signature == row.signature) & (scores.method == row.method)].set_index(
            "observation"
        )["score"]
        x, y = sub[groups == "case"].to_numpy(), sub[groups == "ctrl"].to_numpy()
        t, p = stats.ttest_ind(x, y, equal_var=False)
        assert (row.welch_t, row.welch_p) == pytest.approx((t, p))
        u, pu = stats.mannwhitneyu(x, y, alternative="two-sided")
        assert (row.mannwhitney_u, row.mannwhitney_p) == pytest.approx((u, pu))
        assert row.mean_difference == pytest.approx(x.mean() - y.mean())
        assert row.hedges_g == pytest.approx(hedges_g(x, y)[0])
        assert row.n_target == 8 and row.n_reference == 8
    for _, sub in table.groupby("method"):
        np.testing.assert_allclose(sub["fdr_welch"], multipletests(sub["welch_p"], method="fdr_bh")[1])
    up = table[(table.signature == "UP")]
    assert (up["hedges_g"] > 0).all() and (table[table.signature == "DOWN"]["hedges_g"] < 0).all()


def test_contrast_errors_name_the_group():
    scores, groups = simulated()
    with pytest.raises(InputError, match="no sample is in the reference group 'healthy'"):
        compare_groups(scores, groups, Design(target="case", reference="healthy", name="c"))
    one = groups.copy()
    one.iloc[:7] = "other"
    with pytest.raises(InputError, match="reference group 'ctrl' has 1 sample"):
        compare_groups(scores, one, Design(target="case", reference="ctrl"))
    with pytest.raises(InputError, match="target and reference are both"):
        compare_groups(scores, groups, Design(target="case", reference="case"))


def test_constant_scores_give_nan_not_crash():
    scores, groups = simulated()
    scores.loc[scores.signature == "NULL", "score"] = 1.0
    table = compare_groups(scores, groups, Design(target="case", reference="ctrl"))
    null = table[table.signature == "NULL"]
    assert null["welch_p"].isna().all() and null["hedges_g"].isna().all()
    assert table[table.signature != "NULL"]["fdr_welch"].notna().all()


@pytest.mark.parametrize("covariates", [(), ("age", "batch")])
@pytest.mark.parametrize("sizes", [(4, 5), (12, 15)])  # exact Mann-Whitney (<= 8 per group) and asymptotic
def test_signatures_at_once_equal_one_at_a_time(covariates, sizes):
    """The block path (every signature of the same units at once) gives _compare_frame's row for
    each signature: tied and untied, flat, constant and ordinary scores, with and without covariates."""
    from cytoscore.tl._compare import _block_rows, _compare_frame

    rng = np.random.default_rng(3)
    nx, ny = sizes
    n = nx + ny + 3  # three samples of a third group, outside the contrast
    obs = pd.DataFrame(
        {
            "group": ["case"] * nx + ["ctrl"] * ny + ["other"] * 3,
            "age": rng.integers(20, 70, n).astype(float),
            "batch": rng.choice(["b1", "b2", "b3"], n),
        },
        index=[f"s{i}" for i in range(n)],
    )
    values = {
        "normal": rng.normal(size=n) + np.r_[np.full(nx, 1.0), np.zeros(n - nx)],
        "tied": np.round(rng.normal(size=n), 1),  # ties: the asymptotic U test
        "counts": rng.integers(0, 3, n).astype(float),
        "constant": np.full(n, 2.5),
        "flat": np.r_[np.full(nx, 1.0), np.full(n - nx, 1.0 + 1e-9)],  # groups differ by rounding only
        "large": 1e6 + rng.normal(size=n),
    }
    frames = [
        obs.assign(score=v, signature=name, method=method)
        for name, v in values.items()
        for method in ("m1", "m2")
    ]
    design = Design(target="case", reference="ctrl", covariates=covariates, name="c")
    block = _block_rows(frames, design)
    assert sorted(block) == list(range(len(frames)))  # every frame took the block path
    for i, frame in enumerate(frames):
        expected, got = _compare_frame(frame, design), block[i]
        assert set(got) == set(expected)
        for key, want in expected.items():
            if isinstance(want, str):
                assert got[key] == want, (frame["signature"].iloc[0], key)
            else:
                np.testing.assert_allclose(
                    got[key], want, rtol=1e-9, atol=1e-12, err_msg=f"{frame['signature'].iloc[0]} {key}"
                )
    lm = [block[i]["lm_p"] for i in range(len(frames))]
    assert np.isfinite(lm[0]) and np.isnan(lm[6])  # a real fit; the constant scores left untested


def test_signatures_with_other_units_go_one_at_a_time():
    """Frames with a missing score, or a design with pairs, are left to the per-signature path,
    and compare_groups' table is the same either way."""
    from cytoscore.tl._compare import _block_rows

    scores, groups = simulated()
    design = Design(target="case", reference="ctrl", name="c")
    frames = [
        f.merge(groups.rename("group"), left_on="observation", right_index=True)
        for _, f in scores.groupby(["method", "signature"], sort=False)
    ]
    frames[2].loc[frames[2].index[0], "score"] = np.nan
    assert sorted(_block_rows(frames, design)) == [0, 1, 3, 4, 5]
    assert _block_rows(frames, Design(target="case", reference="ctrl", pair_by="group", name="c")) == {}
