"""Adapter for rule plot_correlations: two signatures (plots.correlation) drawn against each
other per sample of a bulk dataset, one figure per set method."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import read_observations
from cytoscore.pl import save_figure, score_correlation, use_labels
from cytoscore.resources import read_gmt

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    width = {"width": sm.params.width} if sm.params.width else {}
    scores = pd.read_csv(sm.input.scores, sep="\t")
    groups = read_observations(sm.input.samples)["group"]
    coverage = pd.read_csv(sm.input.coverage, sep="\t", keep_default_na=False)
    gene_sets = {s.name: s.genes for s in read_gmt(sm.input.gene_sets)}
    x, y = sm.params.signatures
    for method, svg in zip(sm.params.methods, sm.output.svgs, strict=True):
        fig, source = score_correlation(
            scores, groups, x=x, y=y, method=method, group_order=sm.params.group_order or None,
            gene_sets=gene_sets, coverage=coverage, **width,
        )  # fmt: skip
        save_figure(fig, svg[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
