"""Expression-level pseudobulk: the counts summed per replicate × cell type as scanpy sums
them, then normalized and scored as bulk and compared across replicates; it finds an induced
signature in every cell type, not a null one, and agrees in direction with averaging the
per-cell scores per replicate (compare_cells)."""

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scanpy as sc
import scipy.sparse as sp

from cytoscore import InputError
from cytoscore.resources import GeneSet
from cytoscore.tl import (
    Design,
    aggregate_counts,
    compare_cells,
    compare_pseudobulk,
    compare_routes,
    score_gene_sets,
)


@pytest.fixture(scope="module")
def cells():
    """6 donors × ctrl/stim × 3 cell types × 40-80 cells, 400 genes; stim multiplies G000-G029
    by 3 in every cell type."""
    rng = np.random.default_rng(11)
    base = rng.gamma(0.8, 2.0, size=400)
    rows, meta = [], []
    for donor in range(6):
        for cond in ("ctrl", "stim"):
            for ct in ("B cells", "monocytes", "T cells"):
                n = int(rng.integers(40, 80))
                mean = base * (1 + 0.3 * (ct == "monocytes")) * rng.uniform(0.8, 1.2)
                if cond == "stim":
                    mean = mean.copy()
                    mean[:30] *= 3.0
                rows.append(rng.poisson(mean, size=(n, 400)))
                meta += [
                    {"donor": f"D{donor}", "group": cond, "cell_type": ct, "sample": f"{cond}{donor}"}
                ] * n
    counts = sp.csr_matrix(np.vstack(rows).astype(np.float64))
    obs = pd.DataFrame(meta, index=[f"c{i}" for i in range(len(meta))])
    genes = [f"G{i:03d}" for i in range(400)]
    sets = [GeneSet("INDUCED", genes=tuple(genes[:30])), GeneSet("NULL", genes=tuple(genes[200:240]))]
    return counts, obs, genes, sets


@pytest.mark.parametrize("chunk", [7, 100_000])
def test_aggregate_counts_equals_scanpy(cells, chunk):
    counts, obs, genes, _ = cells
    sums, profiles = aggregate_counts(counts, obs, ["sample", "cell_type"], chunk_size=chunk)
    adata = ad.AnnData(counts, obs=obs.copy())
    adata.var_names = genes
    reference = sc.get.aggregate(adata, by=["sample", "cell_type"], func="sum")
    ref = pd.DataFrame(np.asarray(reference.layers["sum"].todense() if sp.issparse(reference.layers["sum"]) else reference.layers["sum"]),
                       index=pd.MultiIndex.from_frame(reference.obs[["sample", "cell_type"]].astype(str)))  # fmt: skip
    ours = pd.DataFrame(sums, index=pd.MultiIndex.from_frame(profiles[["sample", "cell_type"]]))
    np.testing.assert_array_equal(ours.sort_index().to_numpy(), ref.sort_index().to_numpy())
    assert profiles["n_cells"].sum() == counts.shape[0]


@pytest.fixture(scope="module")
def routes(cells):
    """The stim vs ctrl contrast by both routes: pseudobulk (mean z, ssGSEA) and per-cell mean z
    scores of the log-normalized cells averaged per replicate."""
    counts, obs, genes, sets = cells
    pb = compare_pseudobulk(
        counts,
        obs,
        sets,
        Design(target="stim", reference="ctrl", pair_by="donor", name="stim_vs_ctrl"),
        genes=genes,
        replicate="sample",
        split_by="cell_type",
        scoring=dict(methods=["mean_z", "ssgsea"]),
    )
    adata = ad.AnnData(counts.copy(), obs=obs.copy())
    adata.var_names = genes
    sc.pp.normalize_total(adata, target_sum=1e4)
    sc.pp.log1p(adata)
    scores, _ = score_gene_sets(adata, sets, methods=["mean_z"])
    sa = compare_cells(
        scores,
        obs,
        Design(target="stim", reference="ctrl", pair_by="donor"),
        replicate="sample",
        split_by="cell_type",
    )
    return pb, sa


def test_routes_side_by_side(routes, caplog):
    pb, sa = routes
    table = compare_routes(sa, pb)
    assert len(table) == 2 * 4 * 2  # signatures x cell types x methods (ssGSEA only pseudobulk)
    mean_z = table[table["method"] == "mean_z"].set_index(["signature", "cell_type"])
    assert (mean_z["note"] == "").all() and (mean_z["n_replicates_pseudobulk"] == 12).all()
    induced = mean_z.loc["INDUCED"]
    assert induced["same_direction"].all() and induced["both_significant"].all()
    assert (induced["test_replicate"] == "paired t").all() and (induced["g_pseudobulk"] > 1).all()
    # the values are the routes' own, not recomputed
    merged = pb[pb["method"] == "mean_z"].set_index(["signature", "cell_type"])
    np.testing.assert_array_equal(mean_z["fdr_pseudobulk"], merged.loc[mean_z.index, "fdr"])
    np.testing.assert_array_equal(mean_z["g_pseudobulk"], merged.loc[mean_z.index, "paired_g"])
    ssgsea = table[table["method"] == "ssgsea"]
    assert (ssgsea["note"] == "only in the pseudobulk route").all() and ssgsea["same_direction"].isna().all()
    # a row whose routes disagree is flagged and warned about
    flipped = pb.copy()
    row = (
        (flipped["signature"] == "INDUCED")
        & (flipped["method"] == "mean_z")
        & (flipped["cell_type"] == "B cells")
    )
    flipped.loc[row, "mean_difference"] *= -1
    import logging

    with caplog.at_level(logging.WARNING):
        table = compare_routes(sa, flipped)
    assert table["same_direction"].eq(False).sum() == 1
    assert "disagree in direction on 1 rows" in caplog.text and "INDUCED / mean_z / B cells" in caplog.text
    with pytest.raises(InputError, match="the replicate table has level"):
        compare_routes(pb, sa)


def test_pseudobulk_finds_the_induced_set_and_agrees_with_score_averaging(routes):
    pb, sa = routes
    assert set(pb["level"]) == {"pseudobulk"}
    assert set(pb["cell_type"]) == {"all cells", "B cells", "monocytes", "T cells"}
    # each cell type's coverage: the set's genes among those filterByExpr kept there
    for _, row in pb.iterrows():
        size = 30 if row["signature"] == "INDUCED" else 40
        assert 5 <= row["n_genes_found"] <= size and row["coverage"] == pytest.approx(
            row["n_genes_found"] / size
        )
    assert (pb["n_pairs"] == 6).all() and (pb["test"] == "paired t").all()
    induced, null = pb[pb["signature"] == "INDUCED"], pb[pb["signature"] == "NULL"]
    assert (induced["paired_mean_difference"] > 0).all() and (induced["fdr"] < 0.01).all()
    assert (null.loc[null["method"] == "mean_z", "fdr"] > 0.05).all()
    # ssGSEA ranks genes within a profile: 30 genes moving to the top push the others down,
    # so the null set drifts down a little (measured 5-11% of the induced set's change)
    for method in ("mean_z", "ssgsea"):
        up = induced.loc[induced["method"] == method, "paired_mean_difference"].abs().min()
        assert (null.loc[null["method"] == method, "paired_mean_difference"].abs() < 0.15 * up).all()
    # the other route: per-cell scores of the log-normalized cells, averaged per replicate
    merged = pb[pb["method"] == "mean_z"].merge(sa, on=["signature", "cell_type"], suffixes=("_pb", "_sa"))
    induced = merged[merged["signature"] == "INDUCED"]
    assert (
        len(induced) == 4
        and (np.sign(induced["mean_difference_pb"]) == np.sign(induced["mean_difference_sa"])).all()
    )


def test_small_profiles_are_dropped_and_mixed_replicates_refused(cells, caplog):
    counts, obs, genes, sets = cells
    import logging

    with caplog.at_level(logging.INFO):
        pb = compare_pseudobulk(
            counts,
            obs,
            sets,
            Design(target="stim", reference="ctrl", pair_by="donor"),
            genes=genes,
            replicate="sample",
            split_by="cell_type",
            min_cells=60,
            scoring=dict(methods=["mean_z"]),
        )
    assert "pseudobulk profiles with < 60 cells dropped" in caplog.text
    assert (pb.loc[pb["cell_type"] != "all cells", "n_pairs"] < 6).any()
    bad = obs.assign(sample=obs["donor"])  # one replicate holds ctrl and stim cells
    with pytest.raises(InputError, match="contain cells of several"):
        compare_pseudobulk(
            counts, bad, sets, Design(target="stim", reference="ctrl"), genes=genes, replicate="sample"
        )


def test_pseudobulk_counts_read_again_from_the_file_equal_the_in_memory_sums(cells, tmp_path):
    """The compare job re-reads the raw counts from the dataset's file, streaming, over the
    cells and genes QC kept: the same sums as aggregating the kept cells in memory."""
    from cytoscore.pp import pseudobulk_counts

    counts, obs, genes, _ = cells
    path = tmp_path / "cells.h5ad"
    adata = ad.AnnData(counts.astype(np.float32), obs=obs.copy())
    adata.var_names = genes
    adata.write_h5ad(path)
    kept = obs.iloc[::3]  # the cells QC kept
    kept_genes = genes[5:300]
    sums, profiles = pseudobulk_counts(
        {"h5ad": str(path)}, kept, ["sample", "cell_type"], kept_genes, chunk_size=97
    )
    columns = [genes.index(g) for g in kept_genes]
    expected, ref = aggregate_counts(counts[::3][:, columns], kept, ["sample", "cell_type"])
    pd.testing.assert_frame_equal(profiles, ref)
    np.testing.assert_allclose(sums, expected)


def test_pseudobulk_counts_map_gene_ids_as_loading_does(cells, tmp_path):
    """A file indexed by Ensembl IDs with CELLxGENE's categorical feature_name column: counts
    of IDs sharing a symbol are summed, as prepare_cells does (mapped once, after streaming)."""
    from cytoscore.pp import pseudobulk_counts

    counts, obs, genes, _ = cells
    symbols = ["G000", *genes[:-1]]  # the first two IDs are one gene; the last gene is absent
    var = pd.DataFrame(
        {"feature_name": pd.Categorical(symbols)}, index=[f"ENSG{i:011d}" for i in range(len(genes))]
    )
    path = tmp_path / "ids.h5ad"
    ad.AnnData(counts.astype(np.float32), obs=obs.copy(), var=var).write_h5ad(path)
    kept_genes = ["G000", "G001", "G398"]
    sums, profiles = pseudobulk_counts({"h5ad": str(path)}, obs, ["sample"], kept_genes, chunk_size=500)
    expected, _ = aggregate_counts(counts, obs, ["sample"])
    np.testing.assert_array_equal(sums[:, 0], expected[:, 0] + expected[:, 1])
    np.testing.assert_array_equal(sums[:, 1:], expected[:, [2, 399]])
    with pytest.raises(InputError, match="G399"):
        pseudobulk_counts({"h5ad": str(path)}, obs, ["sample"], ["G399"])
