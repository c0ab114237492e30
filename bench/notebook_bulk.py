"""The many-contrast bulk study as a notebook would do it with pandas, scipy and matplotlib:
the comparator of bench/bench_workflow.py for the same files (tests/synthetic.py
write_bulk_study) and the same questions.

    python bench/notebook_bulk.py <counts.tsv> <samples.tsv> <gmt> <out folder>

log2-CPM (no filter, no TMM), a mean z-score per gene set (each gene z-scored across samples),
Welch's t-test of every stimulation against control with Benjamini-Hochberg FDR across the
sets, and the figures a notebook would save: a box plot of the 12 most significant sets per
contrast, a heatmap of sets x samples and a heatmap of the effects (SVG and PNG at 300 dpi).
One method where cytoscore runs five; no provenance, checks or report.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402
from statsmodels.stats.multitest import multipletests  # noqa: E402


def main(counts_path: str, samples_path: str, gmt: str, out: str) -> None:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = pd.read_csv(counts_path, sep="\t", index_col=0)
    samples = pd.read_csv(samples_path, sep="\t", index_col=0)
    logcpm = np.log2(counts / counts.sum() * 1e6 + 1)
    z = logcpm.sub(logcpm.mean(axis=1), axis=0).div(logcpm.std(axis=1).replace(0, np.nan), axis=0)
    sets = {}
    for line in Path(gmt).read_text().splitlines():
        name, _, *genes = line.strip().split("\t")
        found = [g for g in genes if g in z.index]
        if len(found) >= 5:
            sets[name] = found
    scores = pd.DataFrame({name: z.loc[genes].mean() for name, genes in sets.items()})
    groups = samples.loc[scores.index, "stimulus"]
    rows = []
    for target in groups.unique():
        if target == "control":
            continue
        a, b = scores[groups == target], scores[groups == "control"]
        t, p = stats.ttest_ind(a, b, equal_var=False)
        fdr = multipletests(p, method="fdr_bh")[1]
        table = pd.DataFrame({"contrast": target, "signature": scores.columns, "difference": (a.mean() - b.mean()).to_numpy(),
                              "t": t, "p": p, "fdr": fdr})  # fmt: skip
        rows.append(table)
        top = table.nsmallest(12, "fdr")["signature"]
        fig, axes = plt.subplots(3, 4, figsize=(7, 5), constrained_layout=True)
        for ax, sig in zip(axes.flat, top, strict=False):
            ax.boxplot([b[sig], a[sig]], tick_labels=["control", target])
            ax.set_title(sig[:25], fontsize=7)
        for fmt in ("svg", "png"):
            fig.savefig(out_dir / f"box_{target}.{fmt}", dpi=300)
        plt.close(fig)
    result = pd.concat(rows)
    result.to_csv(out_dir / "comparisons.tsv", sep="\t", index=False)
    for name, matrix in (("scores", scores.T), ("effects", result.pivot(index="signature", columns="contrast", values="difference"))):
        fig, ax = plt.subplots(figsize=(7, 9), constrained_layout=True)
        image = ax.imshow(matrix.to_numpy(), aspect="auto", cmap="RdBu_r")
        ax.set_yticks(range(len(matrix.index)), matrix.index, fontsize=5)
        ax.set_xticks(range(len(matrix.columns)), matrix.columns, rotation=90, fontsize=5)
        fig.colorbar(image, ax=ax)
        for fmt in ("svg", "png"):
            fig.savefig(out_dir / f"heatmap_{name}.{fmt}", dpi=300)
        plt.close(fig)


if __name__ == "__main__":
    main(*sys.argv[1:5])
