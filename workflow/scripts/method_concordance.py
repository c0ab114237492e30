"""Adapter for rule method_concordance: agreement of the scoring methods, per score and per contrast."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import iter_scores, write_table
from cytoscore.tl import contrast_concordance, method_concordance

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    write_table(method_concordance(iter_scores(sm.input.scores, by="signature")), sm.output.scores)
    tables = [pd.read_csv(p, sep="\t") for p in sm.input.comparisons]
    columns = ["contrast", "signature", "direction_agrees", "significance_agrees"]
    table = (
        contrast_concordance(pd.concat(tables, ignore_index=True))
        if tables
        else pd.DataFrame(columns=columns)
    )
    write_table(table, sm.output.contrasts)
