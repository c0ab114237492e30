"""Adapter for rule plot_dotplot: mean score and share of high-scoring cells per cell type,
one figure per method."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import iter_scores
from cytoscore.pl import save_figure, score_dotplot, set_labels

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    set_labels(sm.params.labels)
    cells = pd.read_csv(sm.input.samples, sep="\t", index_col="observation", dtype=str)
    for method, svg in zip(sm.params.methods, sm.output.svgs, strict=True):
        fig, source = score_dotplot(
            iter_scores(sm.input.scores, methods=[method], signatures=sm.params.signatures or None),
            cells,
            method=method,
            cell_type=sm.params.cell_type,
            signatures=sm.params.signatures or None,
            group_order=sm.params.group_order or None,
            **({"width": sm.params.width} if sm.params.width else {}),
        )
        save_figure(fig, svg[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
