"""Normalization by technology: one entry point for every dataset kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import anndata as ad

from ..io._kinds import dataset_kind
from ._cellstream import normalize_cells
from ._counts import normalize_counts
from ._scale import normalize_expression

__all__ = ["normalize_dataset"]


def normalize_dataset(adata: ad.AnnData, *, kind: str, options: Mapping | None = None) -> ad.AnnData:
    """Normalize a loaded dataset the way its technology needs (the kind's ``scale`` in
    :data:`cytoscore.io.KINDS`).

    - ``expression`` (arrays, processed values): log2 decision and optional quantile
      normalization (:func:`normalize_expression`); options ``log2``, ``quantile``.
    - ``counts`` (bulk RNA-seq): expression filter and log2-CPM (:func:`normalize_counts`);
      options ``method``, ``filter``, ``filter_group_column``.
    - ``cells``: QC (option ``qc``), normalize_total + log1p (``target_sum``) and, when
      ``cluster`` is given, Leiden clusters: :func:`normalize_cells`, the code the workflow
      streams files through.

    Parameters
    ----------
    adata
        A dataset indexed by gene symbol (:func:`load_genes`).
    kind
        Its kind (:func:`cytoscore.io.dataset_kind`), whose ``scale`` picks the normalization.
    options
        The dataset's ``normalize`` config (the options above; others are ignored). ``None``:
        the defaults.

    Returns
    -------
    AnnData
        The normalized dataset, each decision in ``uns["cytoscore"]``.
    """
    opts = dict(options or {})
    return _BY_SCALE[dataset_kind(kind).scale](adata, opts)


def _expression(adata: ad.AnnData, opts: dict) -> ad.AnnData:
    return normalize_expression(adata, log2=opts.get("log2", "auto"), quantile=opts.get("quantile", False))


def _counts(adata: ad.AnnData, opts: dict) -> ad.AnnData:
    return normalize_counts(
        adata, method=opts.get("method", "tmm"), filter_genes=opts.get("filter", True),
        group_column=opts.get("filter_group_column"),
    )  # fmt: skip


def _cells(adata: ad.AnnData, opts: dict) -> ad.AnnData:
    return normalize_cells(adata, qc=opts.get("qc"), target_sum=opts.get("target_sum", 1e4), cluster=opts.get("cluster"))


_BY_SCALE: dict[str, Callable[[ad.AnnData, dict], ad.AnnData]] = {"expression": _expression, "counts": _counts, "cells": _cells}
