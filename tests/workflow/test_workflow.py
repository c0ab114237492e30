"""Workflow tests: lint, dry run, config validation, the default study on real data, bad input."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest
from helpers import (
    GSE55235_MATRIX,
    ROOT,
    SNAKEMAKE,
    default_config,
    make_mirror,
    platform_without_symbols,
    run_workflow,
)

pytestmark = pytest.mark.workflow

MATRIX_REL = "ftp.ncbi.nlm.nih.gov/geo/series/GSE55nnn/GSE55235/matrix/GSE55235_series_matrix.txt.gz"
PLATFORM_REL = "ftp.ncbi.nlm.nih.gov/geo/platforms/GPLnnn/GPL96/soft/GPL96_family.soft.gz"


def test_lint_is_clean():
    import subprocess

    proc = subprocess.run([*SNAKEMAKE, "--lint", "--cores", "1"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Congratulations, your workflow is in a good condition!" in proc.stdout + proc.stderr


def test_dry_run_lists_the_chain(tmp_path):
    proc = run_workflow(tmp_path, None, "-n")
    out = proc.stdout + proc.stderr
    for rule in (
        "download",
        "prepare",
        "score",
        "compare",
        "plot_contrast",
        "plot_heatmaps",
        "plot_correlations",
    ):
        assert rule in out
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda c: c.update(contrast=c.pop("contrasts")),
            "config key contrast: unknown key; did you mean 'contrasts'?",
        ),
        (lambda c: c["gene_sets"].update(min_genes="five"), "config key gene_sets.min_genes: 'five' is not of type integer"),
        (
            lambda c: c["datasets"]["GSE55235"]["probes"].update(colapse="max_mean"),
            "config key datasets.GSE55235.probes.colapse: unknown key; did you mean 'collapse'?",
        ),
        (lambda c: c["scoring"].update(methods=["gsea"]), "config key scoring.methods.0: 'gsea' is not one of"),
        (
            lambda c: c["contrasts"]["RA_vs_healthy"].update(reference="control"),
            "contrasts.RA_vs_healthy.reference: group 'control'",
        ),
    ],
)
def test_bad_config_is_rejected_naming_the_key(tmp_path, edit, message):
    config = default_config()
    edit(config)
    proc = run_workflow(tmp_path, config, "-n", check=False)
    assert proc.returncode != 0
    assert message in proc.stdout + proc.stderr


def test_default_study_biology(default_run):
    table = pd.read_csv(default_run / "results/contrasts/RA_vs_healthy/comparison.tsv", sep="\t")
    ifn = table[
        table["signature"].isin(["HALLMARK_INTERFERON_ALPHA_RESPONSE", "HALLMARK_INTERFERON_GAMMA_RESPONSE"])
    ]
    assert len(ifn) == 4  # two sets x two methods
    assert (ifn["fdr_welch"] < 0.01).all() and (ifn["fdr_mannwhitney"] < 0.01).all()
    assert (ifn["hedges_g"] > 1.5).all() and (ifn["hedges_g_ci_low"] > 0).all()
    assert (ifn["n_target"] == 10).all() and (ifn["n_reference"] == 10).all()
    rice = table[table["signature"] == "IFN_SCORE_RICE2017"]
    assert (rice["fdr_welch"] < 0.01).all()
    both = pd.read_csv(default_run / "results/comparisons.tsv", sep="\t")
    assert set(both["contrast"]) == {"RA_vs_healthy", "OA_vs_healthy"} and len(both) == 2 * 10 * 2


def test_method_concordance_of_the_default_study(default_run):
    conc = pd.read_csv(default_run / "results/GSE55235/method_concordance.tsv", sep="\t").set_index(
        "signature"
    )
    assert (
        conc.loc["HALLMARK_INTERFERON_ALPHA_RESPONSE", "spearman_rho"] > 0.9
    )  # mean z and ssGSEA rank alike
    directions = pd.read_csv(default_run / "results/GSE55235/contrast_concordance.tsv", sep="\t")
    ifn = directions[directions["signature"].str.startswith("HALLMARK_INTERFERON")]
    assert len(ifn) == 4 and ifn["direction_agrees"].all()


def test_clinical_interferon_score_calls_more_ra_than_healthy(default_run):
    table = pd.read_csv(default_run / "results/GSE55235/ifn_score.tsv", sep="\t")
    positive = table.groupby("group")["positive"].sum()
    assert positive["RA"] >= 8 and positive["healthy"] <= 2 and positive["RA"] > positive["healthy"]
    assert table["threshold"].nunique() == 1


def test_default_study_outputs_and_provenance(default_run):
    results = default_run / "results"
    for method in ("mean_z", "ssgsea"):
        for contrast in ("RA_vs_healthy", "OA_vs_healthy"):
            for ext in ("svg", "pdf", "png", "source_data.tsv"):
                assert (results / f"contrasts/{contrast}/boxplot_{method}.{ext}").stat().st_size > 1000
        for ext in ("svg", "pdf", "png", "source_data.tsv"):
            for figure in (f"GSE55235/figures/heatmap_{method}", f"GSE55235/figures/correlation_{method}",
                           f"figures/effect_sizes_{method}"):  # fmt: skip
                assert (results / f"{figure}.{ext}").stat().st_size > 500, figure
    for ext in ("svg", "pdf", "png", "source_data.tsv"):
        for figure in ("GSE55235/figures/ifn_score", "contrasts/RA_vs_healthy/effects"):
            assert (results / f"{figure}.{ext}").stat().st_size > 500, figure
    # the key signatures include the null one asked about, not only those that moved
    drawn = pd.read_csv(results / "contrasts/RA_vs_healthy/boxplot_mean_z.source_data.tsv", sep="\t")
    assert list(dict.fromkeys(drawn["signature"])) == [
        "HALLMARK_INTERFERON_ALPHA_RESPONSE", "HALLMARK_INTERFERON_GAMMA_RESPONSE",
        "HALLMARK_IL6_JAK_STAT3_SIGNALING", "IFN_SCORE_RICE2017", "JAKSTAT_CORE",
    ]  # fmt: skip
    coverage = pd.read_csv(results / "GSE55235/gene_set_coverage.tsv", sep="\t").set_index("signature")
    assert coverage.loc["IFN_SCORE_RICE2017", "n_found"] == 6 and coverage["scored"].all()
    scores = pd.read_csv(results / "GSE55235/scores.tsv", sep="\t")
    assert len(scores) == 30 * 10 * 2
    prov = json.loads((results / "GSE55235/provenance.json").read_text())
    source = prov["steps"]["source"]
    assert source["files"]["series_matrix"]["sha256"] == (
        "a9d2ad2cc673a5a06aa7ea95c4eb830488505e2ec99f78422af5eb1a1047b57d"
    )
    assert source["files"]["series_matrix"]["source"] == "mirror" and source["platform"] == "GPL96"
    assert prov["steps"]["normalization"]["log2_applied"] is True
    assert prov["steps"]["probe_mapping"]["collapse_rule"] == "max_mean"
    assert prov["gene_sets"]["HALLMARK_INTERFERON_ALPHA_RESPONSE"]["version"] == "7.0"
    assert prov["software"]["snakemake"]
    record = json.loads((default_run / f"resources/records/{MATRIX_REL}.json").read_text())
    assert record["sha256"] == source["files"]["series_matrix"]["sha256"]


def test_rerun_has_nothing_to_do(default_run):
    proc = run_workflow(default_run, None, "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_truncated_series_matrix_fails_clearly(tmp_path):
    data = GSE55235_MATRIX.read_bytes()
    mirror = make_mirror(tmp_path / "mirror", {MATRIX_REL: data[: len(data) // 2]})
    proc = run_workflow(tmp_path / "run", None, mirror=mirror, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "GSE55235_series_matrix.txt.gz" in out and "truncated" in out
    # a file damaged at its source stays cached: the message says how to fetch it again
    assert f"rm -f resources/downloads/{MATRIX_REL} resources/records/{MATRIX_REL}.json" in out
    assert not (tmp_path / "run/results/GSE55235/annotated.h5ad").exists()
    assert not list((tmp_path / "run/results").rglob("*.part*"))


def test_platform_without_symbol_column_fails_clearly(tmp_path):
    mirror = make_mirror(tmp_path / "mirror", {PLATFORM_REL: platform_without_symbols()})
    proc = run_workflow(tmp_path / "run", None, mirror=mirror, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "GPL96_family.soft.gz: the platform table has no gene symbol column" in out
    assert "symbol_column" in out
    assert not (tmp_path / "run/results/GSE55235/annotated.h5ad").exists()


def test_sample_sheet_without_reference_group_fails_before_scoring_and_keeps_computed_work(tmp_path):
    workdir = tmp_path / "run"
    workdir.mkdir()
    samples = gzip.decompress(GSE55235_MATRIX.read_bytes()).decode().split("!Sample_geo_accession")[1]
    ids = [s.strip('"') for s in samples.splitlines()[0].split("\t")[1:]]
    sheet = workdir / "sheet.tsv"
    # every sample is RA or OA: the reference group 'healthy' gets no sample
    sheet.write_text(
        "sample\tgroup\n" + "".join(f"{s}\t{'RA' if i < 15 else 'OA'}\n" for i, s in enumerate(ids))
    )
    config = default_config()
    config["datasets"]["GSE55235"]["groups"] = {"table": str(sheet)}
    proc = run_workflow(workdir, config, "--keep-going", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert (
        f"config contrasts.RA_vs_healthy.reference: group 'healthy' has no sample: the groups in {sheet} "
        "are ['RA', 'OA']"
    ) in out
    assert not (workdir / "results/GSE55235/scores.tsv").exists()  # stopped before scoring
    assert not list((workdir / "results").rglob("comparison.tsv"))
    assert len(list((workdir / "resources/downloads").rglob("*.gz"))) == 2  # the downloads are kept
    assert "FAILED" in (workdir / "results/RUN_INCOMPLETE.txt").read_text()


def test_gene_set_without_genes_is_skipped_with_a_log_message(tmp_path):
    gmt = b"NO_GENES_HERE\tmade up\tNOTAGENE1\tNOTAGENE2\tNOTAGENE3\tNOTAGENE4\tNOTAGENE5\n"
    mirror = make_mirror(tmp_path / "mirror", {"example.org/custom.gmt": gmt})
    config = default_config()
    config["gene_sets"]["collections"]["custom"] = {"url": "https://example.org/custom.gmt", "version": "1"}
    config["gene_sets"]["select"].append("NO_GENES_HERE")
    workdir = tmp_path / "run"
    # selected but unscorable: the preflight stops, naming the set and its missing genes ...
    proc = run_workflow(workdir, config, "results/GSE55235/scores.tsv", mirror=mirror, check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "gene set NO_GENES_HERE: 0 of 5 genes, fewer than gene_sets.min_genes 5" in out
    assert "missing NOTAGENE1, NOTAGENE2" in out and "gene_sets.allow_missing: true" in out
    assert not (workdir / "results/GSE55235/scores.tsv").exists()  # stopped before scoring
    assert not (workdir / "results/GSE55235/scores.tsv").exists()
    # ... unless allowed: skipped with a log message
    config["gene_sets"]["allow_missing"] = True
    run_workflow(workdir, config, "results/GSE55235/scores.tsv", mirror=mirror)
    log = (workdir / "logs/GSE55235/score.log").read_text()
    assert "gene set NO_GENES_HERE skipped: 0 of its 5 genes are in the data (minimum 5)" in log
    coverage = pd.read_csv(workdir / "results/GSE55235/gene_set_coverage.tsv", sep="\t").set_index(
        "signature"
    )
    assert not coverage.loc["NO_GENES_HERE", "scored"]
    scores = pd.read_csv(workdir / "results/GSE55235/scores.tsv", sep="\t")
    assert "NO_GENES_HERE" not in set(scores["signature"])


def test_meta_analysis_of_two_disjoint_halves_of_gse55235(tmp_path):
    """Two independent 'cohorts' (disjoint halves of GSE55235) pooled by random effects."""
    config = default_config()
    base = config["datasets"]["GSE55235"]
    ids = [f"GSM{1332201 + i}" for i in range(30)]  # healthy 01-10, OA 11-20, RA 21-30
    half_a = [s for i, s in enumerate(ids) if i % 10 < 5]
    half_b = [s for i, s in enumerate(ids) if i % 10 >= 5]
    config["datasets"] = {
        "cohortA": {**base, "groups": {**base["groups"], "exclude": half_b}},
        "cohortB": {**base, "groups": {**base["groups"], "exclude": half_a}},
    }
    config["contrasts"] = {
        f"RA_vs_healthy_{c}": {"dataset": f"cohort{c}", "target": "RA", "reference": "healthy"} for c in "AB"
    }
    config["meta_analyses"] = {"RA_synovium": {"contrasts": ["RA_vs_healthy_A", "RA_vs_healthy_B"]}}
    run_workflow(tmp_path, config, "results/meta/RA_synovium.tsv")
    meta = pd.read_csv(tmp_path / "results/meta/RA_synovium.tsv", sep="\t").set_index(["signature", "method"])
    halves = [
        pd.read_csv(tmp_path / f"results/contrasts/RA_vs_healthy_{c}/comparison.tsv", sep="\t").set_index(
            ["signature", "method"]
        )
        for c in "AB"
    ]
    row = meta.loc[("HALLMARK_INTERFERON_ALPHA_RESPONSE", "ssgsea")]
    assert row["k"] == 2 and row["pooled_g"] > 1.5
    # two studies: the Hartung-Knapp-Sidik-Jonkman t-test with 1 df (the default below 5
    # studies) is honest about how little two studies can show
    from scipy import stats

    assert row["test"].startswith("Hartung") and row["p_value"] == pytest.approx(
        2 * stats.t.sf(abs(row["pooled_g"] / row["se"]), 1), rel=1e-6
    )
    g = sorted(h.loc[("HALLMARK_INTERFERON_ALPHA_RESPONSE", "ssgsea"), "hedges_g"] for h in halves)
    assert g[0] <= row["pooled_g"] <= g[1]  # a weighted mean lies between the two
    assert 0 <= row["i2"] <= 1 and row["tau2"] >= 0
    assert all(h["n_target"].eq(5).all() for h in halves)


def test_omnibus_across_three_groups(default_run):
    table = pd.read_csv(default_run / "results/GSE55235/omnibus.tsv", sep="\t").set_index(
        ["signature", "method"]
    )
    row = table.loc[("HALLMARK_INTERFERON_ALPHA_RESPONSE", "ssgsea")]
    assert row["groups"] == "OA,RA,healthy" and row["n_per_group"] == "10,10,10"
    assert row["fdr_anova"] < 0.01 and row["fdr_kruskal"] < 0.01


def test_meta_analysis_config_checks(tmp_path):
    config = default_config()
    config["meta_analyses"] = {"m": {"contrasts": ["RA_vs_healthy", "OA_vs_healthy"]}}
    proc = run_workflow(tmp_path, config, "-n", check=False)
    assert proc.returncode != 0 and "contrasts must come from different datasets" in proc.stdout + proc.stderr
    config["meta_analyses"] = {"m": {"contrasts": ["RA_vs_healthy", "nope"]}}
    proc = run_workflow(tmp_path, config, "-n", check=False)
    assert "meta_analyses.m.contrasts: unknown contrasts ['nope']" in proc.stdout + proc.stderr
