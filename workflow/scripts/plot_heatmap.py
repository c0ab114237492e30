"""Adapter for rule plot_heatmap: clustered samples × signatures heatmap for one method."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.pl import save_figure, score_heatmap

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    scores = pd.read_csv(sm.input.scores, sep="\t")
    samples = pd.read_csv(sm.input.samples, sep="\t", index_col="observation", dtype=str)
    fig, source = score_heatmap(
        scores,
        samples,
        method=sm.wildcards.method,
        group_order=sm.params.group_order or None,
        annotations=sm.params.annotations,
        **({"width": sm.params.width} if sm.params.width else {}),
    )
    base = sm.output.svg[: -len(".svg")]
    save_figure(fig, base, formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
