"""A signed signature on real data: the curated TGF-β response (25 genes up, 25 down;
PROGENy's human model, Schubert et al. 2018) in the default study's synovium (GSE55235), scored
signed, by its arms, and with the sign ignored (what the rank methods did before signed sets),
beside PROGENy's weighted TGFb pathway (ulm) as an independent check of direction.

    python docs/signed_example.py [RUN_DIR]   # after ./cytoscore run (reads RUN_DIR/results/GSE55235)

Prints one row per method × scoring × contrast: the difference of means (score units),
Hedges' g and Welch's p.
"""

from __future__ import annotations

import sys
from pathlib import Path

import anndata as ad
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from cytoscore.resources import GeneSet, curated_gene_sets, read_collection  # noqa: E402
from cytoscore.tl import Design, compare_groups, score_gene_sets  # noqa: E402

PROGENY = ROOT.parent / "shared/resources/progeny_model_human_full.csv.gz"
METHODS = ["mean_z", "ssgsea", "singscore", "ucell", "ulm"]


def signed_vs_unsigned(run_dir: Path = ROOT) -> tuple[pd.DataFrame, list[str]]:
    """The table of comparisons and the lines describing the set on this platform."""
    adata = ad.read_h5ad(run_dir / "results/GSE55235/annotated.h5ad")
    samples = pd.read_csv(
        run_dir / "results/GSE55235/samples.tsv", sep="\t", index_col="observation", dtype=str
    )
    (tgfb,) = [gs for gs in curated_gene_sets() if gs.name == "TGFB_RESPONSE_SIGNED"]
    up, down = tgfb.up_genes, tgfb.down_genes
    sets = [
        tgfb,
        GeneSet("TGFB_UP_ARM", genes=tuple(up)),
        GeneSet("TGFB_DOWN_ARM", genes=tuple(down)),
        GeneSet("TGFB_SIGN_IGNORED", genes=tuple(up) + tuple(down)),
    ]
    if PROGENY.exists():
        progeny = read_collection(PROGENY, name="progeny", spec={"format": "progeny", "top": 100})
        sets += [gs for gs in progeny if gs.name == "PROGENY_TGFb"]
    present = set(adata.var_names)
    about = [
        f"TGFB_RESPONSE_SIGNED: {len(up)} up ({sum(g in present for g in up)} measured), "
        f"{len(down)} down ({sum(g in present for g in down)} measured) on GSE55235 (GPL96)",
        "up:   " + " ".join(up),
        "down: " + " ".join(down),
    ]
    scores, _ = score_gene_sets(adata, sets, methods=METHODS, min_genes=5)
    table = pd.concat(
        compare_groups(
            scores, samples, Design(target=target, reference="healthy", name=f"{target}_vs_healthy")
        )
        for target in ("RA", "OA")
    )
    columns = [
        "contrast",
        "signature",
        "method",
        "n_target",
        "n_reference",
        "mean_difference",
        "hedges_g",
        "welch_p",
    ]
    return table[columns].sort_values(["contrast", "method", "signature"]), about


def main() -> None:
    table, about = signed_vs_unsigned(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
    print("\n".join(about))
    pd.set_option("display.width", 200)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


if __name__ == "__main__":
    main()
