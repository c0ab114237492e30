"""Matrix helpers shared by the scoring kernels."""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

# the float64 gene statistics are shared with preprocessing (pp computes them while it
# writes the normalized matrix), so they live in the package root
from .._moments import column_moment_sums, column_moments, merge_moments

__all__ = ["membership", "product", "column_moments", "column_moment_sums", "merge_moments"]


def membership(W) -> np.ndarray:
    """0/1 genes × sets matrix: which genes belong to each signature (non-zero weight)."""
    return (np.asarray(W) != 0).astype(np.float64)


@numba.njit(parallel=True, cache=True, nogil=True)
def _csr_times_rows(indptr, indices, data, row_of_gene, compact, out):  # pragma: no cover - numba
    """out = X @ W for CSR X, where W's non-zero rows are ``compact`` and ``row_of_gene``
    maps a gene to its row there (-1: not in any signature). Rows of X in parallel."""
    for r in numba.prange(indptr.size - 1):
        for k in range(indptr[r], indptr[r + 1]):
            q = row_of_gene[indices[k]]
            if q >= 0:
                v = np.float64(data[k])
                for j in range(compact.shape[1]):
                    out[r, j] += v * compact[q, j]


def product(X, W: np.ndarray) -> np.ndarray:
    """X @ W as a dense float64 array. With sparse X, only the stored values of genes in some
    signature are touched, rows in parallel (numba; scipy's sparse product first copied X to
    float64 and ran on one thread: 100,000 cells × 5 sets of ~200 genes, 6.0 s -> 0.3 s, equal)."""
    W = np.asarray(W, dtype=np.float64)
    if not sp.issparse(X):
        return np.asarray(X, dtype=np.float64) @ W
    X = sp.csr_matrix(X)
    used = np.flatnonzero(np.any(W != 0, axis=1))
    row_of_gene = np.full(W.shape[0], -1, np.int64)
    row_of_gene[used] = np.arange(used.size)
    out = np.zeros((X.shape[0], W.shape[1]))
    _csr_times_rows(X.indptr, X.indices, X.data, row_of_gene, np.ascontiguousarray(W[used]), out)
    return out
