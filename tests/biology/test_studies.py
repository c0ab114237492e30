"""Whole studies run offline, checked against expected biology with expected values computed
independently of the pipeline (tests/biology/independent.py, R edgeR's committed output).

- GSE55235 (synovium, HG-U133A): interferon signatures up in rheumatoid arthritis, less in
  osteoarthritis; the Rice et al. interferon score recomputed from the GEO files.
- GSE161664 (airway epithelium, RNA-seq): type I interferons induce the type I core, IFN-γ the
  MHC-II / IDO1 core; scores recomputed from R edgeR's TMM log-CPM.
- Kang et al. 2018 (PBMC, 10x): IFN-β raises interferon scores in every cell type of every
  donor; per-cell scores recomputed from the counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import EDGER_CORE_SETS, GPL96_SOFT, GSE55235_MATRIX, HALLMARK_GMT, ROOT, SHARED, needs_shared
from scipy import stats

from . import independent as ind

pytestmark = pytest.mark.workflow

RICE = ["IFI27", "IFI44L", "IFIT1", "ISG15", "RSAD2", "SIGLEC1"]  # Rice et al. 2017, Lancet Neurol


def _scores(run, dataset: str, method: str) -> pd.DataFrame:
    scores = pd.read_csv(run / "results" / dataset / "scores.tsv", sep="\t")
    return scores[scores["method"] == method].pivot(index="observation", columns="signature", values="score")


def _welch(score: pd.Series, groups: pd.Series, target: str, reference: str) -> tuple[float, float]:
    x, y = score[groups == target], score[groups == reference]
    return float(x.mean() - y.mean()), float(stats.ttest_ind(x, y, equal_var=False).pvalue)


@pytest.fixture(scope="module")
def gse55235():
    genes, meta = ind.geo_genes(GSE55235_MATRIX, GPL96_SOFT)
    source = meta["source_name_ch1"]
    groups = pd.Series(
        np.select(
            [source.str.contains("rheumatoid"), source.str.contains("osteoarthritic"), source.str.contains("healthy")],
            ["RA", "OA", "healthy"],
            "other",
        ),
        index=meta.index,
    )
    return genes, groups


def test_gse55235_interferon_up_in_ra_with_independent_scores(default_run, gse55235):
    genes, groups = gse55235
    assert groups.value_counts().to_dict() == {"RA": 10, "OA": 10, "healthy": 10}
    hallmark = ind.read_gmt(HALLMARK_GMT)
    expected = pd.DataFrame(
        {
            "IFN_SCORE_RICE2017": ind.mean_z(genes, RICE),
            "HALLMARK_INTERFERON_ALPHA_RESPONSE": ind.mean_z(genes, hallmark["HALLMARK_INTERFERON_ALPHA_RESPONSE"]),
            "HALLMARK_INTERFERON_GAMMA_RESPONSE": ind.mean_z(genes, hallmark["HALLMARK_INTERFERON_GAMMA_RESPONSE"]),
        }
    )
    got = _scores(default_run, "GSE55235", "mean_z").reindex(index=expected.index, columns=expected.columns)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), atol=1e-8)  # per sample, per set
    table = pd.read_csv(default_run / "results/comparisons.tsv", sep="\t")
    table = table[table["method"] == "mean_z"].set_index(["contrast", "signature"])
    for signature in expected.columns:
        diff, p = _welch(expected[signature], groups, "RA", "healthy")
        row = table.loc[("RA_vs_healthy", signature)]
        assert row["mean_difference"] == pytest.approx(diff, abs=1e-8)
        assert row["welch_p"] == pytest.approx(p, rel=1e-6)
        assert diff > 0.5 and p < 1e-3, signature  # the biology: interferon up in RA synovium
        oa_diff, _ = _welch(expected[signature], groups, "OA", "healthy")
        assert oa_diff < diff, signature  # weaker in osteoarthritis than in RA
    ifn = pd.read_csv(default_run / "results/GSE55235/ifn_score.tsv", sep="\t").set_index("observation")
    positive = ifn["positive"].astype(str).str.lower() == "true"
    share = positive.groupby(groups.reindex(ifn.index)).mean()
    assert share["RA"] > share["healthy"]


@pytest.fixture(scope="module")
def edger_logcpm():
    ref = pd.read_csv(ROOT / "tests/reference/edger/gse161664_logcpm.tsv", sep="\t", index_col=0)
    files = sorted((SHARED / "data/GSE161664_SAEC_interferons").glob("*.txt"))
    conditions = pd.Series(
        [f.name.split("_SAEC_")[1].split("_rep")[0] for f in files], index=[f.name.split("_")[0] for f in files]
    )
    return ref, conditions


@needs_shared
def test_gse161664_interferon_types_with_scores_from_r_edger(rnaseq_run, edger_logcpm):
    ref, conditions = edger_logcpm
    got = _scores(rnaseq_run, "GSE161664", "mean_z")
    table = pd.read_csv(rnaseq_run / "results/comparisons.tsv", sep="\t")
    table = table[table["method"] == "mean_z"].set_index(["contrast", "signature"])
    expected = pd.DataFrame({name: ind.mean_z(ref, genes) for name, genes in EDGER_CORE_SETS.items()})
    groups = conditions.replace({"Control": "control"}).reindex(expected.index)
    np.testing.assert_allclose(got.loc[expected.index, expected.columns], expected, atol=1e-6)
    for contrast, target in (("IFNa_vs_control", "IFNa"), ("IFNb_vs_control", "IFNb"), ("IFNg_vs_control", "IFNg")):
        for signature in expected.columns:
            diff, p = _welch(expected[signature], groups, target, "control")
            row = table.loc[(contrast, signature)]
            assert row["mean_difference"] == pytest.approx(diff, abs=1e-6)
            assert row["welch_p"] == pytest.approx(p, rel=1e-4)
    by_group = expected.groupby(groups).mean()
    # type I interferons induce the type I core far more than IFN-γ does; IFN-γ leads on its own core
    assert by_group["R_TYPE1_CORE"][["IFNa", "IFNb"]].min() > by_group["R_TYPE1_CORE"]["IFNg"] > by_group[
        "R_TYPE1_CORE"
    ]["control"]
    assert by_group["R_GAMMA_CORE"].idxmax() == "IFNg"
    # and the pipeline's own curated sets (all their genes) say the same
    means = got.groupby(groups.reindex(got.index)).mean()
    assert means["IFN_GAMMA_SPECIFIC"].idxmax() == "IFNg"
    assert means["IFN_TYPE1_SPECIFIC"][["IFNa", "IFNb"]].min() > means["IFN_TYPE1_SPECIFIC"]["IFNg"]


@needs_shared
def test_kang2018_ifnb_raises_interferon_scores_in_every_cell_type_and_donor(cells_run):
    expression, obs = ind.cells_log_normalized(
        SHARED / "data/kang2018_pbmc_ifnb/kang2018_pbmc_ifnb_subset.h5ad",
        min_genes=50,
        max_mito=0.2,
        min_cells=3,
        target_sum=10_000,
    )
    assert len(obs) == 1556  # no cell fails QC in this subset
    per_cell = ind.mean_z(expression.T, RICE)
    expected = per_cell.groupby([obs["sample_id"], obs["cluster_id"]], observed=True).mean()
    summary = pd.read_csv(cells_run / "results/kang2018/score_summary.tsv", sep="\t")
    got = summary[(summary["signature"] == "IFN_SCORE_RICE2017") & (summary["method"] == "mean_z")]
    got = got.set_index(["sample_id", "cluster_id"])["mean"]
    expected.index.names = got.index.names
    assert len(got) == len(expected) == 20  # 4 samples x 5 cell types
    np.testing.assert_allclose(got.reindex(expected.index), expected, atol=1e-6)
    wide = expected.unstack("sample_id")
    for donor in ("101", "107"):
        assert (wide[f"stim{donor}"] - wide[f"ctrl{donor}"] > 0.5).all(), donor


@needs_shared
def test_kang_pseudobulk_route_agrees_with_score_averaging(cells_run):
    """The example runs stim vs ctrl twice: per-cell scores averaged per sample, and counts
    summed per sample × cell type then scored as bulk (level: pseudobulk). Both find the type I
    interferon sets up in every cell type and over all cells; they agree in direction on
    (nearly) every signature × method × cell type."""
    table = pd.read_csv(cells_run / "results/comparisons.tsv", sep="\\t")
    pb = table[table["contrast"] == "stim_vs_ctrl_pseudobulk"]
    sa = table[table["contrast"] == "stim_vs_ctrl"]
    assert set(pb["level"]) == {"pseudobulk"} and set(sa["level"]) == {"replicate"}
    both = pb.merge(sa, on=["signature", "method", "cell_type"], suffixes=("_pb", "_sa"))
    ifn = both[both["signature"].isin(["HALLMARK_INTERFERON_ALPHA_RESPONSE", "IFN_TYPE1_SPECIFIC", "IFN_SCORE_RICE2017"])]
    assert len(ifn) >= 60
    assert (ifn["paired_mean_difference_pb"] > 0).all() and (ifn["paired_mean_difference_sa"] > 0).all()
    # the run's side-by-side table (routes.tsv) says the same
    routes = pd.read_csv(cells_run / "results/contrasts/stim_vs_ctrl_pseudobulk/routes.tsv", sep="\t")
    defined = routes.dropna(subset=["same_direction"])
    assert len(defined) >= 140 and defined["same_direction"].astype(bool).mean() >= 0.95
    routes = routes.set_index(["signature", "method", "cell_type"])
    ifn = ifn.set_index(["signature", "method", "cell_type"])
    assert routes.loc[ifn.index, "same_direction"].astype(bool).all()
    np.testing.assert_allclose(routes.loc[ifn.index, "fdr_pseudobulk"], ifn["fdr_pb"])
    # the pseudobulk route's coverage is each cell type's, after filterByExpr: CD8 T-cell
    # profiles keep fewer IFN-alpha response genes than the dataset has, and say so
    coverage = pd.read_csv(cells_run / "results/kang2018/gene_set_coverage.tsv", sep="\t").set_index("signature")
    cd8 = pb[(pb["cell_type"] == "CD8 T cells") & (pb["signature"] == "HALLMARK_INTERFERON_ALPHA_RESPONSE")]
    dataset = coverage.loc["HALLMARK_INTERFERON_ALPHA_RESPONSE"]
    assert (cd8["n_genes_found"] < dataset["n_found"]).all() and cd8["low_coverage"].astype(bool).all()
    assert not bool(dataset["low_coverage"])
    only = routes[routes["note"].notna()]
    assert set(only["note"]) <= {"only in the replicate route", "only in the pseudobulk route"}


def test_signed_tgfb_response_in_ra_synovium(default_run):
    """docs/signed_example.py, whose output the README quotes: in RA synovium both arms of the
    signed TGF-β response fall (stromal genes diluted by the infiltrate). Scored with the sign
    ignored the set reports a strong fall; scored signed, the arms cancel."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("signed_example", ROOT / "docs/signed_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table, about = module.signed_vs_unsigned(default_run)
    assert about[0].startswith("TGFB_RESPONSE_SIGNED: 25 up (20 measured), 25 down (17 measured)")
    ra = table[table["contrast"] == "RA_vs_healthy"].set_index(["method", "signature"])
    for method in ("mean_z", "ssgsea", "singscore"):
        g = ra.loc[method, "hedges_g"]
        assert g["TGFB_UP_ARM"] < -1.5 and g["TGFB_DOWN_ARM"] < -1.4, method
        assert g["TGFB_SIGN_IGNORED"] < -1.9 and ra.loc[(method, "TGFB_SIGN_IGNORED"), "welch_p"] < 0.001, method
        assert -0.7 < g["TGFB_RESPONSE_SIGNED"] < 0 and ra.loc[(method, "TGFB_RESPONSE_SIGNED"), "welch_p"] > 0.1, method


@pytest.fixture(scope="module")
def ifng_mouse_run(tmp_path_factory):
    """zolotarovgl/ifng2018 (.test/ifng2018: STAR ReadsPerGene files and the sheet as deposited,
    genes subset) configured as docs/your_own_study.md shows: no gene_sets, no metadata_id_column."""
    from helpers import run_workflow

    data = ROOT / ".test" / "ifng2018"
    config = {
        "datasets": {"ifng": {
            "kind": "rnaseq_counts",
            "counts": {"files": str(data / "Sample*ReadsPerGene.out.tab")},
            "metadata": str(data / "metadat.csv"),
            "groups": {"column": "treatment", "patterns": {"control": "^control$", "IFNg": "^ifng$"}},
        }},
        "contrasts": {"IFNg_vs_control": {"dataset": "ifng", "target": "IFNg", "reference": "control"}},
    }  # fmt: skip
    workdir = tmp_path_factory.mktemp("ifng2018")
    proc = run_workflow(workdir, config)
    return workdir, proc.stderr


def test_ifn_gamma_raises_its_axis_in_a_mouse_study_read_as_deposited(ifng_mouse_run):
    """Mouse cells with IFN-γ, 6 vs 6: the IFN-γ axis goes up under every method. This needs the
    STAR column of the library's strand (reverse here, 97 %), the sheet's IDs under
    'sample_name', and an expression filter counted by groups: by all 12 samples as one group it
    dropped the genes the controls do not express (CXCL9, CIITA) and IFN_GAMMA_SPECIFIC with them."""
    import json

    run, stderr = ifng_mouse_run
    assert "config gene_sets: none given" in stderr
    star = json.loads((run / "results/ifng/provenance.json").read_text())["steps"]["source"]["star"]
    assert star["strand"] == "reverse" and star["forward_share"] < 0.05
    table = pd.read_csv(run / "results/contrasts/IFNg_vs_control/comparison.tsv", sep="\t")
    table = table.set_index(["method", "signature"])
    assert (table["n_target"] == 6).all() and (table["n_reference"] == 6).all()
    for method in ("mean_z", "ssgsea"):
        for signature in ("HALLMARK_INTERFERON_GAMMA_RESPONSE", "IFN_GAMMA_SPECIFIC"):
            row = table.loc[(method, signature)]
            assert row["mean_difference"] > 0 and row["fdr"] < 0.01 and row["hedges_g"] > 2, (method, signature)
    # the controls' silent IFN-γ genes stayed: the IFN-γ-specific set is scored on most of its genes
    coverage = pd.read_csv(run / "results/ifng/gene_set_coverage.tsv", sep="\t").set_index("signature")
    assert coverage.loc["IFN_GAMMA_SPECIFIC", "n_found"] >= 8
