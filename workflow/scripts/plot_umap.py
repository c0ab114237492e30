"""Adapter for rule plot_umap: the embedding coloured by each key signature's score, for one
method (the job reads only that method's score columns)."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import read_cell_scores, read_observations, score_columns
from cytoscore.pl import embedding_plot, save_figure, use_labels

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    method = sm.wildcards.method
    coords = pd.read_csv(sm.input.umap, sep="\t", index_col=0)
    columns = list(dict.fromkeys(c for c in (sm.params.cell_type, sm.params.group) if c))
    cells = read_observations(sm.input.samples, columns)
    cells = cells.reindex(coords.index)  # the embedded subsample
    wanted = sm.params.signatures or None
    columns = [c for c in score_columns(sm.input.scores) if c[0] == method and (not wanted or c[1] in wanted)]
    scores = read_cell_scores(sm.input.scores, columns=columns, tidy=True)
    scores = scores[scores["observation"].isin(coords.index)]  # the embedded subsample
    fig, source = embedding_plot(
        coords,
        scores,
        method=method,
        signatures=wanted,
        obs=cells,
        cell_type=sm.params.cell_type,
        group=sm.params.group,
        group_order=sm.params.group_order or None,
        **({"width": sm.params.width} if sm.params.width else {}),
    )
    save_figure(fig, sm.output.svg[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
