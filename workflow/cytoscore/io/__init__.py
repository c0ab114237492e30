"""Reading and writing: downloads, GEO files, AnnData and tables.

Names load lazily (PEP 562, :mod:`cytoscore._lazy`): importing one imports only its module."""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "_anndata": [
            "H5adRowWriter",
            "read_geo_series",
            "read_h5ad",
            "write_h5ad",
        ],
        ".._utils": [
            "write_json",
            "write_table",
        ],
        "_counts": [
            "attach_metadata",
            "expand_files",
            "read_count_files",
            "read_count_matrix",
            "read_expression_table",
            "read_ncbi_counts",
            "read_sample_sheet",
        ],
        "_download": [
            "check_cached_downloads",
            "DownloadError",
            "DownloadRecord",
            "fetch_url",
            "find_in_mirror",
            "refetch_advice",
            "refetch_hint",
            "relpath_to_url",
            "url_to_relpath",
        ],
        "_geo": [
            "SYMBOL_COLUMNS",
            "SeriesMatrix",
            "geo_platform_annot_url",
            "geo_platform_soft_url",
            "geo_series_matrix_url",
            "read_platform_table",
            "read_series_matrix",
            "read_series_platforms",
        ],
        "_kinds": [
            "KINDS",
            "DatasetKind",
            "dataset_kind",
        ],
        "_load": [
            "DATASET_KINDS",
            "load_dataset",
        ],
        "_scores": [
            "gather_cell_scores",
            "iter_scores",
            "read_cell_scores",
            "read_observations",
            "read_scores",
            "score_columns",
            "write_cell_scores",
        ],
        "_singlecell": [
            "CellSource",
            "read_single_cell",
        ],
        "_text": [
            "read_text_lines",
        ],
    },
)
