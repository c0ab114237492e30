"""Response prediction from baseline scores: ROC AUC with DeLong's confidence interval.

The AUC of a score between responders (cases) and non-responders (controls) is the
probability that a random case scores above a random control (ties count half): the
Mann–Whitney U of the two groups over their product of sizes. DeLong et al. (1988,
Biometrics 44:837) give its variance from the placement values; pROC's ``var`` /
``ci.auc(method = "delong")`` compute the same (tests/reference/proc, equal to 1e-6).
Placements come from midranks (Sun & Xu 2014, IEEE Signal Process Lett 21:1389), not the
cases × controls matrix: O(n log n) per signature.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from scipy import stats

from .._significance import MIN_MARKED_N
from .._utils import InputError
from ._compare import bh_fdr

__all__ = ["delong_auc", "response_auc", "cross_validated_auc", "AUC_COLUMNS"]

log = logging.getLogger(__name__)

#: Columns of a :func:`response_auc` table.
AUC_COLUMNS = [
    "signature", "method", "n_cases", "n_controls", "auc", "auc_se", "auc_ci_low", "auc_ci_high",
    "p_value", "fdr", "p_mannwhitney", "fdr_mannwhitney", "markable", "note",
]  # fmt: skip


def delong_auc(cases, controls, *, confidence: float = 0.95) -> dict[str, float]:
    """ROC AUC of a score that is higher in ``cases``, with DeLong's variance, its normal
    confidence interval clipped to [0, 1] (as pROC's ``ci.auc``) and the two-sided z-test of
    AUC = 0.5.

    Parameters
    ----------
    cases, controls
        The scores of each class (at least one each; missing values are an error).
    confidence
        The level of the interval (0.95: a 95% interval).

    Returns
    -------
    dict
        ``auc``, ``var``, ``se``, ``ci_low``, ``ci_high`` and ``p`` (NaN when the variance is 0:
        perfect separation or a constant score, where pROC's ``var`` is 0 too).
    """
    x, y = np.asarray(cases, dtype=float), np.asarray(controls, dtype=float)
    if len(x) == 0 or len(y) == 0:
        raise InputError(f"an AUC needs cases and controls (got {len(x)} and {len(y)})")
    if np.isnan(x).any() or np.isnan(y).any():
        raise InputError("an AUC cannot be computed with missing scores")
    m, n = len(x), len(y)
    both = stats.rankdata(np.concatenate([x, y]))  # midranks: a tie is half a win
    v10 = (both[:m] - stats.rankdata(x)) / n  # per case: the share of controls below it
    v01 = 1.0 - (both[m:] - stats.rankdata(y)) / m  # per control: the share of cases above it
    auc = float(v10.mean())
    s10 = float(np.var(v10, ddof=1)) if m > 1 else 0.0
    s01 = float(np.var(v01, ddof=1)) if n > 1 else 0.0
    var = s10 / m + s01 / n
    se = float(np.sqrt(var))
    if se > 0:
        half = stats.norm.ppf(0.5 + confidence / 2) * se
        low, high = max(0.0, auc - half), min(1.0, auc + half)
        p = float(2 * stats.norm.sf(abs(auc - 0.5) / se))
    else:
        low = high = auc
        p = np.nan
    return {"auc": auc, "var": var, "se": se, "ci_low": low, "ci_high": high, "p": p}


def response_auc(
    scores: pd.DataFrame, outcome: pd.Series, *, positive: str, confidence: float = 0.95
) -> pd.DataFrame:
    """How well each baseline signature tells the two outcomes apart: ROC AUC per signature ×
    method, the positive class being the cases.

    Parameters
    ----------
    scores
        Tidy scores (``observation, signature, method, score``) of the baseline samples.
    outcome
        Each sample's outcome (e.g. responder / non-responder), indexed by observation;
        samples with no outcome are left out.
    positive
        The outcome value of the cases (e.g. ``"responder"``); every other value is a control.
    confidence
        The level of the DeLong interval.

    Returns
    -------
    DataFrame
        Columns :data:`AUC_COLUMNS`: the AUC (above 0.5: higher scores in the positive class)
        with DeLong's SE, interval and p (pROC's), the Mann–Whitney p (the exact test of
        AUC = 0.5 at small n, where DeLong's z is anti-conservative), their Benjamini–Hochberg
        FDR over the signatures of one method, ``markable`` (3+ per class and a p) and a
        ``note`` where no p exists.
    """
    outcome = outcome.dropna().astype(str)
    outcome.index = outcome.index.astype(str)
    if positive not in set(outcome):
        raise InputError(f"the positive class {positive!r} is not an outcome; outcomes are {sorted(set(outcome))}")
    if outcome.nunique() < 2:
        raise InputError(f"every sample has the outcome {positive!r}: there are no controls")
    merged = scores.assign(observation=scores["observation"].astype(str))
    merged = merged[merged["observation"].isin(outcome.index)]
    missing = sorted(set(outcome.index) - set(merged["observation"]))
    if missing:
        raise InputError(f"samples with an outcome but no scores: {missing[:10]}")
    is_case = merged["observation"].map(outcome).eq(positive).to_numpy()
    rows = []
    for (method, signature), idx in merged.groupby(["method", "signature"], sort=False).indices.items():
        values, case = merged["score"].to_numpy(dtype=float)[idx], is_case[idx]
        res = delong_auc(values[case], values[~case], confidence=confidence)
        flat = np.ptp(values) == 0
        mw = np.nan if flat else float(stats.mannwhitneyu(values[case], values[~case]).pvalue)
        note = ""
        if flat:
            note = "the score is the same in every sample"
        elif np.isnan(res["p"]):
            note = "the classes are perfectly separated: DeLong's variance is 0 (no interval, no z-test)"
        rows.append({
            "signature": signature, "method": method, "n_cases": int(case.sum()), "n_controls": int((~case).sum()),
            "auc": res["auc"], "auc_se": res["se"], "auc_ci_low": res["ci_low"], "auc_ci_high": res["ci_high"],
            "p_value": res["p"], "p_mannwhitney": mw, "note": note,
        })  # fmt: skip
    table = pd.DataFrame(rows)
    for src, dst in (("p_value", "fdr"), ("p_mannwhitney", "fdr_mannwhitney")):
        table[dst] = table.groupby("method", sort=False)[src].transform(lambda p: bh_fdr(p.to_numpy()))
    n_min = table[["n_cases", "n_controls"]].min(axis=1)
    table["markable"] = (n_min >= MIN_MARKED_N).to_numpy() & table["p_mannwhitney"].notna().to_numpy()
    if (n_min < 10).any():
        log.warning(
            "response prediction: as few as %d cases and %d controls; DeLong's z-test is anti-conservative below "
            "about 10 per class: read p_mannwhitney, the rank test of AUC = 0.5", int(table["n_cases"].min()),
            int(table["n_controls"].min()),
        )  # fmt: skip
    return table[AUC_COLUMNS]


def cross_validated_auc(
    features: pd.DataFrame,
    outcome: pd.Series,
    *,
    positive: str,
    n_signatures: int = 3,
    folds: int = 5,
    repeats: int = 20,
    seed: int = 0,
) -> dict:
    """The AUC a combination of signatures reaches on samples it was not fitted on.

    In each of ``repeats`` stratified ``folds``-fold splits, every training part chooses its
    own ``n_signatures`` best signatures (largest ``|AUC - 0.5|`` in that part), standardizes
    them with that part's means and SDs, and fits an L2 logistic regression (scikit-learn);
    the held-out part is scored with it. Selection inside the folds keeps the estimate
    honest: choosing the best signatures on all samples first, then cross-validating, reuses
    the held-out outcomes and overstates the AUC (Ambroise & McLachlan 2002, PNAS 99:6562).

    Parameters
    ----------
    features
        Samples × signatures baseline scores (one method), indexed by observation.
    outcome
        Each sample's outcome, indexed by observation; samples without one are left out.
    positive
        The outcome value of the cases; every other value is a control.
    n_signatures
        How many signatures each training part combines (at most the number of columns).
    folds
        Parts per split; above the size of the smaller class it is lowered to it (logged).
    repeats
        Splits with different seeds: the spread of their AUCs is the estimate's instability.
    seed
        The first split's seed; split ``r`` uses ``seed + r``.

    Returns
    -------
    dict
        ``auc`` (the median over repeats of the out-of-fold AUC), ``auc_low`` and ``auc_high``
        (the 2.5 and 97.5 percentiles over repeats), ``n_cases``, ``n_controls``, ``folds``,
        ``repeats``, ``n_signatures`` and ``chosen`` (how often each signature was chosen,
        most often first).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    outcome = outcome.dropna().astype(str)
    outcome.index = outcome.index.astype(str)
    features = features.copy()
    features.index = features.index.astype(str)
    missing = sorted(set(outcome.index) - set(features.index))
    if missing:
        raise InputError(f"samples with an outcome but no scores: {missing[:10]}")
    X = features.loc[outcome.index].to_numpy(dtype=float)
    y = (outcome == positive).to_numpy()
    n_cases, n_controls = int(y.sum()), int((~y).sum())
    if min(n_cases, n_controls) < 2:
        raise InputError(f"cross-validation needs 2+ samples of each class (got {n_cases} cases, {n_controls} controls)")
    if folds > min(n_cases, n_controls):
        log.warning("cross-validation: %d folds but %d samples in the smaller class; using %d folds",
                    folds, min(n_cases, n_controls), min(n_cases, n_controls))  # fmt: skip
        folds = min(n_cases, n_controls)
    k = max(1, min(n_signatures, X.shape[1]))
    chosen = pd.Series(0, index=features.columns, dtype=int)
    aucs = []
    for r in range(repeats):
        predicted = np.empty(len(y))
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed + r).split(X, y):
            Xt, yt = X[train], y[train]
            separation = [abs(delong_auc(Xt[yt, j], Xt[~yt, j])["auc"] - 0.5) for j in range(X.shape[1])]
            best = np.argsort(separation)[::-1][:k]
            chosen.iloc[best] += 1
            mean, sd = Xt[:, best].mean(axis=0), Xt[:, best].std(axis=0, ddof=1)
            sd[~(sd > 0)] = 1.0
            model = LogisticRegression(C=1.0).fit((Xt[:, best] - mean) / sd, yt)
            predicted[test] = model.decision_function((X[test][:, best] - mean) / sd)
        aucs.append(delong_auc(predicted[y], predicted[~y])["auc"])
    return {
        "auc": float(np.median(aucs)),
        "auc_low": float(np.percentile(aucs, 2.5)),
        "auc_high": float(np.percentile(aucs, 97.5)),
        "n_cases": n_cases,
        "n_controls": n_controls,
        "folds": folds,
        "repeats": repeats,
        "n_signatures": k,
        "chosen": chosen[chosen > 0].sort_values(ascending=False).to_dict(),
    }
