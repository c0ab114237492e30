"""Adapter for rule embed_cells: UMAP coordinates of the cells (the file's own, or scanpy's)."""

from cytoscore import script_logging
from cytoscore.io import read_h5ad, write_table
from cytoscore.pp import umap_coordinates

with script_logging(snakemake):  # noqa: F821
    write_table(umap_coordinates(read_h5ad(snakemake.input.adata)), snakemake.output[0], index=True)  # noqa: F821
