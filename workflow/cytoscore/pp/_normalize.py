"""Normalization by technology: one entry point for every dataset kind."""

from __future__ import annotations

from collections.abc import Mapping

import anndata as ad

from .._utils import InputError
from ._counts import normalize_counts
from ._scale import normalize_expression
from ._singlecell import cluster_cells, normalize_single_cell, qc_filter_cells

__all__ = ["normalize_dataset"]


def normalize_dataset(adata: ad.AnnData, *, kind: str, options: Mapping | None = None) -> ad.AnnData:
    """Normalize a loaded dataset the way its technology needs.

    - ``geo_series_matrix`` / ``table`` (arrays, processed values): log2 decision and
      optional quantile normalization (:func:`normalize_expression`); options ``log2``, ``quantile``.
    - ``rnaseq_counts``: expression filter and log2-CPM (:func:`normalize_counts`); options
      ``method``, ``filter``, ``filter_group_column``.
    - ``single_cell``: QC (:func:`qc_filter_cells`; option ``qc``), normalize_total + log1p
      (``target_sum``) and, when ``cluster`` is given, Leiden clustering (:func:`cluster_cells`).
    """
    opts = dict(options or {})
    if kind in ("geo_series_matrix", "table"):
        return normalize_expression(
            adata, log2=opts.get("log2", "auto"), quantile=opts.get("quantile", False)
        )
    if kind == "rnaseq_counts":
        return normalize_counts(
            adata,
            method=opts.get("method", "tmm"),
            filter_genes=opts.get("filter", True),
            group_column=opts.get("filter_group_column"),
        )
    if kind == "single_cell":
        out = qc_filter_cells(adata, **dict(opts.get("qc") or {}))
        out = normalize_single_cell(out, target_sum=opts.get("target_sum", 1e4))
        if opts.get("cluster"):
            out = cluster_cells(out, **dict(opts["cluster"]))
        return out
    raise InputError(f"unknown dataset kind {kind!r}")
