"""A 6,000-cell study through the whole workflow (UMAP included: above 4,096 cells scanpy's
kNN goes through pynndescent), and sharded scoring equal to one scoring job."""

from __future__ import annotations

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
    assert "embed_cells" not in proc.stdout and "plot_dotplot" in proc.stdout
