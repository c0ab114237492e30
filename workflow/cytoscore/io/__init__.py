"""Reading and writing: downloads, GEO files, AnnData and tables."""

from ._anndata import (
    H5adRowWriter,
    read_geo_series,
    read_h5ad,
    write_h5ad,
    write_json,
    write_table,
)
from ._counts import (
    attach_metadata,
    expand_files,
    read_count_files,
    read_count_matrix,
    read_expression_table,
    read_ncbi_counts,
    read_sample_sheet,
)
from ._download import (
    DownloadError,
    DownloadRecord,
    fetch_url,
    find_in_mirror,
    relpath_to_url,
    url_to_relpath,
)
from ._geo import (
    SYMBOL_COLUMNS,
    SeriesMatrix,
    geo_platform_annot_url,
    geo_platform_soft_url,
    geo_series_matrix_url,
    read_platform_table,
    read_series_matrix,
    read_series_platforms,
)
from ._load import DATASET_KINDS, load_dataset
from ._scores import (
    gather_cell_scores,
    iter_scores,
    read_cell_scores,
    read_scores,
    score_columns,
    write_cell_scores,
)
from ._singlecell import CellSource, read_single_cell
from ._text import read_text_lines

__all__ = [
    "DATASET_KINDS",
    "load_dataset",
    "attach_metadata",
    "expand_files",
    "read_count_files",
    "read_count_matrix",
    "read_expression_table",
    "read_ncbi_counts",
    "read_sample_sheet",
    "read_single_cell",
    "CellSource",
    "DownloadError",
    "DownloadRecord",
    "SYMBOL_COLUMNS",
    "SeriesMatrix",
    "fetch_url",
    "find_in_mirror",
    "geo_platform_annot_url",
    "geo_platform_soft_url",
    "geo_series_matrix_url",
    "read_geo_series",
    "read_h5ad",
    "H5adRowWriter",
    "gather_cell_scores",
    "iter_scores",
    "read_cell_scores",
    "read_scores",
    "score_columns",
    "write_cell_scores",
    "read_platform_table",
    "read_series_platforms",
    "read_series_matrix",
    "read_text_lines",
    "relpath_to_url",
    "url_to_relpath",
    "write_h5ad",
    "write_json",
    "write_table",
]
