"""Building AnnData objects from parsed files, and writing outputs atomically."""

from __future__ import annotations

import json
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from .._provenance import record
from .._utils import InputError, atomic_path, sha256_file
from ._geo import read_platform_table, read_series_matrix

__all__ = ["read_geo_series", "write_h5ad", "read_h5ad", "write_table", "write_json"]


def read_geo_series(
    matrix_path: str | Path,
    platform_path: str | Path,
    *,
    symbol_column: str | None = None,
    sources: dict[str, dict] | None = None,
) -> ad.AnnData:
    """Read a GEO series matrix and its platform table into a probe-level AnnData.

    ``obs`` holds the ``!Sample_*`` metadata, ``var`` the probe IDs with the
    platform's gene ``symbol``; probes missing from the platform table get an
    empty symbol. Map them to genes with :func:`cytoscore.pp.collapse_probes`.

    ``sources`` optionally maps ``"series_matrix"`` / ``"platform"`` to download
    records (url, sha256, ...) written into the provenance.
    """
    sm = read_series_matrix(matrix_path)
    platform = read_platform_table(platform_path, symbol_column=symbol_column)
    platform_ids = sm.platforms
    if "platform_id" in sm.samples.columns:  # a per-platform file of a multi-platform series
        platform_ids = sorted(sm.samples["platform_id"].unique())
    if len(platform_ids) > 1:
        raise InputError(
            f"{matrix_path}: the series spans platforms {platform_ids}; use the per-platform "
            "series matrix (GSExxx-GPLyyy_series_matrix.txt.gz)"
        )
    symbols = platform["symbol"].reindex(sm.values.index).fillna("")
    var = pd.DataFrame(
        {"probe_id": sm.values.index.astype(str), "symbol": symbols.to_numpy(dtype=str)},
        index=pd.Index(sm.values.index.astype(str), name="probe"),
    )
    obs = sm.samples.copy()
    obs.index = obs.index.astype(str)
    adata = ad.AnnData(X=np.ascontiguousarray(sm.values.to_numpy().T), obs=obs, var=var)
    sources = dict(sources or {})
    files = {}
    for name, path in (("series_matrix", matrix_path), ("platform", platform_path)):
        entry = {"file": Path(path).name, "sha256": sha256_file(path)}
        entry.update({k: v for k, v in sources.get(name, {}).items() if k in ("url", "source")})
        files[name] = entry
    record(
        adata,
        "source",
        kind="geo_series_matrix",
        accession=(sm.series.get("geo_accession") or [""])[0],
        title=(sm.series.get("title") or [""])[0],
        platform=platform_ids[0] if platform_ids else "",
        n_samples=adata.n_obs,
        n_probes=adata.n_vars,
        n_probes_not_in_platform=int((~sm.values.index.isin(platform.index)).sum()),
        symbol_column=platform.attrs["symbol_column"],
        files=files,
    )
    return adata


def read_h5ad(path: str | Path) -> ad.AnnData:
    """Read an ``.h5ad`` file, with an error that names it when it cannot be read."""
    try:
        return ad.read_h5ad(path)
    except Exception as exc:  # h5py raises several types for corrupt files
        raise InputError(f"{path}: cannot read AnnData file ({exc})") from exc


def write_h5ad(adata: ad.AnnData, path: str | Path) -> None:
    """Write ``adata`` to ``path`` atomically (gzip-compressed h5ad)."""
    with atomic_path(path) as tmp:
        adata.write_h5ad(tmp, compression="gzip")


def write_table(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> None:
    """Write a tidy TSV atomically; floats with 10 significant digits for stable reruns."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", index=index, float_format="%.10g", lineterminator="\n")


def write_json(data: dict, path: str | Path) -> None:
    """Write JSON atomically with sorted keys (stable across reruns)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
