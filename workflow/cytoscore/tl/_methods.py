"""Scoring methods: a registry of pure kernels (decoupler's shape).

Each kernel takes ``X`` (observations × genes, log-scale expression, dense) and
``S`` (genes × sets, 0/1 membership) and returns observations × sets scores.
Gene matching, minimum set size and AnnData handling live in
:func:`cytoscore.tl.score_gene_sets`, not in the kernels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

__all__ = ["ScoringMethod", "METHODS", "get_method", "mean_z_kernel", "ssgsea_kernel"]


@dataclass(frozen=True)
class ScoringMethod:
    """A scoring kernel and what a user needs to know about it."""

    name: str
    kernel: Callable[..., np.ndarray]
    label: str
    reference: str
    input: str  # what X must be
    rank_based: bool
    set_dependent: bool  # scores of one set depend on which other sets are scored


def mean_z_kernel(X: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Mean of per-gene z-scores over each set's genes.

    Each gene is standardized across the observations of the dataset (mean 0,
    sample SD with ddof=1); a gene with zero variance gets z = 0 everywhere.
    """
    X = np.asarray(X, dtype=np.float64)
    S = np.asarray(S, dtype=np.float64)
    mean = X.mean(axis=0)
    sd = X.std(axis=0, ddof=1) if X.shape[0] > 1 else np.zeros(X.shape[1])
    safe = np.where(sd > 0, sd, 1.0)
    Z = np.where(sd > 0, (X - mean) / safe, 0.0)
    return (Z @ S) / S.sum(axis=0)


def ssgsea_kernel(X: np.ndarray, S: np.ndarray, *, alpha: float = 0.25, normalize: bool = True) -> np.ndarray:
    """Single-sample GSEA (Barbie et al. 2009) exactly as R GSVA 1.46 ``method="ssgsea"``.

    Per sample, genes are ranked by expression (average ranks of ties, truncated to
    integers as GSVA does) and ordered by decreasing rank, ties kept in gene order.
    The enrichment score of a set is the sum over the ordering of the difference
    between the rank-weighted (weight ``rank**alpha``) cumulative distribution of
    the set's genes and the cumulative distribution of the other genes. That sum
    has a closed form (GSVA's ``.fastRndWalk``), computed here for all sets at
    once with three matrix products:

        ES = sum(w_g * (n - p_g + 1)) / sum(w_g) - (n(n+1)/2 - sum(n - p_g + 1)) / (n - k)

    with ``p_g`` the 1-based position of set gene ``g`` in the ordering, ``n``
    genes, ``k`` set genes. With ``normalize``, all scores are divided by the
    range (max - min) of the whole observations × sets score matrix, as GSVA's
    ``ssgsea.norm=TRUE`` does — so scores depend on which sets are scored together.
    """
    X = np.asarray(X, dtype=np.float64)
    S = np.asarray(S, dtype=np.float64)
    n_obs, n = X.shape
    k = S.sum(axis=0)
    if np.any(k >= n):
        raise ValueError("ssGSEA needs genes outside every set")
    R = np.floor(rankdata(X, axis=1, method="average"))
    order = np.argsort(-R, axis=1, kind="stable")
    position = np.empty_like(order)
    rows = np.arange(n_obs)[:, None]
    position[rows, order] = np.arange(1, n + 1)
    reverse = (n - position + 1).astype(np.float64)
    weight = R**alpha
    es = (weight * reverse) @ S / (weight @ S) - (n * (n + 1) / 2 - reverse @ S) / (n - k)
    if normalize:
        span = es.max() - es.min()
        if span > 0:
            es = es / span
    return es


METHODS: dict[str, ScoringMethod] = {
    m.name: m
    for m in (
        ScoringMethod(
            name="mean_z",
            kernel=mean_z_kernel,
            label="mean z-score",
            reference="Mean of per-gene z-scores across the dataset's samples (Lee et al. 2008, PLoS Comput Biol 4:e1000217)",
            input="log-scale expression",
            rank_based=False,
            set_dependent=False,
        ),
        ScoringMethod(
            name="ssgsea",
            kernel=ssgsea_kernel,
            label="ssGSEA",
            reference="Barbie et al. 2009, Nature 462:108; as implemented in R GSVA 1.46 (Hänzelmann et al. 2013, BMC Bioinformatics 14:7)",
            input="log-scale expression",
            rank_based=True,
            set_dependent=True,
        ),
    )
}


def get_method(name: str) -> ScoringMethod:
    """The registered scoring method called ``name``."""
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(f"unknown scoring method {name!r}; available: {sorted(METHODS)}") from None
