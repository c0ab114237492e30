"""Adapter for rule compare_routes: a pseudobulk contrast beside its score-averaging twin."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import write_table
from cytoscore.tl import compare_routes

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    table = compare_routes(pd.read_csv(sm.input.replicate, sep="\t"), pd.read_csv(sm.input.pseudobulk, sep="\t"))
    write_table(table, sm.output[0])
