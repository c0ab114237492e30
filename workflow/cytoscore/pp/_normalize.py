"""Normalization by technology: one entry point for every dataset kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import anndata as ad

from ..io._kinds import dataset_kind
from ._cellstream import normalize_cells
from ._counts import normalize_counts
from ._options import NORMALIZE_OPTIONS, check_normalize_options
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
        The dataset's ``normalize`` config (the options above, named in
        :data:`NORMALIZE_OPTIONS`; any other key raises :class:`~cytoscore.InputError`).
        ``None``: the functions' defaults.

    Returns
    -------
    AnnData
        The normalized dataset, each decision in ``uns["cytoscore"]``.
    """
    scale = dataset_kind(kind).scale
    check_normalize_options(scale, options)
    function = _BY_SCALE[scale]
    names = NORMALIZE_OPTIONS[scale]
    return function(adata, **{names[key]: value for key, value in dict(options or {}).items()})


_BY_SCALE: dict[str, Callable[..., ad.AnnData]] = {
    "expression": normalize_expression,
    "counts": normalize_counts,
    "cells": normalize_cells,
}
