"""Statistics of contrasts: agreement with statsmodels/scipy, a published meta-analysis, calibration."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from helpers import tidy
from scipy import stats

from cytoscore import InputError
from cytoscore.tl import (
    PSEUDOREPLICATION_WARNING,
    Design,
    compare_cells,
    compare_groups,
    meta_analysis,
    omnibus_tests,
)


@pytest.fixture
def design():
    rng = np.random.default_rng(11)
    n = 24
    obs = pd.DataFrame(
        {
            "group": ["SLE"] * 12 + ["healthy"] * 12,
            "age": rng.integers(20, 70, n).astype(str),
            "sex": rng.choice(["F", "M"], n),
            "donor": [f"d{i % 12}" for i in range(n)],
        },
        index=[f"s{i}" for i in range(n)],
    )
    effect = np.where(obs["group"] == "SLE", 0.8, 0.0) + 0.02 * obs["age"].astype(float)
    values = pd.DataFrame({"IFN": effect + rng.normal(size=n), "NULL": rng.normal(size=n)}, index=obs.index)
    return obs, values


def test_linear_model_matches_statsmodels(design):
    obs, values = design
    table = compare_groups(
        tidy(values), obs, Design(target="SLE", reference="healthy", covariates=["age", "sex"])
    ).set_index("signature")
    key = "C(group, Treatment('healthy'))[T.SLE]"
    for signature in ("IFN", "NULL"):  # the second fit reuses the first's design matrix
        data = obs.assign(score=values[signature], age=obs["age"].astype(float))
        fit = smf.ols("score ~ C(group, Treatment('healthy')) + age + C(sex)", data=data).fit()
        row = table.loc[signature]
        assert row["lm_estimate"] == pytest.approx(fit.params[key])
        assert (row["lm_ci_low"], row["lm_ci_high"]) == pytest.approx(tuple(fit.conf_int().loc[key]))
        assert row["lm_p"] == pytest.approx(fit.pvalues[key])
        assert row["test"] == "linear model" and row["p_value"] == row["lm_p"] and row["covariates"] == "age,sex"


def test_linear_model_without_covariates_is_students_t(design):
    obs, values = design
    row = (
        compare_groups(tidy(values), obs, Design(target="SLE", reference="healthy"))
        .set_index("signature")
        .loc["IFN"]
    )
    x, y = values["IFN"][obs["group"] == "SLE"], values["IFN"][obs["group"] == "healthy"]
    assert row["lm_p"] == pytest.approx(stats.ttest_ind(x, y, equal_var=True).pvalue)
    assert row["lm_estimate"] == pytest.approx(x.mean() - y.mean())
    assert row["test"] == "welch" and row["p_value"] == pytest.approx(
        stats.ttest_ind(x, y, equal_var=False).pvalue
    )


def test_paired_tests_match_scipy(design):
    obs, values = design
    obs = obs.copy()
    obs.loc["s23", "donor"] = "lonely"  # a donor with only one condition is not a pair
    row = (
        compare_groups(tidy(values), obs, Design(target="SLE", reference="healthy", pair_by="donor"))
        .set_index("signature")
        .loc["IFN"]
    )
    pairs = (
        obs.drop(index=["s23", "s11"])
        .assign(score=values["IFN"])
        .pivot(index="donor", columns="group", values="score")
    )
    assert row["n_pairs"] == 11
    assert row["paired_p"] == pytest.approx(stats.ttest_rel(pairs["SLE"], pairs["healthy"]).pvalue)
    assert row["wilcoxon_p"] == pytest.approx(stats.wilcoxon(pairs["SLE"], pairs["healthy"]).pvalue)
    assert row["test"] == "paired t"


def test_unknown_columns_and_levels_list_what_exists(design):
    obs, values = design
    with pytest.raises(
        InputError, match="covariate 'bmi' does not exist; columns are \\['group', 'age', 'sex', 'donor'\\]"
    ):
        compare_groups(tidy(values), obs, Design(target="SLE", reference="healthy", covariates=["bmi"]))
    with pytest.raises(InputError, match="values of 'group': \\{'SLE': 12, 'healthy': 12\\}"):
        compare_groups(tidy(values), obs, Design(target="RA", reference="healthy"))
    with pytest.raises(InputError, match="column 'disease' does not exist"):
        compare_groups(tidy(values), obs, Design(target="SLE", reference="healthy", column="disease"))


def test_small_n_flag():
    obs = pd.DataFrame({"group": ["a", "a", "b", "b", "b"]}, index=list("12345"))
    values = pd.DataFrame({"S": [1.0, 2.0, 0.0, 0.5, 0.2]}, index=obs.index)
    row = compare_groups(tidy(values), obs, Design(target="a", reference="b")).iloc[0]
    assert bool(row["small_n"]) is True


def test_omnibus_matches_scipy():
    rng = np.random.default_rng(3)
    groups = pd.Series(["a"] * 5 + ["b"] * 6 + ["c"] * 4 + ["d"], index=[f"s{i}" for i in range(16)])
    values = pd.DataFrame(
        {"S": rng.normal(size=16) + np.repeat([0, 1, 2, 0], [5, 6, 4, 1])}, index=groups.index
    )
    table = omnibus_tests(tidy(values), groups)
    parts = [values["S"][groups == g] for g in ("a", "b", "c")]  # 'd' has one sample: left out
    assert table.loc[0, "groups"] == "a,b,c" and table.loc[0, "n_per_group"] == "5,6,4"
    assert table.loc[0, "anova_p"] == pytest.approx(stats.f_oneway(*parts).pvalue)
    assert table.loc[0, "kruskal_p"] == pytest.approx(stats.kruskal(*parts).pvalue)
    assert omnibus_tests(tidy(values), groups.replace({"c": "a", "d": "a"})).empty


def test_meta_analysis_reproduces_metafor_bcg_dersimonian_laird():
    # BCG vaccine trials (Colditz et al. 1994; metafor's dat.bcg), log risk ratios.
    # Published DL results (metafor rma(method="DL")): estimate -0.7141, SE 0.1787,
    # 95% CI -1.0644 to -0.3638, tau^2 0.3088, I^2 92.12 %, Q(12) = 152.2330.
    trials = np.array([
        [4, 119, 11, 128], [6, 300, 29, 274], [3, 228, 11, 209], [62, 13536, 248, 12619],
        [33, 5036, 47, 5761], [180, 1361, 372, 1079], [8, 2537, 10, 619], [505, 87886, 499, 87892],
        [29, 7470, 45, 7232], [17, 1699, 65, 1600], [186, 50448, 141, 27197], [5, 2493, 3, 2338],
        [27, 16886, 29, 17825],
    ], dtype=float)  # fmt: skip
    tp, tn, cp, cn = trials.T
    yi = np.log((tp / (tp + tn)) / (cp / (cp + cn)))
    se = np.sqrt(1 / tp - 1 / (tp + tn) + 1 / cp - 1 / (cp + cn))
    z = stats.norm.ppf(0.975)
    table = pd.DataFrame({
        "contrast": [f"trial{i}" for i in range(13)], "signature": "BCG", "method": "rr",
        "hedges_g": yi, "hedges_g_ci_low": yi - z * se, "hedges_g_ci_high": yi + z * se,
    })  # fmt: skip
    row = meta_analysis(table, method="dl", test="z").iloc[0]
    assert row["k"] == 13 and row["test"] == "z"
    assert row["pooled_g"] == pytest.approx(-0.7141, abs=5e-5)
    assert row["se"] == pytest.approx(0.1787, abs=5e-5)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((-1.0644, -0.3638), abs=5e-5)
    assert row["tau2"] == pytest.approx(0.3088, abs=5e-5)
    assert row["i2"] == pytest.approx(0.9212, abs=5e-5)
    assert row["q"] == pytest.approx(152.2330, abs=5e-4)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(3.9952), rel=1e-3)


def _table(g, se):
    z = stats.norm.ppf(0.975)
    g, se = np.asarray(g, float), np.asarray(se, float)
    return pd.DataFrame({
        "contrast": [f"d{i}" for i in range(len(g))], "signature": "S", "method": "m",
        "hedges_g": g, "hedges_g_ci_low": g - z * se, "hedges_g_ci_high": g + z * se,
    })  # fmt: skip


def test_homogeneous_studies_give_tau2_zero_not_negative():
    # Q = 0.5 < k - 1 = 2: the DL moment estimate is negative; truncated, the model is the
    # fixed-effect one (textbook: Borenstein et al. 2009, ch. 12)
    g, se = [0.50, 0.55, 0.45], [0.30, 0.25, 0.35]
    row = meta_analysis(_table(g, se), test="z").iloc[0]
    w = 1 / np.square(se)
    fixed = np.sum(w * np.asarray(g)) / np.sum(w)
    assert row["tau2"] == 0.0
    assert row["pooled_g"] == pytest.approx(fixed, rel=1e-12)
    assert row["se"] == pytest.approx(np.sqrt(1 / np.sum(w)), rel=1e-12)
    assert row["i2"] == 0.0


def test_hksj_for_few_studies_matches_the_formula_and_is_never_narrower_than_z():
    # IntHout et al. 2014: with few studies the HKSJ t-test keeps its level; by hand:
    g, se = np.array([0.9, 0.2, 0.6, 0.1]), np.array([0.2, 0.25, 0.3, 0.2])
    plain = meta_analysis(_table(g, se), test="hksj").iloc[0]
    auto = meta_analysis(_table(g, se)).iloc[0]  # k = 4 < 5: HKSJ, ad hoc, by default
    zrow = meta_analysis(_table(g, se), test="z").iloc[0]
    assert plain["test"] == "Hartung-Knapp-Sidik-Jonkman t" and zrow["test"] == "z"
    assert auto["test"].startswith("Hartung-Knapp-Sidik-Jonkman t, ad hoc")
    w0 = 1 / se**2
    fe = np.sum(w0 * g) / np.sum(w0)
    q = np.sum(w0 * (g - fe) ** 2)
    tau2 = max(0.0, (q - 3) / (np.sum(w0) - np.sum(w0**2) / np.sum(w0)))
    w = 1 / (se**2 + tau2)
    mu = np.sum(w * g) / np.sum(w)
    q_hk = np.sum(w * (g - mu) ** 2) / 3
    se_hk = np.sqrt(q_hk / np.sum(w))
    assert q_hk < 1  # these studies: plain HKSJ is narrower than z, the ad hoc version is not
    assert plain["tau2"] == pytest.approx(tau2, rel=1e-10)
    assert plain["pooled_g"] == pytest.approx(mu, rel=1e-12)
    assert plain["se"] == pytest.approx(se_hk, rel=1e-10)
    assert plain["p_value"] == pytest.approx(2 * stats.t.sf(abs(mu / se_hk), 3), rel=1e-10)
    assert plain["ci_high"] - plain["ci_low"] == pytest.approx(2 * stats.t.ppf(0.975, 3) * se_hk, rel=1e-10)
    se_adhoc = np.sqrt(max(q_hk, 1.0) / np.sum(w))
    assert auto["se"] == pytest.approx(se_adhoc, rel=1e-10) == zrow["se"]
    assert auto["ci_high"] - auto["ci_low"] == pytest.approx(2 * stats.t.ppf(0.975, 3) * se_adhoc, rel=1e-10)
    assert auto["ci_high"] - auto["ci_low"] > zrow["ci_high"] - zrow["ci_low"]


def test_meta_analysis_needs_two_datasets():
    table = pd.DataFrame(
        {
            "contrast": ["a"],
            "signature": "S",
            "method": "m",
            "hedges_g": [1.0],
            "hedges_g_ci_low": [0.5],
            "hedges_g_ci_high": [1.5],
        }
    )
    row = meta_analysis(table).iloc[0]
    assert row["k"] == 1 and np.isnan(row["pooled_g"])
    with pytest.raises(InputError, match="method must be one of"):
        meta_analysis(table, method="reml")


# --- calibration -----------------------------------------------------------------------

ALPHA = 0.05


def binomial_band(n: int, p: float = ALPHA, z: float = 3.29) -> tuple[float, float]:
    sd = np.sqrt(p * (1 - p) / n)
    return p - z * sd, p + z * sd  # 99.9 % band


def test_bulk_tests_are_calibrated_under_the_null():
    rng = np.random.default_rng(2026)
    n_sig = 1000
    obs = pd.DataFrame(
        {
            "group": ["case"] * 8 + ["ctrl"] * 8,
            "donor": [f"d{i % 8}" for i in range(16)],
            "batch": ["b1", "b2"] * 8,
        },
        index=[f"s{i}" for i in range(16)],
    )
    values = pd.DataFrame(
        rng.normal(size=(16, n_sig)), index=obs.index, columns=[f"S{i}" for i in range(n_sig)]
    )
    lo, hi = binomial_band(n_sig)
    plain = compare_groups(tidy(values), obs, Design(target="case", reference="ctrl"))
    for col in ("welch_p", "lm_p"):
        assert lo <= (plain[col] < ALPHA).mean() <= hi, col
    # rank tests on 8 vs 8 are exact and discrete: at most alpha, not far below it
    assert 0.02 <= (plain["mannwhitney_p"] < ALPHA).mean() <= hi
    adjusted = compare_groups(
        tidy(values), obs, Design(target="case", reference="ctrl", covariates=["batch"])
    )
    assert lo <= (adjusted["lm_p"] < ALPHA).mean() <= hi
    paired = compare_groups(tidy(values), obs, Design(target="case", reference="ctrl", pair_by="donor"))
    assert lo <= (paired["paired_p"] < ALPHA).mean() <= hi
    assert 0.02 <= (paired["wilcoxon_p"] < ALPHA).mean() <= hi


def test_donor_level_single_cell_test_is_calibrated_and_per_cell_is_not():
    """Cells of one donor share the donor's deviation: testing cells as replicates
    (pseudoreplication) rejects a true null far too often; testing donor means does not."""
    rng = np.random.default_rng(7)
    n_sig, donors, cells = 300, 4, 60
    rows = []
    for g in ("stim", "ctrl"):
        for d in range(donors):
            for c in range(cells):
                rows.append({"observation": f"{g}{d}_{c}", "group": g, "sample": f"{g}{d}", "cell_type": "T"})
    obs = pd.DataFrame(rows).set_index("observation")
    donor_effect = rng.normal(0, 0.5, size=(2 * donors, n_sig))  # no group effect
    values = np.repeat(donor_effect, cells, axis=0) + rng.normal(0, 1, size=(len(obs), n_sig))
    scores = tidy(pd.DataFrame(values, index=obs.index, columns=[f"S{i}" for i in range(n_sig)]))
    lo, hi = binomial_band(n_sig)
    donor = compare_cells(
        scores, obs, Design(target="stim", reference="ctrl"), replicate="sample", split_by="cell_type"
    )
    donor = donor[donor["cell_type"] == "T"]
    assert lo <= (donor["welch_p"] < ALPHA).mean() <= hi
    per_cell = compare_cells(
        scores,
        obs,
        Design(target="stim", reference="ctrl"),
        replicate="sample",
        split_by="cell_type",
        level="cell",
    )
    per_cell = per_cell[per_cell["cell_type"] == "T"]
    assert (per_cell["welch_p"] < ALPHA).mean() > 0.5  # pseudoreplication: most nulls rejected
    assert (per_cell["warning"] == PSEUDOREPLICATION_WARNING).all() and (donor["warning"] == "").all()


def test_compare_cells_drops_small_strata_and_checks_replicates():
    obs = pd.DataFrame(
        {
            "group": ["a"] * 30 + ["b"] * 30,
            "sample": ["a1"] * 15 + ["a2"] * 15 + ["b1"] * 15 + ["b2"] * 12 + ["b3"] * 3,
            "ct": ["T"] * 60,
        },
        index=[f"c{i}" for i in range(60)],
    )
    values = pd.DataFrame({"S": np.arange(60, dtype=float)}, index=obs.index)
    table = compare_cells(
        tidy(values), obs, Design(target="a", reference="b"), replicate="sample", split_by="ct", min_cells=10
    )
    row = table[table["cell_type"] == "T"].iloc[0]
    assert (
        row["n_target"] == 2 and row["n_reference"] == 2 and row["n_cells_reference"] == 27 and row["small_n"]
    )
    bad = obs.assign(sample=["x"] * 60)
    with pytest.raises(InputError, match="contain cells of several 'group' values"):
        compare_cells(tidy(values), bad, Design(target="a", reference="b"), replicate="sample")


def test_method_concordance_and_contrast_directions(design):
    from cytoscore.tl import contrast_concordance, method_concordance

    obs, values = design
    scores = pd.concat([tidy(values, "a"), tidy(values.rank(), "b"), tidy(-values, "c")])
    conc = method_concordance(scores).set_index(["signature", "method_a", "method_b"])
    assert conc.loc[("IFN", "a", "b"), "spearman_rho"] == pytest.approx(1.0)  # same ranks
    assert conc.loc[("IFN", "a", "c"), "spearman_rho"] == pytest.approx(-1.0)
    table = compare_groups(scores, obs, Design(target="SLE", reference="healthy", name="x"))
    directions = contrast_concordance(table).set_index("signature")
    assert not directions.loc["IFN", "direction_agrees"]  # method c flips the sign
    assert directions.loc["IFN", "hedges_g_a"] == pytest.approx(-directions.loc["IFN", "hedges_g_c"])
    with pytest.raises(InputError, match="at least 2 methods"):
        method_concordance(tidy(values, "a"))


def test_paired_standardized_effect_known_answer():
    from cytoscore.tl import paired_g

    # d = 1, 2, 3, 4: mean 2.5, SD 1.29099, d_z 1.93649; J(3) = Γ(1.5) / (sqrt(1.5) Γ(1))
    # = 0.886227 / 1.224745 = 0.723601; SE = sqrt(1/4 + g²/8) (metafor escalc "SMCC")
    g, se, lo, hi = paired_g(np.array([1.0, 2, 3, 4]))
    dz, j = 2.5 / np.std([1, 2, 3, 4], ddof=1), 0.886226925 / 1.224744871
    assert g == pytest.approx(j * dz, rel=1e-9) == pytest.approx(1.401248, rel=1e-6)
    assert se == pytest.approx(np.sqrt(0.25 + g**2 / 8), rel=1e-12)
    assert (lo, hi) == pytest.approx((g - 1.959964 * se, g + 1.959964 * se), rel=1e-6)
    assert np.isnan(paired_g(np.array([1.0, 1.0, 1.0]))[0])  # no variation: undefined
    assert np.isnan(paired_g(np.array([1.0, 2.0]))[0])  # 1 df: the correction is undefined


def test_paired_design_reports_the_paired_effect_beside_the_paired_test():
    from cytoscore.tl import mean_difference_ci

    # 5 donors, each measured before and after; a large donor effect hides a consistent shift
    donors = np.array([0.0, 5.0, 10.0, 15.0, 20.0])
    shift = np.array([1.0, 1.2, 0.9, 1.1, 1.0])
    obs = pd.DataFrame(
        {"group": ["post"] * 5 + ["pre"] * 5, "donor": [f"d{i}" for i in range(5)] * 2},
        index=[f"s{i}" for i in range(10)],
    )
    scores = pd.DataFrame(
        {"observation": obs.index, "signature": "S", "method": "m", "score": np.r_[donors + shift, donors]}
    )
    row = compare_groups(scores, obs, Design(target="post", reference="pre", pair_by="donor", name="c")).iloc[
        0
    ]
    assert row["test"] == "paired t" and row["n_pairs"] == 5
    assert row["paired_mean_difference"] == pytest.approx(shift.mean())
    # the unpaired g is small (donor spread), the paired one large (consistent shift)
    assert abs(row["hedges_g"]) < 0.2 and row["paired_g"] > 5
    assert row["paired_g_ci_low"] > 0
    lo, hi = mean_difference_ci(donors + shift, donors)
    assert (row["mean_difference_ci_low"], row["mean_difference_ci_high"]) == pytest.approx((lo, hi))
    assert lo < shift.mean() < hi


def test_meta_analysis_carries_gene_coverage():
    table = _table([0.5, 0.6, 0.4], [0.2, 0.2, 0.2]).assign(
        coverage=[1.0, 0.4, 0.9], low_coverage=[False, True, False]
    )
    row = meta_analysis(table).iloc[0]
    assert row["min_coverage"] == 0.4 and row["low_coverage"] and row["low_coverage_contrasts"] == "d1"
    clean = meta_analysis(table.assign(low_coverage=False)).iloc[0]
    assert not clean["low_coverage"] and clean["low_coverage_contrasts"] == ""


@pytest.mark.parametrize("n", [3, 4, 5, 7, 8, 12])
def test_spearman_p_is_exact_at_small_n(n):
    """Up to 7 pairs the p value is the exact one (every pairing enumerated here by hand, ties
    kept, and scipy's permutation_test); above, spearmanr's. spearmanr alone gave p = 0 for rho = -1 at n = 3 (exact: 1/3)."""
    import itertools

    from cytoscore._correlation import EXACT_MAX_N, spearman

    rng = np.random.default_rng(n)
    x, y = rng.normal(size=n), rng.normal(size=n)
    y[1] = y[0]  # a tie
    rho, p = spearman(x, y)
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    assert rho == pytest.approx(np.corrcoef(rx, ry)[0, 1])
    if n <= EXACT_MAX_N:
        null = np.array([np.corrcoef(rx, ry[list(q)])[0, 1] for q in itertools.permutations(range(n))])
        assert p == pytest.approx(np.mean(np.abs(null) >= abs(rho) - 1e-12))
        reference = stats.permutation_test(
            (y,), lambda v: stats.spearmanr(x, v).statistic, permutation_type="pairings", n_resamples=np.inf
        )  # scipy's exact test, the slow way
        assert p == pytest.approx(reference.pvalue)
    else:
        assert p == pytest.approx(stats.spearmanr(x, y).pvalue)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx((-1.0, 1 / 3))
    assert spearman(np.arange(9), -np.arange(9)) == (-1.0, stats.spearmanr(np.arange(9), -np.arange(9)).pvalue) == (-1.0, 0.0)
    assert np.isnan(spearman([1, 2, 3], [1, 1, 1])[1]) and np.isnan(spearman([1, 2], [2, 1])[0])
