"""Adapter for rule plot_forest: per-dataset effects and the pooled estimate."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.pl import forest_plot, save_figure, use_labels

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    meta = pd.read_csv(sm.input.meta, sep="\t")
    tables = pd.concat([pd.read_csv(p, sep="\t") for p in sm.input.tables], ignore_index=True)
    fig, source = forest_plot(
        meta,
        tables,
        method=sm.wildcards.method,
        signatures=sm.params.signatures or None,
        **({"width": sm.params.width} if sm.params.width else {}),
    )
    base = sm.output.svg[: -len(".svg")]
    save_figure(fig, base, formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
