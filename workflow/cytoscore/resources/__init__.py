"""Signature resources: GMT gene sets and the sets curated in this repository."""

from ._curated import CURATED_VERSION, curated_gene_sets
from ._genesets import (
    GeneSet,
    build_gene_sets,
    gene_set_table,
    read_gene_set_table,
    read_gmt,
    select_gene_sets,
    write_gmt,
)

__all__ = [
    "CURATED_VERSION",
    "GeneSet",
    "build_gene_sets",
    "curated_gene_sets",
    "gene_set_table",
    "read_gene_set_table",
    "read_gmt",
    "select_gene_sets",
    "write_gmt",
]
