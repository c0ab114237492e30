"""Adapter for rule ifn_score: the clinical interferon score per sample, table and figure."""

from cytoscore import script_logging
from cytoscore.io import read_h5ad, write_table
from cytoscore.pl import ifn_score_plot, save_figure, use_labels
from cytoscore.tl import clinical_ifn_score

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    table = clinical_ifn_score(
        read_h5ad(sm.input.adata),
        control=sm.params.control,
        threshold_from=sm.params.threshold_from,
        threshold=sm.params.threshold,
    )
    fig, source = ifn_score_plot(
        table,
        group_order=sm.params.group_order or None,
        **({"width": sm.params.width} if sm.params.width else {}),
    )
    write_table(table, sm.output.table)
    base = sm.output.svg[: -len(".svg")]
    save_figure(fig, base, formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
