"""Bad configs and inputs through the whole pipeline: a non-zero exit, a message of a few
lines naming the key or file, and no result that looks finished (a failed run leaves
results/RUN_INCOMPLETE.txt; nothing is scored after a cross-reference fails)."""

from __future__ import annotations

import pytest
from helpers import default_config, run_workflow

pytestmark = pytest.mark.workflow

FINISHED_LOOKING = ("scores.tsv", "comparison.tsv", "comparisons.tsv", "provenance.json", "*.svg", "*.png")


def _finished_looking(workdir) -> list[str]:
    results = workdir / "results"
    return sorted(str(p.relative_to(workdir)) for pattern in FINISHED_LOOKING for p in results.rglob(pattern))


def _fails(workdir, config, *args, expect: str):
    proc = run_workflow(workdir, config, *args, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert expect in out, out[-3000:]
    return proc, out


@pytest.mark.parametrize(
    "edit,expect",
    [
        (lambda c: c["datasets"]["GSE55235"].__setitem__("grops", c["datasets"]["GSE55235"].pop("groups")),
         "config key datasets.GSE55235.grops: unknown key; did you mean 'groups'?"),
        (lambda c: c.__setitem__("scorng", {"methods": ["mean_z"]}), "config key scorng: unknown key; did you mean 'scoring'?"),
        (lambda c: c["datasets"]["GSE55235"].__setitem__("kind", "geo_series_matrx"),
         "config key datasets.GSE55235.kind: 'geo_series_matrx' is not one of"),
        (lambda c: c["plots"].__setitem__("signatures", ["HALLMARK_INTERFERON_ALPHA_RESPONSE", "NOT_SELECTED"]),
         "config plots.signatures: ['NOT_SELECTED'] not in gene_sets.select"),
    ],
)  # fmt: skip
def test_config_errors_are_one_screen_at_parse_time(tmp_path, edit, expect):
    config = default_config()
    edit(config)
    proc, out = _fails(tmp_path, config, "-n", expect=expect)
    assert len(out.splitlines()) < 15, out  # not the schema and config dumped
    assert not (tmp_path / "results").exists()


def test_a_compared_group_without_samples_stops_before_scoring(tmp_path):
    config = default_config()
    config["datasets"]["GSE55235"]["groups"]["patterns"]["SLE"] = "lupus"
    config["contrasts"]["SLE_vs_healthy"] = {"dataset": "GSE55235", "target": "SLE", "reference": "healthy"}
    proc, out = _fails(
        tmp_path,
        config,
        expect="config contrasts.SLE_vs_healthy.target: group 'SLE' has no sample: its pattern 'lupus' "
        "matches none of the values of 'source_name_ch1'",
    )
    assert "Traceback" not in out  # the traceback is in the job's log only
    # found by the preflight (and by prepare, which runs beside it), before anything is scored
    logs = [tmp_path / "logs/GSE55235" / f for f in ("preflight.log", "prepare.log")]
    assert any(p.exists() and "Traceback" in p.read_text() for p in logs)
    assert _finished_looking(tmp_path) == []
    marker = (tmp_path / "results/RUN_INCOMPLETE.txt").read_text()
    assert "has not finished" in marker and "FAILED" in marker


def test_a_figure_signature_missing_from_the_collections_stops_in_the_first_job(tmp_path):
    config = default_config()
    config["gene_sets"]["select"] = None
    config["plots"]["signatures"] = ["HALLMARK_INTERFERON_ALPHA_RESPONS"]
    _, out = _fails(
        tmp_path,
        config,
        expect="config plots.signatures: not among the collections and curated sets: "
        "'HALLMARK_INTERFERON_ALPHA_RESPONS' (did you mean ['HALLMARK_INTERFERON_ALPHA_RESPONSE'",
    )
    assert _finished_looking(tmp_path) == []


def test_without_a_selection_every_set_is_scored_and_the_box_plot_shows_the_lowest_fdr(tmp_path):
    """gene_sets.select is optional (documented so): every set is scored and plotted."""
    config = default_config()
    del config["gene_sets"]["select"]
    del config["plots"]["signatures"]
    config["contrasts"] = {"RA_vs_healthy": config["contrasts"]["RA_vs_healthy"]}
    config["scoring"]["methods"] = ["mean_z"]
    run_workflow(tmp_path, config, "results/contrasts/RA_vs_healthy/boxplot_mean_z.svg", "results/figures/effect_sizes_mean_z.svg")
    import pandas as pd

    comparison = pd.read_csv(tmp_path / "results/contrasts/RA_vs_healthy/comparison.tsv", sep="\t")
    assert comparison["signature"].nunique() == 54  # 50 Hallmark + 4 curated sets
    source = pd.read_csv(tmp_path / "results/contrasts/RA_vs_healthy/boxplot_mean_z.source_data.tsv", sep="\t")
    # no plots.signatures: the curated sets are the key signatures
    assert set(source["signature"]) == {"IFN_SCORE_RICE2017", "IFN_TYPE1_SPECIFIC", "IFN_GAMMA_SPECIFIC", "JAKSTAT_CORE"}
    assert not (tmp_path / "results/RUN_INCOMPLETE.txt").exists()


def test_prefetch_fetches_everything_the_run_reads_platform_included(tmp_path):
    run_workflow(tmp_path, None, "prefetch")
    downloads = sorted(p.name for p in (tmp_path / "resources/downloads").rglob("*") if p.is_file())
    assert downloads == ["GPL96_family.soft.gz", "GSE55235_series_matrix.txt.gz", "h.all.v7.0.symbols.gmt"]
    assert not (tmp_path / "results/RUN_INCOMPLETE.txt").exists()
