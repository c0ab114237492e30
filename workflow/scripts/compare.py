"""Adapter for rule compare: one contrast, every signature and method."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import write_table
from cytoscore.tl import compare_groups

with script_logging(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    scores = pd.read_csv(sm.input.scores, sep="\t")
    samples = pd.read_csv(sm.input.samples, sep="\t", index_col="observation", dtype=str)
    table = compare_groups(
        scores,
        samples["group"],
        target=sm.params.target,
        reference=sm.params.reference,
        contrast=sm.wildcards.contrast,
    )
    table.insert(1, "dataset", sm.params.dataset)
    write_table(table, sm.output[0])
