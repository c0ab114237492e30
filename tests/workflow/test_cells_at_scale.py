"""A 6,000-cell study through the whole workflow (UMAP included: above 4,096 cells scanpy's
kNN goes through pynndescent), and sharded scoring equal to one scoring job."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cytoscore.io import read_cell_scores
from tests.helpers import run_workflow
from tests.synthetic import study_config, write_pbmc_counts

pytestmark = pytest.mark.workflow


def config(h5ad, shards=1):
    cfg = study_config(
        h5ad, scoring={"chunk_size": 1000, "shards": shards}, normalize={"qc": {"min_genes": 300}}
    )
    cfg["single_cell"] = {"chunk_size": 1500}
    return cfg


@pytest.fixture(scope="module")
def h5ad(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "pbmc6k.h5ad"
    return write_pbmc_counts(path, 6_000, n_genes=5_000, genes_per_cell=700, seed=1)


def test_six_thousand_cells_end_to_end_and_sharded_equals_unsharded(h5ad, tmp_path):
    run_workflow(tmp_path / "one", config(h5ad))
    results = tmp_path / "one" / "results"
    umap = pd.read_csv(results / "pbmc/umap.tsv", sep="\t", index_col=0)
    assert len(umap) > 4_096 and np.isfinite(umap.to_numpy()).all()
    assert (results / "pbmc/figures/umap_ucell.png").stat().st_size > 10_000
    table = pd.read_csv(results / "contrasts/stim_vs_ctrl/comparison.tsv", sep="\t")
    ifn = table[(table["signature"] == "IFN_TYPE1_SPECIFIC") & (table["cell_type"] == "all cells")]
    # the simulated interferon response: up in stimulated cells of every donor, paired over 8 donors
    assert (ifn["n_pairs"] == 8).all() and (ifn["mean_difference"] > 0).all() and (ifn["fdr"] < 0.01).all()
    bench = pd.read_csv(tmp_path / "one/benchmarks/pbmc/prepare_cells.tsv", sep="\t")
    assert bench["max_rss"].iloc[0] > 0

    run_workflow(tmp_path / "three", config(h5ad, shards=3), "results/pbmc/scores.parquet")
    one = read_cell_scores(results / "pbmc/scores.parquet", tidy=False)
    three = read_cell_scores(tmp_path / "three/results/pbmc/scores.parquet", tidy=False)
    assert list(three.columns) == list(one.columns) and three.index.equals(one.index)
    assert np.abs(three.to_numpy() - one.to_numpy()).max() <= 1e-10
    assert len(list((tmp_path / "three/results/pbmc/shards").glob("coverage_*.tsv"))) == 3


def test_sharding_methods_that_need_all_cells_is_refused_before_any_job(h5ad, tmp_path):
    cfg = config(h5ad, shards=2)
    cfg["scoring"]["methods"] = ["mean_z", "ssgsea"]  # ssgsea normalizes over all cells
    proc = run_workflow(tmp_path, cfg, "-n", check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "config scoring.shards" in out and "ssgsea (normalize: true)" in out


def test_umap_can_be_switched_off(h5ad, tmp_path):
    cfg = config(h5ad)
    cfg["single_cell"]["embedding"] = {"umap": False}
    proc = run_workflow(tmp_path, cfg, "-n")
    assert "embed_cells" not in proc.stdout and "plot_cells" in proc.stdout


def cellxgene_copy(h5ad, path):
    """The same cells laid out as CELLxGENE publishes atlases: genes indexed by Ensembl ID with
    their symbols in a categorical var["feature_name"], normalized values in X, the raw counts
    in raw.X (with raw.var)."""
    import anndata as ad
    import scanpy as sc

    counts = ad.read_h5ad(h5ad)
    ids = [f"ENSG{i:011d}" for i in range(counts.n_vars)]
    var = pd.DataFrame(
        {"feature_name": pd.Categorical(counts.var_names), "feature_biotype": "gene"}, index=pd.Index(ids)
    )
    normalized = counts.copy()
    sc.pp.normalize_total(normalized, target_sum=1e4)
    sc.pp.log1p(normalized)
    atlas = ad.AnnData(normalized.X.astype(np.float32), obs=counts.obs, var=var)
    atlas.raw = ad.AnnData(counts.X, obs=counts.obs, var=var)
    atlas.write_h5ad(path)
    return path


def test_a_cellxgene_atlas_runs_from_its_raw_counts_by_both_single_cell_routes(h5ad, tmp_path):
    atlas = cellxgene_copy(h5ad, tmp_path / "atlas.h5ad")
    cfg = config(atlas)
    cfg["single_cell"]["embedding"] = {"umap": False}
    cfg["datasets"]["pbmc"]["cells"]["layer"] = "raw.X"
    cfg["contrasts"]["stim_vs_ctrl_pseudobulk"] = {**cfg["contrasts"]["stim_vs_ctrl"], "level": "pseudobulk"}
    run_workflow(tmp_path / "run", cfg)
    results = tmp_path / "run/results"
    table = pd.read_csv(results / "comparisons.tsv", sep="\t")
    ifn = table[(table["signature"] == "IFN_TYPE1_SPECIFIC") & (table["cell_type"] == "all cells")]
    assert set(ifn["level"]) == {"replicate", "pseudobulk"} and len(ifn) == 4  # 2 routes x 2 methods
    assert (ifn["n_pairs"] == 8).all() and (ifn["mean_difference"] > 0).all() and (ifn["fdr"] < 0.01).all()
    routes = pd.read_csv(results / "contrasts/stim_vs_ctrl_pseudobulk/routes.tsv", sep="\t")
    assert routes.dropna(subset=["same_direction"])["same_direction"].astype(bool).mean() > 0.9
    steps = json.loads((results / "pbmc/provenance.json").read_text())["steps"]
    assert steps["source"]["layer"] == "raw.X"
    assert steps["gene_id_mapping"]["id_type"] == "ensembl" and steps["gene_id_mapping"]["share_mapped"] == 1.0
    # X holds normalized values: the error says where the counts are
    cfg["datasets"]["pbmc"]["cells"]["layer"] = None
    proc = run_workflow(tmp_path / "x", cfg, "results/pbmc/annotated.h5ad", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "atlas.h5ad" in out and "non-integer values" in out
    assert "'raw.X' reads AnnData's raw" in out
