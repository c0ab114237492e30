"""Adapter for rule plot_volcano: effect (plots.effect) vs -log10 FDR of one contrast."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.pl import save_figure, volcano_plot

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    fig, source = volcano_plot(
        pd.read_csv(sm.input.comparison, sep="\t"),
        effect=sm.params.effect,
        **({"width": sm.params.width} if sm.params.width else {}),
    )
    base = sm.output.svg[: -len(".svg")]
    save_figure(fig, base, formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
