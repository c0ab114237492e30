"""Signature resources: GMT gene sets, PROGENy, CytoSig, blood transcription modules, user
weight tables, and the sets curated in this repository.

Names load lazily (PEP 562, :mod:`cytoscore._lazy`): importing one imports only its module."""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "_collections": [
            "FORMATS",
            "read_archive_member",
            "read_collection",
            "resource_record",
            "resource_table",
        ],
        "_build": [
            "build_gene_sets",
        ],
        "_curated": [
            "CURATED_VERSION",
            "curated_gene_sets",
        ],
        "_genesets": [
            "GeneSet",
            "gene_set_table",
            "pair_up_down",
            "read_gene_set_table",
            "read_gmt",
            "select_gene_sets",
            "write_gmt",
        ],
        "_therapies": [
            "AXIS_COLUMNS",
            "THERAPY_COLUMNS",
            "THERAPY_VERSION",
            "axis_signatures",
            "find_therapy",
            "therapy_axes",
            "therapy_record",
            "therapy_table",
        ],
    },
)
