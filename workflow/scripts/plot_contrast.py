"""Adapter for rule plot_contrast: a contrast's box plots (one per method) and its effects
(dot-and-CI plot or volcano)."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import read_observations
from cytoscore.pl import contrast_effects_plot, save_figure, signature_boxplot, use_labels

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    formats, dpi = ["svg", *sm.params.formats], sm.params.dpi
    width = {"width": sm.params.width} if sm.params.width else {}
    scores = pd.read_csv(sm.input.scores, sep="\t")
    samples = read_observations(sm.input.samples)
    comparison = pd.read_csv(sm.input.comparison, sep="\t")
    for method, svg in zip(sm.params.methods, sm.output.boxplots, strict=True):
        fig, source = signature_boxplot(
            scores,
            samples["group"],
            comparison,
            method=method,
            signatures=sm.params.signatures,
            group_order=sm.params.group_order or None,
            pairs=samples[sm.params.pair_by] if sm.params.pair_by else None,
            **width,
        )
        save_figure(fig, svg[: -len(".svg")], formats=formats, dpi=dpi, source_data=source)
    fig, source = contrast_effects_plot(comparison, effect=sm.params.effect, **width)
    save_figure(fig, sm.output.effects[: -len(".svg")], formats=formats, dpi=dpi, source_data=source)
