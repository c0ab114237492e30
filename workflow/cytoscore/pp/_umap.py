"""UMAP's fuzzy kNN graph and its layout, ported from umap-learn 0.5.12 (BSD-3-Clause,
Leland McInnes) for the one case cytoscore runs: a kNN graph already found (exact, faiss), a
2-D Euclidean layout started from given coordinates, the single-threaded (seeded,
reproducible) optimizer.

Why a port: importing umap-learn imports pynndescent, whose 230-odd numba functions compile at
every import, 6.2 s of each embedding or clustering job (measured on a 100,000-cell
embedding, 2026-12-05; pynndescent#111) for neighbours cytoscore never asks it for. These
kernels are cached (``cache=True``) with the others and compiled once by
:mod:`cytoscore._warmup`. The arithmetic is umap-learn's, line for line, with the same types
and numba flags: the graph equals umap-learn's ``fuzzy_simplicial_set`` and the layout
``scanpy.tl.umap``'s, bit for bit (``tests/unit/test_embed.py``).
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp
from numba.extending import register_jitable

__all__ = ["fuzzy_graph", "umap_layout"]

_SMOOTH_K_TOLERANCE = 1e-5
_MIN_K_DIST_SCALE = 1e-3
_NPY_FLOATMAX = np.finfo(np.float32).max
_INT32_MIN = np.iinfo(np.int32).min + 1
_INT32_MAX = np.iinfo(np.int32).max - 1


@numba.njit(
    locals={"psum": numba.types.float32, "lo": numba.types.float32, "mid": numba.types.float32,
            "hi": numba.types.float32},
    parallel=True,
    cache=True,
)  # fmt: skip
def _smooth_knn_dist(distances, k, n_iter=64, local_connectivity=1.0, bandwidth=1.0):
    """umap-learn's ``smooth_knn_dist``: each point's bandwidth sigma (a binary search making
    its fuzzy set's cardinality log2(k)) and rho (its distance to the nearest other point)."""
    target = np.log2(k) * bandwidth
    rho = np.zeros(distances.shape[0], dtype=np.float32)
    result = np.zeros(distances.shape[0], dtype=np.float32)
    mean_distances = np.mean(distances)
    for i in numba.prange(distances.shape[0]):
        lo = 0.0
        hi = _NPY_FLOATMAX
        mid = 1.0
        ith_distances = distances[i]
        non_zero_dists = ith_distances[ith_distances > 0.0]
        if non_zero_dists.shape[0] >= local_connectivity:
            index = int(np.floor(local_connectivity))
            interpolation = local_connectivity - index
            if index > 0:
                rho[i] = non_zero_dists[index - 1]
                if interpolation > _SMOOTH_K_TOLERANCE:
                    rho[i] += interpolation * (non_zero_dists[index] - non_zero_dists[index - 1])
            else:
                rho[i] = interpolation * non_zero_dists[0]
        elif non_zero_dists.shape[0] > 0:
            rho[i] = np.max(non_zero_dists)
        for _ in range(n_iter):
            psum = 0.0
            for j in range(1, distances.shape[1]):
                d = distances[i, j] - rho[i]
                if d > 0:
                    psum += np.exp(-(d / mid))
                else:
                    psum += 1.0
            if np.fabs(psum - target) < _SMOOTH_K_TOLERANCE:
                break
            if psum > target:
                hi = mid
                mid = (lo + hi) / 2.0
            else:
                lo = mid
                if hi >= _NPY_FLOATMAX:
                    mid *= 2
                else:
                    mid = (lo + hi) / 2.0
        result[i] = mid
        if rho[i] > 0.0:
            mean_ith_distances = np.mean(ith_distances)
            if result[i] < _MIN_K_DIST_SCALE * mean_ith_distances:
                result[i] = _MIN_K_DIST_SCALE * mean_ith_distances
        else:
            if result[i] < _MIN_K_DIST_SCALE * mean_distances:
                result[i] = _MIN_K_DIST_SCALE * mean_distances
    return result, rho


@numba.njit(
    locals={"knn_dists": numba.types.float32[:, ::1], "sigmas": numba.types.float32[::1],
            "rhos": numba.types.float32[::1], "val": numba.types.float32},
    parallel=True,
    cache=True,
)  # fmt: skip
def _membership_strengths(knn_indices, knn_dists, sigmas, rhos):
    """umap-learn's ``compute_membership_strengths`` (not bipartite, no distances): each
    point's fuzzy set as COO rows, columns and memberships."""
    n_samples = knn_indices.shape[0]
    n_neighbors = knn_indices.shape[1]
    rows = np.zeros(knn_indices.size, dtype=np.int32)
    cols = np.zeros(knn_indices.size, dtype=np.int32)
    vals = np.zeros(knn_indices.size, dtype=np.float32)
    for i in range(n_samples):
        for j in range(n_neighbors):
            if knn_indices[i, j] == -1:
                continue
            if knn_indices[i, j] == i:
                val = 0.0
            elif knn_dists[i, j] - rhos[i] <= 0.0 or sigmas[i] == 0.0:
                val = 1.0
            else:
                val = np.exp(-((knn_dists[i, j] - rhos[i]) / (sigmas[i])))
            rows[i * n_neighbors + j] = i
            cols[i * n_neighbors + j] = knn_indices[i, j]
            vals[i * n_neighbors + j] = val
    return rows, cols, vals


def fuzzy_graph(
    knn_indices: np.ndarray,
    knn_dists: np.ndarray,
    *,
    local_connectivity: float = 1.0,
    set_op_mix_ratio: float = 1.0,
) -> sp.csr_matrix:
    """UMAP's weighted kNN graph (the fuzzy union of each point's fuzzy simplicial set), as
    ``scanpy.pp.neighbors`` computes its ``connectivities`` from a kNN search.

    Parameters
    ----------
    knn_indices, knn_dists
        Each point's neighbours and their distances, points × k, nearest first, the point
        itself first (at distance 0), as scanpy passes them.
    local_connectivity
        Neighbours assumed connected at a local level.
    set_op_mix_ratio
        1: fuzzy union of the local sets (UMAP's default); 0: their intersection.

    Returns
    -------
    csr_matrix
        The symmetric connectivities, points × points.
    """
    n_obs, k = knn_indices.shape
    knn_dists = np.ascontiguousarray(knn_dists, dtype=np.float32)
    sigmas, rhos = _smooth_knn_dist(knn_dists, float(k), local_connectivity=float(local_connectivity))
    rows, cols, vals = _membership_strengths(knn_indices, knn_dists, sigmas, rhos)
    result = sp.coo_matrix((vals, (rows, cols)), shape=(n_obs, n_obs))
    result.eliminate_zeros()
    transpose = result.transpose()
    product = result.multiply(transpose)
    result = set_op_mix_ratio * (result + transpose - product) + (1.0 - set_op_mix_ratio) * product
    result.eliminate_zeros()
    return result.tocsr()


def find_ab_params(spread: float = 1.0, min_dist: float = 0.5) -> tuple[float, float]:
    """umap-learn's ``find_ab_params``: the curve 1 / (1 + a d^(2b)) fitted to the
    ``min_dist``/``spread`` membership (scanpy's defaults: spread 1, min_dist 0.5)."""
    from scipy.optimize import curve_fit

    def curve(x, a, b):
        return 1.0 / (1.0 + a * x ** (2 * b))

    xv = np.linspace(0, spread * 3, 300)
    yv = np.zeros(xv.shape)
    yv[xv < min_dist] = 1.0
    yv[xv >= min_dist] = np.exp(-(xv[xv >= min_dist] - min_dist) / spread)
    params, _ = curve_fit(curve, xv, yv)
    return params[0], params[1]


@numba.njit("i4(i8[:])", cache=True)
def _tau_rand_int(state):
    """umap-learn's Tausworthe generator: a pseudo-random int32 from a 3-int64 state."""
    state[0] = (((state[0] & 4294967294) << 12) & 0xFFFFFFFF) ^ (
        (((state[0] << 13) & 0xFFFFFFFF) ^ state[0]) >> 19
    )
    state[1] = (((state[1] & 4294967288) << 4) & 0xFFFFFFFF) ^ (
        (((state[1] << 2) & 0xFFFFFFFF) ^ state[1]) >> 25
    )
    state[2] = (((state[2] & 4294967280) << 17) & 0xFFFFFFFF) ^ (
        (((state[2] << 3) & 0xFFFFFFFF) ^ state[2]) >> 11
    )
    return state[0] ^ state[1] ^ state[2]


@register_jitable
def _clip(val):
    if val > 4.0:
        return 4.0
    elif val < -4.0:
        return -4.0
    else:
        return val


@numba.njit(
    "f4(f4[::1],f4[::1])",
    fastmath=True,
    cache=True,
    locals={"result": numba.types.float32, "diff": numba.types.float32, "dim": numba.types.intp,
            "i": numba.types.intp},
)  # fmt: skip
def _rdist(x, y):
    """Squared Euclidean distance (umap-learn's ``rdist``)."""
    result = 0.0
    dim = x.shape[0]
    for i in range(dim):
        diff = x[i] - y[i]
        result += diff * diff
    return result


@numba.njit(fastmath=True, cache=True)
def _epoch(
    head_embedding, tail_embedding, head, tail, n_vertices, epochs_per_sample, a, b, rng_state_per_sample, gamma,
    dim, move_other, alpha, epochs_per_negative_sample, epoch_of_next_negative_sample, epoch_of_next_sample, n,
):  # fmt: skip
    """One epoch of umap-learn's ``optimize_layout_euclidean`` (its single-threaded kernel
    without the densMAP terms): attract along the edges due, repel from negative samples."""
    for i in range(epochs_per_sample.shape[0]):
        if epoch_of_next_sample[i] <= n:
            j = head[i]
            k = tail[i]
            current = head_embedding[j]
            other = tail_embedding[k]
            dist_squared = _rdist(current, other)
            if dist_squared > 0.0:
                grad_coeff = -2.0 * a * b * pow(dist_squared, b - 1.0)
                grad_coeff /= a * pow(dist_squared, b) + 1.0
            else:
                grad_coeff = 0.0
            for d in range(dim):
                grad_d = _clip(grad_coeff * (current[d] - other[d]))
                current[d] += grad_d * alpha
                if move_other:
                    other[d] += -grad_d * alpha
            epoch_of_next_sample[i] += epochs_per_sample[i]
            n_neg_samples = int((n - epoch_of_next_negative_sample[i]) / epochs_per_negative_sample[i])
            for _ in range(n_neg_samples):
                k = _tau_rand_int(rng_state_per_sample[j]) % n_vertices
                other = tail_embedding[k]
                dist_squared = _rdist(current, other)
                if dist_squared > 0.0:
                    grad_coeff = 2.0 * gamma * b
                    grad_coeff /= (0.001 + dist_squared) * (a * pow(dist_squared, b) + 1)
                elif j == k:
                    continue
                else:
                    grad_coeff = 0.0
                for d in range(dim):
                    if grad_coeff > 0.0:
                        grad_d = _clip(grad_coeff * (current[d] - other[d]))
                    else:
                        grad_d = 0
                    current[d] += grad_d * alpha
            epoch_of_next_negative_sample[i] += n_neg_samples * epochs_per_negative_sample[i]


def umap_layout(
    graph: sp.spmatrix,
    init: np.ndarray,
    *,
    random_state: np.random.RandomState,
    n_epochs: int | None = None,
    spread: float = 1.0,
    min_dist: float = 0.5,
    gamma: float = 1.0,
    negative_sample_rate: int = 5,
    initial_alpha: float = 1.0,
) -> np.ndarray:
    """UMAP coordinates of the graph's points from the starting layout ``init``: what
    ``scanpy.tl.umap(adata, init_pos=init, random_state=…)`` computes (umap-learn's
    ``simplicial_set_embedding``, Euclidean output, single-threaded).

    Parameters
    ----------
    graph
        The symmetric fuzzy kNN graph (:func:`fuzzy_graph`).
    init
        Starting coordinates, points × dimensions.
    random_state
        The generator (``numpy.random.RandomState``) scanpy would pass.
    n_epochs
        Epochs; ``None``: 500 up to 10,000 points, else 200 (umap-learn's and scanpy's).
    spread, min_dist, gamma, negative_sample_rate, initial_alpha
        UMAP's parameters, at scanpy's defaults.

    Returns
    -------
    ndarray
        The layout, points × dimensions (float32).
    """
    graph = sp.coo_matrix(graph, copy=True)  # pruned below; the caller's stays whole
    graph.sum_duplicates()
    n_vertices = graph.shape[1]
    default_epochs = 500 if graph.shape[0] <= 10000 else 200
    n_epochs = default_epochs if n_epochs is None else n_epochs
    graph.data[graph.data < (graph.data.max() / float(n_epochs if n_epochs > 10 else default_epochs))] = 0.0
    graph.eliminate_zeros()
    embedding = np.array(init, dtype=np.float32)
    if np.unique(embedding, axis=0).shape[0] < embedding.shape[0]:  # umap-learn's jitter of coinciding points
        from sklearn.neighbors import KDTree

        dist, _ = KDTree(embedding).query(embedding, k=2)
        embedding = embedding + random_state.normal(
            scale=0.001 * np.mean(dist[:, 1]), size=embedding.shape
        ).astype(np.float32)
    weights = graph.data
    n_samples = n_epochs * (weights / weights.max())
    epochs_per_sample = -1.0 * np.ones(weights.shape[0], dtype=np.float64)
    epochs_per_sample[n_samples > 0] = float(n_epochs) / np.float64(n_samples[n_samples > 0])
    rng_state = random_state.randint(_INT32_MIN, _INT32_MAX, 3).astype(np.int64)
    span = np.max(embedding, 0) - np.min(embedding, 0)
    embedding = (10.0 * (embedding - np.min(embedding, 0)) / span).astype(np.float32, order="C")
    a, b = find_ab_params(spread, min_dist)
    epochs_per_negative_sample = epochs_per_sample / negative_sample_rate
    epoch_of_next_negative_sample = epochs_per_negative_sample.copy()
    epoch_of_next_sample = epochs_per_sample.copy()
    rng_state_per_sample = np.full(
        (embedding.shape[0], len(rng_state)), rng_state, dtype=np.int64
    ) + embedding[:, 0].astype(np.float64).view(np.int64).reshape(-1, 1)
    alpha = initial_alpha
    for n in range(n_epochs):
        _epoch(
            embedding, embedding, graph.row, graph.col, n_vertices, epochs_per_sample, a, b, rng_state_per_sample,
            gamma, embedding.shape[1], True, alpha, epochs_per_negative_sample, epoch_of_next_negative_sample,
            epoch_of_next_sample, n,
        )  # fmt: skip
        alpha = initial_alpha * (1.0 - (float(n) / float(n_epochs)))
    return embedding
