"""Adapter for rule plot_donors: the donor-level test of a single-cell contrast, one figure
per method, from the values the test ran on (units.tsv) and its results (comparison.tsv)."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.pl import donor_plot, save_figure, use_labels

#: What one point is, per route of a single-cell contrast.
VALUE = {"pseudobulk": "score of its pseudobulk profile", "replicate": "mean score of its cells",
         "cell": "mean score of its cells"}  # fmt: skip

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    c = sm.params.contrast
    units = pd.read_csv(sm.input.units, sep="\t", dtype={c["replicate"]: str, c["column"]: str,
                                                          **({c["pair_by"]: str} if c["pair_by"] else {})})  # fmt: skip
    comparison = pd.read_csv(sm.input.comparison, sep="\t")
    for method, svg in zip(sm.params.methods, sm.output.svgs, strict=True):
        fig, source = donor_plot(
            units,
            comparison,
            method=method,
            replicate=c["replicate"],
            group=c["column"],
            pair_by=c["pair_by"],
            signatures=sm.params.signatures,
            group_order=sm.params.group_order,
            value=VALUE[c["level"]],
            **({"width": sm.params.width} if sm.params.width else {}),
        )
        save_figure(fig, svg[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
