"""Adapter for rule plot_donors: one point per replicate and cell type, pairs joined; one
figure per method and key signature (each reads one score column)."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import iter_scores
from cytoscore.pl import donor_plot, save_figure, set_labels
from cytoscore.tl import summarize_scores

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    set_labels(sm.params.labels)
    c = sm.params.contrast
    cells = pd.read_csv(sm.input.samples, sep="\t", index_col="observation", dtype=str)
    by = list(dict.fromkeys(k for k in (c["replicate"], c["column"], c["split_by"], c["pair_by"]) if k))
    for figure, svg in zip(sm.params.figures, sm.output.svgs, strict=True):
        method, signature = figure["method"], figure["signature"]
        summary = summarize_scores(
            iter_scores(sm.input.scores, methods=[method], signatures=[signature]), cells, by=by
        )
        summary = summary[summary[c["column"]].isin([c["target"], c["reference"]])]
        fig, source = donor_plot(
            summary,
            signature=signature,
            method=method,
            cell_type=c["split_by"],
            replicate=c["replicate"],
            group=c["column"],
            pair_by=c["pair_by"],
            group_order=[c["reference"], c["target"]],
            **({"width": sm.params.width} if sm.params.width else {}),
        )
        save_figure(fig, svg[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
