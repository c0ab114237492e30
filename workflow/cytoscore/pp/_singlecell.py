"""Single-cell preprocessing: QC filters, normalization and optional clustering (scanpy)."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np

from .._provenance import record
from .._utils import InputError
from ._embed import _pca_graph

__all__ = ["qc_filter_cells", "normalize_single_cell", "cluster_cells"]

log = logging.getLogger(__name__)


def qc_filter_cells(
    adata: ad.AnnData,
    *,
    min_genes: int = 200,
    max_mito_fraction: float = 0.2,
    min_cells: int = 3,
    mito_prefix: str = "MT-",
) -> ad.AnnData:
    """Remove low-quality cells and rarely detected genes (scanpy), counting what was removed.

    Cells need at least ``min_genes`` detected genes and at most ``max_mito_fraction``
    of their counts from mitochondrial genes (symbols starting with ``mito_prefix``);
    genes must be detected in at least ``min_cells`` cells.
    """
    import scanpy as sc

    out = adata.copy()
    out.var["mt"] = out.var_names.str.upper().str.startswith(mito_prefix.upper())
    sc.pp.calculate_qc_metrics(out, qc_vars=["mt"], percent_top=None, log1p=False, inplace=True)
    frac = out.obs["pct_counts_mt"].to_numpy() / 100
    keep = (out.obs["n_genes_by_counts"].to_numpy() >= min_genes) & (frac <= max_mito_fraction)
    n_cells = out.n_obs
    out = out[keep].copy()
    if out.n_obs == 0:
        raise InputError(
            f"no cell passes QC (min_genes {min_genes}, max_mito_fraction {max_mito_fraction}); "
            f"median genes per cell was {np.median(adata.X.getnnz(axis=1) if hasattr(adata.X, 'getnnz') else 0):.0f}"
        )
    n_genes = out.n_vars
    sc.pp.filter_genes(out, min_cells=min_cells)
    record(
        out,
        "qc",
        min_genes=min_genes,
        max_mito_fraction=max_mito_fraction,
        min_cells=min_cells,
        mito_prefix=mito_prefix,
        n_mito_genes=int(adata.var_names.str.upper().str.startswith(mito_prefix.upper()).sum()),
        n_cells_before=int(n_cells),
        n_cells_kept=int(out.n_obs),
        n_genes_before=int(n_genes),
        n_genes_kept=int(out.n_vars),
    )
    log.info("QC: kept %d of %d cells, %d of %d genes", out.n_obs, n_cells, out.n_vars, n_genes)
    return out


def normalize_single_cell(adata: ad.AnnData, *, target_sum: float = 1e4) -> ad.AnnData:
    """``normalize_total`` to ``target_sum`` counts per cell, then ``log1p`` (scanpy); counts stay in layers."""
    import scanpy as sc

    out = adata.copy()
    if "counts" not in out.layers:
        out.layers["counts"] = out.X.copy()
    sc.pp.normalize_total(out, target_sum=target_sum)
    sc.pp.log1p(out)
    out.uns.pop("log1p", None)
    record(
        out,
        "normalization",
        technology="single-cell counts",
        method=f"scanpy normalize_total (target_sum {target_sum:g}) + log1p",
        values="ln(1 + counts per 10k)",
    )
    return out


def cluster_cells(
    adata: ad.AnnData,
    *,
    resolution: float = 1.0,
    n_pcs: int = 30,
    n_neighbors: int = 15,
    key_added: str = "leiden",
    seed: int = 0,
) -> ad.AnnData:
    """Leiden clusters on the log-normalized data (highly variable genes, PCA, kNN graph), with fixed seeds."""
    import scanpy as sc

    out = adata.copy()
    n_comps = _pca_graph(out, n_pcs=n_pcs, n_neighbors=n_neighbors, seed=seed)
    sc.tl.leiden(
        out,
        resolution=resolution,
        key_added=key_added,
        random_state=seed,
        flavor="igraph",
        n_iterations=2,
        directed=False,
    )
    record(
        out,
        "clustering",
        method="Leiden (igraph)",
        resolution=resolution,
        n_pcs=n_comps,
        n_neighbors=n_neighbors,
        seed=seed,
        n_clusters=int(out.obs[key_added].nunique()),
    )
    return out
