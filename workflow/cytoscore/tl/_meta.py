"""Random-effects meta-analysis of effect sizes across datasets (statsmodels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import InputError, flag
from ._compare import bh_fdr

__all__ = ["meta_analysis", "META_METHODS", "META_TESTS"]

#: dl: DerSimonian & Laird (1986) moment estimator of tau²; pm: Paule & Mandel (1982), iterated.
META_METHODS = {"dl": "dl", "pm": "iterated"}


#: z: Wald z-test; hksj: Hartung–Knapp–Sidik–Jonkman t-test (k − 1 df; metafor's
#: test="knha"); hksj_adhoc: the same with Knapp & Hartung's (2003) ad hoc correction, the
#: variance never below the z test's (metafor's test="adhoc"), because plain HKSJ gives
#: intervals narrower than z when the studies agree more than chance predicts (Röver et al.
#: 2015, BMC Med Res Methodol 15:99); auto: hksj_adhoc when fewer than 5 contrasts are
#: pooled (IntHout et al. 2014), else z.
META_TESTS = ("auto", "z", "hksj", "hksj_adhoc")
META_TEST_NAMES = {
    "z": "z",
    "hksj": "Hartung-Knapp-Sidik-Jonkman t",
    "hksj_adhoc": "Hartung-Knapp-Sidik-Jonkman t, ad hoc variance >= z (Knapp & Hartung 2003)",
}


def _se_from_ci(g, lo, hi):
    return (hi - lo) / (2 * stats.norm.ppf(0.975))


def meta_analysis(
    comparisons: pd.DataFrame, *, method: str = "dl", test: str = "auto", name: str = ""
) -> pd.DataFrame:
    """Pool Hedges' g per signature × method (× cell type) across contrasts with a random-effects model.

    Each contrast's g and its variance (from the 95% CI of the comparison table) are
    combined with :func:`statsmodels.stats.meta_analysis.combine_effects`. Returns the
    pooled g, its SE, 95% CI, p-value, tau², Cochran's Q (and its p-value), I² (from tau²
    and the typical within-study variance, as metafor reports it for every estimator), the
    number of contrasts, and the BH FDR of the pooled p across signatures of one method.

    With the comparison tables' gene coverage columns, each row also carries the lowest
    coverage of the signature among the pooled contrasts and which of them had low coverage.

    tau² is truncated at 0 (a moment estimate below 0 means no detectable heterogeneity;
    statsmodels passes the negative value on, which made confidence intervals too narrow).
    ``test`` chooses the test and CI of the pooled g (:data:`META_TESTS`); the table's
    ``test`` column says which was used.

    Parameters
    ----------
    comparisons
        The pooled contrasts' comparison tables, stacked (2+ contrasts of different datasets).
    method
        τ² estimator: ``dl`` (DerSimonian–Laird) or ``pm`` (Paule–Mandel).
    test
        ``z``, ``hksj``, ``hksj_adhoc`` or ``auto`` (the default: ``hksj_adhoc`` below 5
        contrasts, else ``z``).
    name
        The meta-analysis's name, written to its ``meta_analysis`` column.

    Returns
    -------
    DataFrame
        One row per signature × method (× cell type): ``pooled_g``, ``se``, ``ci_low``,
        ``ci_high``, ``z`` (the test statistic), ``p_value``, ``tau2``, ``q``, ``q_p``, ``i2``,
        ``k``, ``contrasts``, ``model``, ``test`` and ``fdr``; NaN statistics below 2 contrasts.
    """
    from statsmodels.stats.meta_analysis import combine_effects

    if method not in META_METHODS:
        raise InputError(f"meta-analysis method must be one of {sorted(META_METHODS)}, not {method!r}")
    if test not in META_TESTS:
        raise InputError(f"meta-analysis test must be one of {list(META_TESTS)}, not {test!r}")
    needed = {"contrast", "signature", "method", "hedges_g", "hedges_g_ci_low", "hedges_g_ci_high"}
    missing = needed - set(comparisons.columns)
    if missing:
        raise InputError(f"comparison tables lack {sorted(missing)}")
    keys = ["signature", "method"] + (["cell_type"] if "cell_type" in comparisons.columns else [])
    rows = []
    for key, sub in comparisons.groupby(keys, sort=False):
        sub = sub.dropna(subset=["hedges_g", "hedges_g_ci_low", "hedges_g_ci_high"])
        k = len(sub)
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row.update(
            meta_analysis=name,
            model=f"random effects ({method.upper()})",
            test="",
            k=k,
            contrasts=",".join(sub["contrast"].astype(str)),
        )
        if {"coverage", "low_coverage"} <= set(sub.columns):
            # a pooled effect resting on a set with few of its genes in some dataset says so
            low = flag(sub["low_coverage"])
            row.update(
                min_coverage=float(sub["coverage"].min()) if k else np.nan,
                low_coverage=bool(low.any()),
                low_coverage_contrasts=",".join(sub.loc[low, "contrast"].astype(str)),
            )
        if k < 2:
            row.update(
                pooled_g=np.nan,
                se=np.nan,
                ci_low=np.nan,
                ci_high=np.nan,
                z=np.nan,
                p_value=np.nan,
                tau2=np.nan,
                q=np.nan,
                q_p=np.nan,
                i2=np.nan,
            )
            rows.append(row)
            continue
        g = sub["hedges_g"].to_numpy(float)
        var = (
            _se_from_ci(g, sub["hedges_g_ci_low"].to_numpy(float), sub["hedges_g_ci_high"].to_numpy(float))
            ** 2
        )
        res = combine_effects(g, var, method_re=META_METHODS[method])
        tau2 = max(0.0, float(res.tau2))
        w = 1 / (var + tau2)
        pooled = float(np.sum(w * g) / np.sum(w))
        use = test if test != "auto" else ("hksj_adhoc" if k < 5 else "z")
        se_z = float(np.sqrt(1 / np.sum(w)))
        if use.startswith("hksj"):
            q_hk = float(np.sum(w * (g - pooled) ** 2) / (k - 1))
            se = se_z * float(np.sqrt(max(q_hk, 1.0) if use == "hksj_adhoc" else q_hk))
            stat = pooled / se if se > 0 else np.inf * np.sign(pooled)
            p = float(2 * stats.t.sf(abs(stat), k - 1))
            half = float(stats.t.ppf(0.975, k - 1)) * se
        else:
            se = se_z
            stat = pooled / se
            p = float(2 * stats.norm.sf(abs(stat)))
            half = float(stats.norm.ppf(0.975)) * se
        w0 = 1 / var
        typical = (k - 1) / (np.sum(w0) - np.sum(w0**2) / np.sum(w0))  # Higgins & Thompson 2002
        row.update(
            test=META_TEST_NAMES[use],
            pooled_g=pooled,
            se=se,
            ci_low=pooled - half,
            ci_high=pooled + half,
            z=stat,
            p_value=p,
            tau2=tau2,
            q=float(res.q),
            q_p=float(stats.chi2.sf(res.q, k - 1)),
            i2=float(tau2 / (tau2 + typical)),
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    table["fdr"] = table.groupby("method", sort=False)["p_value"].transform(lambda p: bh_fdr(p.to_numpy()))
    return table
