"""Adapter for rule plot_volcano: effect size vs -log10 FDR of one contrast."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import write_table
from cytoscore.pl import save_figure, volcano_plot

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    fig, source = volcano_plot(
        pd.read_csv(sm.input.comparison, sep="\t"), **({"width": sm.params.width} if sm.params.width else {})
    )
    write_table(source, sm.output.source_data)
    save_figure(fig, sm.output.svg[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi)
