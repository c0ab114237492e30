"""Expression scale: deciding whether values need log2, and quantile normalization."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
from scipy.stats import rankdata

from .._provenance import record
from .._utils import InputError

__all__ = ["detect_log_scale", "quantile_normalize", "normalize_expression"]

log = logging.getLogger(__name__)

_QUANTILES = (0.0, 0.25, 0.5, 0.75, 0.99, 1.0)


def detect_log_scale(X: np.ndarray) -> dict:
    """Decide whether expression values are on a linear scale and need log2.

    Uses the rule of NCBI GEO2R (the R script GEO generates for every series):
    with ``q`` the 0, 25, 50, 75, 99 and 100 % quantiles of all values, the data
    is linear when ``q99 > 100`` or ``(q100 - q0 > 50 and q25 > 0)``.

    Returns
    -------
    dict with ``needs_log2`` (bool), ``rule`` (text) and ``quantiles``
    (the evidence, keyed ``q0`` … ``q100``).
    """
    values = np.asarray(X, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise InputError("cannot decide the scale: the matrix has no finite value")
    q = np.quantile(values, _QUANTILES)
    needs = bool(q[4] > 100 or (q[5] - q[0] > 50 and q[1] > 0))
    return {
        "needs_log2": needs,
        "rule": "GEO2R: linear if q99 > 100 or (max - min > 50 and q25 > 0)",
        "quantiles": {f"q{int(p * 100)}": float(v) for p, v in zip(_QUANTILES, q, strict=True)},
    }


def quantile_normalize(X: np.ndarray) -> np.ndarray:
    """Quantile-normalize the columns of ``X`` (features × samples).

    Every column gets the same distribution: the mean over columns of the sorted
    values (Bolstad et al. 2003, Bioinformatics 19:185). Tied values within a column
    all receive the mean of the target values at their positions, as in
    Bioconductor's ``preprocessCore::normalize.quantiles``.
    """
    X = np.asarray(X, dtype=np.float64)
    if np.isnan(X).any():
        raise InputError("quantile normalization needs a matrix without missing values")
    n, m = X.shape
    target = np.sort(X, axis=0).mean(axis=1)
    cum = np.concatenate([[0.0], np.cumsum(target)])
    out = np.empty_like(X)
    for j in range(m):
        low = rankdata(X[:, j], method="min").astype(np.int64)  # first position, 1-based
        high = rankdata(X[:, j], method="max").astype(np.int64)  # last position
        out[:, j] = (cum[high] - cum[low - 1]) / (high - low + 1)
    return out


def normalize_expression(
    adata: ad.AnnData, *, log2: str | bool = "auto", quantile: bool = False
) -> ad.AnnData:
    """Put microarray-like values on a log2 scale (if needed) and optionally quantile-normalize.

    Parameters
    ----------
    log2
        ``"auto"`` decides with :func:`detect_log_scale`; ``True`` always applies
        log2; ``False`` never does. Before log2, values <= 0 are raised to the
        smallest positive value of the matrix (their number is recorded).
    quantile
        Quantile-normalize samples after the log step.

    The decision, its evidence and the counts go to ``uns["cytoscore"]["normalization"]``.
    Returns a new AnnData; the input is not modified.
    """
    if log2 not in ("auto", True, False):
        raise InputError(f"log2 must be 'auto', true or false, not {log2!r}")
    out = adata.copy()
    X = np.asarray(out.X, dtype=np.float64)
    evidence = detect_log_scale(X)
    apply_log = evidence["needs_log2"] if log2 == "auto" else bool(log2)
    n_nonpositive = 0
    if apply_log:
        positive = X[X > 0]
        if positive.size == 0:
            raise InputError("cannot log-transform: no value is above 0")
        n_nonpositive = int((X <= 0).sum())
        X = np.log2(np.maximum(X, positive.min()))
    if log2 == "auto":
        reason = "values look linear (GEO2R rule)" if apply_log else "values look log-scaled already"
    else:
        reason = f"configured log2: {log2}"
    if quantile:
        X = quantile_normalize(X.T).T
    out.X = X
    record(
        out,
        "normalization",
        log2_setting=str(log2),
        log2_applied=apply_log,
        reason=reason,
        evidence=evidence,
        n_nonpositive_raised=n_nonpositive,
        quantile_normalized=bool(quantile),
    )
    log.info(
        "scale: %s -> log2 %s (q99=%.3g, max=%.3g); quantile normalization: %s",
        reason,
        "applied" if apply_log else "not applied",
        evidence["quantiles"]["q99"],
        evidence["quantiles"]["q100"],
        quantile,
    )
    return out
