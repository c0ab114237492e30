"""Rank-based kernels: ssGSEA, GSVA, singscore, UCell, AUCell.

All kernels take ``X`` (observations × genes) and ``W`` (genes × sets, non-zero =
member) and return observations × sets. Sparse input is never densified: per
observation only the *top* ranks (UCell, AUCell) or the ranks of the non-zero values
(singscore) carry information. Each row's stored values are ordered once by a radix sort
of their bits (numba, rows in parallel; :func:`_descending_order`); UCell and AUCell sum
the set genes' top ranks per row directly, singscore writes each row's ranks as a sparse
matrix ``T`` and scores ``T @ membership``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import scipy.sparse as sp
from numba.extending import register_jitable
from scipy.special import gammaincc
from scipy.stats import rankdata

from ._matrix import membership, product

__all__ = ["ssgsea_kernel", "gsva_kernel", "singscore_kernel", "ucell_kernel", "aucell_kernel"]


def _csr(X) -> sp.csr_matrix:
    """CSR (float32 or float64) with sorted indices and no stored zeros; copied only when it
    must change."""
    if not (sp.isspmatrix_csr(X) and X.dtype in (np.float32, np.float64)):
        X = sp.csr_matrix(X, dtype=np.float64)
    if not X.has_sorted_indices:
        X = X.copy()
        X.sort_indices()
    low = X.data.min() if X.nnz else 1.0
    if np.isnan(low):
        raise ValueError(
            "sparse expression with NaN values: rank scores need every value (impute or drop them)"
        )
    if low <= 0:
        if low < 0:
            raise ValueError(
                "sparse expression with negative values: rank scores on sparse data assume "
                "non-negative (log-normalized) values"
            )
        X = X.copy()
        X.eliminate_zeros()
    return X


# --- ssGSEA -------------------------------------------------------------------------


def ssgsea_kernel(X, W, *, alpha: float = 0.25, normalize: bool = True) -> np.ndarray:
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

    Parameters
    ----------
    X
        Observations × genes expression (sparse is densified; all observations when ``normalize``).
    W
        Genes × sets membership (nonzero: a member); a set holding every gene raises
        :class:`ValueError`.
    alpha
        The rank weight's exponent (GSVA's ``tau``; 0.25 as GSVA's ssGSEA default).
    normalize
        Divide by the range of all scores (GSVA's ``ssgsea.norm``): scores then depend on every observation.

    Returns
    -------
    ndarray
        Observations × sets scores.
    """
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    S = membership(W)
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
    return ssgsea_normalize(es) if normalize else es


def ssgsea_normalize(es: np.ndarray) -> np.ndarray:
    """GSVA's ``ssgsea.norm``: divide by the range of the whole score matrix."""
    span = es.max() - es.min() if es.size else 0.0
    return es / span if span > 0 else es


# --- GSVA ---------------------------------------------------------------------------

# R GSVA 1.46 (src/ker.c) evaluates the Gaussian kernel CDF from a table of 10,001
# values of pnorm on [0, 10] and returns 0 / 1 beyond ±10 bandwidths. Using the same
# table is what makes the scores identical to R's, not merely close.
_PRE_RES = 10000
_MAX_PRE = 10.0


def _cdf_table() -> np.ndarray:
    from scipy.stats import norm

    return norm.cdf(_MAX_PRE * (np.arange(_PRE_RES + 1) / _PRE_RES))


@nb.njit(parallel=True, cache=True)
def _gaussian_density(X, table):  # pragma: no cover - compiled
    n_genes, n = X.shape
    out = np.empty((n_genes, n))
    for g in nb.prange(n_genes):
        x = X[g]
        mean = x.sum() / n
        bw = math.sqrt(((x - mean) ** 2).sum() / (n - 1)) / 4.0
        for j in range(n):
            left = 0.0
            for i in range(n):
                v = (x[j] - x[i]) / bw
                if v < -_MAX_PRE:
                    continue
                if v > _MAX_PRE:
                    left += 1.0
                    continue
                cdf = table[int(abs(v) / _MAX_PRE * _PRE_RES)]
                left += 1.0 - cdf if v < 0 else cdf
            left /= n
            out[g, j] = -math.log((1.0 - left) / left)
    return out


def _poisson_density(X: np.ndarray) -> np.ndarray:
    """R GSVA's Poisson kernel: mean over samples i of ppois(x_j, x_i + 0.5), as log-odds."""
    out = np.empty_like(X, dtype=np.float64)
    for g in range(X.shape[0]):
        x = X[g]
        left = gammaincc(x[:, None] + 1.0, x[None, :] + 0.5).mean(axis=1)  # ppois(x_j; x_i + .5)
        out[g] = -np.log((1.0 - left) / left)
    return out


@nb.njit(parallel=True, cache=True)
def _gsva_walk(position, members, starts, mx_diff):  # pragma: no cover - compiled
    """Max deviations of GSVA's random walk, from the positions of each set's genes.

    ``position[j, g]``: 1-based position of gene g in sample j's decreasing order.
    The walk steps up by r_p / sum(r) at a set gene (r_p = |n - p + 1 - n/2|, GSVA's
    rank score) and down by 1 / (n - k) elsewhere, so its maximum is reached at a set
    gene and its minimum just before one: k evaluations per set instead of n.
    """
    n_obs, n = position.shape
    n_sets = starts.size - 1
    out = np.zeros((n_obs, n_sets))
    for j in nb.prange(n_obs):
        for s in range(n_sets):
            genes = members[starts[s] : starts[s + 1]]
            k = genes.size
            pos = np.sort(position[j, genes])
            r = np.abs(n - pos + 1 - n / 2.0)
            total = r.sum()
            dec = 1.0 / (n - k)
            cum = 0.0
            mx_pos = 0.0
            mx_neg = 0.0
            for m in range(k):
                before = cum - (pos[m] - 1 - m) * dec  # walk just before this set gene
                if before < mx_neg:
                    mx_neg = before
                cum = cum + r[m] / total
                here = cum - (pos[m] - 1 - m) * dec
                if here > mx_pos:
                    mx_pos = here
            if mx_diff:
                out[j, s] = mx_pos + mx_neg
            else:
                out[j, s] = mx_pos if mx_pos > -mx_neg else mx_neg
    return out


def _set_index(W) -> tuple[np.ndarray, np.ndarray]:
    S = np.asarray(W) != 0
    members = [np.flatnonzero(S[:, s]) for s in range(S.shape[1])]
    starts = np.concatenate([[0], np.cumsum([m.size for m in members])]).astype(np.int64)
    return np.concatenate(members).astype(np.int64), starts


def gsva_kernel(X, W, *, kcdf: str = "gaussian", mx_diff: bool = True) -> np.ndarray:
    """Gene set variation analysis (Hänzelmann et al. 2013) exactly as R GSVA 1.46
    ``gsva(method="gsva", tau=1, abs.ranking=FALSE)``.

    1. Each gene's expression is turned into a kernel estimate of its CDF across the
       samples (``kcdf="gaussian"``: bandwidth SD/4, R's lookup table; ``"poisson"``
       for counts: ppois(x_j, x_i + 0.5)), as log-odds.
    2. Per sample, genes are ordered by decreasing value (ties in gene order) and get
       the rank score |n - p + 1 - n/2|.
    3. A Kolmogorov–Smirnov-like walk over that order; the score is the sum of the
       largest positive and negative deviations (``mx_diff``) or the larger one.

    Genes constant across samples carry no information and are dropped first, as R does.

    Parameters
    ----------
    X
        Observations (samples) × genes expression, 2+ observations (all of them: the CDFs are
        across them); sparse is densified.
    W
        Genes × sets membership (nonzero: a member).
    kcdf
        ``gaussian`` (log expression; the default) or ``poisson`` (counts: non-negative integers);
        anything else raises :class:`ValueError`.
    mx_diff
        ``True`` (the default): sum the largest positive and negative deviations; ``False``:
        the larger of them, with its sign.

    Returns
    -------
    ndarray
        Observations × sets scores.
    """
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    if X.shape[0] < 2:
        raise ValueError("GSVA needs at least two samples")
    keep = X.std(axis=0) > 0
    X, W = X[:, keep], np.asarray(W)[keep]
    genes = np.ascontiguousarray(X.T)
    if kcdf == "gaussian":
        density = _gaussian_density(genes, _cdf_table())
    elif kcdf == "poisson":
        if np.any(genes < 0) or not np.allclose(genes, np.round(genes)):
            raise ValueError("GSVA kcdf='poisson' needs counts (non-negative integers)")
        density = _poisson_density(genes)
    else:
        raise ValueError(f"unknown kcdf {kcdf!r} (gaussian, poisson)")
    n_obs, n = X.shape
    order = np.argsort(-density.T, axis=1, kind="stable")
    position = np.empty_like(order)
    position[np.arange(n_obs)[:, None], order] = np.arange(1, n + 1)
    members, starts = _set_index(W)
    return _gsva_walk(position, members, starts, mx_diff)


# --- per-observation top ranks (UCell, AUCell) and singscore ------------------------


@register_jitable
def _descending_order(keys, order, spare, counts):  # pragma: no cover - compiled
    """Stable order of one row's values by decreasing value: ``order[t]`` is the position of
    the (t+1)-th largest, ties in their stored (gene) order. ``keys`` are the values' bits as
    integers (positive floats order as their bits do); an LSD radix sort on bytes, a byte
    shared by every value skipped. ``order``, ``spare``: scratch of the row's length, ``counts``
    of 256; returns the one holding the order.

    Measured against np.sort/np.argsort per row (numba's quicksort and mergesort) on
    bench/bench_scoring.py's 100,000 cells (~1,300 stored values each, 50 sets, 2 threads):
    the kernels alone UCell 5.4 -> 1.4 s, AUCell 7.1 -> 1.1 s; the whole method as the
    benchmark times it 6.2 -> 2.4 s and 5.9 -> 2.0-2.2 s; the same scores to the last bit."""
    p = keys.size
    for t in range(p):
        order[t] = t
    for shift in range(0, keys.itemsize * 8, 8):
        counts[:] = 0
        for t in range(p):
            counts[255 - ((np.int64(keys[t]) >> shift) & 255)] += 1
        if counts.max() == p:
            continue
        total = 0
        for d in range(256):
            c = counts[d]
            counts[d] = total
            total += c
        for t in range(p):
            i = order[t]
            d = 255 - ((np.int64(keys[i]) >> shift) & 255)
            spare[counts[d]] = i
            counts[d] += 1
        order, spare = spare, order
    return order


@register_jitable
def _row_order(keys, lo, hi):  # pragma: no cover - compiled
    p = hi - lo
    return _descending_order(
        keys[lo:hi], np.empty(p, np.int64), np.empty(p, np.int64), np.empty(256, np.int64)
    )


def _keys(X: sp.csr_matrix) -> np.ndarray:
    """The stored values' bits as signed integers of their width: for the non-negative values
    :func:`_csr` leaves, the integers order as the values do, and equal values are equal keys."""
    return X.data.view(np.int32 if X.data.itemsize == 4 else np.int64)


@nb.njit(parallel=True, cache=True)
def _aucell_rows(indptr, indices, keys, n_genes, cap, set_ptr, set_of, out):  # pragma: no cover
    """AUCell's top-rank sums per CSR row, rows in parallel: for each set, the sum over its
    genes of cap - r where the gene's ordinal descending rank r < cap (ties in gene order, zero
    genes after all stored values in gene order, as decoupler). ``set_ptr``/``set_of``: genes
    -> sets."""
    for row in nb.prange(indptr.size - 1):
        lo, hi = indptr[row], indptr[row + 1]
        order = _row_order(keys, lo, hi)
        for t in range(min(hi - lo, cap - 1)):
            g = indices[lo + order[t]]
            for q in range(set_ptr[g], set_ptr[g + 1]):
                out[row, set_of[q]] += cap - (t + 1)
        r = hi - lo + 1
        g = 0
        s = lo
        while r < cap and g < n_genes:  # zero genes, in gene order
            while s < hi and indices[s] < g:
                s += 1
            if s < hi and indices[s] == g:
                g += 1
                continue
            for q in range(set_ptr[g], set_ptr[g + 1]):
                out[row, set_of[q]] += cap - r
            r += 1
            g += 1


@nb.njit(parallel=True, cache=True)
def _ucell_rows(indptr, indices, keys, n_genes, cap, set_ptr, set_of, k, out):  # pragma: no cover
    """UCell's top-rank sums per CSR row (positive stored values, implicit zeros), rows in
    parallel: for each set j, the sum over its genes of (cap + 1 - rank) where rank <= cap,
    rank the average descending rank of ties. Ranks grow along the order, so the walk stops
    at the first tie group past ``cap``. All zeros tie after the p stored values, at average
    rank p + (n_genes - p + 1) / 2. ``set_ptr``/``set_of``: genes -> sets."""
    n_sets = out.shape[1]
    for row in nb.prange(indptr.size - 1):
        lo, hi = indptr[row], indptr[row + 1]
        p = hi - lo
        order = _row_order(keys, lo, hi)
        t = 0
        while t < p:
            j = t
            while j + 1 < p and keys[lo + order[j + 1]] == keys[lo + order[t]]:
                j += 1
            r = (t + j + 2) / 2.0
            if r > cap:
                break
            for u in range(t, j + 1):
                g = indices[lo + order[u]]
                for q in range(set_ptr[g], set_ptr[g + 1]):
                    out[row, set_of[q]] += cap + 1 - r
            t = j + 1
        zero_rank = p + (n_genes - p + 1) / 2.0
        if zero_rank <= cap:
            present = np.zeros(n_sets, np.int64)
            for t in range(lo, hi):
                g = indices[t]
                for q in range(set_ptr[g], set_ptr[g + 1]):
                    present[set_of[q]] += 1
            for j in range(n_sets):
                out[row, j] += (cap + 1 - zero_rank) * (k[j] - present[j])


def _set_rows(X: sp.csr_matrix, S: np.ndarray, kernel, cap: int, *extra) -> np.ndarray:
    """Observations × sets sums of a per-row rank kernel (:func:`_ucell_rows`, :func:`_aucell_rows`)."""
    genes_to_sets = sp.csr_matrix(S)
    out = np.zeros((X.shape[0], S.shape[1]))
    kernel(
        X.indptr,
        X.indices,
        _keys(X),
        S.shape[0],
        cap,
        genes_to_sets.indptr,
        genes_to_sets.indices,
        *extra,
        out,
    )
    return out


def ucell_kernel(X, W, *, max_rank: int = 1500) -> np.ndarray:
    """UCell (Andreatta & Carmona 2021): a Mann–Whitney U statistic of each set's ranks.

    Genes are ranked per observation by decreasing expression (average ranks of
    ties); ranks above ``max_rank`` count as ``max_rank + 1``. With k set genes and
    rank sum R, the score is 1 - (R - k(k+1)/2) / (k · max_rank), and 0 when no set
    gene is within the top ``max_rank`` (R UCell's ``u_stat``).

    Parameters
    ----------
    X
        Observations × genes expression (dense or sparse; sparse values must be non-negative).
    W
        Genes × sets membership (nonzero: a member).
    max_rank
        Ranks beyond it count as ``max_rank + 1`` (capped at the number of genes; UCell's default
        1500).

    Returns
    -------
    ndarray
        Observations × sets scores.
    """
    S = membership(W)
    k = S.sum(axis=0)
    n_genes = S.shape[0]
    cap = int(min(max_rank, n_genes))
    if sp.issparse(X):
        top = _set_rows(_csr(X), S, _ucell_rows, cap, k.astype(np.int64))
    else:
        R = rankdata(-np.asarray(X, dtype=np.float64), axis=1, method="average")
        top = np.where(R <= cap, cap + 1 - R, 0.0) @ S
    rank_sum = k * (cap + 1) - top
    score = 1.0 - (rank_sum - k * (k + 1) / 2) / (k * cap)
    return np.where(top > 0, score, 0.0)


def aucell_kernel(X, W, *, n_up: int | None = None) -> np.ndarray:
    """AUCell (Aibar et al. 2017) as decoupler's ``aucell``: the area under the recovery
    curve of each set within the top ``n_up`` genes (default ceil(5 % of genes)),
    divided by its maximum.

    Genes are ranked per observation by decreasing expression, ties in gene order.
    With ranks r of the set genes below ``n_up``, AUC = sum(n_up - r) / sum over
    t = 1..min(k, n_up - 1) of (n_up - t).

    Parameters
    ----------
    X
        Observations × genes expression (dense or sparse; sparse values must be non-negative).
    W
        Genes × sets membership (nonzero: a member).
    n_up
        The top genes the recovery curve runs over (rounded up; 2 to the number of genes, else
        :class:`ValueError`); ``None``: ceil(5 % of genes), at least 2.

    Returns
    -------
    ndarray
        Observations × sets scores.
    """
    S = membership(W)
    n_genes = S.shape[0]
    if n_up is None:
        n_up = int(np.clip(np.ceil(0.05 * n_genes), 2, n_genes))
    n_up = int(np.ceil(n_up))
    if not 1 < n_up <= n_genes:
        raise ValueError(f"n_up must be between 2 and the number of genes ({n_genes}), not {n_up}")
    if sp.issparse(X):
        top = _set_rows(_csr(X), S, _aucell_rows, n_up)
    else:
        R = rankdata(-np.asarray(X, dtype=np.float64), axis=1, method="ordinal")
        top = np.where(R < n_up, n_up - R, 0.0) @ S
    k = S.sum(axis=0)
    steps = np.minimum(k, n_up - 1)
    max_auc = steps * n_up - steps * (steps + 1) / 2
    return top / max_auc


@nb.njit(parallel=True, cache=True)
def _row_ascending_min_ranks(indptr, keys, n_genes, out):  # pragma: no cover - compiled
    """rank - 1 of each stored (positive) value, ascending with ties at their minimum:
    the zero genes (n - p of them) rank first. Rows in parallel."""
    for row in nb.prange(indptr.size - 1):
        lo, hi = indptr[row], indptr[row + 1]
        p = hi - lo
        zeros = n_genes - p
        order = _row_order(keys, lo, hi)
        b = p - 1  # tie groups from the smallest value up: descending positions a..b
        while b >= 0:
            a = b
            while a > 0 and keys[lo + order[a - 1]] == keys[lo + order[b]]:
                a -= 1
            for t in range(a, b + 1):
                out[lo + order[t]] = zeros + p - 1 - b
            b = a - 1


def singscore_kernel(X, W) -> np.ndarray:
    """singscore (Foroutan et al. 2018) for up-regulated sets, centred.

    Genes are ranked per observation in increasing expression (ties at their minimum
    rank, R singscore's default). The mean rank of a set's k genes is scaled by its
    theoretical bounds (k + 1) / 2 and (2n - k + 1) / 2 to [0, 1], minus 0.5.

    Parameters
    ----------
    X
        Observations × genes expression (dense or sparse; sparse values must be non-negative).
    W
        Genes × sets membership (nonzero: a member; weights and signs are ignored).

    Returns
    -------
    ndarray
        Observations × sets scores, from -0.5 to 0.5.
    """
    S = membership(W)
    n_genes = S.shape[0]
    k = S.sum(axis=0)
    if sp.issparse(X):
        X = _csr(X)
        values = np.empty(X.nnz)
        _row_ascending_min_ranks(X.indptr, _keys(X), n_genes, values)
        T = sp.csr_matrix((values, X.indices, X.indptr), shape=X.shape)
        rank_sum = product(T, S) + k  # zero genes have rank 1
    else:
        rank_sum = rankdata(np.asarray(X, dtype=np.float64), axis=1, method="min") @ S
    mean = rank_sum / k
    return (mean - (k + 1) / 2) / (n_genes - k) - 0.5
