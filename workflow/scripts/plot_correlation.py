"""Adapter for rule plot_correlation: two signatures per sample, coloured by group."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.pl import save_figure, score_correlation

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    scores = pd.read_csv(sm.input.scores, sep="\t")
    samples = pd.read_csv(sm.input.samples, sep="\t", index_col="observation", dtype=str)
    x, y = sm.params.signatures
    fig, source = score_correlation(
        scores,
        samples["group"],
        x=x,
        y=y,
        method=sm.wildcards.method,
        group_order=sm.params.group_order or None,
        **({"width": sm.params.width} if sm.params.width else {}),
    )
    base = sm.output.svg[: -len(".svg")]
    save_figure(fig, base, formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
