"""Adapter for rule plot_heatmaps: a bulk dataset's signatures × samples heatmap, one per method."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import read_observations
from cytoscore.pl import save_figure, score_heatmap, use_labels

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    width = {"width": sm.params.width} if sm.params.width else {}
    scores = pd.read_csv(sm.input.scores, sep="\t")
    samples = read_observations(sm.input.samples)
    for method, svg in zip(sm.params.methods, sm.output.svgs, strict=True):
        fig, source = score_heatmap(
            scores, samples, method=method, group_order=sm.params.group_order or None,
            annotations=sm.params.annotations, **width,
        )  # fmt: skip
        save_figure(fig, svg[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
