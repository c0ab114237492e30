"""Make docs/figures/ from a run: downscaled PNG copies of the main figures and a README whose
numbers are read from the run's tables. tests/workflow/test_docs_figures.py checks that the
committed files are what this script makes from a fresh run.

    python docs/make_figures.py --default results            # the default study
    python docs/make_figures.py --cells <kang run>/results   # config/examples/kang2018_single_cell.yaml

Each run updates its own figures and rows; the other study's stay as they are.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd
from PIL import Image

HERE = Path(__file__).resolve().parent
OUT = HERE / "figures"
WIDTH = 1200  # pixels of the copies (the originals are 300 dpi, 2,126 pixels for 180 mm)

sys.path.insert(0, str(HERE.parent / "workflow"))
from cytoscore._labels import short_label  # noqa: E402
from cytoscore._significance import stars  # noqa: E402

HEADER = """# Main figures of the example studies

Made by `python docs/make_figures.py` from a run of the default study (`./cytoscore run`, or
`snakemake --cores all`) and of `config/examples/kang2018_single_cell.yaml`; downscaled PNG
copies of files under `results/`, every number below read from that run's tables.
`tests/workflow/test_docs_figures.py` fails when they differ from a fresh run. Every figure
there also exists as SVG and PDF, with a `.source_data.tsv` of the numbers drawn.
`before_after/` shows the figures of issue 14 before and after the figure style was reworked.

| file | what it shows |
|---|---|
"""


def _g(table: pd.DataFrame, contrast: str, signature: str, method: str = "ssgsea", column: str = "hedges_g") -> float:
    row = table[(table["contrast"] == contrast) & (table["signature"] == signature) & (table["method"] == method)]
    if "cell_type" in row.columns:
        row = row[row["cell_type"].isna() | (row["cell_type"] == "all cells")]
    return float(row[column].iloc[0])


def default_rows(results: Path) -> dict[str, tuple[Path, str]]:
    """docs file -> (source PNG, caption) for the default study (GSE55235)."""
    comp = pd.read_csv(results / "comparisons.tsv", sep="\t")
    ifn = pd.read_csv(results / "GSE55235/ifn_score.tsv", sep="\t")
    corr = pd.read_csv(results / "GSE55235/figures/correlation_ssgsea.source_data.tsv", sep="\t")
    alpha, gamma, rice = "HALLMARK_INTERFERON_ALPHA_RESPONSE", "HALLMARK_INTERFERON_GAMMA_RESPONSE", "IFN_SCORE_RICE2017"
    # the numbers the figure draws: differences of mean ssGSEA scores, and their stars
    def said(contrast: str, signature: str) -> str:
        diff = f"{_g(comp, contrast, signature, column='mean_difference'):.2f}".replace("-", "−")
        mark = stars(_g(comp, contrast, signature, column="fdr")) if _g(comp, contrast, signature, column="markable") else ""
        return f"Δ {diff}{mark}" if mark else f"Δ {diff}, no star"

    ra = {s: said("RA_vs_healthy", s) for s in (alpha, gamma, rice, "JAKSTAT_CORE")}
    oa = {s: said("OA_vs_healthy", s) for s in (alpha, gamma)}
    positive = ifn.groupby("group")["positive"].agg(["sum", "size"])
    pos = ", ".join(f"{int(r['sum'])}/{int(r['size'])} {g}" for g, r in positive.loc[["RA", "OA", "healthy"]].iterrows())
    within = corr.groupby("group")["within_group_rho"].first()
    rho = float(corr["spearman_rho"].iloc[0])
    shared = int(corr["shared_genes"].iloc[0])
    return {
        "figures_effect_sizes_ssgsea.png": (
            results / "figures/effect_sizes_ssgsea.png",
            f"The study summary: the difference of mean ssGSEA scores of RA vs healthy and OA vs healthy synovium for every signature, FDR stars. RA: {short_label(alpha)} {ra[alpha]}, {short_label(gamma)} {ra[gamma]}, the 6-gene IFN score {ra[rice]}, JAK/STAT core {ra['JAKSTAT_CORE']}. OA: {short_label(alpha)} {oa[alpha]}, {short_label(gamma)} {oa[gamma]}.",
        ),
        "contrasts_RA_vs_healthy_boxplot_ssgsea.png": (
            results / "contrasts/RA_vs_healthy/boxplot_ssgsea.png",
            "The key signatures (plots.signatures, JAK/STAT core included), healthy vs RA, one point per sample, n under each box, with the difference of means (Δ, score units, as the effects figure draws it) and the primary test's FDR and stars (none below 3 per group).",
        ),
        "contrasts_RA_vs_healthy_effects.png": (
            results / "contrasts/RA_vs_healthy/effects.png",
            "Every signature's difference of means with its 95% CI, one panel per method, filled when FDR < 0.05 (a volcano above 15 signatures).",
        ),
        "GSE55235_figures_heatmap_ssgsea.png": (
            results / "GSE55235/figures/heatmap_ssgsea.png",
            "Signatures × 30 samples, z-scored, samples clustered within group and signatures over all samples (scipy dendrograms); RA samples are high on the interferon and IL-6/JAK/STAT3 sets.",
        ),
        "GSE55235_figures_correlation_ssgsea.png": (
            results / "GSE55235/figures/correlation_ssgsea.png",
            f"Type I- vs IFN-γ-specific sets per sample (they share {shared} genes): ρ = {rho:.2f} over all samples, but within groups " + ", ".join(f"{g} {within[g]:.2f}" for g in ("healthy", "RA", "OA")) + ": the pooled ρ also carries the difference between the groups.",
        ),
        "GSE55235_figures_ifn_score.png": (
            results / "GSE55235/figures/ifn_score.png",
            f"The clinical interferon score (Rice et al. 2017): {pos} samples above the healthy mean + 2 SD.",
        ),
    }


def cells_rows(results: Path) -> dict[str, tuple[Path, str]]:
    """docs file -> (source PNG, caption) for config/examples/kang2018_single_cell.yaml."""
    comp = pd.read_csv(results / "comparisons.tsv", sep="\t")
    alpha = "HALLMARK_INTERFERON_ALPHA_RESPONSE"
    per_type = comp[
        (comp["contrast"] == "stim_vs_ctrl")
        & (comp["signature"] == alpha)
        & (comp["method"] == "ssgsea")
        & (comp["cell_type"] != "all cells")
    ]
    up = int((per_type["mean_difference"] > 0).sum())
    per_type_pb = comp[
        (comp["contrast"] == "stim_vs_ctrl_pseudobulk")
        & (comp["signature"] == alpha)
        & (comp["method"] == "ssgsea")
        & (comp["cell_type"] != "all cells")
    ]
    up_pb = int((per_type_pb["mean_difference"] > 0).sum())
    pairs = int(per_type["n_pairs"].max())
    marked = bool(per_type["markable"].astype(str).str.lower().eq("true").any())
    return {
        "kang2018_umap_ssgsea.png": (
            results / "kang2018/figures/umap_ssgsea.png",
            "Kang 2018 PBMCs: UMAP by cell type and condition, then each key signature in control and IFN-β-stimulated cells on one colour scale per signature; stimulated cells light up on the interferon sets in every cell type.",
        ),
        "kang2018_violins_ucell.png": (
            results / "kang2018/figures/violins_ucell.png",
            "Per-cell UCell scores of the key signatures by cell type, control and IFN-β-stimulated halves of each violin (seaborn; up to 5,000 random cells per cell type × condition, cells per condition under each cell type). Cells are not replicates: the donor figures test the contrast.",
        ),
        "kang2018_donors_ssgsea.png": (
            results / "contrasts/stim_vs_ctrl/donors_ssgsea.png",
            f"The donor-level test in one figure (one per method): each sample's mean ssGSEA score over all cells and per cell type, a marker per donor, lines joining a donor's control and stimulated samples, Δ per panel. {short_label(alpha)} is higher after stimulation in {up} of {len(per_type)} cell types, on {pairs} donors: " + ("too few for a test to be marked, so every panel says \"n too small to test\"." if not marked else "the FDR of the paired test beside Δ, stars where it may carry them."),
        ),
        "kang2018_pseudobulk_donors_ssgsea.png": (
            results / "contrasts/stim_vs_ctrl_pseudobulk/donors_ssgsea.png",
            f"The same contrast by the pseudobulk route: each point the ssGSEA score of a sample's summed counts (TMM log-CPM) over all cells and per cell type. {short_label(alpha)} is higher after stimulation in {up_pb} of {len(per_type_pb)} cell types.",
        ),
    }


def copy_png(source: Path, target: Path) -> None:
    image = Image.open(source).convert("RGB")
    height = round(image.height * WIDTH / image.width)
    image.resize((WIDTH, height), Image.Resampling.LANCZOS).save(target, format="PNG", optimize=False)


def write(rows: dict[str, tuple[Path, str]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, (source, _) in rows.items():
        if not source.exists():
            raise SystemExit(f"{source}: not found; run the study first")
        copy_png(source, out / name)
    readme = out / "README.md"
    old = readme.read_text() if readme.exists() else HEADER
    table = dict(re.findall(r"^\| `([^`]+)` \| (.*) \|$", old, flags=re.M))
    table.update({name: caption for name, (_, caption) in rows.items()})
    order = [*default_order(), *(k for k in table if k not in default_order())]
    lines = [f"| `{k}` | {table[k]} |" for k in order if k in table]
    readme.write_text(HEADER + "\n".join(lines) + "\n")


def default_order() -> list[str]:
    return [
        "figures_effect_sizes_ssgsea.png",
        "contrasts_RA_vs_healthy_boxplot_ssgsea.png",
        "contrasts_RA_vs_healthy_effects.png",
        "GSE55235_figures_heatmap_ssgsea.png",
        "GSE55235_figures_correlation_ssgsea.png",
        "GSE55235_figures_ifn_score.png",
        "kang2018_umap_ssgsea.png",
        "kang2018_violins_ucell.png",
        "kang2018_donors_ssgsea.png",
        "kang2018_pseudobulk_donors_ssgsea.png",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--default", type=Path, help="results folder of the default study")
    parser.add_argument("--cells", type=Path, help="results folder of config/examples/kang2018_single_cell.yaml")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows = {}
    if args.default:
        rows.update(default_rows(args.default))
    if args.cells:
        rows.update(cells_rows(args.cells))
    if not rows:
        parser.error("give --default and/or --cells")
    write(rows, args.out)


if __name__ == "__main__":
    main()
