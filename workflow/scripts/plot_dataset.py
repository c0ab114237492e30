"""Adapter for rule plot_dataset: a bulk dataset's heatmaps (one per method) and the
correlation of two signatures (one per set method)."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import read_observations
from cytoscore.pl import save_figure, score_correlation, score_heatmap, use_labels
from cytoscore.resources import read_gmt

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    formats, dpi = ["svg", *sm.params.formats], sm.params.dpi
    width = {"width": sm.params.width} if sm.params.width else {}
    scores = pd.read_csv(sm.input.scores, sep="\t")
    samples = read_observations(sm.input.samples)
    order = sm.params.group_order or None
    coverage = pd.read_csv(sm.input.coverage, sep="\t", keep_default_na=False)
    gene_sets = {s.name: s.genes for s in read_gmt(sm.input.gene_sets)} if sm.params.correlation_methods else None
    for method, svg in zip(sm.params.methods, sm.output.heatmaps, strict=True):
        fig, source = score_heatmap(
            scores, samples, method=method, group_order=order, annotations=sm.params.annotations, **width
        )
        save_figure(fig, svg[: -len(".svg")], formats=formats, dpi=dpi, source_data=source)
    for method, svg in zip(sm.params.correlation_methods, sm.output.correlations, strict=True):
        x, y = sm.params.signatures
        fig, source = score_correlation(
            scores, samples["group"], x=x, y=y, method=method, group_order=order, gene_sets=gene_sets,
            coverage=coverage, **width,
        )  # fmt: skip
        save_figure(fig, svg[: -len(".svg")], formats=formats, dpi=dpi, source_data=source)
