"""Adapter for rule plot_cells: per-cell score figures of a single-cell dataset, one of each
kind per method: the dot plot (mean score and share of high-scoring cells per cell type) and
the violins (per-cell score distributions per cell type and condition)."""

from cytoscore import script_logging
from cytoscore.io import iter_scores, read_observations
from cytoscore.pl import save_figure, score_dotplot, score_violins, use_labels

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    cells = read_observations(sm.input.samples)
    signatures = sm.params.signatures or None
    for kind, svgs in ((score_dotplot, sm.output.dotplots), (score_violins, sm.output.violins)):
        for method, svg in zip(sm.params.methods, svgs, strict=True):
            fig, source = kind(
                iter_scores(sm.input.scores, methods=[method], signatures=signatures),  # a signature at a time
                cells,
                method=method,
                cell_type=sm.params.cell_type,
                signatures=signatures,
                group_order=sm.params.group_order or None,
                **({"width": sm.params.width} if sm.params.width else {}),
            )
            save_figure(fig, svg[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi, source_data=source)
