"""Response prediction: DeLong's AUC, variance, interval and p equal pROC's on committed
references (tests/reference/proc: ties, n = 3, a constant score, AUC < 0.5, unbalanced and
large cases), and the per-signature table finds the signature that tells the classes apart."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cytoscore import InputError
from cytoscore.tl import cross_validated_auc, delong_auc, response_auc

REF = Path(__file__).resolve().parents[1] / "reference" / "proc"


@pytest.mark.parametrize("case", pd.read_csv(REF / "proc_reference.tsv", sep="\t")["case"].str.strip())
def test_delong_equals_proc(case):
    data = pd.read_csv(REF / "cases.tsv", sep="\t")
    data = data[data["case"] == case]
    ref = pd.read_csv(REF / "proc_reference.tsv", sep="\t", skipinitialspace=True)
    ref = ref[ref["case"].str.strip() == case].iloc[0]
    got = delong_auc(data.loc[data.response == 1, "score"], data.loc[data.response == 0, "score"])
    for key in ("auc", "var", "ci_low", "ci_high"):
        assert got[key] == pytest.approx(float(ref[key]), abs=1e-6), key
    if pd.isna(ref["p"]):
        assert np.isnan(got["p"])
    else:
        assert got["p"] == pytest.approx(float(ref["p"]), rel=1e-6, abs=1e-12)


def test_the_reference_covers_the_edges():
    ref = pd.read_csv(REF / "proc_reference.tsv", sep="\t", skipinitialspace=True)
    assert len(ref) >= 6
    assert (ref["auc"] < 0.5).any() and (ref["auc"] == 1).any() and ref["p"].isna().sum() == 2
    assert ref[["n_cases", "n_controls"]].min(axis=1).min() == 3


def test_auc_is_mann_whitney_u_over_mn():
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 5, 17), rng.integers(1, 6, 23)  # many ties
    u = stats.mannwhitneyu(x, y).statistic
    assert delong_auc(x, y)["auc"] == pytest.approx(u / (17 * 23))


def test_response_auc_finds_the_predictive_signature():
    rng = np.random.default_rng(4)
    n = 60
    outcome = pd.Series(np.where(np.arange(n) < 25, "responder", "non-responder"), index=[f"p{i}" for i in range(n)])
    resp = (outcome == "responder").to_numpy()
    values = {"OSM_TREM1": rng.normal(size=n) - 1.5 * resp, "NOISE": rng.normal(size=n), "FLAT": np.ones(n)}
    scores = pd.DataFrame(
        [(o, s, "mean_z", v[i]) for s, v in values.items() for i, o in enumerate(outcome.index)],
        columns=["observation", "signature", "method", "score"],
    )
    table = response_auc(scores, outcome, positive="responder").set_index("signature")
    # high OSM/TREM1 marks non-response: AUC far below 0.5, significant after FDR
    assert table.loc["OSM_TREM1", "auc"] < 0.25 and table.loc["OSM_TREM1", "fdr"] < 1e-3
    assert table.loc["OSM_TREM1", "auc_ci_high"] < 0.5 and table.loc["OSM_TREM1", "markable"]
    assert 0.3 < table.loc["NOISE", "auc"] < 0.7 and table.loc["NOISE", "fdr"] > 0.05
    assert table.loc["FLAT", "auc"] == 0.5 and not table.loc["FLAT", "markable"]
    assert table.loc["FLAT", "note"] == "the score is the same in every sample"
    assert (table["n_cases"] == 25).all() and (table["n_controls"] == 35).all()


def test_response_auc_names_what_is_wrong():
    scores = pd.DataFrame({"observation": ["a", "b"], "signature": "S", "method": "m", "score": [1.0, 2.0]})
    with pytest.raises(InputError, match="positive class 'yes' is not an outcome"):
        response_auc(scores, pd.Series(["no", "maybe"], index=["a", "b"]), positive="yes")
    with pytest.raises(InputError, match="no scores: \\['c'\\]"):
        response_auc(scores, pd.Series(["yes", "no", "no"], index=["a", "b", "c"]), positive="yes")


def _wide(n: int, n_noise: int, effect: float, seed: int):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2 == 0
    data = {f"NOISE_{i}": rng.normal(size=n) for i in range(n_noise)}
    data["SIGNAL"] = rng.normal(size=n) + effect * y
    index = [f"s{i}" for i in range(n)]
    return pd.DataFrame(data, index=index), pd.Series(np.where(y, "R", "NR"), index=index)


def test_cross_validation_does_not_reward_noise():
    """50 noise signatures, 30 samples: picking the best on all samples and fitting in-sample
    gives an AUC near 0.9; chosen inside the folds, the estimate stays near 0.5."""
    from sklearn.linear_model import LogisticRegression

    features, outcome = _wide(30, 50, effect=0.0, seed=1)
    y = (outcome == "R").to_numpy()
    cv = cross_validated_auc(features, outcome, positive="R", n_signatures=3, repeats=10)
    assert 0.25 < cv["auc"] < 0.7 and cv["auc_low"] <= cv["auc"] <= cv["auc_high"]
    separation = features.apply(lambda c: abs(delong_auc(c[y], c[~y])["auc"] - 0.5))
    best = features[separation.nlargest(3).index].to_numpy()
    in_sample = LogisticRegression().fit(best, y).decision_function(best)
    assert delong_auc(in_sample[y], in_sample[~y])["auc"] > cv["auc"] + 0.2  # what an in-sample AUC claims


def test_cross_validation_finds_a_real_signal():
    features, outcome = _wide(40, 20, effect=2.0, seed=2)
    cv = cross_validated_auc(features, outcome, positive="R", n_signatures=1, repeats=10)
    assert cv["auc"] > 0.8 and next(iter(cv["chosen"])) == "SIGNAL"
    assert cv["n_cases"] == 20 and cv["folds"] == 5
