"""Adapter for rule plot_umap: the embedding coloured by each key signature's score."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.pl import embedding_plot, save_figure

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    coords = pd.read_csv(sm.input.umap, sep="\t", index_col=0)
    scores = pd.read_csv(sm.input.scores, sep="\t")
    fig, source = embedding_plot(
        coords,
        scores,
        method=sm.wildcards.method,
        signatures=sm.params.signatures or None,
        **({"width": sm.params.width} if sm.params.width else {}),
    )
    base = sm.output.svg[: -len(".svg")]
    save_figure(fig, base, formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
