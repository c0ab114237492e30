"""One entry point that loads any configured dataset kind into AnnData (samples or cells × genes)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import anndata as ad

from .._utils import InputError
from ._anndata import read_geo_series
from ._counts import (
    attach_metadata,
    read_count_files,
    read_count_matrix,
    read_expression_table,
    read_ncbi_counts,
    read_sample_sheet,
)
from ._singlecell import read_single_cell

__all__ = ["load_dataset", "DATASET_KINDS"]

DATASET_KINDS = ("geo_series_matrix", "rnaseq_counts", "single_cell", "table")


def _records(files: Mapping) -> dict:
    out = {}
    for name in ("matrix_record", "platform_record"):
        if files.get(name):
            with open(files[name]) as handle:
                out[name.replace("_record", "").replace("matrix", "series_matrix")] = json.load(handle)
    return out


def load_dataset(kind: str, files: Mapping[str, object], options: Mapping[str, object]) -> ad.AnnData:
    """Load a dataset of ``kind`` from ``files`` (named paths) with the dataset's ``options``.

    Kinds and their files:

    - ``geo_series_matrix``: ``matrix``, ``platform`` (+ download records) -> probes
      collapsed to genes (``options["probes"]``).
    - ``rnaseq_counts``: ``count_files`` (one per sample), or ``matrix``, or ``ncbi_counts``
      with ``ncbi_annotation``; counts in ``X`` and ``layers["counts"]``.
    - ``single_cell``: ``h5ad`` / ``tenx_mtx`` / ``tenx_h5``; cells × genes, sparse counts.
    - ``table``: ``expression`` (genes × samples, processed values).

    ``metadata`` (a sample or cell sheet) is joined when given; gene IDs are mapped to
    symbols (``options["gene_ids"]``, ``gene_annotation`` file) for all but GEO arrays.
    """
    from ..pp import collapse_probes, detect_id_type, map_gene_ids, read_gene_annotation

    if kind not in DATASET_KINDS:
        raise InputError(f"unknown dataset kind {kind!r}; kinds are {DATASET_KINDS}")
    if kind == "geo_series_matrix":
        probes = options.get("probes", {})
        adata = read_geo_series(
            files["matrix"],
            files["platform"],
            symbol_column=probes.get("symbol_column"),
            sources=_records(files),
        )
        adata = collapse_probes(
            adata,
            multi_gene=probes.get("multi_gene", "drop"),
            collapse=probes.get("collapse", "max_mean"),
            max_missing=probes.get("max_missing", 0.2),
            impute=probes.get("impute", "knn"),
        )
    elif kind == "rnaseq_counts":
        counts = options.get("counts", {})
        if files.get("count_files"):
            adata = read_count_files(
                [str(f) for f in files["count_files"]], sample_pattern=counts.get("sample_pattern")
            )
        elif files.get("matrix"):
            adata = read_count_matrix(files["matrix"])
        elif files.get("ncbi_counts"):
            adata = read_ncbi_counts(files["ncbi_counts"], files["ncbi_annotation"])
        else:
            raise InputError("rnaseq_counts needs count files, a matrix or NCBI counts")
    elif kind == "single_cell":
        cells = options.get("cells", {})
        adata = read_single_cell(
            h5ad=files.get("h5ad"),
            layer=cells.get("layer"),
            tenx_mtx=files.get("tenx_mtx"),
            tenx_h5=files.get("tenx_h5"),
        )
    else:
        adata = read_expression_table(files["expression"])
    if files.get("metadata"):
        id_column = options.get("metadata_id_column", "sample")
        adata = attach_metadata(
            adata, read_sample_sheet(files["metadata"], id_column=id_column), source=str(files["metadata"])
        )
    if kind != "geo_series_matrix":
        annotation = None
        spec = options.get("gene_annotation")
        if spec:
            annotation = read_gene_annotation(
                files["gene_annotation"],
                id_column=spec.get("id_column", "id"),
                symbol_column=spec.get("symbol_column", "symbol"),
            )
        id_type = options.get("gene_ids", "auto")
        if id_type == "auto":
            id_type = detect_id_type(adata.var_names)
        # single-cell data already indexed by symbol keeps the file's genes and their order
        if not (kind == "single_cell" and id_type == "symbol"):
            probes = options.get("probes", {})
            collapse = "sum" if "counts" in adata.layers else probes.get("collapse", "max_mean")
            adata = map_gene_ids(
                adata,
                id_type=options.get("gene_ids", "auto"),
                annotation=annotation,
                collapse=collapse,
                id_column="gene_id" if "gene_id" in adata.var.columns else None,
                multi_gene=probes.get("multi_gene", "drop"),
            )
    return adata
