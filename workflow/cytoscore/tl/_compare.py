"""Comparing signature scores between two groups: effect sizes, tests, FDR."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from .._utils import InputError

__all__ = ["hedges_g", "compare_groups", "bh_fdr", "COMPARISON_COLUMNS"]

COMPARISON_COLUMNS = [
    "contrast",
    "signature",
    "method",
    "target",
    "reference",
    "n_target",
    "n_reference",
    "mean_target",
    "mean_reference",
    "mean_difference",
    "hedges_g",
    "hedges_g_ci_low",
    "hedges_g_ci_high",
    "welch_t",
    "welch_p",
    "mannwhitney_u",
    "mannwhitney_p",
    "fdr_welch",
    "fdr_mannwhitney",
    "fdr_family",
]


def hedges_g(x: np.ndarray, y: np.ndarray, *, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Hedges' g of ``x`` over ``y`` with its standard error and confidence interval.

    g = J * (mean_x - mean_y) / s_pooled, with s_pooled the pooled SD (ddof=1) and
    the small-sample correction J = 1 - 3 / (4 (n_x + n_y) - 9). The standard error is
    sqrt((n_x + n_y) / (n_x n_y) + g^2 / (2 (n_x + n_y))) and the interval
    g ± z * SE (Hedges & Olkin 1985; Borenstein et al. 2009, Introduction to
    Meta-Analysis, eq. 4.18-4.24).

    Returns
    -------
    (g, se, ci_low, ci_high); NaN where the pooled SD is 0.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    nx, ny = len(x), len(y)
    if nx < 2 or ny < 2:
        raise InputError(f"Hedges' g needs at least 2 values per group (got {nx} and {ny})")
    pooled = np.sqrt(((nx - 1) * x.var(ddof=1) + (ny - 1) * y.var(ddof=1)) / (nx + ny - 2))
    if pooled == 0:
        return (np.nan, np.nan, np.nan, np.nan)
    j = 1 - 3 / (4 * (nx + ny) - 9)
    g = j * (x.mean() - y.mean()) / pooled
    se = np.sqrt((nx + ny) / (nx * ny) + g**2 / (2 * (nx + ny)))
    z = stats.norm.ppf(0.5 + confidence / 2)
    return (float(g), float(se), float(g - z * se), float(g + z * se))


def bh_fdr(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values; NaN p-values stay NaN and are not counted."""
    p = np.asarray(p, dtype=np.float64)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return out


def compare_groups(
    scores: pd.DataFrame,
    groups: pd.Series,
    *,
    target: str,
    reference: str,
    contrast: str = "",
) -> pd.DataFrame:
    """Compare each signature × method between a target and a reference group.

    Parameters
    ----------
    scores
        Tidy scores with columns ``observation, signature, method, score``.
    groups
        Group of each observation (index: observation IDs).

    Returns
    -------
    One row per signature × method (columns :data:`COMPARISON_COLUMNS`): group
    sizes and means, difference of means (target − reference), Hedges' g with 95%
    CI, Welch's t-test and the two-sided Mann–Whitney U test, and
    Benjamini–Hochberg FDR of each test across the signatures of one method within
    this contrast (``fdr_family`` says so).
    """
    levels = pd.Series(groups).astype(str)
    counts = levels.value_counts()
    for role, level in (("target", target), ("reference", reference)):
        n = int(counts.get(level, 0))
        if n == 0:
            raise InputError(
                f"contrast {contrast!r}: no sample is in the {role} group {level!r}; "
                f"groups present: {dict(counts)}"
            )
        if n < 2:
            raise InputError(
                f"contrast {contrast!r}: the {role} group {level!r} has {n} sample; at least 2 are needed"
            )
    if target == reference:
        raise InputError(f"contrast {contrast!r}: target and reference are both {target!r}")
    unscored = sorted(set(levels.index) - set(scores["observation"]))
    if unscored:
        raise InputError(f"contrast {contrast!r}: samples without scores: {unscored[:10]}")
    merged = scores.assign(group=scores["observation"].map(levels))
    rows = []
    for (method, signature), sub in merged.groupby(["method", "signature"], sort=False):
        x = sub.loc[sub["group"] == target, "score"].to_numpy()
        y = sub.loc[sub["group"] == reference, "score"].to_numpy()
        g, _, lo, hi = hedges_g(x, y)
        if np.ptp(np.concatenate([x, y])) == 0:
            t = pt = u = pu = np.nan
        else:
            t, pt = stats.ttest_ind(x, y, equal_var=False)
            u, pu = stats.mannwhitneyu(x, y, alternative="two-sided")
        rows.append(
            {
                "contrast": contrast,
                "signature": signature,
                "method": method,
                "target": target,
                "reference": reference,
                "n_target": len(x),
                "n_reference": len(y),
                "mean_target": x.mean(),
                "mean_reference": y.mean(),
                "mean_difference": x.mean() - y.mean(),
                "hedges_g": g,
                "hedges_g_ci_low": lo,
                "hedges_g_ci_high": hi,
                "welch_t": float(t),
                "welch_p": float(pt),
                "mannwhitney_u": float(u),
                "mannwhitney_p": float(pu),
            }
        )
    table = pd.DataFrame(rows)
    for test in ("welch", "mannwhitney"):
        table[f"fdr_{test}"] = table.groupby("method", sort=False)[f"{test}_p"].transform(
            lambda p: bh_fdr(p.to_numpy())
        )
    table["fdr_family"] = "signatures of one method within the contrast"
    return table[COMPARISON_COLUMNS]
