"""Adapter for rule therapy: did the contrast's drug lower the axis it blocks, and what else
moved (table and figure)."""

import logging

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import write_table
from cytoscore.pl import save_figure, therapy_plot, use_labels
from cytoscore.resources import find_therapy, read_gene_set_table
from cytoscore.tl import therapy_effects

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    comparison = pd.read_csv(sm.input.comparison, sep="\t", keep_default_na=False, na_values=[""])
    drugs = pd.read_csv(sm.input.drugs, sep="\t", dtype=str, keep_default_na=False)
    axes = pd.read_csv(sm.input.axes, sep="\t", dtype=str, keep_default_na=False)
    therapy = find_therapy(drugs, sm.params.therapy)
    genes = {gs.name: gs.genes for gs in read_gene_set_table(sm.input.gene_sets)}
    effects = therapy_effects(comparison, therapy, axes, alpha=sm.params.alpha, genes=genes)
    for row in effects[effects["on_target"]].itertuples():
        where = f" ({row.cell_type})" if row.cell_type else ""
        logging.getLogger("cytoscore").warning(
            "contrast %s, %s%s: target axis %s %s%s", sm.wildcards.contrast, therapy["drug"], where, row.axis,
            row.verdict, f" ({row.note})" if row.note else "",
        )  # fmt: skip
    write_table(effects, sm.output.table)
    fig, source = therapy_plot(effects, width=sm.params.width or "double")
    save_figure(fig, sm.output.figure[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi,
                source_data=source)  # fmt: skip
