"""Adapter for rule meta_analysis: pool Hedges' g of the same comparison across datasets."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import write_table
from cytoscore.tl import meta_analysis

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    tables = pd.concat([pd.read_csv(path, sep="\t") for path in sm.input.tables], ignore_index=True)
    write_table(meta_analysis(tables, method=sm.params.method, test=sm.params.test, name=sm.wildcards.meta), sm.output[0])
