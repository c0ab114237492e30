"""Adapter for rule plot_boxplot: box + strip plots of one contrast for one method."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.pl import save_figure, signature_boxplot

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    scores = pd.read_csv(sm.input.scores, sep="\t")
    samples = pd.read_csv(sm.input.samples, sep="\t", index_col="observation", dtype=str)
    comparison = pd.read_csv(sm.input.comparison, sep="\t")
    fig, source = signature_boxplot(
        scores,
        samples["group"],
        comparison,
        method=sm.wildcards.method,
        signatures=sm.params.signatures,
        group_order=sm.params.group_order or None,
        **({"width": sm.params.width} if sm.params.width else {}),
    )
    base = sm.output.svg[: -len(".svg")]
    save_figure(fig, base, formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
