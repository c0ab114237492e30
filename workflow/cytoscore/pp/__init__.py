"""Preprocessing: probe collapse, expression scale and normalization, sample groups.

Names load lazily (PEP 562, :mod:`cytoscore._lazy`): importing one imports only its module."""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "_cellstream": [
            "normalize_cells",
            "prepare_cells",
            "prepare_single_cell",
            "pseudobulk_counts",
            "symbol_matrix",
        ],
        "_counts": [
            "COUNT_METHODS",
            "filter_by_expr",
            "log_cpm",
            "median_of_ratios_factors",
            "normalize_counts",
            "tmm_factors",
        ],
        "_embed": [
            "embed_cells",
            "leiden_with_transfer",
            "nearest_neighbors",
            "read_rows",
            "row_blocks",
            "seurat_hvg",
            "subsample_rows",
            "umap_of_sample",
        ],
        "_groups": [
            "assign_groups",
            "check_columns",
            "check_contrast_units",
            "derive_columns",
            "read_group_table",
            "sample_table",
        ],
        "_ids": [
            "ID_TYPES",
            "VAR_SYMBOL_COLUMNS",
            "detect_id_type",
            "load_genes",
            "map_gene_ids",
            "read_gene_annotation",
            "resolve_symbols",
            "to_genes",
        ],
        "_normalize": [
            "normalize_dataset",
        ],
        "_options": [
            "NORMALIZE_OPTIONS",
            "QC_DEFAULTS",
            "check_normalize_options",
        ],
        "_organisms": [
            "resolve_organism",
            "to_human",
        ],
        "_probes": [
            "COLLAPSE_RULES",
            "MULTI_GENE_RULES",
            "collapse_probes",
        ],
        "_scale": [
            "detect_log_scale",
            "normalize_expression",
            "quantile_normalize",
        ],
    },
)
