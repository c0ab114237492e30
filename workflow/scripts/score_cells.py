"""Adapter for rules score_cells / score_shard: per-cell scores from the normalized matrix,
read in row chunks (backed); a shard scores its row range with the dataset-wide gene statistics."""

from cytoscore import script_logging
from cytoscore.io import read_gene_statistics, read_h5ad, write_cell_scores, write_table
from cytoscore.resources import read_gene_set_table
from cytoscore.tl import score_gene_sets, shard_rows

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    adata = read_h5ad(sm.input.adata, backed=True)
    shard = sm.params.shard
    matrices, coverage = score_gene_sets(
        adata,
        read_gene_set_table(sm.input.gene_sets),
        methods=list(sm.params.methods),
        min_genes=sm.params.min_genes,
        min_coverage=sm.params.min_coverage,
        method_params=sm.params.method_params,
        chunk_size=sm.params.chunk_size,
        rows=shard_rows(adata.n_obs, *shard) if shard else None,
        statistics=read_gene_statistics(sm.input.statistics) if shard else None,
        wide=True,
    )
    write_table(coverage, sm.output.coverage)
    write_cell_scores(sm.output.scores, matrices)
