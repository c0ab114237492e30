"""Readers for single-cell data: AnnData files and 10x Genomics matrices."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anndata as ad
import numba
import numpy as np
import scipy.sparse as sp

from .._provenance import record
from .._utils import InputError, row_block, sha256_file

__all__ = ["read_single_cell", "CellSource"]

log = logging.getLogger(__name__)

_TENX_FILES = ("matrix.mtx.gz", "features.tsv.gz", "barcodes.tsv.gz")
# the layer name that reads AnnData's ``raw`` (its X with its own var): CELLxGENE files keep
# the raw counts there and normalized values in X
RAW = "raw.X"


@numba.njit(cache=True, nogil=True)
def _not_counts(values) -> int:  # pragma: no cover - numba
    """1 if some value is negative, else 2 if some value is not an integer, else 0 (one pass;
    numpy's min + rint + array_equal took 1.4 s of a 100,000-cell preparation)."""
    fraction = False
    for v in values:
        if v < 0:
            return 1
        if not fraction and v != np.rint(v):
            fraction = True
    return 2 if fraction else 0


def _check_counts(X, where: str) -> None:
    data = X.data if sp.issparse(X) else np.asarray(X)
    problem = _not_counts(np.asarray(data).ravel()) if data.size else 0
    if problem == 1:
        raise InputError(f"{where}: negative values; raw counts are required")
    if problem == 2:
        raise InputError(
            f"{where}: non-integer values; raw counts are required (name the counts layer with "
            f"'layer'; '{RAW}' reads AnnData's raw, where CELLxGENE files keep the counts)"
        )


def read_single_cell(
    *,
    h5ad: str | Path | None = None,
    layer: str | None = None,
    tenx_mtx: str | Path | None = None,
    tenx_h5: str | Path | None = None,
) -> ad.AnnData:
    """Read single-cell counts from exactly one source into cells × genes, in memory: every
    row of a :class:`CellSource` (the one reader of the formats, which the workflow streams).

    Parameters
    ----------
    h5ad
        An AnnData file; raw counts in ``X`` or in ``layers[layer]`` (``raw.X``: the raw counts).
    layer
        The layer of the h5ad holding raw counts (``raw.X``: AnnData's raw, with raw's genes);
        ``None``: ``X``. Used for ``h5ad`` only.
    tenx_mtx
        A Cell Ranger matrix folder (``matrix.mtx.gz``, ``features.tsv.gz``, ``barcodes.tsv.gz``).
    tenx_h5
        A Cell Ranger ``.h5`` matrix.

    Returns
    -------
    AnnData
        Counts (CSR, float32; non-negative integers, else an error) in ``X`` and ``layers["counts"]``, genes
        as the file names them (10x: by symbol, made unique, Ensembl IDs kept in ``var["gene_ids"]``), the
        files' checksums in the provenance.
    """
    with CellSource(h5ad=h5ad, layer=layer, tenx_mtx=tenx_mtx, tenx_h5=tenx_h5, checksum=True) as source:
        parts = [block.copy() for _, block in source.blocks(65_536)]  # a block reuses its buffers
        X = sp.vstack(parts, format="csr") if parts else sp.csr_matrix((0, source.n_vars), dtype=np.float32)
        adata = ad.AnnData(X=X, obs=source.obs.copy(), var=source.var.copy())
        fmt, files = source.format, source.files
    adata.layers["counts"] = adata.X.copy()
    record(adata, "source", kind="single_cell", format=fmt, layer=layer or "X", n_cells=adata.n_obs,
           n_genes=adata.n_vars, files=files)  # fmt: skip
    return adata


def _read_10x(tenx_mtx: str | Path | None, tenx_h5: str | Path | None) -> tuple[ad.AnnData, str, dict[str, str]]:
    """A 10x matrix (folder or .h5; one sample each, the usual size) read whole with scanpy:
    (cells × genes by symbol, the format, each file's SHA-256)."""
    import scanpy as sc

    if tenx_mtx:
        path = Path(tenx_mtx)
        missing = [f for f in _TENX_FILES if not (path / f).is_file()]
        if missing:
            raise InputError(f"{path}: 10x matrix folder lacks {missing} (needs {list(_TENX_FILES)})")
        try:
            adata = sc.read_10x_mtx(path, var_names="gene_symbols", make_unique=True)
        except Exception as exc:
            raise InputError(f"{path}: cannot read the 10x matrix ({exc})") from exc
        return adata, "10x mtx", {f: sha256_file(path / f) for f in _TENX_FILES}
    path = Path(tenx_h5)
    try:
        adata = sc.read_10x_h5(path)
    except Exception as exc:
        raise InputError(f"{path}: cannot read the 10x h5 file ({exc})") from exc
    adata.var_names_make_unique()
    return adata, "10x h5", {path.name: sha256_file(path)}


class CellSource:
    """Raw single-cell counts opened for row-chunk streaming: ``obs``, ``var`` and
    :meth:`blocks`, never the whole matrix at once for ``.h5ad`` files.

    An ``.h5ad`` is read through h5py: sparse ``X`` (or ``layers[layer]``) as CSR row
    slices (anndata's ``sparse_dataset``), dense as row slices of the HDF5 dataset. CSC
    storage is read in full (it cannot be sliced by row cheaply) with a warning. 10x
    matrices (one sample each, the usual size) are read whole with scanpy. ``files`` gives each
    file's SHA-256; ``checksum=True`` computes an ``.h5ad``'s in a thread beside the reading
    (for a reader that records it), otherwise it is computed when ``files`` is read.
    """

    def __init__(
        self,
        *,
        h5ad: str | Path | None = None,
        layer: str | None = None,
        tenx_mtx: str | Path | None = None,
        tenx_h5: str | Path | None = None,
        checksum: bool = False,
    ) -> None:
        given = [k for k, v in (("h5ad", h5ad), ("tenx_mtx", tenx_mtx), ("tenx_h5", tenx_h5)) if v]
        if len(given) != 1:
            raise InputError(f"give exactly one of h5ad, tenx_mtx, tenx_h5 (got {given or 'none'})")
        self.layer = layer
        self._file = None
        self._matrix = None  # in-memory CSR (10x, CSC h5ad)
        self._dataset = None  # backed rows (h5ad, dense)
        self._csr = None  # backed CSR group (h5ad)
        if h5ad:
            self.path = Path(h5ad)
            self.format = "h5ad"
            self._open_h5ad()
            self._files = {self.path.name: self.path}  # hashed when ``files`` is read
            if checksum:
                # the checksum (1.4 s per 2 GB) is computed in a thread beside the passes over the
                # rows (hashlib and the nogil numba kernels release the GIL); ``files`` waits for
                # it. Not by default: a reader of obs and var only (the preflight) waited at exit
                # for the hash of the whole file, 13 s of its 19.5 s at 1,000,000 cells
                pool = ThreadPoolExecutor(1, thread_name_prefix="sha256")
                self._files = {self.path.name: pool.submit(sha256_file, self.path)}
                pool.shutdown(wait=False)
        else:
            adata, self.format, self._files = _read_10x(tenx_mtx, tenx_h5)
            self.path = Path(tenx_mtx or tenx_h5)
            X = adata.X
            self._matrix = sp.csr_matrix(X, dtype=np.float32) if not sp.issparse(X) else X.tocsr().astype(np.float32)
            self.obs, self.var = adata.obs.copy(), adata.var.copy()
        dup = self.obs.index[self.obs.index.duplicated()].unique()[:5].tolist()
        if dup:
            raise InputError(f"{self.path}: duplicate cell IDs, e.g. {dup}")
        self.where = f"{self.path}{f' layer {layer}' if layer else ''}"

    def _open_h5ad(self) -> None:
        import h5py
        from anndata.io import read_elem

        try:
            self._file = h5py.File(self.path, "r")
            self.obs = read_elem(self._file["obs"])
            self.var = read_elem(self._file["var"])
        except Exception as exc:  # h5py raises several types for bad files
            raise InputError(f"{self.path}: cannot read AnnData file ({exc})") from exc
        layers = list(self._file.get("layers", {}))
        if self.layer == RAW and self.layer not in layers:
            if "raw" not in self._file or "X" not in self._file["raw"]:
                raise InputError(f"{self.path}: no raw ({RAW}); layers are {layers}")
            node = self._file["raw"]["X"]
            try:
                self.var = read_elem(self._file["raw"]["var"])  # raw's genes may differ from X's
            except Exception as exc:
                raise InputError(f"{self.path}: cannot read raw/var ({exc})") from exc
        elif self.layer:
            if self.layer not in layers:
                raise InputError(f"{self.path}: no layer {self.layer!r}; layers are {layers} (or {RAW})")
            node = self._file["layers"][self.layer]
        else:
            if "X" not in self._file:
                raise InputError(f"{self.path}: no X matrix; name the counts layer with 'layer'")
            node = self._file["X"]
        self.obs.index = self.obs.index.astype(str)
        self.var.index = self.var.index.astype(str)
        if isinstance(node, h5py.Dataset):
            self._dataset = node
        else:
            encoding = node.attrs.get("encoding-type", "")
            if encoding == "csr_matrix":
                self._csr = node  # read as raw arrays: 6x faster than anndata's sparse_dataset slices
            else:
                log.warning("%s: %s storage cannot be streamed by row; it is read whole", self.path, encoding)
                self._matrix = sp.csr_matrix(read_elem(node))

    @classmethod
    def from_anndata(cls, adata: ad.AnnData, *, layer: str | None = None) -> CellSource:
        """A source over an AnnData in memory (its ``X``, or ``layers[layer]``: raw counts), so
        that in-memory data takes the same QC and normalization as files
        (:func:`cytoscore.pp.normalize_dataset`)."""
        if layer is not None and layer not in adata.layers:
            raise InputError(f"AnnData in memory: no layer {layer!r}; layers are {list(adata.layers)}")
        X = adata.X if layer is None else adata.layers[layer]
        self = cls.__new__(cls)
        self.layer, self._file, self._dataset, self._csr = layer, None, None, None
        self._matrix = sp.csr_matrix(X, dtype=np.float32) if not sp.issparse(X) else X.tocsr().astype(np.float32)
        self.obs, self.var = adata.obs.copy(), adata.var.copy()
        self.obs.index, self.var.index = self.obs.index.astype(str), self.var.index.astype(str)
        self.path, self.format, self._files = None, "AnnData in memory", {}
        self.where = f"AnnData in memory{f' layer {layer}' if layer else ''}"
        dup = self.obs.index[self.obs.index.duplicated()].unique()[:5].tolist()
        if dup:
            raise InputError(f"{self.where}: duplicate cell IDs, e.g. {dup}")
        return self

    @property
    def files(self) -> dict[str, str]:
        """The SHA-256 of each file read, by name (computed now unless ``checksum=True`` started
        it beside the reading)."""
        return {
            name: h if isinstance(h, str) else sha256_file(h) if isinstance(h, Path) else h.result()
            for name, h in self._files.items()
        }

    @property
    def n_obs(self) -> int:
        return len(self.obs)

    @property
    def n_vars(self) -> int:
        return len(self.var)

    def blocks(self, rows: int, *, check: bool = True) -> Iterator[tuple[int, sp.csr_matrix]]:
        """``(start, block)`` for consecutive row blocks: CSR float32 counts, checked to be
        non-negative integers (the error names the file and the rows) unless ``check`` is
        false (a second pass over data already checked). A block is valid until the next
        one is read (the file's arrays are read into the same buffers)."""
        buffers: dict = {}
        for start in range(0, self.n_obs, rows):
            stop = min(start + rows, self.n_obs)
            if self._csr is not None:
                block = row_block(self._csr, start, stop, buffers=buffers)
            else:
                source = self._matrix if self._matrix is not None else self._dataset
                block = source[start:stop]
            block = sp.csr_matrix(block, dtype=np.float32) if not sp.issparse(block) else block.tocsr()
            if block.dtype != np.float32:
                block = block.astype(np.float32)
            if check:
                _check_counts(block, f"{self.where} (cells {start}-{stop - 1})")
            yield start, block

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> CellSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
