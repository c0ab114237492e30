"""Linear kernels: mean z-score, decoupler's univariate linear model (ulm) and
CytoSig's ridge regression with permutation z-scores.

Each is a product of the expression matrix with a genes × signatures matrix plus
per-observation corrections, so sparse single-cell data is used as it is, in one
pass, never densified.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._matrix import column_moments, membership, product

__all__ = ["mean_z_kernel", "ulm_kernel", "cytosig_kernel", "row_moments"]


def row_moments(X) -> tuple[np.ndarray, np.ndarray]:
    """Per observation: the sum and the sum of squares over genes."""
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        squares = sp.csr_matrix((X.data * X.data, X.indices, X.indptr), shape=X.shape)
        return np.asarray(X.sum(axis=1)).ravel(), np.asarray(squares.sum(axis=1)).ravel()
    X = np.asarray(X, dtype=np.float64)
    return X.sum(axis=1), np.einsum("ij,ij->i", X, X)


def mean_z_kernel(
    X, W, *, gene_mean: np.ndarray | None = None, gene_sd: np.ndarray | None = None
) -> np.ndarray:
    """Mean of per-gene z-scores over each set's genes.

    Each gene is standardized across all observations of the dataset (``gene_mean``,
    ``gene_sd`` with ddof=1, computed by the caller over every chunk); a gene with zero
    variance gets z = 0 everywhere. Computed as X @ (S / sd) - (mean / sd) @ S.
    Without ``gene_mean``/``gene_sd`` they are computed from ``X``.

    Parameters
    ----------
    X
        Observations × genes expression (dense or sparse; a chunk of the observations, or all).
    W
        Genes × signatures weights; only which are non-zero counts (a set's members, unweighted).
    gene_mean
        Each gene's mean over all observations of the dataset; ``None`` (or no ``gene_sd``): both
        are computed from ``X``.
    gene_sd
        Each gene's SD (ddof=1) over all observations; ``None``: as for ``gene_mean``.

    Returns
    -------
    ndarray
        Observations × sets: the mean z of each set's genes (membership: the nonzero weights).
    """
    if gene_mean is None or gene_sd is None:
        gene_mean, gene_sd = column_moments([X])
    S = membership(W)
    inv = np.divide(1.0, gene_sd, out=np.zeros_like(gene_sd, dtype=np.float64), where=gene_sd > 0)
    scaled = S * inv[:, None]
    return (product(X, scaled) - (gene_mean * inv) @ S) / S.sum(axis=0)


def ulm_kernel(X, W) -> np.ndarray:
    """Univariate linear model (decoupler ``ulm``): per observation, the t-value of the
    slope of expression regressed on the signature's weights (0 for genes outside it)
    across all genes.

    t = r * sqrt(df / ((1 - r)(1 + r))), r the Pearson correlation of expression and
    weights over the n genes, df = n - 2 (decoupler adds 2.2e-16 to both factors).

    Parameters
    ----------
    X
        Observations × genes expression (dense or sparse; a chunk of the observations, or all).
    W
        Genes × signatures weights, used as they are (1 for a member of a gene set, 0 outside;
        signed or real weights too); every gene of ``X`` counts in the regression.

    Returns
    -------
    ndarray
        Observations × signatures t-values.
    """
    W = np.asarray(W, dtype=np.float64)
    n = W.shape[0]
    x_sum, x_sq = row_moments(X)
    x_mean = x_sum / n
    x_var = (x_sq - n * x_mean**2) / (n - 1)
    w_mean = W.mean(axis=0)
    w_sd = W.std(axis=0, ddof=1)
    cov = (product(X, W) - n * np.outer(x_mean, w_mean)) / (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = cov / (np.sqrt(np.clip(x_var, 0, None))[:, None] * w_sd[None, :])
    r = np.nan_to_num(r)
    eps = 2.2e-16
    return r * np.sqrt((n - 2) / ((1.0 - r + eps) * (1.0 + r + eps)))


def cytosig_kernel(
    X,
    W,
    *,
    gene_mean: np.ndarray | None = None,
    alpha: float = 10000.0,
    n_permutations: int = 1000,
    seed: int = 0,
    statistic: str = "zscore",
) -> np.ndarray:
    """CytoSig ridge regression (Jiang et al. 2021), as ``CytoSig.ridge_significance_test``.

    Over the genes with a weight in at least one signature: the response Y is each
    observation's expression minus the gene's mean over all observations
    (``gene_mean``: CytoSig's background), the design X the signature weights; both are
    standardized per column over genes (mean 0, SD 1 with ddof=1). The coefficients
    are beta = (XᵀX + alpha·I)⁻¹ XᵀY, all signatures fitted jointly. Significance comes
    from ``n_permutations`` random permutations of the genes of Y (seeded): z =
    (beta - mean(beta_perm)) / sd(beta_perm) (population SD), CytoSig's reported
    activity. ``statistic="coef"`` returns beta instead.

    Parameters
    ----------
    X
        Observations × genes expression (dense or sparse; a chunk of the observations, or all).
    W
        Genes × signatures weights (CytoSig's signature matrix); genes with no non-zero weight
        are left out of the fit.
    gene_mean
        Each gene's mean over all observations (the background); ``None``: from ``X``.
    alpha
        The ridge penalty (CytoSig's default 10,000).
    n_permutations
        Gene permutations of the null (unused with ``statistic="coef"``).
    seed
        The permutations' seed.
    statistic
        ``zscore`` (CytoSig's activity; the default) or ``coef`` (the ridge coefficients);
        anything else raises :class:`ValueError`.

    Returns
    -------
    ndarray
        Observations × signatures z-scores (or coefficients). A signature whose weights are
        the same on every fitted gene cannot be standardized: its column is NaN and the others
        are fitted without it.
    """
    if gene_mean is None:
        gene_mean = column_moments([X])[0]
    W = np.asarray(W, dtype=np.float64)
    used = np.flatnonzero((W != 0).any(axis=1))
    D = W[used]
    sd_w = D.std(axis=0, ddof=1) if used.size > 1 else np.zeros(D.shape[1])
    fitted = np.isfinite(sd_w) & (sd_w > 0)  # a constant column cannot be standardized: NaN
    if not fitted.all():
        scores = np.full((X.shape[0], W.shape[1]), np.nan)
        if fitted.any():
            scores[:, fitted] = cytosig_kernel(X, W[:, fitted], gene_mean=gene_mean, alpha=alpha,
                                               n_permutations=n_permutations, seed=seed, statistic=statistic)  # fmt: skip
        return scores
    D = (D - D.mean(axis=0)) / sd_w
    projection = np.linalg.solve(D.T @ D + alpha * np.eye(D.shape[1]), D.T)  # sets × genes
    Y = X[:, used]
    Y = (Y.toarray() if sp.issparse(Y) else np.asarray(Y, dtype=np.float64)) - gene_mean[used]
    sd = Y.std(axis=1, ddof=1, keepdims=True)
    Y = (Y - Y.mean(axis=1, keepdims=True)) / np.where(sd > 0, sd, 1.0)
    beta = Y @ projection.T  # observations × sets
    if statistic == "coef":
        return beta
    if statistic != "zscore":
        raise ValueError(f"unknown statistic {statistic!r} (zscore, coef)")
    rng = np.random.default_rng(seed)
    total = np.zeros_like(beta)
    total_sq = np.zeros_like(beta)
    for _ in range(n_permutations):
        b = Y @ projection[:, rng.permutation(used.size)].T
        total += b
        total_sq += b * b
    mean = total / n_permutations
    se = np.sqrt(np.clip(total_sq / n_permutations - mean**2, 0, None))
    return np.divide(beta - mean, se, out=np.zeros_like(beta), where=se > 0)
