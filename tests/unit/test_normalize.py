"""Normalization by technology: edgeR reference values, DESeq2 size factors, scanpy, biology."""

import hashlib
import inspect
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from helpers import KANG_H5AD, SAEC_DIR, SAEC_PATTERN, needs_shared, scanpy_qc_normalize

from cytoscore import InputError
from cytoscore.io import read_count_files, read_single_cell
from cytoscore.pp import (
    NORMALIZE_OPTIONS,
    QC_DEFAULTS,
    filter_by_expr,
    leiden_with_transfer,
    log_cpm,
    median_of_ratios_factors,
    normalize_counts,
    normalize_dataset,
    tmm_factors,
)

REF = Path(__file__).resolve().parents[1] / "reference" / "edger"


@pytest.fixture(scope="module")
def saec():
    counts = read_count_files(str(SAEC_DIR / "*.txt"), sample_pattern=SAEC_PATTERN)
    return counts, normalize_counts(counts, method="tmm", group_column="condition")


def test_filter_by_expr_hand_example():
    # 4 samples of 1e6 reads each (a filler gene tops them up): CPM cutoff = 10 / 1e6 * 1e6 = 10
    genes = np.array(
        [
            [20, 20, 20, 20],  # CPM 20 everywhere -> kept
            [5, 5, 30, 30],  # >= 10 in 2 samples
            [0, 15, 0, 0],  # >= 10 in 1 sample -> dropped
            [12, 12, 0, 0],  # >= 10 in 2 samples
            [3, 3, 3, 3],  # CPM 3 -> dropped
        ],
        dtype=float,
    ).T
    counts = np.column_stack([genes, 1e6 - genes.sum(axis=1)])
    # smallest group has 2 samples -> genes counted in 2 samples pass
    assert filter_by_expr(counts, group=["a", "a", "b", "b"]).tolist() == [
        True,
        True,
        False,
        True,
        False,
        True,
    ]
    # no groups: all 4 samples must pass
    assert filter_by_expr(counts).tolist() == [True, False, False, False, False, True]
    # min.total.count 15: 12 + 12 = 24 passes, a cutoff of 30 does not
    assert filter_by_expr(counts, group=["a", "a", "b", "b"], min_total_count=30).tolist()[3] is False


@needs_shared
def test_saec_matches_edger_3_40(saec):
    _, norm = saec
    info = dict(line.split() for line in (REF / "gse161664_filter.txt").read_text().splitlines())
    assert norm.n_vars == int(info["n_kept"]) == 14974
    kept = "\n".join(sorted(norm.var_names)) + "\n"
    assert hashlib.md5(kept.encode()).hexdigest() == info["kept_md5"]
    factors = pd.read_csv(REF / "gse161664_tmm_factors.tsv", sep="\t", index_col="sample")
    ours = pd.Series(norm.uns["cytoscore"]["normalization"]["factors"])
    np.testing.assert_allclose(ours[factors.index], factors["norm_factor"], rtol=0, atol=1e-12)
    ref = pd.read_csv(REF / "gse161664_logcpm.tsv", sep="\t", index_col="gene")
    mine = pd.DataFrame(norm.X, index=norm.obs_names, columns=norm.var_names)[ref.index].T[ref.columns]
    np.testing.assert_allclose(mine.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-10)


@needs_shared
def test_saec_biology_type_i_and_type_ii(saec):
    _, norm = saec
    frame = pd.DataFrame(norm.X, index=norm.obs_names, columns=norm.var_names)
    means = frame.groupby(norm.obs["condition"]).mean()
    lfc = means - means.loc["Control"]
    for ifn in ("IFNa", "IFNb"):
        assert (lfc.loc[ifn, ["IFIT1", "RSAD2", "MX1"]] > 8).all()  # >250-fold
    assert (lfc.loc["IFNg", ["CIITA", "IDO1", "GBP1"]] > 5).all()
    assert lfc.loc["IFNg", "CIITA"] > 5 + lfc.loc["IFNa", "CIITA"]  # CIITA is IFN-gamma specific


def test_median_of_ratios_hand_example():
    counts = np.array([[10, 20, 30], [20, 40, 60], [5, 10, 18]], dtype=float)
    # geometric means per gene; ratios of sample 1 (x2) and sample 0 (x1) etc.
    geo = np.exp(np.log(counts).mean(axis=0))
    expected = np.median(counts / geo, axis=1)
    np.testing.assert_allclose(median_of_ratios_factors(counts), expected)


def test_tmm_trivial_cases():
    base = np.arange(1, 101, dtype=float)
    counts = np.vstack([base, base * 3, base])  # pure depth differences -> factors 1
    np.testing.assert_allclose(tmm_factors(counts), 1.0)
    lc = log_cpm(np.array([[0.0, 10.0]]), np.array([10.0]), prior_count=2)
    np.testing.assert_allclose(lc, np.log2(np.array([[2.0, 12.0]]) / 14 * 1e6))


def test_normalize_counts_errors():
    adata = ad.AnnData(X=np.ones((2, 3)))
    with pytest.raises(InputError, match="raw counts in layers"):
        normalize_counts(adata)
    adata.layers["counts"] = adata.X.copy()
    with pytest.raises(InputError, match="must be one of"):
        normalize_counts(adata, method="rpkm")
    with pytest.raises(InputError, match="group_column 'cond'"):
        normalize_counts(adata, group_column="cond")


@needs_shared
def test_median_of_ratios_dataset(saec):
    counts, _ = saec
    norm = normalize_counts(counts, method="median_of_ratios", group_column="condition")
    factors = np.array(list(norm.uns["cytoscore"]["normalization"]["factors"].values()))
    assert factors.shape == (16,) and np.all(factors > 0.3) and np.all(factors < 3)


@needs_shared
def test_kang_single_cell_normalization_and_biology():
    cells = read_single_cell(h5ad=KANG_H5AD)
    norm = normalize_dataset(cells, kind="single_cell", options={"qc": {"min_genes": 50}})
    qc = norm.uns["cytoscore"]["qc"]
    assert qc["n_cells_before"] == 1556 and qc["n_cells_kept"] == norm.n_obs
    # in memory, the workflow's streamed code: equal to scanpy's QC + normalize_total + log1p
    reference = scanpy_qc_normalize(cells, min_genes=50)
    assert list(norm.obs_names) == list(reference.obs_names)
    assert list(norm.var_names) == list(reference.var_names)
    assert abs(norm.X - sp.csr_matrix(reference.X)).max() < 1e-5
    # normalize_total + log1p: expm1 of each cell sums to 1e4 over the genes kept
    totals = np.asarray(np.expm1(norm.X).sum(axis=1)).ravel()
    np.testing.assert_allclose(totals, 1e4 * np.ones(norm.n_obs), rtol=1e-4)
    assert sp.issparse(norm.X) and norm.X.dtype == np.float32
    X = pd.DataFrame(
        norm[:, ["ISG15", "IFIT1"]].X.toarray(), index=norm.obs_names, columns=["ISG15", "IFIT1"]
    )
    means = X.groupby([norm.obs["cluster_id"], norm.obs["group_id"]], observed=True).mean()
    for cell_type in norm.obs["cluster_id"].unique():
        diff = means.loc[(cell_type, "stim")] - means.loc[(cell_type, "ctrl")]
        assert (diff > 1.0).all(), cell_type  # > e-fold higher in stimulated cells of every type


def test_qc_removes_mito_heavy_and_sparse_cells():
    X = sp.csr_matrix(np.array([[5, 5, 0, 0], [1, 1, 1, 20], [3, 0, 2, 0]], dtype=np.float32))
    adata = ad.AnnData(X=X, var=pd.DataFrame(index=["IFIT1", "ISG15", "STAT1", "MT-CO1"]))
    qc = {"min_genes": 2, "max_mito_fraction": 0.5, "min_cells": 1}
    out = normalize_dataset(adata, kind="single_cell", options={"qc": qc})
    assert list(out.obs_names) == ["0", "2"]  # cell 1: 20/23 mitochondrial
    assert list(out.var_names) == ["IFIT1", "ISG15", "STAT1"]  # MT-CO1: detected in no kept cell
    np.testing.assert_allclose(out.X.toarray()[0], np.log1p([5e3, 5e3, 0]), rtol=1e-6)
    assert out.uns["cytoscore"]["qc"]["n_cells_kept"] == 2


@needs_shared
def test_leiden_clusters_follow_lineages_in_kang():
    cells = read_single_cell(h5ad=KANG_H5AD)
    norm = normalize_dataset(
        cells, kind="single_cell", options={"qc": {"min_genes": 50}, "cluster": {"resolution": 0.3}}
    )
    lineage = norm.obs["cluster_id"].map(
        {
            "B cells": "B",
            "CD14+ Monocytes": "mono",
            "FCGR3A+ Monocytes": "mono",
            "CD4 T cells": "T",
            "CD8 T cells": "T",
        }
    )
    table = pd.crosstab(norm.obs["leiden"], lineage)
    purity = table.max(axis=1) / table.sum(axis=1)
    assert norm.uns["cytoscore"]["clustering"]["n_clusters"] == len(table) >= 3
    assert (purity > 0.9).all(), table
    # deterministic with the fixed seed
    again = normalize_dataset(
        cells, kind="single_cell", options={"qc": {"min_genes": 50}, "cluster": {"resolution": 0.3}}
    )
    assert (again.obs["leiden"] == norm.obs["leiden"]).all()


def test_a_step_records_into_its_result_not_into_its_input():
    from cytoscore._provenance import record
    from cytoscore.pp import collapse_probes

    adata = ad.AnnData(X=np.arange(12, dtype=float).reshape(3, 4), var=pd.DataFrame({"symbol": ["A", "A", "B", ""]},
                       index=["p1", "p2", "p3", "p4"]))  # fmt: skip
    record(adata, "source", kind="table")
    genes = collapse_probes(adata)
    assert "probe_mapping" in genes.uns["cytoscore"] and list(adata.uns["cytoscore"]) == ["source"]


def test_normalize_dataset_refuses_an_option_its_kind_does_not_read():
    adata = ad.AnnData(X=np.array([[1.0, 2.0], [3.0, 4.0]]), var=pd.DataFrame(index=["IFIT1", "ISG15"]))
    with pytest.raises(InputError, match=r"normalize\.method: unknown normalize option for expression data"):
        normalize_dataset(adata, kind="geo_series_matrix", options={"method": "tmm"})
    with pytest.raises(InputError, match=r"normalize\.qc\.min_gene: .*did you mean 'min_genes'"):
        normalize_dataset(adata, kind="single_cell", options={"qc": {"min_gene": 1}})


@pytest.mark.parametrize("scale", sorted(NORMALIZE_OPTIONS))
def test_every_normalize_option_is_a_parameter_of_its_function(scale):
    """The config keys map to keywords the scale's function really has (its defaults are
    the config's), and the cluster keys are leiden_with_transfer's."""
    from cytoscore.pp._normalize import _BY_SCALE
    from cytoscore.pp._options import _NESTED

    params = inspect.signature(_BY_SCALE[scale]).parameters
    for key, keyword in NORMALIZE_OPTIONS[scale].items():
        assert keyword in params and params[keyword].kind is inspect.Parameter.KEYWORD_ONLY, (scale, key)
    leiden = inspect.signature(leiden_with_transfer).parameters
    assert set(_NESTED["cluster"]) == {k for k, p in leiden.items() if p.default is not inspect.Parameter.empty} - {
        "max_cells", "chunk_size", "provenance"
    }
    assert _NESTED["qc"] == tuple(QC_DEFAULTS)


def test_the_expression_filter_keeps_a_gene_induced_in_one_group_by_default():
    """An induced gene (silent in the controls) is what a stimulation study is about: the
    filter counts the smallest group (edgeR's filterByExpr(y, group=)), as the config's
    default filter_group_column "group" asks, and drops it only when all samples are taken as
    one group (6 + 6 samples: n = 10 + 2 x 0.7 > 6)."""
    import anndata as ad
    from helpers import ROOT, default_config

    from cytoscore._config import validate_config

    rng = np.random.default_rng(0)
    counts = rng.poisson(200, size=(12, 40)).astype(float)
    counts[:6, 0] = 0  # CXCL9 in the controls
    counts[6:, 0] = 5_000
    adata = ad.AnnData(X=counts.copy(), layers={"counts": counts.copy()},
                       obs=pd.DataFrame({"group": ["control"] * 6 + ["IFNg"] * 6}, index=[f"s{i}" for i in range(12)]),
                       var=pd.DataFrame(index=["CXCL9", *[f"G{i}" for i in range(39)]]))  # fmt: skip
    config = {**default_config(), "contrasts": {}}
    config["datasets"] = {"x": {"kind": "rnaseq_counts", "counts": {"matrix": "counts.tsv"},
                                "groups": {"column": "treatment", "patterns": {"control": "^control$"}}}}  # fmt: skip
    validate_config(config, ROOT / "workflow" / "schemas" / "config.schema.yaml")
    by = config["datasets"]["x"]["normalize"]["filter_group_column"]
    assert by == "group"
    assert "CXCL9" in normalize_counts(adata, group_column=by).var_names
    assert "CXCL9" not in normalize_counts(adata, group_column=None).var_names
    # a sample of no group (NaN) counts in none: the smallest group stays 6
    adata.obs.loc["s0", "group"] = None
    assert "CXCL9" in normalize_counts(adata, group_column="group").var_names


def test_streamed_normalization_is_log1p_of_scaled_counts_exactly():
    """The normalizing kernel takes a row's small integer counts from a per-row table of
    log1p values: every value must still be exactly float32(log1p(float64(count) * scale)),
    for small and large counts, fractional (ambient-corrected) values and dropped genes."""
    from cytoscore.pp._cellstream import _SMALL_COUNTS, _normalize_rows

    rng = np.random.default_rng(7)
    dense = rng.poisson(1.5, (300, 120)).astype(np.float32)
    dense[:, 5] = rng.integers(_SMALL_COUNTS - 2, 500, 300)  # above the table
    dense[::3, 7] = rng.uniform(0.1, 9.0, 100).round(2)  # not integers
    X = sp.csr_matrix(dense)
    kept_rows = rng.random(300) > 0.1
    new_column = np.where(rng.random(120) > 0.2, 0, -1)
    new_column[new_column >= 0] = np.arange((new_column >= 0).sum())
    indptr, indices, data = _normalize_rows(X.indptr, X.indices, X.data, kept_rows, new_column, 1e4)
    kept = dense[kept_rows][:, new_column >= 0].astype(np.float64)
    scale = 1e4 / kept.sum(axis=1, keepdims=True)
    expected = sp.csr_matrix(np.log1p(kept * scale).astype(np.float32))
    got = sp.csr_matrix((data, indices, indptr), shape=expected.shape)
    assert (got != expected).nnz == 0 and got.nnz == expected.nnz
