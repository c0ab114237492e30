"""Adapter for rule score: per-sample scores of every gene set with each method."""

from cytoscore import script_logging
from cytoscore.io import read_h5ad, write_table
from cytoscore.resources import read_gene_set_table
from cytoscore.tl import score_gene_sets

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    scores, coverage = score_gene_sets(
        read_h5ad(sm.input.adata),
        read_gene_set_table(sm.input.gene_sets),
        methods=list(sm.params.methods),
        min_genes=sm.params.min_genes,
        min_coverage=sm.params.min_coverage,
        method_params=sm.params.method_params,
        chunk_size=sm.params.chunk_size,
    )
    write_table(coverage, sm.output.coverage)
    write_table(scores, sm.output.scores)
