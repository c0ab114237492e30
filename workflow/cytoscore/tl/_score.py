"""Scoring gene sets on an AnnData: gene matching, coverage, minimum size, tidy output."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._provenance import record
from .._utils import InputError
from ..resources import GeneSet
from ._methods import get_method

__all__ = ["score_gene_sets", "gene_set_coverage"]

log = logging.getLogger(__name__)

SCORE_COLUMNS = ["observation", "signature", "method", "score"]


def gene_set_coverage(
    var_names: Sequence[str], gene_sets: Sequence[GeneSet], *, min_genes: int
) -> pd.DataFrame:
    """Per set: genes in the set, genes found in the data, share, and whether it is scored."""
    present = set(var_names)
    rows = []
    for gs in gene_sets:
        found = [g for g in gs.genes if g in present]
        missing = [g for g in gs.genes if g not in present]
        rows.append(
            {
                "signature": gs.name,
                "collection": gs.collection,
                "version": gs.version,
                "n_genes": len(gs.genes),
                "n_found": len(found),
                "coverage": len(found) / len(gs.genes),
                "scored": len(found) >= min_genes,
                "missing_genes": ",".join(missing),
            }
        )
    return pd.DataFrame(rows)


def score_gene_sets(
    adata: ad.AnnData,
    gene_sets: Sequence[GeneSet],
    *,
    methods: Sequence[str] = ("mean_z", "ssgsea"),
    min_genes: int = 5,
    min_coverage: float = 0.0,
    layer: str | None = None,
    method_params: Mapping[str, Mapping] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score every gene set in every observation with each method.

    Sets with fewer than ``min_genes`` of their genes in the data are skipped with
    a logged warning (they appear in the coverage table with ``scored = False``); scored
    sets with less than ``min_coverage`` of their genes present are flagged
    (``low_coverage``) and warned about: their score rests on a part of the set.

    Returns
    -------
    scores
        Tidy table with columns ``observation, signature, method, score``.
    coverage
        See :func:`gene_set_coverage`.

    Each method's observations × sets matrix is also stored in
    ``adata.obsm["cytoscore_<method>"]``.
    """
    if min_genes < 1:
        raise InputError(f"min_genes must be at least 1, not {min_genes}")
    resolved = [get_method(m) for m in methods]
    params = dict(method_params or {})
    unknown = sorted(set(params) - {m.name for m in resolved})
    if unknown:
        raise InputError(f"parameters given for methods that are not run: {unknown}")
    coverage = gene_set_coverage(adata.var_names, gene_sets, min_genes=min_genes)
    coverage["low_coverage"] = coverage["scored"] & (coverage["coverage"] < min_coverage)
    for row in coverage.itertuples():
        if row.low_coverage:
            log.warning(
                "gene set %s: only %d of its %d genes (%.0f%%) are in the data (min_coverage %.0f%%)",
                row.signature,
                row.n_found,
                row.n_genes,
                100 * row.coverage,
                100 * min_coverage,
            )
        if not row.scored:
            log.warning(
                "gene set %s skipped: %d of its %d genes are in the data (minimum %d)",
                row.signature,
                row.n_found,
                row.n_genes,
                min_genes,
            )
    scored = [gs for gs, ok in zip(gene_sets, coverage["scored"], strict=True) if ok]
    if not scored:
        raise InputError(
            f"no gene set has at least {min_genes} genes in the data; the data's genes look like "
            f"{list(adata.var_names[:5])} — are they gene symbols?"
        )
    index = {g: i for i, g in enumerate(adata.var_names)}
    S = np.zeros((adata.n_vars, len(scored)))
    for j, gs in enumerate(scored):
        S[[index[g] for g in gs.genes if g in index], j] = 1.0
    X = adata.layers[layer] if layer else adata.X
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    if not np.isfinite(X).all():
        raise InputError("the expression matrix has missing or infinite values; cannot score")
    frames = []
    names = [gs.name for gs in scored]
    for method in resolved:
        scores = method.kernel(X, S, **params.get(method.name, {}))
        table = pd.DataFrame(scores, index=adata.obs_names, columns=names)
        adata.obsm[f"cytoscore_{method.name}"] = table
        long = table.rename_axis(index="observation", columns="signature").stack().rename("score")
        long = long.reset_index()
        long.insert(2, "method", method.name)
        frames.append(long[SCORE_COLUMNS])
        log.info("scored %d sets × %d observations with %s", len(names), adata.n_obs, method.name)
    record(
        adata,
        "scoring",
        methods=[m.name for m in resolved],
        method_params={k: dict(v) for k, v in params.items()},
        min_genes=min_genes,
        n_sets_scored=len(scored),
        n_sets_skipped=int((~coverage["scored"]).sum()),
    )
    return pd.concat(frames, ignore_index=True), coverage
