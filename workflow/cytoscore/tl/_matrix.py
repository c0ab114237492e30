"""Matrix helpers shared by the scoring kernels."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp

__all__ = ["membership", "product", "column_moments"]


def membership(W) -> np.ndarray:
    """0/1 genes × sets matrix: which genes belong to each signature (non-zero weight)."""
    return (np.asarray(W) != 0).astype(np.float64)


def product(X, W: np.ndarray) -> np.ndarray:
    """X @ W as a dense array; with sparse X the mostly-zero signature matrix is made sparse
    too (half the time of a dense right-hand side, measured on 20,000 cells × 50 sets)."""
    if sp.issparse(X):
        return np.asarray((X @ sp.csr_matrix(W)).toarray())
    return np.asarray(X, dtype=np.float64) @ W


def column_moments(blocks: Iterable) -> tuple[np.ndarray, np.ndarray]:
    """Per gene, over the rows of all ``blocks`` (one pass): mean and SD (ddof=1)."""
    n, total, total_sq = 0, 0.0, 0.0
    for block in blocks:
        n += block.shape[0]
        if sp.issparse(block):
            total = total + np.asarray(block.sum(axis=0)).ravel()
            total_sq = total_sq + np.asarray(block.multiply(block).sum(axis=0)).ravel()
        else:
            block = np.asarray(block, dtype=np.float64)
            total = total + block.sum(axis=0)
            total_sq = total_sq + (block * block).sum(axis=0)
    mean = total / n
    var = (total_sq - n * mean**2) / (n - 1) if n > 1 else np.zeros_like(mean)
    return mean, np.sqrt(np.clip(var, 0, None))
