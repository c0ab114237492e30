"""Expression scale: deciding whether values need log2, and quantile normalization."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np

from .._provenance import record
from .._utils import InputError

__all__ = ["detect_log_scale", "quantile_normalize", "normalize_expression"]

log = logging.getLogger(__name__)

_QUANTILES = (0.0, 0.25, 0.5, 0.75, 0.99, 1.0)


def _mean_sd_rho(X: np.ndarray) -> float:
    """Spearman ρ between genes' mean and SD across samples (rows): strongly positive on a
    linear scale (variance grows with the mean), weak or negative after log2."""
    from scipy.stats import spearmanr

    if X.ndim != 2 or X.shape[0] < 3:
        return float("nan")
    with np.errstate(invalid="ignore"):
        mean, sd = np.nanmean(X, axis=0), np.nanstd(X, axis=0, ddof=1)
    ok = np.isfinite(mean) & np.isfinite(sd) & (mean > 0) & (sd > 0)
    if ok.sum() < 20:
        return float("nan")
    return float(spearmanr(mean[ok], sd[ok]).statistic)


def detect_log_scale(X: np.ndarray) -> dict:
    """Decide whether expression values are on a linear scale and need log2, and how.

    Evidence (all recorded):

    - NCBI GEO2R's rule (the R script GEO generates for every series): with ``q`` the 0,
      25, 50, 75, 99 and 100 % quantiles, linear when ``q99 > 100`` or
      ``(q100 − q0 > 50 and q25 > 0)``;
    - the maximum: non-negative values above 50 cannot be log2 expression (2⁵⁰);
    - zeros and integer-like values: (normalized) counts, which take ``log2(x + 1)``;
    - the mean–SD relation across samples (Spearman ρ): strongly positive on a linear scale.

    Linear when GEO2R's rule or the maximum says so. When the pieces of evidence disagree
    (e.g. DESeq2-normalized counts: q25 = 0 and q99 < 100 pass GEO2R as "log", but the
    maximum is 1,753), ``agree`` is false and ``conflicts`` says how; the caller warns.

    Parameters
    ----------
    X
        Samples × genes values as deposited; non-finite values are ignored (at least one
        finite value is needed).

    Returns
    -------
    dict
        ``needs_log2``, ``offset`` (1 for count-like values: ``log2(x + 1)``, else 0),
        ``agree``, ``conflicts``, ``rule`` and ``quantiles`` / evidence values
        (``geo2r_linear``, ``max_above_50``, ``zero_fraction``, ``integer_fraction``,
        ``mean_sd_spearman``).
    """
    raw = np.asarray(X, dtype=np.float64)
    values = raw[np.isfinite(raw)]
    if values.size == 0:
        raise InputError("cannot decide the scale: the matrix has no finite value")
    q = np.quantile(values, _QUANTILES)
    geo2r = bool(q[4] > 100 or (q[5] - q[0] > 50 and q[1] > 0))
    nonnegative = bool(q[0] >= 0)
    too_large = bool(nonnegative and q[5] > 50)
    zero_fraction = float(np.mean(values == 0))
    integer_fraction = float(np.mean(values == np.rint(values)))
    rho = _mean_sd_rho(raw)
    needs = geo2r or too_large
    count_like = bool(needs and nonnegative and (zero_fraction >= 0.05 or integer_fraction >= 0.9))
    conflicts = []
    if too_large and not geo2r:
        conflicts.append(f"GEO2R's rule says log scale, but the maximum {q[5]:.4g} cannot be log2")
    if needs and np.isfinite(rho) and rho < 0.3:
        conflicts.append(f"judged linear, but SD barely grows with the mean (Spearman rho {rho:.2f})")
    if not needs and np.isfinite(rho) and rho > 0.8 and nonnegative:
        conflicts.append(f"judged log-scaled, but SD grows with the mean as on a linear scale (rho {rho:.2f})")
    return {
        "needs_log2": needs,
        "offset": 1 if count_like else 0,
        "agree": not conflicts,
        "conflicts": conflicts,
        "rule": "linear if GEO2R (q99 > 100 or (max - min > 50 and q25 > 0)) or (min >= 0 and max > 50); "
        "log2(x + 1) when linear with >= 5% zeros or >= 90% integers",
        "quantiles": {f"q{int(p * 100)}": float(v) for p, v in zip(_QUANTILES, q, strict=True)},
        "geo2r_linear": geo2r,
        "max_above_50": too_large,
        "zero_fraction": zero_fraction,
        "integer_fraction": integer_fraction,
        "mean_sd_spearman": rho,
    }


def quantile_normalize(X: np.ndarray) -> np.ndarray:
    """Quantile-normalize the columns of ``X`` (features × samples).

    Every column gets the same distribution: the mean over columns of the sorted
    values (Bolstad et al. 2003, Bioinformatics 19:185). Tied values within a column
    all receive the mean of the target values at their positions, as in
    Bioconductor's ``preprocessCore::normalize.quantiles``.

    Parameters
    ----------
    X
        Features × samples values (no missing values).

    Returns
    -------
    ndarray
        The normalized values, the same shape.
    """
    from scipy.stats import rankdata  # scipy.stats takes 0.5 s to import: not in every job

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

    The decision, its evidence and the counts go to ``uns["cytoscore"]["normalization"]``.
    Returns a new AnnData; the input is not modified.

    Parameters
    ----------
    adata
        Samples × genes values as deposited, in ``X``.
    log2
        ``"auto"`` decides with :func:`detect_log_scale` (``log2(x + 1)`` for count-like
        values); ``True`` always applies log2, ``"counts"`` always ``log2(x + 1)`` (e.g.
        DESeq2-normalized or CPM tables; negative values are an error); ``False`` never.
        Before a plain log2, values <= 0 are raised to the smallest positive value of the
        matrix (their number is recorded). With ``"auto"``, conflicting evidence is a WARNING
        naming it and the setting that forces a decision.
    quantile
        Quantile-normalize samples after the log step (:func:`quantile_normalize`; the
        matrix must have no missing values).

    Returns
    -------
    AnnData
        A copy with the (log2-scaled, when applied) float64 values in ``X``.
    """
    if log2 not in ("auto", True, False, "counts"):
        raise InputError(f"log2 must be 'auto', true, false or 'counts', not {log2!r}")
    out = adata.copy()
    X = np.asarray(out.X, dtype=np.float64)
    evidence = detect_log_scale(X)
    if log2 == "auto":
        apply_log, offset = evidence["needs_log2"], evidence["offset"]
    else:
        apply_log, offset = bool(log2), 1 if log2 == "counts" else 0
    n_nonpositive = 0
    if apply_log and offset:
        if (X < 0).any():
            raise InputError("cannot take log2(x + 1): the matrix has negative values")
        X = np.log2(X + 1)
    elif apply_log:
        positive = X[X > 0]
        if positive.size == 0:
            raise InputError("cannot log-transform: no value is above 0")
        n_nonpositive = int((X <= 0).sum())
        X = np.log2(np.maximum(X, positive.min()))
    if log2 == "auto":
        if not apply_log:
            reason = "values look log-scaled already"
        elif offset:
            reason = (
                f"values look like linear (normalized) counts ({100 * evidence['zero_fraction']:.0f}% zeros, "
                f"{100 * evidence['integer_fraction']:.0f}% integers): log2(x + 1)"
            )
        else:
            reason = "values look linear: log2"
        if not evidence["agree"]:
            log.warning(
                "scale: the evidence disagrees (%s); decided: %s. If that is wrong, set the dataset's "
                "normalize.log2 to true (log2), counts (log2(x + 1)) or false (already log-scaled)",
                "; ".join(evidence["conflicts"]),
                reason,
            )
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
        log2_offset=offset if apply_log else 0,
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
