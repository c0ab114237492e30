"""Adapter for rule plot_effect_sizes: the effect (plots.effect) of every contrast x signature,
one figure per method."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.pl import effect_heatmap, save_figure, use_labels

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    tables = pd.concat([pd.read_csv(p, sep="\t") for p in sm.input.tables], ignore_index=True)
    for method, svg in zip(sm.params.methods, sm.output.svgs, strict=True):
        fig, source = effect_heatmap(
            tables,
            method=method,
            effect=sm.params.effect,
            signatures=sm.params.signatures,
            **({"width": sm.params.width} if sm.params.width else {}),
        )
        save_figure(fig, svg[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
