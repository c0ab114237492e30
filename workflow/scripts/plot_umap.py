"""Adapter for rule plot_umap: the embedding coloured by each key signature's score."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import read_cell_scores, score_columns
from cytoscore.pl import embedding_plot, save_figure

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    coords = pd.read_csv(sm.input.umap, sep="\t", index_col=0)
    wanted = sm.params.signatures or None
    columns = [
        c for c in score_columns(sm.input.scores) if c[0] == sm.wildcards.method and (not wanted or c[1] in wanted)
    ]
    scores = read_cell_scores(sm.input.scores, columns=columns, tidy=True)
    scores = scores[scores["observation"].isin(coords.index)]  # the embedded subsample
    fig, source = embedding_plot(
        coords,
        scores,
        method=sm.wildcards.method,
        signatures=sm.params.signatures or None,
        **({"width": sm.params.width} if sm.params.width else {}),
    )
    base = sm.output.svg[: -len(".svg")]
    save_figure(fig, base, formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
