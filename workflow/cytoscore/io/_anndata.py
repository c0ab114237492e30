"""Building AnnData objects from parsed files, and writing outputs atomically."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from .._provenance import record
from .._utils import InputError, atomic_path, row_block, sha256_file
from ._geo import read_platform_table, read_series_matrix

__all__ = ["read_geo_series", "write_h5ad", "read_h5ad", "H5adRowWriter"]


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

    Parameters
    ----------
    matrix_path
        The series matrix (``GSExxx_series_matrix.txt[.gz]``).
    platform_path
        The platform's SOFT file or annotation table (``GPLxxx_family.soft.gz``, ``.annot.gz``).
    symbol_column
        The platform column of gene symbols; ``None`` detects it (``Gene Symbol``, ``Gene symbol``, …).
    sources
        Download records by role (``series_matrix``, ``platform``); their ``url`` and ``source`` are
        written into the provenance beside each file's name and SHA-256.

    Returns
    -------
    AnnData
        Samples × probes with the values as deposited (the scale is decided later) and the probes'
        ``symbol``.
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
    found = sm.values.index.astype(str).isin(platform.index.astype(str))
    if len(found) and found.mean() < 0.5:
        series_ids = list(sm.values.index.astype(str)[:3])
        platform_ids_seen = list(platform.index.astype(str)[:3])
        raise InputError(
            f"the probe IDs of the series {matrix_path} (e.g. {series_ids}) and of the platform table "
            f"{platform_path} (e.g. {platform_ids_seen}) do not match: {found.sum():,} of "
            f"{len(found):,} found. The platform file is not the series' platform"
            + (f" (the series names {platform_ids})" if platform_ids else "")
            + ", or an edited copy."
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


# uns key of the obs/var column names that held a "/" (GEO's "contact_zip/postal_code", a
# characteristic "tissue/cell type"): HDF5 takes "/" as a path separator, anndata 0.12
# warns and later releases refuse it, so they are stored with "_" and restored on reading
_RENAMED = "cytoscore_h5_column_names"


@contextmanager
def _h5_safe_columns(adata: ad.AnnData):
    """Within the block, obs/var columns with "/" carry "_" instead (the originals recorded
    in ``uns``); restored after, whatever happens."""
    renamed = {}
    for axis in ("obs", "var"):
        frame = getattr(adata, axis)
        names = {str(c): str(c).replace("/", "_") for c in frame.columns if "/" in str(c)}
        if names:
            clash = [new for new in names.values() if new in frame.columns]
            if clash:
                raise InputError(f"{axis} columns {sorted(names)} would be stored as {clash}, which exist already")
            renamed[axis] = names
    if not renamed:
        yield
        return
    for axis, names in renamed.items():
        getattr(adata, axis).rename(columns=names, inplace=True)
    adata.uns[_RENAMED] = {axis: {new: old for old, new in names.items()} for axis, names in renamed.items()}
    try:
        yield
    finally:
        del adata.uns[_RENAMED]
        for axis, names in renamed.items():
            getattr(adata, axis).rename(columns={new: old for old, new in names.items()}, inplace=True)


def read_h5ad(path: str | Path, *, backed: bool = False) -> ad.AnnData:
    """Read an ``.h5ad`` file, with an error that names it when it cannot be read; with
    ``backed``, ``X`` stays on disk (``backed="r"``) and only obs/var/uns are loaded. Column
    names stored without their "/" (:func:`write_h5ad`) get it back.

    Parameters
    ----------
    path
        The file.
    backed
        Keep ``X`` on disk (read-only) and load only obs, var and uns.

    Returns
    -------
    AnnData
        The data (backed or in memory).
    """
    try:
        adata = ad.read_h5ad(path, backed="r" if backed else None)
    except Exception as exc:  # h5py raises several types for corrupt files
        raise InputError(f"{path}: cannot read AnnData file ({exc})") from exc
    for axis, names in dict(adata.uns.pop(_RENAMED, {})).items():
        getattr(adata, axis).rename(columns=dict(names), inplace=True)
    return adata


def write_h5ad(adata: ad.AnnData, path: str | Path) -> None:
    """Write ``adata`` to ``path`` atomically (gzip-compressed h5ad). Column names with "/"
    are stored with "_" and restored by :func:`read_h5ad`.

    Parameters
    ----------
    adata
        The data; obs and var columns whose names hold "/" are renamed in the file only, while object
        columns mixing types are turned into text in ``adata`` itself (:func:`~cytoscore.io.typed_columns`).
    path
        The file written; it appears whole or not at all.
    """
    from ._table import typed_columns

    for axis in ("obs", "var"):  # object columns mixing types (NaN in text, numbers and text)
        frame = getattr(adata, axis)
        mixed = [c for c in frame.columns if frame[c].dtype == object and not frame[c].map(type).eq(str).all()]
        if mixed:
            frame[mixed] = typed_columns(frame[mixed])
    with atomic_path(path) as tmp, _h5_safe_columns(adata):
        adata.write_h5ad(tmp, compression="gzip")


class H5adRowWriter:
    """Write an ``.h5ad`` whose ``X`` (CSR, float32) arrives in row chunks, atomically.

    Use as a context manager: :meth:`append` each chunk in order, then :meth:`finish` with
    the obs/var/uns of the result (an AnnData without ``X``). The file appears under its
    name only when the block exits without an error. The CSR arrays are resizable HDF5
    datasets (``indptr`` int64, so more than 2³¹ stored values are fine); memory holds one
    chunk.
    """

    def __init__(self, path: str | Path, n_vars: int | None = None) -> None:
        self.path = Path(path)
        self.n_vars = n_vars  # from the first chunk when not given
        self.n_obs = 0
        self.nnz = 0
        self._finished = False

    def __enter__(self) -> H5adRowWriter:
        import h5py

        self._atomic = atomic_path(self.path)
        self._tmp = self._atomic.__enter__()
        self._file = h5py.File(self._tmp, "w")
        group = self._file.create_group("X")
        group.attrs.update({"encoding-type": "csr_matrix", "encoding-version": "0.1.0"})
        chunks = (1 << 20,)
        group.create_dataset("data", shape=(0,), maxshape=(None,), dtype="float32", chunks=chunks)
        group.create_dataset("indices", shape=(0,), maxshape=(None,), dtype="int32", chunks=chunks)
        group.create_dataset("indptr", data=np.zeros(1, np.int64), maxshape=(None,), chunks=(1 << 16,))
        return self

    def append(self, block) -> None:
        import scipy.sparse as sp

        block = sp.csr_matrix(block)
        if self.n_vars is None:
            self.n_vars = block.shape[1]
        if block.shape[1] != self.n_vars:
            raise ValueError(f"chunk has {block.shape[1]} columns, the file {self.n_vars}")
        X = self._file["X"]
        k = block.nnz
        # np.asarray: no copy when the chunk has the file's types already (astype always copied)
        for name, values in (("data", np.asarray(block.data, np.float32)), ("indices", np.asarray(block.indices, np.int32))):
            X[name].resize((self.nnz + k,))
            X[name][self.nnz :] = values
        X["indptr"].resize((self.n_obs + block.shape[0] + 1,))
        X["indptr"][self.n_obs + 1 :] = np.asarray(block.indptr[1:], np.int64) + self.nnz
        self.nnz += k
        self.n_obs += block.shape[0]
        X.attrs["shape"] = (self.n_obs, self.n_vars)  # a valid CSR group after every chunk

    def blocks(self, rows: int):
        """``(start, CSR block)`` of the rows written so far, read back from the file."""
        for start in range(0, self.n_obs, rows):
            yield start, row_block(self._file["X"], start, min(start + rows, self.n_obs))

    def finish(self, meta: ad.AnnData) -> None:
        from anndata.io import write_elem

        if self.n_vars is None:
            self.n_vars = meta.n_vars
        if meta.n_obs != self.n_obs or meta.n_vars != self.n_vars:
            raise ValueError(
                f"{self.path}: {self.n_obs} × {self.n_vars} written, metadata for {meta.n_obs} × {meta.n_vars}"
            )
        self._file["X"].attrs["shape"] = (self.n_obs, self.n_vars)
        with _h5_safe_columns(meta):
            write_elem(self._file, "obs", meta.obs)
            write_elem(self._file, "var", meta.var)
            write_elem(self._file, "uns", dict(meta.uns))
        for key in ("obsm", "varm", "obsp", "varp", "layers"):
            write_elem(self._file, key, {})
        self._file.attrs.update({"encoding-type": "anndata", "encoding-version": "0.1.0"})
        self._finished = True

    def __exit__(self, exc_type, exc, tb) -> None:
        self._file.close()
        if exc_type is None and not self._finished:
            error = RuntimeError(f"{self.path}: finish() was not called")
            self._atomic.__exit__(RuntimeError, error, None)  # removes the temporary file
            raise error
        self._atomic.__exit__(exc_type, exc, tb)
