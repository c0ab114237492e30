"""The bounded-memory single-cell path: streamed QC/normalization equals scanpy in memory,
gene statistics merge exactly across chunks and shards, shards score as one job does, and
Leiden labels reach cells outside the clustered subsample."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from cytoscore.io import CellSource, read_h5ad
from cytoscore.pp import prepare_single_cell
from cytoscore.resources import GeneSet
from cytoscore.tl import gene_statistics, merge_gene_statistics, score_gene_sets, shard_rows
from cytoscore.tl._matrix import column_moments
from cytoscore.tl._score import stored_gene_statistics
from tests.helpers import scanpy_qc_normalize
from tests.synthetic import CELL_TYPES, write_pbmc_counts

N_CELLS = 6_000


@pytest.fixture(scope="module")
def raw_cells(tmp_path_factory):
    path = tmp_path_factory.mktemp("cells") / "pbmc.h5ad"
    # few genes per cell and variable depth, so that QC removes cells and genes
    return write_pbmc_counts(path, N_CELLS, n_genes=4_000, genes_per_cell=400, seed=3, chunk=1_500)


GROUPS = {"column": "group_id", "patterns": {"ctrl": "^ctrl$", "stim": "^stim$"}, "exclude": []}
QC = {"min_genes": 250, "max_mito_fraction": 0.09, "min_cells": 25}


@pytest.fixture(scope="module")
def prepared(raw_cells, tmp_path_factory):
    out = tmp_path_factory.mktemp("prepared") / "annotated.h5ad"
    meta = prepare_single_cell(
        {"h5ad": raw_cells},
        out,
        normalize={"qc": QC, "target_sum": 1e4},
        groups=GROUPS,
        chunk_size=777,  # chunks that do not divide the cells
    )
    return out, meta


def test_streamed_qc_and_normalization_equal_scanpy_in_memory(raw_cells, prepared):
    out, meta = prepared
    whole = ad.read_h5ad(raw_cells)
    reference = scanpy_qc_normalize(whole, **QC)
    got = read_h5ad(out)
    qc = got.uns["cytoscore"]["qc"]
    # the thresholds bite: some cells and some genes are removed, as scanpy removes them
    assert 0 < N_CELLS - qc["n_cells_kept"] and 0 < qc["n_genes_before"] - qc["n_genes_kept"]
    assert list(got.obs_names) == list(reference.obs_names)
    assert list(got.var_names) == list(reference.var_names)
    diff = abs(got.X - sp.csr_matrix(reference.X)).max()
    assert diff < 1e-6, diff
    np.testing.assert_allclose(
        got.obs["pct_counts_mt"], reference.obs["pct_counts_mt"], rtol=1e-6, atol=1e-9
    )
    np.testing.assert_array_equal(got.obs["n_genes_by_counts"], reference.obs["n_genes_by_counts"])
    assert list(got.obs["group"].cat.categories) == ["ctrl", "stim"]
    assert got.X.dtype == np.float32 and sp.issparse(got.X)
    assert meta.n_obs == got.n_obs


def test_the_file_checksum_is_recorded_and_hashed_only_by_a_reader_that_records_it(
    raw_cells, prepared, monkeypatch
):
    """prepare_single_cell records the input's SHA-256 (hashed beside its passes); a reader of
    obs and var only (the preflight) hashes nothing, where the hash of the whole file kept its
    process alive for 13 s after its work at 1,000,000 cells; ``files`` still gives it when asked."""
    import hashlib

    import cytoscore.io._singlecell as singlecell

    expected = hashlib.sha256(raw_cells.read_bytes()).hexdigest()
    _, meta = prepared
    assert meta.uns["cytoscore"]["source"]["files"] == {raw_cells.name: expected}
    hashed = []
    monkeypatch.setattr(singlecell, "sha256_file", lambda path: hashed.append(path) or expected)
    with CellSource(h5ad=raw_cells) as source:
        assert source.n_obs == N_CELLS
    assert hashed == []
    with CellSource(h5ad=raw_cells) as source:
        assert source.files == {raw_cells.name: expected} and len(hashed) == 1
    with CellSource(h5ad=raw_cells, checksum=True) as source:
        assert source.files == {raw_cells.name: expected} and len(hashed) == 2


def test_streamed_preparation_leaves_no_file_on_bad_counts(tmp_path):
    X = sp.csr_matrix(np.array([[1.5, 0, 2], [0, 1, 1]], dtype=np.float32))
    bad = tmp_path / "bad.h5ad"
    ad.AnnData(X=X, obs=pd.DataFrame({"g": ["a", "a"]}, index=["c1", "c2"]),
               var=pd.DataFrame(index=["A", "B", "C"])).write_h5ad(bad)  # fmt: skip
    out = tmp_path / "out.h5ad"
    with pytest.raises(ValueError, match=r"bad.h5ad \(cells 0-1\): non-integer values"):
        prepare_single_cell(
            {"h5ad": bad}, out, groups={"column": "g", "patterns": {"a": "a"}}, normalize={"qc": {"min_genes": 1}}
        )
    assert not out.exists() and not list(tmp_path.glob(".out.h5ad*"))


@pytest.mark.parametrize("zeros", [0.0, 0.5])
def test_gene_statistics_merge_exactly_across_chunks_and_shards(zeros):
    rng = np.random.default_rng(0)
    # large mean, tiny spread: E[x²] − E[x]² in float32 loses the variance entirely
    dense = (1_000 + rng.normal(0, 0.01, (5_000, 40))).astype(np.float32)
    dense[rng.random(dense.shape) < zeros] = 0  # implicit zeros of sparse data
    X = sp.csr_matrix(dense)
    want_mean = dense.astype(np.float64).mean(axis=0)
    want_sd = dense.astype(np.float64).std(axis=0, ddof=1)
    mean, sd = column_moments(X[i : i + 333] for i in range(0, X.shape[0], 333))
    np.testing.assert_allclose(mean, want_mean, rtol=1e-12)
    np.testing.assert_allclose(sd, want_sd, rtol=1e-9)
    parts = [gene_statistics(X, chunk_size=101, span=shard_rows(X.shape[0], i, 7)) for i in range(7)]
    merged = merge_gene_statistics(parts)
    whole = gene_statistics(X, chunk_size=5_000)
    np.testing.assert_allclose(merged["mean"], whole["mean"], rtol=1e-13)
    np.testing.assert_allclose(merged["m2"], whole["m2"], rtol=1e-9)
    assert int(merged["n"].iloc[0]) == 5_000
    if zeros == 0:  # the float32 one-pass formula this replaced is wrong by orders of magnitude here
        naive = np.sqrt(np.clip((dense * dense).mean(0) - dense.mean(0) ** 2, 0, None) * 5_000 / 4_999)
        assert np.max(np.abs(naive - want_sd) / want_sd) > 0.5


def test_the_normalized_file_carries_its_gene_statistics(prepared):
    """prepare_cells stores each gene's mean and M2 of what it wrote; scoring the backed file
    uses them instead of a pass of its own, and they equal a pass over the file."""
    out, _ = prepared
    adata = read_h5ad(out, backed=True)
    stored = stored_gene_statistics(adata)
    computed = gene_statistics(adata.X, chunk_size=1_000)
    assert (stored["n"] == adata.n_obs).all()
    np.testing.assert_allclose(stored["mean"], computed["mean"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(stored["m2"], computed["m2"], rtol=1e-10, atol=1e-12)
    assert stored["m2"].gt(0).mean() > 0.9
    # in memory, X may have changed since: the stored values are not used
    assert stored_gene_statistics(read_h5ad(out)) is None
    assert stored_gene_statistics(adata[:10]) is None


def test_shards_score_exactly_as_one_job(prepared):
    out, _ = prepared
    adata = read_h5ad(out, backed=True)
    genes = list(adata.var_names)
    sets = [
        GeneSet(name=name, genes=tuple(g for g in markers if g in genes), collection="t")
        for name, (_, markers) in CELL_TYPES.items()
    ] + [GeneSet(name="SPREAD", genes=tuple(genes[::40]), collection="t")]
    methods = ["mean_z", "ucell", "aucell", "ulm", "singscore"]
    kw = dict(methods=methods, min_genes=3, chunk_size=500, wide=True)
    whole, _ = score_gene_sets(adata, sets, **kw)
    stats = gene_statistics(adata.X, chunk_size=500)
    parts = [
        score_gene_sets(adata, sets, rows=shard_rows(adata.n_obs, i, 3), statistics=stats, **kw)[0]
        for i in range(3)
    ]
    for method in methods:
        joined = pd.concat([p[method] for p in parts])
        assert joined.index.equals(whole[method].index)
        np.testing.assert_allclose(joined.to_numpy(), whole[method].to_numpy(), rtol=0, atol=1e-10)
    with pytest.raises(ValueError, match="cannot score a shard"):
        score_gene_sets(adata, sets, methods=["gsva"], rows=shard_rows(adata.n_obs, 0, 2), wide=True)


def test_leiden_labels_reach_cells_outside_the_subsample(raw_cells, tmp_path):
    out = tmp_path / "clustered.h5ad"
    meta = prepare_single_cell(
        {"h5ad": raw_cells},
        out,
        normalize={"qc": QC, "cluster": {"resolution": 0.3, "seed": 0}},
        groups=GROUPS,
        chunk_size=1_000,
        max_cells=1_500,  # cluster a quarter of the cells; the rest get a kNN vote
    )
    got = read_h5ad(out, backed=True).obs
    assert got["leiden"].notna().all() and got["leiden"].nunique() >= 4
    assert meta.uns["cytoscore"]["clustering"]["n_cells_clustered"] == 1_500
    # clusters follow the simulated cell types (marker genes; stimulated cells may form clusters
    # of their own), and the transferred labels as well as the clustered ones
    from cytoscore.pp import subsample_rows

    clustered = np.zeros(len(got), bool)
    clustered[subsample_rows(len(got), 1_500, seed=0)] = True

    def purity(cells):
        return pd.crosstab(cells["leiden"], cells["cell_type"]).max(axis=1).sum() / len(cells)

    assert purity(got) > 0.95, purity(got)
    assert abs(purity(got[clustered]) - purity(got[~clustered])) < 0.05


def test_cell_source_reads_row_chunks_of_dense_and_csc_files(tmp_path):
    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    obs, var = pd.DataFrame(index=[f"c{i}" for i in range(4)]), pd.DataFrame(index=["A", "B", "C"])
    for name, matrix in (("dense", X), ("csc", sp.csc_matrix(X))):
        path = tmp_path / f"{name}.h5ad"
        ad.AnnData(X=matrix, obs=obs, var=var).write_h5ad(path)
        with CellSource(h5ad=path) as source:
            blocks = list(source.blocks(3))
        assert [s for s, _ in blocks] == [0, 3]
        np.testing.assert_array_equal(sp.vstack([b for _, b in blocks]).toarray(), X)


def test_summary_of_wide_scores_equals_the_tidy_one():
    """The scoring job summarises its in-memory scores (method -> cells x signatures) by
    sample, group and cell type; the result is the one of the tidy path, with known values."""
    from cytoscore.tl import summarize_scores

    obs = pd.DataFrame(
        {"sample": ["s1", "s1", "s1", "s2", "s2"], "cell_type": ["T", "T", "B", "T", None]},
        index=[f"c{i}" for i in range(5)],
    )
    wide = {
        "mean_z": pd.DataFrame({"IFN": [1.0, 3.0, 5.0, 2.0, 9.0], "X": [0.0, 0.0, 1.0, 4.0, 9.0]}, index=obs.index),
        "ucell": pd.DataFrame({"IFN": [0.1, 0.2, 0.3, 0.4, 0.5]}, index=obs.index),
    }
    got = summarize_scores(wide, obs, by=["sample", "cell_type"])
    row = got.set_index(["sample", "cell_type", "signature", "method"]).loc[("s1", "T", "IFN", "mean_z")]
    assert (row["n_cells"], row["mean"], row["median"]) == (2, 2.0, 2.0)
    assert row["sd"] == pytest.approx(np.sqrt(2.0))
    assert len(got) == 3 * 3  # strata (s1,T), (s1,B), (s2,T) x 3 method-signatures; c4 has no cell type
    tidy = pd.concat(
        pd.DataFrame({"observation": np.repeat(w.index, w.shape[1]), "signature": np.tile(w.columns, len(w)),
                      "method": m, "score": w.to_numpy().ravel()})
        for m, w in wide.items()
    )  # fmt: skip
    pd.testing.assert_frame_equal(got, summarize_scores(tidy, obs, by=["sample", "cell_type"]))
