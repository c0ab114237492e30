"""Bulk RNA-seq counts: filtering lowly expressed genes and library-size normalization to log2-CPM."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd

from .._provenance import record
from .._utils import InputError

__all__ = ["filter_by_expr", "tmm_factors", "median_of_ratios_factors", "log_cpm", "normalize_counts"]

log = logging.getLogger(__name__)

COUNT_METHODS = ("tmm", "median_of_ratios")


def filter_by_expr(
    counts: np.ndarray,
    *,
    group: pd.Series | np.ndarray | None = None,
    min_count: float = 10,
    min_total_count: float = 15,
    large_n: int = 10,
    min_prop: float = 0.7,
) -> np.ndarray:
    """Genes to keep, by edgeR's ``filterByExpr`` (Chen, Lun & Smyth 2016) rule.

    ``counts`` is samples × genes. A gene is kept when its CPM is at least
    ``min_count / median(library size) * 1e6`` in at least ``n`` samples — ``n`` the
    smallest group size (all samples without groups), reduced to
    ``large_n + (n - large_n) * min_prop`` above ``large_n`` — and its total count is
    at least ``min_total_count``.

    Parameters
    ----------
    counts
        Samples × genes raw counts.
    group
        Each sample's group; the smallest group's size is ``n``. ``None``: all samples.
    min_count
        edgeR's ``min.count``.
    min_total_count
        edgeR's ``min.total.count``.
    large_n
        edgeR's ``large.n``.
    min_prop
        edgeR's ``min.prop``.

    Returns
    -------
    ndarray
        A boolean per gene: kept.
    """
    counts = np.asarray(counts, dtype=np.float64)
    lib = counts.sum(axis=1)
    if group is None:
        n = counts.shape[0]
    else:
        sizes = pd.Series(np.asarray(group)).value_counts()
        n = int(sizes[sizes > 0].min())
    if n > large_n:
        n = large_n + (n - large_n) * min_prop
    cutoff = min_count / np.median(lib) * 1e6
    cpm = counts / lib[:, None] * 1e6
    tol = 1e-14
    keep_cpm = (cpm >= cutoff).sum(axis=0) >= n - tol
    keep_total = counts.sum(axis=0) >= min_total_count - tol
    return keep_cpm & keep_total


def _tmm_pair(obs, ref, n_obs, n_ref, logratio_trim=0.3, sum_trim=0.05):
    with np.errstate(divide="ignore", invalid="ignore"):
        log_r = np.log2((obs / n_obs) / (ref / n_ref))
        abs_e = (np.log2(obs / n_obs) + np.log2(ref / n_ref)) / 2
        v = (n_obs - obs) / n_obs / obs + (n_ref - ref) / n_ref / ref
    fin = np.isfinite(log_r) & np.isfinite(abs_e)
    log_r, abs_e, v = log_r[fin], abs_e[fin], v[fin]
    if log_r.size == 0 or np.max(np.abs(log_r)) < 1e-6:
        return 1.0
    n = log_r.size
    lo_l = np.floor(n * logratio_trim) + 1
    hi_l = n + 1 - lo_l
    lo_s = np.floor(n * sum_trim) + 1
    hi_s = n + 1 - lo_s
    from scipy.stats import rankdata  # scipy.stats takes 0.5 s to import: not in every job

    rank_r, rank_e = rankdata(log_r), rankdata(abs_e)
    keep = (rank_r >= lo_l) & (rank_r <= hi_l) & (rank_e >= lo_s) & (rank_e <= hi_s)
    f = np.sum(log_r[keep] / v[keep]) / np.sum(1 / v[keep])
    return float(2**f) if np.isfinite(f) else 1.0


def tmm_factors(counts: np.ndarray) -> np.ndarray:
    """TMM normalization factors exactly as edgeR 3.40 ``calcNormFactors(method="TMM")``.

    ``counts`` is samples × genes. The reference sample is the one whose upper-quartile
    factor is closest to the mean; M-values are trimmed 30 %, A-values 5 %, the rest
    averaged with inverse-variance weights; factors are scaled to a geometric mean of 1
    (Robinson & Oshlack 2010, Genome Biol 11:R25).

    Parameters
    ----------
    counts
        Samples × genes raw counts.

    Returns
    -------
    ndarray
        One factor per sample.
    """
    counts = np.asarray(counts, dtype=np.float64)
    lib = counts.sum(axis=1)
    x = counts[:, (counts > 0).any(axis=0)]
    f75 = np.quantile(x, 0.75, axis=1) / lib
    if np.median(f75) < 1e-20:
        ref = int(np.argmax(np.sqrt(x).sum(axis=1)))
    else:
        ref = int(np.argmin(np.abs(f75 - f75.mean())))
    f = np.array([_tmm_pair(x[i], x[ref], lib[i], lib[ref]) for i in range(x.shape[0])])
    return f / np.exp(np.mean(np.log(f)))


def median_of_ratios_factors(counts: np.ndarray) -> np.ndarray:
    """DESeq2 median-of-ratios size factors (Anders & Huber 2010), via pydeseq2.

    Parameters
    ----------
    counts
        Samples × genes raw counts.

    Returns
    -------
    ndarray
        One size factor per sample.
    """
    from pydeseq2.preprocessing import deseq2_norm

    counts = np.asarray(counts, dtype=np.float64)
    if not (counts > 0).all(axis=0).any():
        raise InputError("median-of-ratios needs at least one gene counted in every sample")
    _, size_factors = deseq2_norm(counts)
    return np.asarray(size_factors, dtype=np.float64).ravel()


def log_cpm(counts: np.ndarray, lib_size: np.ndarray, *, prior_count: float = 2.0) -> np.ndarray:
    """log2 counts per million as edgeR's ``cpm(log=TRUE)``: the prior count is scaled by
    library size relative to the mean library size, and twice it added to the library size.

    Parameters
    ----------
    counts
        Samples × genes raw counts.
    lib_size
        Each sample's effective library size (library size × factor).
    prior_count
        edgeR's ``prior.count``.

    Returns
    -------
    ndarray
        log2-CPM, samples × genes.
    """
    counts = np.asarray(counts, dtype=np.float64)
    lib = np.asarray(lib_size, dtype=np.float64)
    prior = prior_count * lib / lib.mean()
    return np.log2((counts + prior[:, None]) / (lib + 2 * prior)[:, None] * 1e6)


def normalize_counts(
    adata: ad.AnnData,
    *,
    method: str = "tmm",
    filter_genes: bool = True,
    group_column: str | None = None,
    prior_count: float = 2.0,
) -> ad.AnnData:
    """Filter lowly expressed genes and normalize counts to log2-CPM.

    ``X`` becomes log2-CPM; raw counts stay in ``layers["counts"]``; the choices and
    factors go to ``uns["cytoscore"]["normalization"]``. Library sizes are summed over the
    kept genes.

    Parameters
    ----------
    adata
        Samples × genes with raw counts in ``layers["counts"]`` (required; ``X`` is not read).
    method
        ``"tmm"`` (default; edgeR's trimmed mean of M-values, the normalization
        limma-voom and edgeR use: robust when a few very highly induced genes — such as
        interferon-stimulated genes — change a library's composition) or
        ``"median_of_ratios"`` (DESeq2's size factors; effective library size = size
        factor × geometric mean of library sizes). See :data:`COUNT_METHODS`.
    filter_genes
        Apply :func:`filter_by_expr` (its default thresholds); with ``group_column`` the
        smallest group sets the minimum number of samples. ``False``: keep every gene.
    group_column
        The obs column of groups for :func:`filter_by_expr`; ``None``: all samples as one group.
    prior_count
        The prior count of :func:`log_cpm`.

    Returns
    -------
    AnnData
        A copy with the kept genes, log2-CPM in ``X`` and raw counts in ``layers["counts"]``.
    """
    if method not in COUNT_METHODS:
        raise InputError(f"count normalization must be one of {COUNT_METHODS}, not {method!r}")
    if "counts" not in adata.layers:
        raise InputError("normalize_counts needs raw counts in layers['counts']")
    counts = np.asarray(adata.layers["counts"], dtype=np.float64)
    group = None
    if group_column is not None:
        if group_column not in adata.obs.columns:
            raise InputError(
                f"group_column {group_column!r} is not in the sample metadata {list(adata.obs.columns)}"
            )
        values = adata.obs[group_column]
        group = np.where(values.isna(), None, values.astype(str)).astype(object)  # no group: counts in none
    keep = filter_by_expr(counts, group=group) if filter_genes else np.ones(adata.n_vars, dtype=bool)
    if not keep.any():
        raise InputError("no gene passes the expression filter (filterByExpr); are these raw counts?")
    out = adata[:, keep].copy()
    kept = counts[:, keep]
    lib = kept.sum(axis=1)
    if method == "tmm":
        factors = tmm_factors(kept)
        effective = lib * factors
    else:
        factors = median_of_ratios_factors(kept)
        effective = factors * np.exp(np.mean(np.log(lib)))
    out.X = log_cpm(kept, effective, prior_count=prior_count)
    record(
        out,
        "normalization",
        technology="bulk RNA-seq counts",
        filter="edgeR filterByExpr (min.count 10, min.total.count 15)" if filter_genes else "none",
        filter_group_column=group_column or "",
        n_genes_before=int(adata.n_vars),
        n_genes_kept=int(keep.sum()),
        method=method,
        factors={str(s): float(f) for s, f in zip(out.obs_names, factors, strict=True)},
        library_sizes={str(s): float(v) for s, v in zip(out.obs_names, lib, strict=True)},
        values=f"log2-CPM (edgeR cpm(log=TRUE), prior count {prior_count:g})",
    )
    log.info(
        "counts: kept %d of %d genes (filterByExpr %s); %s factors %s; X = log2-CPM",
        keep.sum(),
        adata.n_vars,
        "on" if filter_genes else "off",
        method,
        np.round(factors, 3).tolist(),
    )
    return out
