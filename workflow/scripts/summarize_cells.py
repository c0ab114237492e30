"""Adapter for rule summarize_cells: per-cell scores summarised by sample, group, cell type
(one signature's scores in memory at a time)."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import iter_scores, write_table
from cytoscore.tl import summarize_scores

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    cells = pd.read_csv(sm.input.samples, sep="\t", index_col="observation", dtype=str)
    write_table(summarize_scores(iter_scores(sm.input.scores), cells, by=list(sm.params.by)), sm.output[0])
