"""Readers for single-cell data: AnnData files and 10x Genomics matrices."""

from __future__ import annotations

from pathlib import Path

import anndata as ad
import numpy as np
import scipy.sparse as sp

from .._provenance import record
from .._utils import InputError, sha256_file

__all__ = ["read_single_cell"]

_TENX_FILES = ("matrix.mtx.gz", "features.tsv.gz", "barcodes.tsv.gz")


def _check_counts(X, where: str) -> None:
    data = X.data if sp.issparse(X) else np.asarray(X)
    if data.size and (data.min() < 0):
        raise InputError(f"{where}: negative values; raw counts are required")
    if data.size and not np.all(np.mod(data, 1) == 0):
        raise InputError(
            f"{where}: non-integer values; raw counts are required (name the counts layer with 'layer')"
        )


def read_single_cell(
    *,
    h5ad: str | Path | None = None,
    layer: str | None = None,
    tenx_mtx: str | Path | None = None,
    tenx_h5: str | Path | None = None,
) -> ad.AnnData:
    """Read single-cell counts from exactly one source into cells × genes.

    Parameters
    ----------
    h5ad
        An AnnData file; raw counts in ``X`` or in ``layers[layer]``.
    tenx_mtx
        A Cell Ranger matrix folder (``matrix.mtx.gz``, ``features.tsv.gz``, ``barcodes.tsv.gz``).
    tenx_h5
        A Cell Ranger ``.h5`` matrix.

    Returns counts (CSR, float32) in ``X`` and ``layers["counts"]``, genes by symbol
    (10x: ``gene_symbols``, Ensembl IDs kept in ``var["gene_ids"]``).
    """
    import scanpy as sc

    given = [k for k, v in (("h5ad", h5ad), ("tenx_mtx", tenx_mtx), ("tenx_h5", tenx_h5)) if v]
    if len(given) != 1:
        raise InputError(f"give exactly one of h5ad, tenx_mtx, tenx_h5 (got {given or 'none'})")
    if h5ad:
        path = Path(h5ad)
        try:
            adata = ad.read_h5ad(path)
        except Exception as exc:  # h5py raises several types for bad files
            raise InputError(f"{path}: cannot read AnnData file ({exc})") from exc
        if layer:
            if layer not in adata.layers:
                raise InputError(f"{path}: no layer {layer!r}; layers are {list(adata.layers)}")
            adata.X = adata.layers[layer]
        files = {path.name: sha256_file(path)}
        fmt = "h5ad"
    elif tenx_mtx:
        path = Path(tenx_mtx)
        missing = [f for f in _TENX_FILES if not (path / f).is_file()]
        if missing:
            raise InputError(f"{path}: 10x matrix folder lacks {missing} (needs {list(_TENX_FILES)})")
        try:
            adata = sc.read_10x_mtx(path, var_names="gene_symbols", make_unique=True)
        except Exception as exc:
            raise InputError(f"{path}: cannot read the 10x matrix ({exc})") from exc
        files = {f: sha256_file(path / f) for f in _TENX_FILES}
        fmt = "10x mtx"
    else:
        path = Path(tenx_h5)
        try:
            adata = sc.read_10x_h5(path)
        except Exception as exc:
            raise InputError(f"{path}: cannot read the 10x h5 file ({exc})") from exc
        adata.var_names_make_unique()
        files = {path.name: sha256_file(path)}
        fmt = "10x h5"
    X = adata.X
    X = sp.csr_matrix(X, dtype=np.float32) if not sp.issparse(X) else X.tocsr().astype(np.float32)
    _check_counts(X, f"{path}{f' layer {layer}' if layer else ''}")
    adata = ad.AnnData(X=X, obs=adata.obs.copy(), var=adata.var.copy())
    dup = adata.obs_names[adata.obs_names.duplicated()].unique()[:5].tolist()
    if dup:
        raise InputError(f"{path}: duplicate cell IDs, e.g. {dup}")
    adata.layers["counts"] = adata.X.copy()
    record(
        adata,
        "source",
        kind="single_cell",
        format=fmt,
        layer=layer or "X",
        n_cells=adata.n_obs,
        n_genes=adata.n_vars,
        files=files,
    )
    return adata
