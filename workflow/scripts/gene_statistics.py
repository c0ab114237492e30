"""Adapter for rule gene_statistics: per-gene n, mean and M2 over all cells (one chunked pass)."""

from cytoscore import script_logging
from cytoscore.io import read_h5ad, write_table
from cytoscore.tl import gene_statistics

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    adata = read_h5ad(sm.input.adata, backed=True)
    write_table(gene_statistics(adata.X, chunk_size=sm.params.chunk_size), sm.output[0], exact=True)
