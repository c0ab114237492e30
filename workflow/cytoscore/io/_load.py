"""One entry point that reads any configured dataset kind into AnnData (samples or cells × the
file's features, as the files hold them; :mod:`cytoscore.pp` maps them to genes)."""

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
    """Read a dataset of ``kind`` from ``files`` (named paths) as the files hold it, with the
    dataset's reading ``options``: samples (or cells) × the file's features, probes or gene
    IDs as they are. :func:`cytoscore.pp.to_genes` then indexes it by gene symbol (probe
    collapse, ID mapping); :func:`cytoscore.pp.load_genes` does both.

    Kinds and their files:

    - ``geo_series_matrix``: ``matrix``, ``platform`` (+ download records) -> probes, with
      the platform's ``symbol`` in ``var``.
    - ``rnaseq_counts``: ``count_files`` (one per sample), or ``matrix``, or ``ncbi_counts``
      with ``ncbi_annotation``; counts in ``X`` and ``layers["counts"]``.
    - ``single_cell``: ``h5ad`` / ``tenx_mtx`` / ``tenx_h5``; cells × genes, sparse counts.
    - ``table``: ``expression`` (genes × samples, processed values).

    ``metadata`` (a sample or cell sheet) is joined when given.
    """
    if kind not in DATASET_KINDS:
        raise InputError(f"unknown dataset kind {kind!r}; kinds are {DATASET_KINDS}")
    if kind == "geo_series_matrix":
        adata = read_geo_series(
            files["matrix"],
            files["platform"],
            symbol_column=options.get("probes", {}).get("symbol_column"),
            sources=_records(files),
        )
    elif kind == "rnaseq_counts":
        counts = options.get("counts", {})
        if files.get("count_files"):
            adata = read_count_files(
                [str(f) for f in files["count_files"]], sample_pattern=counts.get("sample_pattern")
            )
        elif files.get("matrix"):
            adata = read_count_matrix(files["matrix"], dialect=options.get("dialect"))
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
        adata = read_expression_table(files["expression"], dialect=options.get("dialect"))
    if files.get("metadata"):
        id_column = options.get("metadata_id_column", "sample")
        adata = attach_metadata(
            adata,
            read_sample_sheet(files["metadata"], id_column=id_column, dialect=options.get("dialect")),
            source=str(files["metadata"]),
        )
    return adata
