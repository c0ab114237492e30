"""Adapter for rule embed_cells: UMAP of a seeded subsample of the cells (figures only)."""

from cytoscore import script_logging
from cytoscore.io import read_h5ad, write_table
from cytoscore.pp import embed_cells

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    coords = embed_cells(read_h5ad(sm.input.adata, backed=True), **sm.params.embedding)
    write_table(coords, sm.output[0], index=True)
