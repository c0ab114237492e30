"""Every scoring method against its reference implementation on the same input.

Reference outputs (committed, with the scripts that regenerate them):
- R GSVA 1.46 ``gsva`` (Gaussian and Poisson kernels, mx.diff TRUE/FALSE): tests/reference/gsva
- decoupler 2.2.0 ``ulm`` and ``aucell``, pyUCell 0.8.0: tests/reference/singlecell
Run-time references: scanpy ``score_genes``, scikit-learn ``Ridge``, and literal
transliterations of R UCell's ``u_stat``, singscore's scoring and CytoSig's C permutation
test (``data_significance``/ridge.c: srand(0), rand()-driven shuffles).
"""

import ctypes
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from helpers import default_study_matrix, simulated_cells
from scipy.stats import rankdata

from cytoscore.tl import (
    aucell_kernel,
    cytosig_kernel,
    gsva_kernel,
    mean_z_kernel,
    score_genes_kernel,
    singscore_kernel,
    ucell_kernel,
    ulm_kernel,
)

REF = Path(__file__).resolve().parents[1] / "reference"


def _sets_from_gmt(path: Path) -> dict[str, list[str]]:
    sets = {}
    for line in path.read_text().splitlines():
        fields = line.split("\t")
        sets[fields[0]] = fields[2:]
    return sets


def _membership(genes, sets) -> np.ndarray:
    index = {g: i for i, g in enumerate(genes)}
    S = np.zeros((len(genes), len(sets)))
    for j, members in enumerate(sets.values()):
        S[[index[g] for g in members if g in index], j] = 1
    return S


@pytest.mark.parametrize(
    ("prefix", "suffix", "params"),
    [
        ("synthetic", "gsva_gaussian", {}),
        ("synthetic", "gsva_maxdev", {"mx_diff": False}),
        ("synthetic_counts", "gsva_gaussian", {}),
        ("synthetic_counts", "gsva_poisson", {"kcdf": "poisson"}),
    ],
)
def test_gsva_equals_r_gsva(prefix, suffix, params):
    expr = pd.read_csv(REF / "gsva" / f"{prefix}.expression.tsv", sep="\t", index_col=0)
    sets = _sets_from_gmt(REF / "gsva" / f"{prefix}.sets.gmt")
    ref = pd.read_csv(REF / "gsva" / f"{prefix}.{suffix}.tsv", sep="\t", index_col=0)
    ours = gsva_kernel(expr.T.to_numpy(dtype=float), _membership(expr.index, sets), **params)
    assert list(ref.index) == list(sets)
    np.testing.assert_allclose(ours.T, ref.to_numpy(), rtol=0, atol=1e-12)


def test_gsva_equals_r_gsva_on_gse55235():
    matrix, sets = default_study_matrix()
    ref = pd.read_csv(REF / "gsva" / "gse55235.gsva_gaussian.tsv", sep="\t", index_col=0)
    values = matrix.to_numpy().round(6)  # R read the matrix written with 6 decimals
    ours = gsva_kernel(values, _membership(matrix.columns, sets))
    assert list(ref.columns) == list(matrix.index)
    np.testing.assert_allclose(ours.T, ref.to_numpy(), rtol=0, atol=1e-12)


def test_gsva_poisson_rejects_non_counts():
    with pytest.raises(ValueError, match="counts"):
        gsva_kernel(
            np.array([[0.5, 1.0, 2.0], [1.0, 2.0, 3.0]]), np.array([[1.0], [1.0], [0.0]]), kcdf="poisson"
        )


@pytest.fixture(scope="module")
def cells():
    adata, sets, net = simulated_cells()
    genes = list(adata.var_names)
    sources = sorted(net["source"].unique())
    W = np.zeros((len(genes), len(sources)))
    index = {g: i for i, g in enumerate(genes)}
    for row in net.itertuples():
        W[index[row.target], sources.index(row.source)] = row.weight
    return adata.X, _membership(genes, sets), list(sets), W, sources


def _reference(name: str, columns) -> np.ndarray:
    return pd.read_csv(REF / "singlecell" / f"{name}.tsv", sep="\t", index_col=0)[columns].to_numpy()


def test_ulm_equals_decoupler(cells):
    X, _, _, W, sources = cells
    ref = _reference("ulm", sources)
    for data in (X, X.toarray()):
        assert np.abs(ulm_kernel(data, W) - ref).max() < 1e-8  # reference written to 10 digits


def test_aucell_equals_decoupler(cells):
    X, S, names, _, _ = cells
    # decoupler breaks rank ties in the order of a seeded shuffle of the genes
    # (extract(shuffle=True): default_rng(0).choice); ties here follow gene order, so
    # give the genes that order and the scores must be identical.
    order = np.random.default_rng(0).choice(np.arange(S.shape[0]), S.shape[0], replace=False)
    ref = _reference("aucell", names)
    for data in (X[:, order], X.toarray()[:, order]):
        assert np.abs(aucell_kernel(data, S[order]) - ref).max() < 1e-9


def _u_stat(rank_value: np.ndarray, max_rank: int) -> float:
    """UCell's R u_stat, transliterated."""
    insig = rank_value > max_rank
    if insig.all():
        return 0.0
    rank_value = np.where(insig, max_rank + 1, rank_value)
    k = rank_value.size
    return 1 - (rank_value.sum() - k * (k + 1) / 2) / (k * max_rank)


def test_ucell_equals_r_ucell_u_stat(cells):
    X, S, names, _, _ = cells
    dense = X.toarray()
    ranks = rankdata(-dense, axis=1, method="average")  # R UCell: frankv(-x, ties "average")
    expected = np.array(
        [[_u_stat(ranks[i, S[:, j] > 0], 100) for j in range(S.shape[1])] for i in range(dense.shape[0])]
    )
    for data in (X, dense):
        np.testing.assert_allclose(ucell_kernel(data, S, max_rank=100), expected, rtol=0, atol=1e-12)


def test_ucell_agrees_with_pyucell_where_both_define_it_alike(cells):
    # pyUCell counts genes beyond max_rank as max_rank (R UCell: max_rank + 1) and
    # rescales by k·max_rank - k(k+1)/2 (R: k·max_rank), so its scores are a different
    # function of the same ranks. They must still order cells the same way for a set
    # whose genes are mostly ranked (UP50) and agree closely in size.
    X, S, names, _, _ = cells
    ours = ucell_kernel(X, S, max_rank=100)
    ref = _reference("ucell", names)
    j = names.index("UP50")
    assert np.corrcoef(ours[:, j], ref[:, j])[0, 1] > 0.999
    assert np.abs(ours[:, j] - ref[:, j]).max() < 0.25
    assert np.array_equal(ours == 0, ref == 0)  # the same cells and sets score 0


def test_singscore_known_answer_and_transliteration(cells):
    # 5 genes, one sample: values 1..5 -> ascending ranks 1..5; set {g4, g5} has mean
    # rank 4.5; bounds (k+1)/2 = 1.5 and (2n-k+1)/2 = 4.5 -> 1 - 0.5 = 0.5
    X = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    S = np.array([[0.0], [0.0], [0.0], [1.0], [1.0]])
    assert singscore_kernel(X, S)[0, 0] == pytest.approx(0.5)
    assert singscore_kernel(X, 1 - S)[0, 0] == pytest.approx(-0.5)
    data, S, _, _, _ = cells
    dense = data.toarray()
    n = dense.shape[1]
    ranks = rankdata(dense, axis=1, method="min")  # singscore::rankGenes(tiesMethod = "min")
    expected = np.empty((dense.shape[0], S.shape[1]))
    for j in range(S.shape[1]):
        k = S[:, j].sum()
        mean = ranks[:, S[:, j] > 0].mean(axis=1)
        expected[:, j] = (mean - (k + 1) / 2) / ((2 * n - k + 1) / 2 - (k + 1) / 2) - 0.5
    for X in (data, dense):
        np.testing.assert_allclose(singscore_kernel(X, S), expected, rtol=0, atol=1e-12)


def test_mean_z_sparse_equals_dense(cells):
    X, S, _, _, _ = cells
    np.testing.assert_allclose(mean_z_kernel(X, S), mean_z_kernel(X.toarray(), S), atol=1e-12)


def test_score_genes_equals_scanpy(cells):
    import anndata as ad
    import scanpy as sc

    X, S, names, _, _ = cells
    ours = score_genes_kernel(X, S[:, :2])
    adata = ad.AnnData(X.copy())
    adata.var_names = [f"g{i}" for i in range(X.shape[1])]
    for j in range(2):
        sc.tl.score_genes(adata, list(adata.var_names[S[:, j] > 0]), random_state=0, score_name="s")
        np.testing.assert_allclose(ours[:, j], adata.obs["s"].to_numpy(), atol=1e-6)


def _cytosig_c_reference(
    Y: np.ndarray, D: np.ndarray, alpha: float, nrand: int
) -> tuple[np.ndarray, np.ndarray]:
    """CytoSig's ridge.c permutation test, transliterated: T = (D'D + αI)⁻¹D', beta = T·Y;
    nrand shuffles of the rows of Y from glibc's srand(0)/rand() as in its shuffle();
    z = (beta - mean) / population SD of the permuted betas."""
    libc = ctypes.CDLL("libc.so.6")
    libc.rand.restype = ctypes.c_int
    rand_max = 2147483647
    T = np.linalg.solve(D.T @ D + alpha * np.eye(D.shape[1]), D.T)
    beta = T @ Y
    n = Y.shape[0]
    index = np.arange(n)
    libc.srand(0)
    total = np.zeros_like(beta)
    total_sq = np.zeros_like(beta)
    for _ in range(nrand):
        for i in range(n - 1):
            j = i + libc.rand() // (rand_max // (n - i) + 1)
            index[i], index[j] = index[j], index[i]
        b = T @ Y[index]
        total += b
        total_sq += b * b
    mean = total / nrand
    return beta, (beta - mean) / np.sqrt(total_sq / nrand - mean**2)


def test_cytosig_ridge_matches_cytosig_algorithm(cells):
    from sklearn.linear_model import Ridge

    X, _, _, W, _ = cells
    dense = X.toarray()
    gene_mean = dense.mean(axis=0)
    used = np.flatnonzero((W != 0).any(axis=1))
    D = (W[used] - W[used].mean(axis=0)) / W[used].std(axis=0, ddof=1)
    Y = dense[:, used] - gene_mean[used]
    Y = ((Y - Y.mean(axis=1, keepdims=True)) / Y.std(axis=1, ddof=1, keepdims=True)).T  # genes × cells
    coef = cytosig_kernel(X, W, alpha=10.0, statistic="coef")
    ridge = Ridge(alpha=10.0, fit_intercept=False, solver="cholesky").fit(D, Y)
    np.testing.assert_allclose(coef, ridge.coef_, atol=1e-10)
    beta, z_ref = _cytosig_c_reference(Y[:, :40], D, 10.0, 500)
    z = cytosig_kernel(X[:40], W, gene_mean=gene_mean, alpha=10.0, n_permutations=500)
    np.testing.assert_allclose(coef[:40], beta.T, atol=1e-10)
    # different random permutations: z-scores agree up to Monte Carlo error
    assert np.corrcoef(z.ravel(), z_ref.T.ravel())[0, 1] > 0.99
    assert np.abs(z - z_ref.T).max() < 0.35


def test_cytosig_scores_the_others_when_one_signature_has_constant_weights(cells):
    """A signature whose weights are equal on every fitted gene cannot be standardized:
    it used to make every signature's score NaN; now it alone is NaN, the others are the fit
    without it."""
    X, _, _, W, _ = cells
    constant = np.where((W != 0).any(axis=1), 1.0, 0.0)[:, None]  # 1 on every fitted gene
    got = cytosig_kernel(X[:30], np.hstack([W, constant]), alpha=10.0, statistic="coef")
    assert np.isnan(got[:, -1]).all()
    np.testing.assert_allclose(got[:, :-1], cytosig_kernel(X[:30], W, alpha=10.0, statistic="coef"), atol=1e-12)
    z = cytosig_kernel(X[:30], np.hstack([W, constant]), alpha=10.0, n_permutations=20)
    assert np.isfinite(z[:, :-1]).all() and np.isnan(z[:, -1]).all()
    assert np.isnan(cytosig_kernel(X[:5], constant, statistic="coef")).all()  # nothing left to fit


def test_rank_kernels_refuse_negative_sparse_values():
    X = sp.csr_matrix(np.array([[1.0, -2.0, 0.0, 3.0]]))
    with pytest.raises(ValueError, match="negative"):
        ucell_kernel(X, np.ones((4, 1)))


def test_rank_kernels_refuse_nan_sparse_values():
    X = sp.csr_matrix(np.array([[1.0, np.nan, 0.0, 3.0]]))
    with pytest.raises(ValueError, match="NaN"):
        aucell_kernel(X, np.ones((4, 1)), n_up=2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_rank_orders_equal_scipy_ranks_with_ties_and_shared_bytes(dtype):
    # the sparse kernels order each row by a radix sort of the values' bits; the dense path
    # ranks with scipy. Values drawn from few levels (ties, as log-normalized counts give),
    # from a narrow range (bits sharing their high bytes) and spread over decades, with rows
    # holding fewer stored values than the rank caps (zeros inside the top ranks)
    rng = np.random.default_rng(11)
    n_cells, n_genes = 60, 300
    levels = np.log1p(np.arange(1, 40) / 3.0)
    dense = np.zeros((n_cells, n_genes))
    for i in range(n_cells):
        p = int(rng.integers(5, 250))
        cols = rng.choice(n_genes, p, replace=False)
        kind = i % 3
        if kind == 0:
            dense[i, cols] = rng.choice(levels, p)
        elif kind == 1:
            dense[i, cols] = 1.0 + rng.integers(0, 64, p) * np.finfo(np.float32).eps
        else:
            dense[i, cols] = 10.0 ** rng.uniform(-6, 6, p)
    dense = dense.astype(dtype).astype(np.float64)
    X = sp.csr_matrix(dense.astype(dtype))
    S = (rng.random((n_genes, 7)) < 0.1).astype(float)
    S[:3, 0] = 1.0
    for max_rank in (40, 150):
        assert np.array_equal(ucell_kernel(X, S, max_rank=max_rank), ucell_kernel(dense, S, max_rank=max_rank))
    for n_up in (20, 200):
        assert np.array_equal(aucell_kernel(X, S, n_up=n_up), aucell_kernel(dense, S, n_up=n_up))
    np.testing.assert_allclose(singscore_kernel(X, S), singscore_kernel(dense, S), rtol=0, atol=1e-12)


def test_a_signature_a_method_cannot_score_is_named_in_a_warning(caplog):
    import anndata as ad

    from cytoscore.resources import GeneSet
    from cytoscore.tl import score_gene_sets

    rng = np.random.default_rng(3)
    genes = [f"G{i}" for i in range(12)]
    adata = ad.AnnData(rng.normal(5, 1, size=(8, 12)), var=pd.DataFrame(index=genes))
    sets = [
        GeneSet("varied", tuple(genes[:6]), weights=(1.0, 2.0, 0.5, 3.0, 1.5, 2.5), format="cytosig"),
        GeneSet("flat", tuple(genes[:6]), weights=(2.0,) * 6, format="cytosig"),  # equal on every fitted gene
    ]
    with caplog.at_level("WARNING"):
        scores, _ = score_gene_sets(adata, sets, methods=["cytosig"], method_params={"cytosig": {"n_permutations": 10}})
    by_set = scores.groupby("signature")["score"]
    assert by_set.apply(lambda s: s.isna().all())["flat"] and by_set.apply(lambda s: s.notna().all())["varied"]
    assert "cytosig could not score ['flat']" in caplog.text
