"""Mixed models on scores (``random_effect``): agreement with R nlme::lme (REML), calibration
by simulation where ignoring the random effect is not, and clear errors."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cytoscore import InputError
from cytoscore.tl import Design, compare_groups
from cytoscore.tl._compare import _mixed_model

REF = Path(__file__).resolve().parents[1] / "reference" / "mixed"


@pytest.mark.parametrize("case", ["within", "nested", "covariate"])
def test_mixed_model_equals_nlme(case):
    data = pd.read_csv(REF / "inputs.tsv", sep="\t")
    data = data[data["case"] == case]
    expected = pd.read_csv(REF / "nlme.tsv", sep="\t").set_index("case").loc[case]
    covariates = ["age"] if case == "covariate" else []
    fit = _mixed_model(data, "group", "healthy", covariates, "donor")
    assert fit["mixed_estimate"] == pytest.approx(expected["estimate"], abs=2e-5)
    se = (fit["mixed_ci_high"] - fit["mixed_ci_low"]) / (2 * stats.t.ppf(0.975, fit["mixed_df"]))
    assert se == pytest.approx(expected["se"], rel=1e-4)
    assert fit["mixed_re_variance"] == pytest.approx(expected["re_variance"], rel=1e-4)
    assert fit["mixed_residual_variance"] == pytest.approx(expected["residual_variance"], rel=1e-4)
    # nlme's containment df (within-donor effect: N - M - 1; whole donors per group: M - 2),
    # its t-test and its t-based CI
    assert fit["mixed_df"] == expected["df"]
    assert fit["mixed_p"] == pytest.approx(expected["p_value"], rel=2e-4)
    assert fit["mixed_ci_low"] == pytest.approx(expected["ci_low"], abs=1e-4)
    assert fit["mixed_ci_high"] == pytest.approx(expected["ci_high"], abs=1e-4)
    assert fit["mixed_warning"] == ""


def _nested(rng, n_donors=10, per_donor=6, effect=0.0):
    donors = np.repeat(np.arange(n_donors), per_donor)
    group = np.where(donors % 2, "SLE", "healthy")
    score = rng.normal(0, 1.0, n_donors)[donors] + effect * (group == "SLE") + rng.normal(0, 0.5, donors.size)
    obs = pd.DataFrame(
        {"group": group, "donor": [f"D{d}" for d in donors]}, index=[f"s{i}" for i in range(donors.size)]
    )
    scores = pd.DataFrame({"observation": obs.index, "signature": "IFN", "method": "m", "score": score})
    return scores, obs


def test_calibrated_where_ignoring_the_donor_is_not():
    """Null simulation of samples nested in donors nested in groups (10 donors × 6 samples):
    the Welch test treats the 60 samples as independent and rejects far too often (42%); the
    mixed model's t-test on nlme's 8 df holds its level."""
    rng = np.random.default_rng(1)
    welch, mixed = [], []
    for _ in range(300):
        scores, obs = _nested(rng)
        row = compare_groups(
            scores, obs, Design(target="SLE", reference="healthy", random_effect="donor")
        ).iloc[0]
        assert row["test"] == "mixed model" and row["p_value"] == row["mixed_p"]
        welch.append(row["welch_p"])
        mixed.append(row["mixed_p"])
    welch, mixed = np.array(welch), np.array(mixed)
    assert (welch < 0.05).mean() > 0.3  # pseudoreplication
    assert 0.02 <= (mixed < 0.05).mean() <= 0.08  # t on nlme's df: 3.7%; a Wald z gave 8.7%
    assert stats.kstest(mixed, "uniform").pvalue > 0.01


def test_power_with_a_true_effect_and_columns():
    rng = np.random.default_rng(2)
    scores, obs = _nested(rng, n_donors=16, effect=2.0)
    row = compare_groups(scores, obs, Design(target="SLE", reference="healthy", random_effect="donor")).iloc[
        0
    ]
    assert (
        row["mixed_p"] < 0.05
        and row["mixed_df"] == 14
        and row["mixed_ci_low"] < row["mixed_estimate"] < row["mixed_ci_high"]
    )
    assert row["random_effect"] == "donor" and row["mixed_re_variance"] > 0.2


def test_no_donor_variation_is_said():
    rng = np.random.default_rng(3)
    donors = np.repeat(np.arange(8), 4)
    obs = pd.DataFrame(
        {"group": np.tile(["healthy", "SLE"], 16), "donor": [f"D{d}" for d in donors]},
        index=[f"s{i}" for i in range(32)],
    )
    scores = pd.DataFrame(
        {"observation": obs.index, "signature": "IFN", "method": "m", "score": rng.normal(size=32)}
    )
    row = compare_groups(scores, obs, Design(target="SLE", reference="healthy", random_effect="donor")).iloc[
        0
    ]
    # no donor variation: the variance is at its boundary, the gradient fit fails there and
    # Powell's finds the OLS answer; both are said
    assert row["mixed_re_variance"] < 1e-6 and "variance is at 0" in row["mixed_warning"]
    assert "fitted with powell" in row["mixed_warning"]
    assert row["mixed_estimate"] == pytest.approx(row["lm_estimate"], abs=1e-6)
    assert row["mixed_p"] == pytest.approx(row["lm_p"], rel=0.05)  # z vs t(30)


def test_bad_random_effects_are_clear_errors():
    rng = np.random.default_rng(4)
    scores, obs = _nested(rng)
    with pytest.raises(InputError, match="random_effect column 'visit' does not exist"):
        compare_groups(scores, obs, Design(target="SLE", reference="healthy", random_effect="visit"))
    with pytest.raises(InputError, match="pair_by and random_effect both given"):
        compare_groups(
            scores, obs, Design(target="SLE", reference="healthy", random_effect="donor", pair_by="donor")
        )
    obs["site"] = np.where(np.arange(len(obs)) % 2, "A", "B")
    with pytest.raises(InputError, match="has 2 level"):
        compare_groups(scores, obs, Design(target="SLE", reference="healthy", random_effect="site"))
