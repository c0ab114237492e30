"""Adapter for rule compare: one contrast, every signature and method (and cell type)."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import iter_scores, read_scores, write_table
from cytoscore.tl import add_coverage, compare_cells, compare_groups

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    c = sm.params.contrast
    obs = pd.read_csv(sm.input.samples, sep="\t", index_col="observation", dtype=str)
    common = dict(
        target=c["target"],
        reference=c["reference"],
        column=c["column"],
        covariates=c["covariates"],
        pair_by=c["pair_by"],
        contrast=sm.wildcards.contrast,
    )
    if c["kind"] == "single_cell":
        table = compare_cells(
            iter_scores(sm.input.scores, by="signature"),  # one signature of every cell at a time
            obs,
            replicate=c["replicate"],
            split_by=c["split_by"],
            level=c["level"],
            min_cells=c["min_cells"],
            **common,
        )
    else:
        table = compare_groups(read_scores(sm.input.scores), obs, **common)
    table.insert(1, "dataset", c["dataset"])
    coverage = pd.read_csv(sm.input.coverage, sep="\t", keep_default_na=False)
    table = add_coverage(table, coverage)
    write_table(table, sm.output[0])
