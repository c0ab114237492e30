"""The embedding's kNN graph is exact up to 30,000 cells (faiss brute force), where scanpy
switches to approximate neighbours (pynndescent) above 8,192, and above it finds 99 % of the
exact neighbours (faiss's inverted file); the kNN vote that labels the cells outside the
clustered subsample agrees with scikit-learn's classifier."""

import anndata as ad
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from cytoscore.pp._embed import (
    EXACT_NEIGHBORS_MAX,
    _neighbors_with_self,
    _pca_graph,
    _pca_init,
    _vote,
    nearest_neighbors,
)
from cytoscore.pp._umap import fuzzy_graph, umap_layout

SCANPY_APPROXIMATE_ABOVE = 8192


@pytest.mark.parametrize("n", [600, SCANPY_APPROXIMATE_ABOVE + 500])
def test_knn_graph_is_exact_where_scanpy_is_not(n):
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, (6, 80))  # over 50 genes: scanpy uses the PCs
    X = centres[rng.integers(0, 6, n)] + rng.normal(size=(n, 80))
    adata = ad.AnnData(X=sp.csr_matrix(np.abs(X).astype(np.float32)))
    _pca_graph(adata, n_pcs=10, n_neighbors=15, seed=0, hvg=False)
    graph = adata.obsp["distances"].tocsr()
    pcs = np.asarray(adata.obsm["X_pca"], dtype=np.float64)
    exact = NearestNeighbors(n_neighbors=15).fit(pcs).kneighbors(return_distance=True)
    rows = rng.choice(n, 300, replace=False)
    # scanpy keeps n_neighbors - 1 neighbours besides the cell itself: the 14 nearest, no self entry
    same = [set(graph[r].indices) == set(exact[1][r][:14]) for r in rows]
    assert all(same) and all(graph[r].nnz == 14 for r in rows)
    got = np.sort(graph[rows[0]].data)
    np.testing.assert_allclose(got, np.sort(exact[0][rows[0]][:14]), rtol=1e-4)
    conn = adata.obsp["connectivities"]
    assert conn.shape == (n, n) and conn.nnz >= 14 * n and conn.diagonal().max() == 0


def test_above_the_exact_size_the_search_finds_99_percent_of_the_exact_neighbours():
    """Above EXACT_NEIGHBORS_MAX points the inverted-file search finds at least 98.5 % of the
    exact 15 nearest (scanpy's pynndescent found 96.7 % at 100,000 cells; docs/benchmarks.md),
    each point first in its own row, their distances the true ones, and the same neighbours on
    one thread or two."""
    from cytoscore import use_threads

    rng = np.random.default_rng(4)
    n = EXACT_NEIGHBORS_MAX + 10_000
    centres = rng.normal(0, 1.5, (12, 30))  # cell types in 30 PCs, the later PCs narrower
    X = (centres[rng.integers(0, 12, n)] + rng.normal(size=(n, 30))) * np.linspace(2, 0.3, 30)
    X = X.astype(np.float32)
    use_threads(1)
    indices, distances = _neighbors_with_self(X, 15)
    exact = NearestNeighbors(n_neighbors=15).fit(X).kneighbors(X[:2000], return_distance=False)
    found = (indices[:2000, :, None] == exact[:, None, :]).any(axis=2).mean()
    assert 0.985 <= found < 1.0  # approximate: not the brute force
    assert (indices[:, 0] == np.arange(n)).all() and (distances[:, 0] == 0).all()
    true = np.linalg.norm(X[indices[:500]] - X[:500, None, :], axis=2)
    np.testing.assert_allclose(distances[:500], true, rtol=1e-3, atol=1e-3)
    use_threads(2)
    assert (_neighbors_with_self(X, 15)[0] == indices).all()
    use_threads(1)


def test_a_duplicated_cell_still_comes_first_in_its_own_row():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 5)).astype(np.float32)
    X[7] = X[3]  # two cells with the same coordinates: either may be found first
    indices, distances = _neighbors_with_self(X, 4)
    assert indices.shape == distances.shape == (50, 4)
    assert (indices[:, 0] == np.arange(50)).all() and (distances[:, 0] == 0).all()
    assert {indices[3, 1], indices[7, 1]} == {7, 3}  # each the other's nearest, at distance 0
    assert distances[3, 1] == distances[7, 1] == 0


def test_umap_graph_and_layout_equal_scanpy_and_umap_learn():
    """The ported UMAP (cytoscore.pp._umap, which spares each job umap-learn's 6 s import)
    gives scanpy's connectivities from the same neighbours and, from the same graph, start
    and seed, umap-learn's layout to the last bit (sc.tl.umap, 500 epochs below 10,000 cells)."""
    import scanpy as sc
    from umap.umap_ import fuzzy_simplicial_set

    rng = np.random.default_rng(5)
    centres = rng.normal(0, 4, (5, 20))
    X = (centres[rng.integers(0, 5, 1200)] + rng.normal(size=(1200, 20))).astype(np.float32)
    adata = ad.AnnData(X=X)
    adata.obsm["X_pca"] = X  # the representation the graph is built on
    sc.pp.neighbors(adata, n_neighbors=15, use_rep="X_pca", random_state=0)  # exact (scikit-learn) below 8,192
    theirs = adata.obsp["connectivities"]
    indices, distances = _neighbors_with_self(X, 15)
    mine = fuzzy_graph(indices, distances)
    # from the same neighbours, umap-learn's own fuzzy_simplicial_set (which scanpy calls)
    reference = fuzzy_simplicial_set(sp.coo_matrix((1200, 1)), 15, None, None, knn_indices=indices, knn_dists=distances)
    assert (mine != reference[0].tocsr()).nnz == 0 and mine.nnz > 15 * 1200
    # scanpy's graph (scikit-learn's float64 distances): the same edges, weights within float32 rounding
    assert (mine.astype(bool) != theirs.astype(bool)).nnz == 0
    np.testing.assert_allclose(mine.data, theirs.data, atol=1e-5)
    init = _pca_init(X, 3)
    sc.tl.umap(adata, init_pos=init, random_state=3)
    layout = umap_layout(theirs, init, random_state=np.random.RandomState(3))
    np.testing.assert_array_equal(layout, adata.obsm["X_umap"])
    # the layout prunes edges below max / n_epochs on its own copy, not in the caller's graph
    before = mine.copy()
    assert (mine.data < mine.data.max() / 20).any()
    umap_layout(mine, init, random_state=np.random.RandomState(3), n_epochs=20)
    assert (mine != before).nnz == 0 and mine.nnz == before.nnz
    # the clusters stay apart in the layout: each point's nearest layout neighbour shares its centre
    labels = np.argmin(((X[:, None, :] - centres[None].astype(np.float32)) ** 2).sum(-1), axis=1)
    near = nearest_neighbors(layout, None, 2)[0][:, 1]
    assert (labels[near] == labels).mean() > 0.97


def test_nearest_neighbors_of_other_points_and_the_vote_equal_scikit_learn():
    rng = np.random.default_rng(2)
    reference = rng.normal(size=(400, 6))
    labels = np.array(["b", "a", "c"])[rng.integers(0, 3, 400)]
    queries = rng.normal(size=(300, 6))
    indices, distances = nearest_neighbors(reference, queries, 15)
    nn = NearestNeighbors(n_neighbors=15).fit(reference)
    ref_dist, ref_idx = nn.kneighbors(queries)
    assert (indices == ref_idx).mean() > 0.999
    np.testing.assert_allclose(distances, ref_dist, rtol=1e-4)
    classes, codes = np.unique(labels, return_inverse=True)
    for k in (15, 4):  # k = 4 leaves ties (2-2) to break: the first label in sorted order, as scikit-learn
        mine = classes[_vote(codes, nearest_neighbors(reference, queries, k)[0])]
        theirs = KNeighborsClassifier(n_neighbors=k).fit(reference, labels).predict(queries)
        assert (mine == theirs).all()


def test_highly_variable_genes_from_moments_equal_scanpy_seurat_flavor():
    """seurat_hvg on the per-gene moments prepare_cells stores gives scanpy's seurat-flavor
    genes from the matrix, so the embedding needs no pass over the cells to choose them."""
    import pandas as pd
    import scanpy as sc

    from cytoscore._moments import LINEAR_STATISTICS
    from cytoscore.pp import normalize_cells, seurat_hvg

    rng = np.random.default_rng(4)
    n_cells, n_genes = 3000, 1500
    rates = rng.gamma(0.3, 2.0, n_genes) * np.where(rng.random(n_genes) < 0.1, 6.0, 1.0)
    programs = rng.integers(0, 3, n_cells)
    boost = np.ones((3, n_genes))
    for p in range(3):
        boost[p, rng.choice(n_genes, 60, replace=False)] = 8.0
    counts = rng.poisson(rates * boost[programs] * rng.uniform(0.5, 1.5, (n_cells, 1))).astype(np.float32)
    genes = [f"G{i}" for i in range(n_genes)]
    cells = normalize_cells(ad.AnnData(sp.csr_matrix(counts), var=pd.DataFrame(index=genes)),
                            qc={"min_genes": 10, "min_cells": 3})  # fmt: skip
    ours = seurat_hvg(cells.n_obs, cells.var[LINEAR_STATISTICS[0]], cells.var[LINEAR_STATISTICS[1]], n_top=300)
    reference = sc.pp.highly_variable_genes(cells, n_top_genes=300, flavor="seurat", inplace=False)
    assert ours.sum() == 300 and (ours == reference["highly_variable"].to_numpy()).all()
    # the embedding reads the stored moments; without them it computes the same in one pass
    from cytoscore.pp._embed import _linear_moments

    bare = ad.AnnData(cells.X, var=pd.DataFrame(index=cells.var_names))
    n, mean, m2 = _linear_moments(bare, chunk_size=700)
    assert n == cells.n_obs
    np.testing.assert_allclose(mean, cells.var[LINEAR_STATISTICS[0]], rtol=1e-9)
    np.testing.assert_allclose(m2, cells.var[LINEAR_STATISTICS[1]], rtol=1e-9)


def test_pca_equals_scanpy_without_importing_it():
    """The embedding's PCA (scikit-learn's ARPACK PCA as scanpy runs it on sparse data, ported
    to scipy so that the job does not import scanpy) gives scanpy's scores and loadings up to
    float32 ARPACK's rounding, the same signs, and the same nearest neighbours."""
    import scanpy as sc

    from cytoscore.pp._embed import _pca

    rng = np.random.default_rng(0)
    centres = rng.poisson(1.0, (6, 400))
    X = sp.csr_matrix(np.log1p(rng.poisson(centres[rng.integers(0, 6, 3000)])).astype(np.float32))
    adata = ad.AnnData(X=X)
    sc.pp.pca(adata, n_comps=30, random_state=0)
    scores, components = _pca(X, 30, 0)
    theirs = adata.obsm["X_pca"]
    assert scores.dtype == np.float32 and scores.shape == theirs.shape
    np.testing.assert_allclose(scores, theirs, atol=2e-4 * np.abs(theirs).max())
    np.testing.assert_allclose(components.T, adata.varm["PCs"], atol=2e-4)
    ours_nn, theirs_nn = nearest_neighbors(scores, None, 15)[0], nearest_neighbors(theirs, None, 15)[0]
    assert (ours_nn == theirs_nn).mean() > 0.99
    # another seed starts ARPACK elsewhere: the same components up to rounding
    np.testing.assert_allclose(np.abs(_pca(X, 30, 7)[1]), np.abs(components), atol=1e-3)
