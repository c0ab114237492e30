"""Adapter for rule gather_scores: the shards' per-cell scores, concatenated in row order,
and their summary per sample, group and cell type (one signature in memory at a time)."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import gather_cell_scores, iter_scores, read_observations, write_table
from cytoscore.tl import summarize_scores

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    gather_cell_scores(list(sm.input.scores), sm.output.scores)
    # every shard sees the same genes, so their coverage tables are identical
    write_table(pd.read_csv(sm.input.coverage[0], sep="\t", keep_default_na=False), sm.output.coverage)
    cells = read_observations(sm.input.samples)
    write_table(summarize_scores(iter_scores(sm.output.scores), cells, by=list(sm.params.by)), sm.output.summary)
