"""The example configs (one per input kind) run offline on the shared data, with the expected biology."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import example, needs_shared, run_workflow

pytestmark = [pytest.mark.workflow, needs_shared]


def test_rnaseq_counts_example(rnaseq_run):
    tmp_path = rnaseq_run
    table = pd.read_csv(tmp_path / "results/comparisons.tsv", sep="\t")
    table = table.set_index(["contrast", "signature", "method"])
    for method in ("mean_z", "ssgsea"):
        for contrast in ("IFNa_vs_control", "IFNb_vs_control", "IFNl3_vs_control"):
            row = table.loc[(contrast, "HALLMARK_INTERFERON_ALPHA_RESPONSE", method)]
            assert row["hedges_g"] > 3 and row["fdr_welch"] < 0.01, (contrast, method)
        gamma = table.loc[("IFNg_vs_control", "HALLMARK_INTERFERON_GAMMA_RESPONSE", method)]
        assert gamma["hedges_g"] > 3 and gamma["fdr_welch"] < 0.01
    # type I vs type II: IFN-gamma samples score highest on the IFN-gamma-specific set and
    # the CytoSig IFNG response, type I samples far above controls on IFN-alpha signatures
    scores = pd.read_csv(tmp_path / "results/GSE161664/scores.tsv", sep="\t")
    samples = pd.read_csv(tmp_path / "results/GSE161664/samples.tsv", sep="\t")
    scores["group"] = scores["observation"].map(
        dict(zip(samples["observation"], samples["group"], strict=True))
    )
    means = scores.groupby(["signature", "method", "group"])["score"].mean().unstack()
    for method in ("mean_z", "ssgsea", "gsva", "singscore", "ulm"):
        gamma = means.loc[("IFN_GAMMA_SPECIFIC", method)]
        assert gamma.idxmax() == "IFNg", (method, gamma)
        type1 = means.loc[("IFN_TYPE1_SPECIFIC", method)]
        assert type1[["IFNa", "IFNb"]].min() > type1["IFNg"] > type1["control"], (method, type1)
    cytosig = means.xs("cytosig", level="method")
    assert cytosig.loc["CYTOSIG_IFNG"].idxmax() == "IFNg"
    assert cytosig.loc["CYTOSIG_IFN1"].idxmax() in {"IFNa", "IFNb"}
    # CytoSig fitted on its 43 cytokines alone, the 5 selected reported; PROGENy is not
    # scored by cytosig (it has its own ulm scores)
    assert set(cytosig.index) == {"CYTOSIG_IFN1", "CYTOSIG_IFNG", "CYTOSIG_IFNL", "CYTOSIG_IL6", "CYTOSIG_TNFA"}
    fitted = pd.read_csv(tmp_path / "results/gene_sets/gene_sets.tsv", sep="\t")
    assert (fitted["collection"] == "cytosig").sum() == 43 and fitted["reported"].sum() == 21  # 19 + 2 R-core sets
    for method in ("gsva", "singscore", "ulm"):
        for contrast in ("IFNa_vs_control", "IFNb_vs_control"):
            row = table.loc[(contrast, "HALLMARK_INTERFERON_ALPHA_RESPONSE", method)]
            assert row["hedges_g"] > 3 and row["fdr_welch"] < 0.01, (contrast, method)
    assert table.loc[("IFNa_vs_control", "PROGENY_JAK_STAT", "ulm")]["hedges_g"] > 3
    resources = pd.read_csv(tmp_path / "results/gene_sets/resources.tsv", sep="\t").set_index("collection")
    assert (
        resources.loc["cytosig", "sha256"]
        == "862541d421cea64976a47b952e56fb258ead0194a7ecb87bdd7c800cd279a89d"
    )
    assert resources.loc["btm", "licence"] == "MIT" and resources.loc["progeny", "n_signatures"] == 3
    assert (tmp_path / "results/GSE161664/figures/heatmap_ssgsea.png").stat().st_size > 10_000
    import json

    prov = json.loads((tmp_path / "results/GSE161664/provenance.json").read_text())
    assert prov["steps"]["normalization"]["method"] == "tmm"
    assert prov["steps"]["normalization"]["n_genes_kept"] == 14974
    assert prov["steps"]["gene_id_mapping"]["share_mapped"] == 1.0


def test_single_cell_example(cells_run):
    tmp_path = cells_run
    summary = pd.read_csv(tmp_path / "results/kang2018/score_summary.tsv", sep="\t")
    assert set(summary.columns) >= {"sample_id", "group", "cluster_id", "n_cells", "mean"}
    ifn = summary[(summary["signature"] == "HALLMARK_INTERFERON_ALPHA_RESPONSE")]
    for signature, methods in {
        "HALLMARK_INTERFERON_ALPHA_RESPONSE": ("mean_z", "ssgsea", "ucell", "aucell", "ulm"),
        "IFN_TYPE1_SPECIFIC": ("mean_z", "ucell", "aucell"),
        "PROGENY_JAK_STAT": ("ulm",),
    }.items():
        for method in methods:  # stimulated above control in every cell type and donor
            wide = summary[(summary["signature"] == signature) & (summary["method"] == method)].pivot_table(
                index="cluster_id", columns="sample_id", values="mean"
            )
            assert len(wide) == 5
            for donor in ("101", "107"):
                assert (wide[f"stim{donor}"] > wide[f"ctrl{donor}"]).all(), (signature, method, donor)
    # donor-level, paired contrast per cell type: 2 pairs, flagged as small n
    table = pd.read_csv(tmp_path / "results/contrasts/stim_vs_ctrl/comparison.tsv", sep="\t")
    ifn = table[table["signature"] == "HALLMARK_INTERFERON_ALPHA_RESPONSE"]
    assert set(ifn["cell_type"]) == {
        "all cells",
        "B cells",
        "CD14+ Monocytes",
        "CD4 T cells",
        "CD8 T cells",
        "FCGR3A+ Monocytes",
    }
    assert (ifn["level"] == "replicate").all() and (ifn["n_pairs"] == 2).all() and ifn["small_n"].all()
    assert (ifn["test"] == "paired t").all() and (ifn["mean_difference"] > 0).all()
    assert (ifn["n_target"] == 2).all() and (ifn["n_cells_target"] >= 10).all()
    assert ifn["warning"].isna().all()


def test_single_cell_per_cell_test_only_when_named_and_flagged(tmp_path):
    config = example("kang2018_single_cell")
    config["contrasts"]["stim_vs_ctrl"]["level"] = "cell"
    run_workflow(tmp_path, config, "results/contrasts/stim_vs_ctrl/comparison.tsv")
    table = pd.read_csv(tmp_path / "results/contrasts/stim_vs_ctrl/comparison.tsv", sep="\t")
    assert (table["level"] == "cell").all()
    assert table["warning"].str.contains("pseudoreplication").all()


def test_single_cell_contrast_needs_a_replicate_column(tmp_path):
    config = example("kang2018_single_cell")
    config["datasets"]["kang2018"]["sample_column"] = None
    proc = run_workflow(tmp_path, config, "-n", check=False)
    assert proc.returncode != 0
    assert "contrasts.stim_vs_ctrl.replicate" in proc.stdout + proc.stderr
