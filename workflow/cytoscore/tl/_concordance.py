"""Do conclusions depend on the scoring method? Score correlations and contrast directions."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from .._correlation import spearman
from .._utils import InputError, score_parts

__all__ = ["method_concordance", "contrast_concordance"]


def method_concordance(scores) -> pd.DataFrame:
    """Spearman correlation of each signature's per-observation scores between every pair of methods.

    Parameters
    ----------
    scores
        A tidy table (``observation, signature, method, score``), or tidy parts each holding
        whole signatures (all their methods); 2+ methods in all.

    Returns
    -------
    DataFrame
        Per signature and pair of methods: ``n`` (observations scored by both),
        ``spearman_rho`` and ``spearman_p`` (NaN with fewer than 3 observations or a constant
        score; p exact up to 7 observations, :func:`cytoscore._correlation.spearman`).
    """
    rows, seen = [], set()
    for part in score_parts(scores):
        seen.update(part["method"].unique())
        rows += _concordance_rows(part)
    if len(seen) < 2:
        raise InputError(f"method concordance needs at least 2 methods; scores have {sorted(seen)}")
    return pd.DataFrame(rows, columns=["signature", "method_a", "method_b", "n", "spearman_rho", "spearman_p"])


def _concordance_rows(scores: pd.DataFrame) -> list[dict]:
    methods = sorted(scores["method"].unique())
    wide = scores.pivot_table(index=["signature", "observation"], columns="method", values="score")
    rows = []
    for signature, sub in wide.groupby(level="signature", sort=False):
        for a, b in combinations(methods, 2):
            pair = sub[[a, b]].dropna()
            rho, p = spearman(pair[a], pair[b])
            rows.append(
                {
                    "signature": signature,
                    "method_a": a,
                    "method_b": b,
                    "n": len(pair),
                    "spearman_rho": float(rho),
                    "spearman_p": float(p),
                }
            )
    return rows


def contrast_concordance(comparisons: pd.DataFrame, *, fdr: float = 0.05) -> pd.DataFrame:
    """Per contrast (× cell type) and signature: each method's Hedges' g and FDR, and whether the
    methods agree on the direction and on significance at ``fdr``.

    Parameters
    ----------
    comparisons
        The contrasts' comparison tables, stacked (``contrast, signature, method, hedges_g,
        fdr``, and ``cell_type`` if any).
    fdr
        The FDR below which a method calls a change.

    Returns
    -------
    DataFrame
        Per contrast (× cell type) and signature: each method's g and FDR, ``direction_agrees``,
        ``significance_agrees``.
    """
    needed = {"contrast", "signature", "method", "hedges_g", "fdr"}
    if missing := needed - set(comparisons.columns):
        raise InputError(f"comparison tables lack {sorted(missing)}")
    keys = ["contrast", "signature"] + (["cell_type"] if "cell_type" in comparisons.columns else [])
    data = comparisons.copy()
    if "cell_type" in data.columns:
        data["cell_type"] = data["cell_type"].fillna("")
    g = data.pivot_table(index=keys, columns="method", values="hedges_g", sort=False)
    q = data.pivot_table(index=keys, columns="method", values="fdr", sort=False)
    out = g.add_prefix("hedges_g_").join(q.add_prefix("fdr_"))
    signs = np.sign(g)
    out["direction_agrees"] = signs.nunique(axis=1).eq(1) & signs.notna().all(axis=1)
    significant = q < fdr
    out["significance_agrees"] = significant.nunique(axis=1).eq(1)
    return out.reset_index()
