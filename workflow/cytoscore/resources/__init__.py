"""Signature resources: GMT gene sets, PROGENy, CytoSig, blood transcription modules, user
weight tables, and the sets curated in this repository."""

from ._collections import FORMATS, read_archive_member, read_collection, resource_record, resource_table

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
    "FORMATS",
    "read_archive_member",
    "read_collection",
    "resource_record",
    "resource_table",
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
