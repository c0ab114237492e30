"""Matrix helpers shared by the scoring kernels."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# the float64 gene statistics are shared with preprocessing (pp computes them while it
# writes the normalized matrix), so they live in the package root
from .._moments import column_moment_sums, column_moments, merge_moments

__all__ = ["membership", "product", "column_moments", "column_moment_sums", "merge_moments"]


def membership(W) -> np.ndarray:
    """0/1 genes × sets matrix: which genes belong to each signature (non-zero weight)."""
    return (np.asarray(W) != 0).astype(np.float64)


def product(X, W: np.ndarray) -> np.ndarray:
    """X @ W as a dense array; with sparse X the mostly-zero signature matrix is made sparse
    too (half the time of a dense right-hand side, measured on 20,000 cells × 50 sets)."""
    if sp.issparse(X):
        return np.asarray((X @ sp.csr_matrix(W)).toarray())
    return np.asarray(X, dtype=np.float64) @ W
