"""Adapter for rule gather_scores: the shards' per-cell scores, concatenated in row order."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import gather_cell_scores, write_table

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    gather_cell_scores(list(sm.input.scores), sm.output.scores)
    # every shard sees the same genes, so their coverage tables are identical
    write_table(pd.read_csv(sm.input.coverage[0], sep="\t", keep_default_na=False), sm.output.coverage)
