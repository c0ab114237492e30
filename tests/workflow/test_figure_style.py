"""The figures the workflow draws on the three example studies, read as a journal would:
every text at least 6 pt and every label 7 pt (read from the SVG), no layout problem (the
figure jobs measure every figure they save and warn; none may), no raw identifier shown,
and one colour per group across figures."""

import re

import pandas as pd
from helpers import default_config, needs_shared, run_workflow

from cytoscore.pl._check import LABEL_SIZE, svg_texts
from cytoscore.pl._style import SMALL_SIZE

#: Identifiers that must never be shown as they are written in the config or the tables.
RAW = re.compile(r"\b(mean_z|ssgsea|ucell|aucell|sample_id|cluster_id|group_id|HALLMARK_\w+|\w+_vs_\w+)\b")


def _check_run(workdir):
    svgs = sorted((workdir / "results").rglob("*.svg"))
    assert svgs
    small, raw = [], []
    for svg in svgs:
        for size, text in svg_texts(svg):
            if size < SMALL_SIZE - 1e-6:
                small.append(f"{svg.name}: {text!r} at {size} pt")
            if RAW.search(text):
                raw.append(f"{svg.name}: {text!r}")
    assert not small, small[:10]
    assert not raw, raw[:10]
    warnings = [
        line
        for log in (workdir / "logs").rglob("*.log")
        for line in log.read_text().splitlines()
        if "layout problem" in line
    ]
    assert not warnings, warnings[:5]
    return svgs


def test_default_study_figures(default_run):
    svgs = _check_run(default_run)
    sizes = {size for svg in svgs for size, _ in svg_texts(svg)}
    assert min(sizes) >= SMALL_SIZE and LABEL_SIZE in sizes
    results = default_run / "results"
    # one colour per group in every figure: healthy blue, RA orange, OA green (config order)
    oa = (results / "contrasts/OA_vs_healthy/boxplot_ssgsea.svg").read_text().lower()
    ra = (results / "contrasts/RA_vs_healthy/boxplot_ssgsea.svg").read_text().lower()
    heatmap = (results / "GSE55235/figures/heatmap_ssgsea.svg").read_text().lower()
    assert "#009e73" in oa and "#e69f00" not in oa
    assert "#e69f00" in ra and "#009e73" not in ra
    assert all(c in heatmap for c in ("#0072b2", "#e69f00", "#009e73"))
    # the 10 signatures are few: a dot-and-CI plot, every signature named once per method
    texts = [t for _, t in svg_texts(results / "contrasts/RA_vs_healthy/effects.svg")]
    assert texts.count("JAK/STAT core") == 1 and "mean z-score" in texts and "ssGSEA" in texts


@needs_shared
def test_rnaseq_example_figures(rnaseq_run):
    _check_run(rnaseq_run)


@needs_shared
def test_single_cell_example_figures(cells_run):
    svgs = _check_run(cells_run)
    umap = [s for s in svgs if s.name.startswith("umap_")][0]
    texts = [t for _, t in svg_texts(umap)]
    # reference panels by cell type and condition, then each signature per condition
    assert "cell type" in texts and any(t.endswith("\nstim") or t == "stim" for t in texts)


def test_sample_sheet_groups_keep_their_colours_across_figures(default_run, tmp_path):
    """Groups from a sample sheet (listed OA first) take the colours of the contrasts' order,
    healthy, RA, OA, in every figure: OA is green in its box plot as in the heatmap, not the
    second colour it would get as the second group of its own contrast."""
    samples = pd.read_csv(default_run / "results/GSE55235/samples.tsv", sep="\t")
    sheet = tmp_path / "sheet.tsv"
    samples.sort_values("group")[["observation", "group"]].rename(columns={"observation": "sample"}).to_csv(
        sheet, sep="\t", index=False
    )
    config = default_config()
    config["datasets"]["GSE55235"]["groups"] = {"table": str(sheet)}
    workdir = tmp_path / "run"
    targets = ["results/contrasts/OA_vs_healthy/boxplot_ssgsea.svg", "results/GSE55235/figures/heatmap_ssgsea.svg"]
    run_workflow(workdir, config, *targets)
    oa = (workdir / targets[0]).read_text().lower()
    heatmap = (workdir / targets[1]).read_text().lower()
    assert "#009e73" in oa and "#e69f00" not in oa
    assert all(c in heatmap for c in ("#0072b2", "#e69f00", "#009e73"))
