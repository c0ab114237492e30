"""The dataset kinds (``datasets.<name>.kind``) as a registry, as the scoring methods are one.

Each kind says which route it takes through the workflow (``bulk``: samples scored and
compared as they are; ``cells``: the streaming single-cell path, compared across replicates),
how its values are normalized (``scale``: ``expression`` for processed values whose log scale
is decided from the data, ``counts`` for RNA-seq counts, ``cells`` for single-cell counts),
and reads its files into AnnData. The workflow (``workflow/rules``), the loaders, the
normalization and the compare step ask the registry; ``tests/unit/test_kinds.py`` checks that
the config schema's enum is the registry. A new bulk kind: its entry and reader here, its
keys in the schema, its input files in ``workflow/rules/inputs.smk`` (``KIND_INPUTS``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._utils import InputError

if TYPE_CHECKING:  # the registry is read by jobs that never load a dataset (compare: 0.3 s of its import)
    import anndata as ad

__all__ = ["DatasetKind", "KINDS", "dataset_kind"]


@dataclass(frozen=True)
class DatasetKind:
    """A dataset kind of the registry: its route through the workflow, how it is normalized,
    what its rows and features are, and its reader."""

    name: str
    route: str  # "bulk" or "cells"
    scale: str  # "expression", "counts" or "cells": how normalize_dataset treats it
    observations: str  # what a row is, in messages: "samples" or "cells"
    features: str  # "probes" (collapsed to genes by the platform's symbols) or "genes" (IDs mapped)
    read: Callable[[Mapping, Mapping], ad.AnnData]  # (files, options) -> AnnData as the files hold it
    description: str

    @property
    def cells(self) -> bool:
        return self.route == "cells"


def _records(files: Mapping) -> dict:
    out = {}
    for name in ("matrix_record", "platform_record"):
        if files.get(name):
            with open(files[name]) as handle:
                out[name.replace("_record", "").replace("matrix", "series_matrix")] = json.load(handle)
    return out


def _read_geo(files: Mapping, options: Mapping) -> ad.AnnData:
    from ._anndata import read_geo_series

    symbol_column = options.get("probes", {}).get("symbol_column")
    return read_geo_series(files["matrix"], files["platform"], symbol_column=symbol_column, sources=_records(files))


def _read_counts(files: Mapping, options: Mapping) -> ad.AnnData:
    from ._counts import read_count_files, read_count_matrix, read_ncbi_counts

    if files.get("count_files"):
        counts = options.get("counts", {})
        return read_count_files([str(f) for f in files["count_files"]], sample_pattern=counts.get("sample_pattern"),
                                strand=counts.get("strand", "auto"))  # fmt: skip
    if files.get("matrix"):
        return read_count_matrix(files["matrix"], dialect=options.get("dialect"))
    if files.get("ncbi_counts"):
        return read_ncbi_counts(files["ncbi_counts"], files["ncbi_annotation"])
    raise InputError("rnaseq_counts needs count files, a matrix or NCBI counts")


def _read_cells(files: Mapping, options: Mapping) -> ad.AnnData:
    from ._singlecell import read_single_cell

    return read_single_cell(
        h5ad=files.get("h5ad"), layer=options.get("cells", {}).get("layer"),
        tenx_mtx=files.get("tenx_mtx"), tenx_h5=files.get("tenx_h5"),
    )  # fmt: skip


def _read_table(files: Mapping, options: Mapping) -> ad.AnnData:
    from ._counts import read_expression_table

    return read_expression_table(files["expression"], dialect=options.get("dialect"))


KINDS: dict[str, DatasetKind] = {
    k.name: k
    for k in (
        DatasetKind("geo_series_matrix", "bulk", "expression", "samples", "probes", _read_geo,
                    "a GEO series matrix (microarray or processed values) with its platform table: probes -> genes"),
        DatasetKind("rnaseq_counts", "bulk", "counts", "samples", "genes", _read_counts,
                    "bulk RNA-seq counts: one file per sample, a genes x samples matrix, or NCBI's GEO counts"),
        DatasetKind("single_cell", "cells", "cells", "cells", "genes", _read_cells,
                    "single-cell counts: h5ad, a 10x folder or 10x h5; streamed in chunks"),
        DatasetKind("table", "bulk", "expression", "samples", "genes", _read_table,
                    "a genes x samples table of processed values (log scale decided from the data)"),
    )
}  # fmt: skip


def dataset_kind(name: str) -> DatasetKind:
    """The registered kind ``name``; an error listing the kinds otherwise.

    Parameters
    ----------
    name
        A dataset ``kind`` of the config (``geo_series_matrix``, ``rnaseq_counts``, ``single_cell``,
        ``table``, …).

    Returns
    -------
    DatasetKind
        Its route (``bulk`` or ``cells``), scale, what its rows and features are, and its reader.
    """
    try:
        return KINDS[name]
    except KeyError:
        raise InputError(f"unknown dataset kind {name!r}; kinds are {sorted(KINDS)}") from None
