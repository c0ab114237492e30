"""The preflight: one screen per dataset with every problem a run would meet, before any
heavy step; it uses the run's own checks, so what it passes the run accepts."""

from __future__ import annotations

import numpy as np

from cytoscore._preflight import preflight_dataset
from cytoscore.resources import GeneSet

IFN = GeneSet("IFN", ("IFIT1", "MX1", "ISG15", "OAS1", "RSAD2", "IFI44L"), collection="test")
GAMMA = GeneSet("GAMMA", ("CXCL9", "CXCL10", "GBP1", "IDO1", "STAT1", "IRF1"), collection="test")


def _dataset(tmp_path, genes, *, sheet_sep=";"):
    rng = np.random.default_rng(0)
    samples = [f"S{i}" for i in range(1, 7)]
    counts = tmp_path / "counts.txt"
    # R's write.table: spaces, quotes, the header one field short
    lines = [" ".join(f'"{s}"' for s in samples)]
    lines += [f'"{g}" ' + " ".join(str(v) for v in rng.poisson(50, size=6)) for g in genes]
    counts.write_text("\n".join(lines) + "\n")
    sheet = tmp_path / "samples.csv"
    rows = [f"{s}{sheet_sep}{'DSS' if i > 3 else 'water'}{sheet_sep}{20 + i},5{sheet_sep}" for i, s in enumerate(samples, 1)]
    sheet.write_text(f"sample{sheet_sep}treatment{sheet_sep}weight{sheet_sep}notes\n" + "\n".join(rows) + "\n")
    return {"matrix": counts, "metadata": sheet}


def _check(tmp_path, genes, **kw):
    contrast = {"name": "DSS_vs_water", "kind": "rnaseq_counts", "column": "group", "target": "DSS", "reference": "water"}
    return preflight_dataset(
        "colitis", kind="rnaseq_counts", files=_dataset(tmp_path, genes), options={}, normalize={},
        groups={"column": "treatment", "patterns": {"water": "water", "DSS": "DSS"}}, derive=[],
        contrasts=[contrast], gene_sets=[IFN, GAMMA], select=None, min_genes=5, min_coverage=0.5,
        allow_missing=kw.get("allow_missing", False),
    )  # fmt: skip


def test_a_clean_dataset_is_ready_and_its_screen_says_what_was_read(tmp_path):
    report = _check(tmp_path, list(IFN.genes + GAMMA.genes) + ["ACTB", "GAPDH"])
    screen = report.screen()
    assert report.errors == []
    assert "count matrix read as whitespace-separated, quoted fields, header one field short (R row names)" in screen
    assert "sample sheet read as semicolon-separated, decimal commas" in screen
    assert "groups: water 3, DSS 3" in screen
    assert "contrast DSS_vs_water: DSS 3 vs water 3 samples" in screen
    assert "gene sets: 2 of 2 selected scorable; coverage 100%-100%" in screen
    assert screen.rstrip().endswith("ready to run")


def test_every_problem_at_once(tmp_path):
    # identifiers that are no gene symbols (numbered rows, as some exports write them)
    report = _check(tmp_path, ["g1", "g2", "g3", "g4", "g5", "g6", "g7"])
    assert len(report.errors) == 3
    assert report.errors[0].startswith("gene set IFN: 0 of 6 genes, fewer than gene_sets.min_genes 5")
    assert "Remove it from gene_sets.select, or set gene_sets.allow_missing: true" in report.errors[0]
    assert "the data's genes look like ['g1', 'g2', 'g3', 'g4', 'g5']" in report.errors[2]
    assert "2 problem(s)" not in report.screen() and "3 problem(s) to fix before a run" in report.screen()


def test_a_mouse_dataset_is_scored_through_human_orthologs(tmp_path):
    mouse = ["Ifit3", "Isg15", "Irf7", "Rsad2", "Bst2", "Ifi44", "Cxcl9", "Cxcl10", "Gbp2", "Irf1", "Stat1",
             "Ido1", "H2-Aa", "H2-Eb1", "Actb"]  # fmt: skip
    report = _check(tmp_path, mouse, allow_missing=True)
    screen = report.screen()
    assert report.errors == [], screen
    # Ifit1 (IFIT1B's ortholog), Mx1 and Oas1a (no reciprocal best) have no one-to-one human gene
    assert "gene set IFN: 2 of 6 genes, fewer than gene_sets.min_genes 5: skipped (gene_sets.allow_missing)" in screen
    assert "organism: mouse (100% of the symbols are written like mouse symbols (Ifit1)" in screen
    assert "14 of 15 genes have a one-to-one human ortholog (HCOP)" in screen
    assert "6 samples x 14 genes, IDs: symbol (100% of 15 mapped to symbols)" in screen
    assert "MHC class II: H2-Aa -> HLA-DQA1, H2-Eb1 -> unmapped (no reciprocal best: HLA-DRB1, HLA-DRB5)" in screen


def test_sets_are_matched_against_the_genes_the_expression_filter_keeps(tmp_path):
    """Genes the samples do not express are dropped by filterByExpr before scoring, as in the
    T84 epithelial cells of Sharma et al. (IFN-γ-specific MHC class II genes absent): the
    preflight must fail a set the run cannot score, not say "ready" (it said so)."""
    files = _dataset(tmp_path, list(IFN.genes + GAMMA.genes) + ["ACTB", "GAPDH"])
    lines = files["matrix"].read_text().splitlines()
    silent = [f'"{g}" 0 0 1 0 0 0' for g in GAMMA.genes]  # never expressed
    files["matrix"].write_text("\n".join([lines[0], *lines[1:7], *silent, *lines[13:]]) + "\n")
    contrast = {"name": "DSS_vs_water", "kind": "rnaseq_counts", "column": "group", "target": "DSS", "reference": "water"}
    report = preflight_dataset(
        "colitis", kind="rnaseq_counts", files=files, options={}, normalize={},
        groups={"column": "treatment", "patterns": {"water": "water", "DSS": "DSS"}}, derive=[],
        contrasts=[contrast], gene_sets=[IFN, GAMMA], select=None, min_genes=5, min_coverage=0.5, allow_missing=False,
    )  # fmt: skip
    assert "expression filter (filterByExpr, groups of 'group'): 8 of 14 genes kept" in report.screen()
    assert len(report.errors) == 1 and report.errors[0].startswith("gene set GAMMA: 0 of 6 genes, fewer than")


def test_groups_from_sample_names_when_there_is_no_sheet(tmp_path):
    """A count matrix without a sample sheet (names like IFNL.24h.Rep.1): the sample IDs are
    the column ``sample`` that groups and derived columns read."""
    files = _dataset(tmp_path, list(IFN.genes + GAMMA.genes))
    contrast = {"name": "late_vs_early", "kind": "rnaseq_counts", "column": "group", "target": "late", "reference": "early"}
    report = preflight_dataset(
        "colitis", kind="rnaseq_counts", files={"matrix": files["matrix"]}, options={}, normalize={},
        groups={"column": "sample", "patterns": {"early": "^S[123]$", "late": "^S[456]$"}}, derive=[],
        contrasts=[contrast], gene_sets=[IFN, GAMMA], select=None, min_genes=5, min_coverage=0.5, allow_missing=False,
    )  # fmt: skip
    assert report.errors == [], report.screen()
    assert "groups: early 3, late 3" in report.screen()
