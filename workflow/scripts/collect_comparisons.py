"""Adapter for rule collect_comparisons: all contrasts in one table."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import write_table

with script_logging(snakemake):  # noqa: F821
    tables = [pd.read_csv(path, sep="\t") for path in snakemake.input.tables]  # noqa: F821
    write_table(pd.concat(tables, ignore_index=True), snakemake.output[0])  # noqa: F821
