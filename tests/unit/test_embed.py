"""The embedding's kNN graph is exact at every size: above EXACT_KNN_ABOVE cells, where
scanpy would switch to approximate neighbours (pynndescent), scikit-learn's exact search."""

import anndata as ad
import numpy as np
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors

from cytoscore.pp._embed import EXACT_KNN_ABOVE, _pca_graph


def test_knn_graph_is_exact_above_the_scanpy_threshold():
    rng = np.random.default_rng(0)
    n = EXACT_KNN_ABOVE + 500
    centres = rng.normal(0, 3, (6, 80))  # over 50 genes: scanpy uses the PCs
    X = centres[rng.integers(0, 6, n)] + rng.normal(size=(n, 80))
    adata = ad.AnnData(X=sp.csr_matrix(np.abs(X).astype(np.float32)))
    _pca_graph(adata, n_pcs=10, n_neighbors=15, seed=0, hvg=False)
    graph = adata.obsp["distances"].tocsr()
    exact = NearestNeighbors(n_neighbors=15).fit(adata.obsm["X_pca"]).kneighbors(return_distance=False)
    rows = rng.choice(n, 300, replace=False)
    # scanpy keeps n_neighbors - 1 neighbours besides the cell itself: the 14 nearest
    same = [set(graph[r].indices) == set(exact[r][: graph[r].nnz]) for r in rows]
    assert all(same) and graph[rows[0]].nnz == 14
