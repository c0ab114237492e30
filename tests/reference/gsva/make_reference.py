"""Regenerate the R GSVA reference outputs used by tests/unit/test_methods.py.

Needs R with GSVA 1.46 (Debian: apt-get install r-base-core r-bioc-gsva) and ../shared.
Run from the repository root:  python tests/reference/gsva/make_reference.py

Three inputs:
- synthetic: a seeded 300 genes x 12 samples matrix whose first 60 genes are rounded to
  integers (so ranks have ties), with 6 gene sets of 3-60 genes; input committed here.
- synthetic_counts: seeded Poisson counts, 300 genes x 12 samples, same sets (for GSVA's
  kcdf="Poisson"); input committed here.
- gse55235: the default study's normalized matrix (made by cytoscore from the mirror),
  scored on the default gene sets; only R's output is committed, the input is rebuilt
  by the test from ../shared.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from helpers import default_study_matrix  # noqa: E402


def synthetic() -> tuple[pd.DataFrame, dict[str, list[str]]]:
    rng = np.random.default_rng(20261129)
    n_genes, n_samples = 300, 12
    X = rng.normal(8, 2, size=(n_genes, n_samples))
    X[:, 6:] += np.where(np.arange(n_genes)[:, None] < 40, 1.5, 0)  # planted effect
    X[:60] = np.round(X[:60])  # ties
    genes = [f"G{i:03d}" for i in range(n_genes)]
    frame = pd.DataFrame(X, index=genes, columns=[f"S{j:02d}" for j in range(n_samples)])
    sets = {
        "UP40": genes[:40],
        "TIES20": genes[30:50],
        "RANDOM25": sorted(rng.choice(genes, 25, replace=False).tolist()),
        "SMALL3": genes[100:103],
        "LARGE60": genes[150:210],
        "MIXED10": genes[55:65],
    }
    return frame, sets


def synthetic_counts() -> pd.DataFrame:
    rng = np.random.default_rng(20261130)
    means = rng.gamma(2.0, 20.0, size=(300, 1))
    counts = rng.poisson(means * np.where(np.arange(12) >= 6, 1.0, 0.7), size=(300, 12))
    counts[:40, 6:] = rng.poisson(means[:40] * 3, size=(40, 6))  # planted effect
    return pd.DataFrame(
        counts, index=[f"G{i:03d}" for i in range(300)], columns=[f"S{j:02d}" for j in range(12)]
    )


def write_inputs(frame: pd.DataFrame, sets: dict[str, list[str]], prefix: Path) -> None:
    frame.to_csv(f"{prefix}.expression.tsv", sep="\t", float_format="%.6f", index_label="gene")
    with open(f"{prefix}.sets.gmt", "w") as out:
        for name, genes in sets.items():
            out.write("\t".join([name, "-", *genes]) + "\n")


def main() -> None:
    frame, sets = synthetic()
    write_inputs(frame, sets, HERE / "synthetic")
    subprocess.run(
        [
            "Rscript",
            str(HERE / "gsva_reference.R"),
            str(HERE / "synthetic.expression.tsv"),
            str(HERE / "synthetic.sets.gmt"),
            str(HERE / "synthetic"),
        ],
        check=True,
    )
    counts = synthetic_counts()
    write_inputs(counts, sets, HERE / "synthetic_counts")
    subprocess.run(
        [
            "Rscript",
            str(HERE / "gsva_reference.R"),
            str(HERE / "synthetic_counts.expression.tsv"),
            str(HERE / "synthetic_counts.sets.gmt"),
            str(HERE / "synthetic_counts"),
        ],
        check=True,
    )
    matrix, gene_sets = default_study_matrix()
    tmp = HERE / "_gse55235_input"
    write_inputs(matrix.T, gene_sets, tmp)
    try:
        subprocess.run(
            [
                "Rscript",
                str(HERE / "gsva_reference.R"),
                f"{tmp}.expression.tsv",
                f"{tmp}.sets.gmt",
                str(HERE / "gse55235"),
            ],
            check=True,
        )
    finally:
        Path(f"{tmp}.expression.tsv").unlink(missing_ok=True)
        Path(f"{tmp}.sets.gmt").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
