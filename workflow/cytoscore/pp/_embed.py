"""Embeddings and clusters of large single-cell data, from a seeded subsample.

A UMAP of a million points is unreadable and costs more than the whole analysis; the
scores, contrasts and other figures never use it. So UMAP (and Leiden, where asked) runs
on at most ``max_cells`` cells drawn with a fixed seed; Leiden labels reach every other
cell through a kNN vote in the subsample's PCA space (projected chunk by chunk).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._provenance import record
from .._utils import row_block

__all__ = [
    "subsample_rows", "read_rows", "row_blocks", "umap_of_sample", "embed_cells", "leiden_with_transfer",
    "nearest_neighbors", "seurat_hvg",
]  # fmt: skip

log = logging.getLogger(__name__)


Blocks = Callable[[int], Iterator[tuple[int, sp.csr_matrix]]]


def subsample_rows(n_obs: int, max_cells: int, *, seed: int = 0) -> np.ndarray:
    """Sorted row indices of a seeded random subsample of at most ``max_cells`` rows (all when fewer).

    Parameters
    ----------
    n_obs
        Rows in all.
    max_cells
        Rows drawn at most.
    seed
        The generator's seed.

    Returns
    -------
    ndarray
        The rows, sorted.
    """
    if n_obs <= max_cells:
        return np.arange(n_obs)
    return np.sort(np.random.default_rng(seed).choice(n_obs, max_cells, replace=False))


def row_blocks(X) -> Blocks:
    """``blocks(rows)`` over an in-memory or backed (``backed="r"``) matrix.

    Parameters
    ----------
    X
        A matrix: in memory (dense or sparse) or an h5ad's backed ``X``.

    Returns
    -------
    Callable
        ``blocks(rows)`` yielding ``(start, CSR block)``.
    """

    def blocks(rows: int):
        for start in range(0, X.shape[0], rows):
            yield start, sp.csr_matrix(row_block(X, start, min(start + rows, X.shape[0])))

    return blocks


def read_rows(
    blocks: Blocks, rows: np.ndarray, *, chunk_size: int = 20_000, columns: np.ndarray | None = None
) -> sp.csr_matrix:
    """The given (sorted) rows of a matrix streamed by ``blocks(chunk_size)``, as CSR
    (only ``columns``, a boolean mask, when given).

    Parameters
    ----------
    blocks
        ``blocks(rows)`` yielding ``(start, CSR block)`` over the matrix (:func:`row_blocks`,
        a writer's ``blocks``).
    rows
        The rows wanted, sorted.
    chunk_size
        Rows per block read.
    columns
        A boolean mask of the columns kept; ``None``: all.

    Returns
    -------
    csr_matrix
        The rows, in order (a 0 × 0 matrix when none is found).
    """
    parts = []
    for start, block in blocks(chunk_size):
        lo, hi = np.searchsorted(rows, [start, start + block.shape[0]])
        if hi > lo:
            part = sp.csr_matrix(block)[rows[lo:hi] - start]
            parts.append(part[:, columns] if columns is not None else part)
    return sp.vstack(parts, format="csr") if parts else sp.csr_matrix((0, 0))


#: Up to this many data points the neighbours are exact (faiss brute force: 30,000 points in
#: 30 PCs take about 1.3 s); above it, faiss's inverted-file search (:func:`nearest_neighbors`).
EXACT_NEIGHBORS_MAX = 30_000


def nearest_neighbors(data: np.ndarray, queries: np.ndarray | None, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows of ``data`` (Euclidean) of each row of ``queries`` (``None``: of
    ``data`` itself, each row then its own nearest), by faiss on the job's threads
    (:func:`cytoscore.job_threads`).

    Exact (brute force) up to :data:`EXACT_NEIGHBORS_MAX` data rows. Above it, faiss's
    inverted file (``IndexIVFFlat``: about 0.8 sqrt(n) k-means lists, seeded and trained on one
    thread, so the same lists every run; each query searches its nearest 8 % of them). On the
    100,000 cells of ``bench/bench_workflow.py`` in 30 PCs that found 99.1 % of the exact 15
    nearest in 7.9 s against brute force's 15 s on one thread, where scanpy's approximate
    search (pynndescent at its settings) found 96.7 % in 6.7 s after 13 s of compiling
    (measured 2026-12-05; tests/unit/test_embed.py checks the share at 40,000 points).

    Parameters
    ----------
    data
        Points × dimensions (float32 is used).
    queries
        Points whose neighbours are looked for; ``None``: ``data``.
    k
        Neighbours per query (at most the number of data rows).

    Returns
    -------
    tuple
        ``(indices, distances)``, each queries × ``k``, nearest first.
    """
    import faiss

    from .._logging import job_threads

    base = np.ascontiguousarray(data, dtype=np.float32)
    n, dims = base.shape
    if n <= EXACT_NEIGHBORS_MAX:
        index = faiss.IndexFlatL2(dims)
    else:
        lists, searched = _inverted_lists(n)
        index = faiss.IndexIVFFlat(faiss.IndexFlatL2(dims), dims, lists)
        index.cp.seed = 0
        faiss.omp_set_num_threads(1)  # k-means on one thread: the same lists whatever the job's threads
        index.train(base)
        index.nprobe = searched
        log.info("nearest neighbours among %d points: %s", n, neighbor_search(n))
    faiss.omp_set_num_threads(job_threads())
    index.add(base)
    found = base if queries is None else np.ascontiguousarray(queries, dtype=np.float32)
    squared, indices = index.search(found, min(k, n))
    return indices.astype(np.int64), np.sqrt(np.maximum(squared, 0))


def _inverted_lists(n: int) -> tuple[int, int]:
    """The k-means lists of :func:`nearest_neighbors`' inverted file for ``n`` points, and how
    many of them each query searches."""
    lists = int(round(0.8 * np.sqrt(n)))
    return lists, int(np.ceil(0.08 * lists))


def neighbor_search(n: int) -> str:
    """How :func:`nearest_neighbors` searches ``n`` points, for logs and provenance."""
    if n <= EXACT_NEIGHBORS_MAX:
        return "exact (faiss brute force)"
    lists, searched = _inverted_lists(n)
    return f"approximate: faiss inverted file, {searched} of {lists} seeded k-means lists searched (about 99% of the exact neighbours)"


def _neighbors_with_self(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each point and its ``k - 1`` nearest others (:func:`nearest_neighbors`), the point
    first, as scanpy's search gives them: ``(indices, distances)``, points × ``k``."""
    n = points.shape[0]
    k = min(k, n)
    indices, distances = nearest_neighbors(points, None, k)
    own = indices == np.arange(n)[:, None]
    # a point is its own nearest unless another has the same coordinates: then it takes the last place
    lost = ~own.any(axis=1)
    indices[lost, -1], distances[lost, -1] = np.flatnonzero(lost), 0.0
    own[lost, -1] = True
    first = np.argsort(~own, axis=1, kind="stable")
    return np.take_along_axis(indices, first, 1), np.take_along_axis(distances, first, 1)


def _pca_graph(adata: ad.AnnData, *, n_pcs: int, n_neighbors: int, seed: int, hvg: bool = True) -> int:
    """Highly variable genes (unless ``hvg`` is false: all genes are), PCA (scanpy, fixed
    seed) and the kNN graph of the PCs, in place: ``obsp["distances"]`` (each cell's
    ``n_neighbors - 1`` nearest others, :func:`nearest_neighbors`) and ``obsp["connectivities"]`` (UMAP's fuzzy
    graph, :func:`cytoscore.pp._umap.fuzzy_graph`), as ``scanpy.pp.neighbors`` stores them."""
    from ._umap import fuzzy_graph

    if hvg:
        import scanpy as sc

        sc.pp.highly_variable_genes(adata, n_top_genes=min(2000, adata.n_vars), flavor="seurat")
    else:
        adata.var["highly_variable"] = True
    mask = adata.var["highly_variable"].to_numpy(dtype=bool)
    n_comps = max(2, min(n_pcs, adata.n_obs - 1, int(mask.sum()) - 1))
    scores, components = _pca(adata.X[:, mask] if not mask.all() else adata.X, n_comps, seed)
    adata.obsm["X_pca"] = scores
    adata.varm["PCs"] = np.zeros((adata.n_vars, n_comps))
    adata.varm["PCs"][mask] = components.T
    if n_neighbors > adata.n_obs:  # very few cells: scanpy's own rule
        n_neighbors = 1 + int(0.5 * adata.n_obs)
    indices, distances = _neighbors_with_self(np.asarray(adata.obsm["X_pca"]), n_neighbors)
    adata.obsp["connectivities"] = fuzzy_graph(indices, distances)
    n, k = indices.shape
    adata.obsp["distances"] = sp.csr_matrix(
        (distances[:, 1:].ravel(), indices[:, 1:].ravel(), np.arange(0, n * (k - 1) + 1, k - 1)), shape=(n, n)
    )
    return n_comps


def umap_of_sample(
    X: sp.csr_matrix,
    obs_names,
    var_names,
    *,
    seed: int = 0,
    n_pcs: int = 30,
    n_neighbors: int = 15,
    hvg: bool = True,
) -> pd.DataFrame:
    """UMAP coordinates (``umap1, umap2``) of the cells of ``X`` (log-normalized; ``hvg``:
    select highly variable genes first, else ``X`` holds them already).

    Parameters
    ----------
    X
        Cells × genes, log-normalized (CSR).
    obs_names
        The cells' names.
    var_names
        The genes' names.
    seed
        Seed of PCA, the kNN graph and UMAP.
    n_pcs
        Principal components at most (fewer with fewer cells or genes).
    n_neighbors
        Neighbours of the kNN graph.
    hvg
        Select up to 2,000 highly variable genes first (seurat flavor); ``False``: all of ``X``'s genes.

    Returns
    -------
    DataFrame
        ``umap1, umap2`` indexed by cell (``observation``).
    """
    from ._umap import umap_layout

    work = ad.AnnData(X=X, obs=pd.DataFrame(index=pd.Index(obs_names).astype(str)), var=pd.DataFrame(index=var_names))
    _pca_graph(work, n_pcs=n_pcs, n_neighbors=n_neighbors, seed=seed, hvg=hvg)
    layout = umap_layout(
        work.obsp["connectivities"],
        _pca_init(work.obsm["X_pca"], seed),
        random_state=np.random.RandomState(seed),
    )
    return pd.DataFrame(
        layout,
        index=work.obs_names.rename("observation"),
        columns=["umap1", "umap2"],
    )


def _pca(X, n_comps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """PCA of ``X`` (cells × genes, sparse or dense), centred implicitly: ``(scores as float32,
    components)``. scikit-learn's ``PCA(svd_solver="arpack")``, which ``scanpy.pp.pca`` runs on
    sparse data, without importing either (1.3 s of the embedding job's start): ARPACK's
    truncated SVD (``scipy.sparse.linalg.svds``, tolerance 0) of the matrix minus its column
    means, started from the seed's ``uniform(-1, 1)`` vector, components signed so that each
    one's largest loading is positive (``svd_flip(u_based_decision=False)``). Scanpy's scores
    to float32 ARPACK's precision (within 1e-4 of their range; its column means are summed in
    float64 here) and 99 % of the same neighbours (tests/unit/test_embed.py)."""
    from scipy.sparse.linalg import LinearOperator, svds

    X = sp.csr_matrix(X) if sp.issparse(X) else np.asarray(X)
    offset = (np.asarray(X.sum(axis=0, dtype=np.float64)).reshape(1, -1) / X.shape[0]).astype(X.dtype)
    XT = X.T
    centred = LinearOperator(
        matvec=lambda v: X @ v - offset @ v,
        matmat=lambda v: X @ v - offset @ v,
        rmatvec=lambda v: XT @ v - (offset * v.sum()),
        rmatmat=lambda v: XT @ v - offset.T @ v.sum(axis=0)[None, :],
        dtype=X.dtype,
        shape=X.shape,
    )
    start = np.random.RandomState(seed).uniform(-1, 1, min(X.shape))
    u, singular, vt = svds(centred, k=n_comps, tol=0.0, v0=start)
    u, singular, vt = u[:, ::-1], singular[::-1], vt[::-1]
    signs = np.sign(vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
    return np.asarray(u * signs * singular, dtype=np.float32), vt * signs[:, None]


def _pca_init(pcs: np.ndarray, seed: int) -> np.ndarray:
    """UMAP's starting layout: the first two principal components, scaled as umap-learn scales
    its own ``init="pca"`` (largest coordinate 10, noise SD 1e-4). Kobak & Linderman (2021,
    Nat Biotechnol 39:156) show that an informative start (PCA, or the spectral layout umap-learn
    uses by default) is what keeps UMAP's global structure; PCA's is already computed, where the
    spectral layout took 6.8 s of a 100,000-cell embedding (2026-12-05)."""
    start = np.asarray(pcs[:, :2], dtype=np.float32)
    start = (start * (10 / np.abs(start).max())).astype(np.float32)
    return start + np.random.RandomState(seed).normal(scale=0.0001, size=start.shape).astype(np.float32)


def seurat_hvg(n_obs: int, mean: np.ndarray, m2: np.ndarray, *, n_top: int = 2000, n_bins: int = 20) -> np.ndarray:
    """Highly variable genes from per-gene moments of the linear-scale values (``expm1`` of
    log-normalized data), as scanpy's ``highly_variable_genes(flavor="seurat", n_top_genes=…)``
    computes them from the matrix: the dispersion var/mean and the mean, both logged, the
    dispersion normalized within 20 bins of the mean (a bin of one gene: normalized dispersion
    1), the ``n_top`` highest. Equal to scanpy's (tested); moments need no pass over the cells.

    Parameters
    ----------
    n_obs
        Cells the moments are over.
    mean, m2
        Each gene's mean and sum of squared deviations on the linear scale.
    n_top
        Genes selected (all when fewer).
    n_bins
        Bins of the mean.

    Returns
    -------
    ndarray
        A boolean mask of the genes.
    """
    mean = np.array(mean, dtype=np.float64)
    var = np.asarray(m2, dtype=np.float64) / max(n_obs - 1, 1)
    mean[mean == 0] = 1e-12
    dispersion = var / mean
    dispersion[dispersion == 0] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        dispersion = np.log(dispersion)
    bins = pd.cut(pd.Series(np.log1p(mean)), bins=n_bins)
    stats = pd.Series(dispersion).groupby(bins, observed=True).agg(["mean", "std"])
    single = stats["std"].isna()  # one gene in its bin
    stats.loc[single, "std"], stats.loc[single, "mean"] = stats.loc[single, "mean"], 0.0
    per_gene = stats.reindex(bins.to_numpy())
    normalized = (dispersion - per_gene["mean"].to_numpy()) / per_gene["std"].to_numpy()
    finite = np.sort(normalized[~np.isnan(normalized)])[::-1]
    if not finite.size:
        return np.zeros(len(mean), bool)
    cut = finite[min(n_top, finite.size) - 1]
    return np.nan_to_num(normalized, nan=-np.inf) >= cut


def _linear_moments(adata: ad.AnnData, chunk_size: int) -> tuple[int, np.ndarray, np.ndarray]:
    """``(n, mean, M2)`` of each gene's linear-scale values: those prepare_cells stored in
    ``var``, else one pass over the rows."""
    from .._moments import LINEAR_STATISTICS, column_moment_sums

    if all(c in adata.var for c in LINEAR_STATISTICS):
        return adata.n_obs, adata.var[LINEAR_STATISTICS[0]].to_numpy(), adata.var[LINEAR_STATISTICS[1]].to_numpy()
    linear = (sp.csr_matrix((np.expm1(b.data), b.indices, b.indptr), b.shape) for _, b in row_blocks(adata.X)(chunk_size))
    return column_moment_sums(linear)


def embed_cells(
    adata: ad.AnnData, *, max_cells: int = 100_000, seed: int = 0, chunk_size: int = 20_000
) -> pd.DataFrame:
    """UMAP coordinates of a seeded subsample of at most ``max_cells`` cells of ``adata``
    (log-normalized; may be ``backed="r"``: only the subsample's highly variable genes are
    read into memory, in one pass).

    The 2,000 highly variable genes (scanpy's seurat flavor, :func:`seurat_hvg`) come from all
    cells, through the per-gene moments :func:`prepare_cells` stored in ``var``.

    Parameters
    ----------
    adata
        Log-normalized cells (in memory or backed).
    max_cells
        Cells embedded at most (a seeded subsample).
    seed
        Seed of the subsample and the embedding.
    chunk_size
        Rows read at a time.

    Returns
    -------
    DataFrame
        The UMAP coordinates of the subsample (:func:`umap_of_sample`), indexed by cell.
    """
    rows = subsample_rows(adata.n_obs, max_cells, seed=seed)
    n, mean, m2 = _linear_moments(adata, chunk_size)
    hvg = seurat_hvg(n, mean, m2, n_top=min(2000, adata.n_vars))
    X = read_rows(row_blocks(adata.X), rows, chunk_size=chunk_size, columns=hvg)
    log.info("UMAP of %d of %d cells on %d highly variable genes (seed %d)", len(rows), adata.n_obs, hvg.sum(), seed)
    return umap_of_sample(X, adata.obs_names[rows], adata.var_names[hvg], seed=seed, hvg=False)


def leiden_with_transfer(
    blocks: Blocks,
    n_obs: int,
    var_names,
    *,
    max_cells: int = 100_000,
    resolution: float = 1.0,
    n_pcs: int = 30,
    n_neighbors: int = 15,
    seed: int = 0,
    chunk_size: int = 20_000,
    provenance: ad.AnnData | None = None,
) -> np.ndarray:
    """Leiden clusters (igraph, fixed seeds) of every cell: computed on a seeded subsample
    of at most ``max_cells`` cells, then given to the others by a ``n_neighbors``-nearest-
    neighbour vote in the subsample's PCA space. Returns one label (str) per row.

    Parameters
    ----------
    blocks
        ``blocks(rows)`` yielding ``(start, CSR block)`` over the log-normalized matrix
        (:func:`row_blocks`, a writer's ``blocks``).
    n_obs
        Rows of the matrix.
    var_names
        Its genes (the columns).
    max_cells
        Cells clustered at most.
    resolution
        Leiden's resolution (higher: more clusters).
    n_pcs
        Principal components at most (fewer with fewer cells or highly variable genes).
    n_neighbors
        Neighbours of the graph and of the vote.
    seed
        Seed of the subsample, PCA, graph and Leiden.
    chunk_size
        Rows read at a time.
    provenance
        An AnnData whose ``uns["cytoscore"]["clustering"]`` records the clustering; ``None``:
        not recorded.

    Returns
    -------
    ndarray
        One label (str) per row.
    """
    import scanpy as sc

    rows = subsample_rows(n_obs, max_cells, seed=seed)
    sample = ad.AnnData(X=read_rows(blocks, rows, chunk_size=chunk_size), var=pd.DataFrame(index=var_names))
    n_comps = _pca_graph(sample, n_pcs=n_pcs, n_neighbors=n_neighbors, seed=seed)
    sc.tl.leiden(
        sample, resolution=resolution, random_state=seed, flavor="igraph", n_iterations=2, directed=False,
        adjacency=sample.obsp["connectivities"],
    )  # fmt: skip
    labels = np.empty(n_obs, dtype=object)
    labels[rows] = sample.obs["leiden"].astype(str).to_numpy()
    if len(rows) < n_obs:
        hvg = sample.var["highly_variable"].to_numpy()
        loadings = np.asarray(sample.varm["PCs"])[hvg]
        center = np.asarray(sample.X[:, hvg].mean(axis=0)).ravel()
        classes, codes = np.unique(labels[rows].astype(str), return_inverse=True)
        reference = np.asarray(sample.obsm["X_pca"])
        in_sample = np.zeros(n_obs, bool)
        in_sample[rows] = True
        for start, block in blocks(chunk_size):
            stop = start + block.shape[0]
            todo = ~in_sample[start:stop]
            if todo.any():
                pcs = (sp.csr_matrix(block)[todo][:, hvg] @ loadings) - center @ loadings
                labels[start:stop][todo] = classes[_vote(codes, nearest_neighbors(reference, np.asarray(pcs), n_neighbors)[0])]
    if provenance is not None:
        record(
            provenance,
            "clustering",
            method="Leiden (igraph) on a seeded subsample; other cells by kNN vote in PCA space",
            resolution=resolution,
            n_pcs=n_comps,
            n_neighbors=n_neighbors,
            neighbor_search=neighbor_search(len(rows)),
            seed=seed,
            n_cells_clustered=len(rows),
            n_clusters=int(pd.Series(labels).nunique()),
        )
    log.info("Leiden: %d clusters from %d of %d cells", pd.Series(labels).nunique(), len(rows), n_obs)
    return labels


def _vote(codes: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """The most frequent class code among each row's neighbours; a tie goes to the smallest
    code (the first label in sorted order), as scikit-learn's KNeighborsClassifier breaks it."""
    n_classes = int(codes.max()) + 1
    votes = codes[neighbours]
    counts = np.zeros((len(votes), n_classes), dtype=np.int32)
    np.add.at(counts, (np.repeat(np.arange(len(votes)), votes.shape[1]), votes.ravel()), 1)
    return counts.argmax(axis=1)
