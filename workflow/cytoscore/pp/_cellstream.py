"""Single-cell QC and normalization in row chunks: memory bounded by the chunk, not the cells.

Per-cell QC (genes detected, mitochondrial share), ``normalize_total`` and ``log1p`` are
row-local; the per-gene filter (detected in ``min_cells`` cells) needs one column count.
So two passes over the raw counts do what scanpy's ``calculate_qc_metrics`` →
``filter_cells`` → ``filter_genes`` → ``normalize_total`` → ``log1p`` do in memory, with
the same result (tests: equal to scanpy to 1e-6):

1. per cell: detected genes, total and mitochondrial counts; per gene: the cells that
   pass per-cell QC (and belong to a group) in which it is detected;
2. per chunk: keep cells and genes, scale to ``target_sum`` counts per cell (the total over
   kept genes, as scanpy does after ``filter_genes``), ``log1p``, append to the output.

Why not anndata's dask-backed reading with scanpy's dask support: scanpy 1.11 has no dask
path for ``calculate_qc_metrics``/``filter_genes`` on sparse chunks that writes CSR back to
h5ad, and dask would be one more scheduler inside Snakemake's jobs; these steps are a few
lines of numpy per chunk, with anndata's own ``sparse_dataset`` reading and appending rows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import anndata as ad
import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._moments import GENE_STATISTICS, LINEAR_STATISTICS, block_moments, merge_moments
from .._provenance import record
from .._utils import InputError
from ..io._organisms import ortholog_pairs
from ._embed import leiden_with_transfer
from ._ids import detect_id_type, resolve_symbols, symbol_column
from ._options import QC_DEFAULTS, check_normalize_options
from ._organisms import log_translation, orthologs, resolve_organism, translation_summary

__all__ = ["prepare_cells", "prepare_single_cell", "normalize_cells", "symbol_matrix"]

log = logging.getLogger(__name__)

@numba.njit(parallel=True, cache=True, nogil=True)
def _qc_rows(indptr, indices, data, mito, n_genes, total, mito_counts):  # pragma: no cover - numba
    for r in numba.prange(len(indptr) - 1):
        n, t, m = 0, 0.0, 0.0
        for k in range(indptr[r], indptr[r + 1]):
            v = data[k]
            if v > 0:
                n += 1
            t += v
            if mito[indices[k]]:
                m += v
        n_genes[r], total[r], mito_counts[r] = n, t, m


@numba.njit(cache=True, nogil=True)
def _count_detected(indptr, indices, data, ok, detected_in):  # pragma: no cover - numba
    for r in range(len(indptr) - 1):
        if ok[r]:
            for k in range(indptr[r], indptr[r + 1]):
                if data[k] > 0:
                    detected_in[indices[k]] += 1


_SMALL_COUNTS = 64  # counts below this come from the per-row table of _normalize_rows


@numba.njit(parallel=True, cache=True, nogil=True)
def _normalize_rows(indptr, indices, data, kept_rows, new_column, target_sum):  # pragma: no cover - numba
    """Kept rows and columns of a CSR chunk, each row scaled to ``target_sum`` (its sum over
    kept columns, as scanpy's normalize_total after filter_genes), then log1p; float64 math.
    Rows run in parallel. log1p was most of the work: a row's small integer counts (most of
    its values) take theirs from a table filled once per row, the same float64 expression, so
    the same values (2.6 -> 1.3 s at 100,000 cells)."""
    n_rows = len(indptr) - 1
    stored = np.zeros(n_rows, np.int64)
    for r in numba.prange(n_rows):
        if kept_rows[r]:
            c = 0
            for k in range(indptr[r], indptr[r + 1]):
                if new_column[indices[k]] >= 0:
                    c += 1
            stored[r] = c
    out_row = np.empty(n_rows, np.int64)
    n_out = 0
    for r in range(n_rows):
        out_row[r] = n_out
        if kept_rows[r]:
            n_out += 1
    out_ptr = np.zeros(n_out + 1, np.int64)
    for r in range(n_rows):
        if kept_rows[r]:
            out_ptr[out_row[r] + 1] = stored[r]
    out_ptr = np.cumsum(out_ptr)
    out_idx = np.empty(out_ptr[-1], np.int32)
    out_val = np.empty(out_ptr[-1], np.float32)
    for r in numba.prange(n_rows):
        if not kept_rows[r]:
            continue
        first = out_ptr[out_row[r]]
        pos, s = first, 0.0
        for k in range(indptr[r], indptr[r + 1]):
            c = new_column[indices[k]]
            if c >= 0:
                out_idx[pos] = c
                s += data[k]
                pos += 1
        scale = target_sum / s if s > 0 else 0.0
        table = np.full(_SMALL_COUNTS, np.nan)
        pos = first
        for k in range(indptr[r], indptr[r + 1]):
            if new_column[indices[k]] >= 0:
                v = data[k]
                small = int(v) if 0 <= v < _SMALL_COUNTS else -1
                if small >= 0 and small == v:
                    if np.isnan(table[small]):
                        table[small] = np.log1p(np.float64(v) * scale)
                    out_val[pos] = table[small]
                else:
                    out_val[pos] = np.log1p(np.float64(v) * scale)
                pos += 1
    return out_ptr, out_idx, out_val



def _natural(label: str):
    return (0, int(label), "") if str(label).isdigit() else (1, 0, str(label))


def symbol_matrix(
    var: pd.DataFrame, *, id_type: str = "auto", annotation: pd.Series | None = None, organism: str = "auto"
) -> tuple[sp.csr_matrix | None, pd.DataFrame, dict]:
    """Genes (IDs) → human gene symbols as a sparse 0/1 matrix M, so that ``counts @ M`` sums
    the counts of IDs sharing a symbol (unmapped IDs and multi-gene symbols ``"A /// B"``
    dropped). A non-human ``organism`` (given, or detected from the IDs) has its symbols
    renamed to their one-to-one human orthologs (:func:`to_human`'s rule).

    Returns ``(None, var, info)`` when the data is indexed by human symbols already (its genes
    and order are kept), else ``(M, var of the symbols, info)``; ``info["organism"]`` says
    which organism and why.

    Parameters
    ----------
    var
        The source's features (index: the file's gene IDs or symbols; a symbol column such as
        ``symbol`` or ``feature_name`` is used when present).
    id_type
        ``auto`` (detected, :func:`detect_id_type`), ``symbol``, ``ensembl`` or ``entrez``.
    annotation
        Gene ID -> symbol, when the data brings no symbols itself; when given it maps every ID.
        ``None`` with a non-human organism's Ensembl IDs: its ortholog table's IDs are used.
    organism
        ``auto`` (detected from the IDs), ``human`` or ``mouse``.

    Returns
    -------
    tuple
        ``(M, var, info)``: the IDs × symbols matrix (CSR float32, ``None`` for human symbols),
        the symbols' var (``gene_ids``: their IDs joined by commas; else the input ``var``), and
        what was mapped (``id_type``, ``share_mapped``, ``organism``; with ``M`` also ``n_ids``,
        ``n_genes``, ``collapse_rule``).
    """
    if annotation is None and symbol_column(var) is None and detect_id_type(var.index) == "ensembl":
        org, _ = resolve_organism(var.index, organism)
        if org != "human":  # the ortholog table knows the organism's Ensembl gene IDs
            pairs = ortholog_pairs(org)
            annotation = pd.Series(pairs["symbol"].to_numpy(), index=pairs["ensembl_id"].to_numpy())
    symbols, detected, mapped = resolve_symbols(var, id_type=id_type, annotation=annotation)
    ids = var.index if detect_id_type(var.index) == "ensembl" else pd.Index(symbols[symbols != ""])
    org, evidence = resolve_organism(ids, organism)
    info = {"id_type": detected, "share_mapped": mapped}
    organism_info = {"organism": org, "evidence": evidence}
    if org != "human":
        organism_info.update(translation_summary(org, symbols))
        mapping = orthologs(org)
        symbols = np.array([mapping.get(s, "") for s in symbols], dtype=object)
    info["organism"] = organism_info
    if detected == "symbol" and org == "human":
        return None, var, info
    symbols = pd.Series(symbols, index=var.index)
    usable = (symbols != "") & ~symbols.str.contains("///", regex=False)
    genes = pd.Index(pd.unique(symbols[usable]))
    rows = np.flatnonzero(usable.to_numpy())
    cols = genes.get_indexer(symbols[usable])
    M = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(var), len(genes)))
    ids = symbols[usable].groupby(symbols[usable].to_numpy(), sort=False).apply(lambda s: ",".join(s.index))
    out_var = pd.DataFrame({"gene_ids": ids.reindex(genes).to_numpy()}, index=genes.rename(None))
    info.update(n_ids=len(var), n_genes=len(genes), collapse_rule="sum")
    log.info(
        "gene IDs (%s): %.1f%% mapped to symbols; %d IDs -> %d genes (duplicates summed)",
        detected,
        100 * mapped,
        len(var),
        len(genes),
    )
    return M, out_var, info


def prepare_cells(
    source,
    cells: ad.AnnData,
    writer,
    *,
    qc: Mapping | None = None,
    target_sum: float = 1e4,
    chunk_size: int = 20_000,
    id_type: str = "auto",
    annotation: pd.Series | None = None,
    organism: str = "auto",
) -> ad.AnnData:
    """QC, normalize and log-transform single-cell counts, streaming ``chunk_size`` cells.

    Parameters
    ----------
    source
        A :class:`cytoscore.io.CellSource` (raw counts; ``blocks(rows)`` yields CSR chunks).
        It is read twice: QC metrics first, then the normalized values.
    cells
        An AnnData without ``X`` whose ``obs`` are the cells to analyse (a subset of the
        source's, e.g. after group assignment) and whose ``uns`` carries the provenance so far.
    writer
        A :class:`cytoscore.io.H5adRowWriter` (anything with ``append``); receives the
        normalized CSR chunks in order.
    qc
        ``min_genes``, ``max_mito_fraction``, ``min_cells``, ``mito_prefix`` (matched
        case-insensitively); missing keys take :data:`QC_DEFAULTS`, unknown keys are an error.
    target_sum
        Counts per cell (summed over the kept genes) after scaling, before ``log1p``.
    chunk_size
        Cells per chunk, at least 1 (memory grows with it, not with the cells).
    id_type
        The gene IDs' type (:func:`symbol_matrix`).
    annotation
        Gene ID -> symbol (:func:`symbol_matrix`).
    organism
        ``auto``, ``human`` or ``mouse`` (:func:`symbol_matrix`).

    Returns
    -------
    AnnData
        The obs/var/uns of what was written (no ``X``): the kept cells with
        ``n_genes_by_counts``, ``total_counts``, ``pct_counts_mt``; the kept genes with the mean
        and sum of squared deviations of their written values (``var`` columns
        ``cytoscore_mean``, ``cytoscore_m2``) and of the same on the linear scale
        (``cytoscore_linear_mean``, ``cytoscore_linear_m2``: counts per ``target_sum``); the QC
        and normalization in ``uns["cytoscore"]``.
    """
    opts = {**QC_DEFAULTS, **dict(qc or {})}
    unknown = sorted(set(opts) - set(QC_DEFAULTS))
    if unknown:
        raise InputError(f"unknown QC options {unknown}; options are {sorted(QC_DEFAULTS)}")
    if chunk_size < 1:
        raise InputError(f"chunk_size must be at least 1, not {chunk_size}")
    M, var, id_info = symbol_matrix(source.var, id_type=id_type, annotation=annotation, organism=organism)
    if id_info["organism"]["organism"] != "human":
        log_translation(id_info["organism"])
    wanted = source.obs.index.isin(cells.obs_names)
    mito = np.asarray(var.index.astype(str).str.upper().str.startswith(opts["mito_prefix"].upper()))
    n = source.n_obs
    n_genes = np.zeros(n, np.int64)
    total = np.zeros(n)
    mito_counts = np.zeros(n)
    detected_in = np.zeros(var.shape[0], np.int64)

    def mapped(block):
        return block if M is None else sp.csr_matrix(block @ M)

    # pass 1: per-cell QC metrics; per gene, detection among cells that pass (numba loops
    # over the CSR arrays: numpy/scipy slicing of every chunk took 13 s of 23 s at 100,000 cells)
    for start, block in source.blocks(chunk_size):
        block = mapped(block)
        stop = start + block.shape[0]
        _qc_rows(
            block.indptr, block.indices, block.data, mito,
            n_genes[start:stop], total[start:stop], mito_counts[start:stop],
        )  # fmt: skip
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = mito_counts[start:stop] / total[start:stop]
        ok = wanted[start:stop] & (n_genes[start:stop] >= opts["min_genes"]) & (frac <= opts["max_mito_fraction"])
        _count_detected(block.indptr, block.indices, block.data, ok, detected_in)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = mito_counts / total
    keep_cells = wanted & (n_genes >= opts["min_genes"]) & (frac <= opts["max_mito_fraction"])
    if not keep_cells.any():
        med = float(np.median(n_genes[wanted])) if wanted.any() else 0.0
        raise InputError(
            f"{source.where}: no cell passes QC (min_genes {opts['min_genes']}, max_mito_fraction "
            f"{opts['max_mito_fraction']}); median genes per cell was {med:.0f}"
        )
    keep_genes = detected_in >= opts["min_cells"]
    gene_index = np.flatnonzero(keep_genes)
    new_column = np.full(var.shape[0], -1, np.int64)
    new_column[gene_index] = np.arange(len(gene_index))
    # pass 2: keep cells and genes, scale to target_sum, log1p, write; the written values'
    # per-gene statistics (float64, merged over chunks) go to var for scoring (mean z)
    moments: tuple = (0, 0.0, 0.0)
    linear: tuple = (0, 0.0, 0.0)
    for start, block in source.blocks(chunk_size, check=False):
        block = mapped(block)
        kept_rows = keep_cells[start : start + block.shape[0]]
        if not kept_rows.any():
            continue
        indptr, indices, data = _normalize_rows(
            block.indptr, block.indices, block.data, kept_rows, new_column, float(target_sum)
        )
        out = sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(gene_index)))
        if not out.has_sorted_indices:
            out.sort_indices()
        writer.append(out)
        moments = merge_moments(moments, block_moments(out))
        linear = merge_moments(linear, block_moments(sp.csr_matrix((np.expm1(out.data), out.indices, out.indptr), out.shape)))
    obs = cells.obs.reindex(source.obs.index[keep_cells]).copy()
    obs["n_genes_by_counts"] = n_genes[keep_cells]
    obs["total_counts"] = total[keep_cells]
    obs["pct_counts_mt"] = 100 * frac[keep_cells]
    kept_var = var.iloc[gene_index].copy()
    kept_var[GENE_STATISTICS[0]], kept_var[GENE_STATISTICS[1]] = moments[1], moments[2]
    kept_var[LINEAR_STATISTICS[0]], kept_var[LINEAR_STATISTICS[1]] = linear[1], linear[2]
    out = ad.AnnData(obs=obs, var=kept_var, uns=dict(cells.uns))
    if M is not None:
        record(out, "organism", **id_info.pop("organism"))
        record(out, "gene_id_mapping", **id_info)
    n_wanted = int(wanted.sum())
    record(
        out,
        "qc",
        **opts,
        n_mito_genes=int(mito.sum()),
        n_cells_before=n_wanted,
        n_cells_kept=int(keep_cells.sum()),
        n_genes_before=int(var.shape[0]),
        n_genes_kept=int(keep_genes.sum()),
        chunk_size=chunk_size,
    )
    record(
        out,
        "normalization",
        technology="single-cell counts",
        method=f"normalize_total (target_sum {target_sum:g}) + log1p, in chunks of {chunk_size} cells",
        values="ln(1 + counts per 10k)" if target_sum == 1e4 else f"ln(1 + counts per {target_sum:g})",
    )
    log.info(
        "QC: kept %d of %d cells, %d of %d genes",
        keep_cells.sum(),
        n_wanted,
        keep_genes.sum(),
        var.shape[0],
    )
    return out


class _RowCollector:
    """The in-memory counterpart of :class:`cytoscore.io.H5adRowWriter`: keeps the CSR chunks
    :func:`prepare_cells` appends, and reads them back as blocks (for clustering)."""

    def __init__(self) -> None:
        self.parts: list[sp.csr_matrix] = []
        self.n_obs = 0

    def append(self, block) -> None:
        self.parts.append(sp.csr_matrix(block))
        self.n_obs += block.shape[0]

    def matrix(self, n_vars: int) -> sp.csr_matrix:
        if not self.parts:
            return sp.csr_matrix((0, n_vars), dtype=np.float32)
        if len(self.parts) > 1:
            self.parts = [sp.vstack(self.parts, format="csr")]
        return self.parts[0]

    def blocks(self, rows: int):
        X = self.matrix(0)
        for start in range(0, self.n_obs, rows):
            yield start, X[start : start + rows]


def normalize_cells(
    adata: ad.AnnData,
    *,
    qc: Mapping | None = None,
    target_sum: float = 1e4,
    cluster: Mapping | None = None,
    layer: str | None = None,
    chunk_size: int = 20_000,
    max_cells: int = 100_000,
    organism: str = "auto",
) -> ad.AnnData:
    """QC, ``normalize_total`` + ``log1p`` and, with ``cluster``, Leiden clusters of single-cell
    counts held in memory: the same code as the workflow's streamed files
    (:func:`prepare_cells`, :func:`leiden_with_transfer`), so both give the same cells, genes
    and values.

    Parameters
    ----------
    adata
        Cells × genes raw counts in ``X`` (or ``layers[layer]``; ``layers["counts"]`` when
        present and ``layer`` is not given), e.g. from :func:`cytoscore.io.read_single_cell`.
        Its gene IDs' type is detected (no annotation table).
    qc
        ``min_genes``, ``max_mito_fraction``, ``min_cells``, ``mito_prefix``
        (defaults :data:`QC_DEFAULTS`).
    target_sum
        Counts per cell after scaling, before ``log1p``.
    cluster
        Options of :func:`leiden_with_transfer` (``resolution``, ``n_pcs``, ``n_neighbors``,
        ``seed``); labels in ``obs["leiden"]``. ``None`` or empty: no clustering.
    layer
        The layer holding raw counts; ``None``: ``layers["counts"]`` when present, else ``X``.
    chunk_size
        Cells per chunk of the streamed code.
    max_cells
        Cells clustered at most (the others get labels by a kNN vote).
    organism
        ``auto`` (detected from the genes), ``human`` or ``mouse``.

    Returns
    -------
    AnnData
        The kept cells and genes with ln(1 + counts per ``target_sum``) in ``X`` (CSR float32),
        the QC metrics in ``obs`` and the steps in ``uns["cytoscore"]``; the raw counts stay
        in the input.
    """
    from ..io import CellSource

    if layer is None and "counts" in adata.layers:
        layer = "counts"
    source = CellSource.from_anndata(adata, layer=layer)
    rows = _RowCollector()
    meta = prepare_cells(
        source, ad.AnnData(obs=source.obs, uns=dict(adata.uns)), rows,
        qc=qc, target_sum=target_sum, chunk_size=chunk_size, organism=organism,
    )  # fmt: skip
    if cluster:
        labels = leiden_with_transfer(
            rows.blocks, rows.n_obs, meta.var_names, max_cells=max_cells, chunk_size=chunk_size,
            provenance=meta, **dict(cluster),
        )  # fmt: skip
        meta.obs["leiden"] = pd.Categorical(labels, categories=sorted(set(labels), key=_natural))
    return ad.AnnData(X=rows.matrix(meta.n_vars), obs=meta.obs, var=meta.var, uns=meta.uns)


def prepare_single_cell(
    files: Mapping[str, object],
    out_path: str | Path,
    *,
    options: Mapping | None = None,
    normalize: Mapping | None = None,
    groups: Mapping | None = None,
    derive: list | None = None,
    chunk_size: int = 20_000,
    max_cells: int = 100_000,
) -> ad.AnnData:
    """A single-cell dataset from its files to a normalized ``.h5ad``, in bounded memory.

    The cell sheet is attached and columns derived, cells are assigned to groups (on ``obs``
    only) and the contrasts' units checked; then cells are QC-filtered and normalized by
    :func:`prepare_cells`, streaming ``chunk_size`` cells. With ``normalize["cluster"]``,
    Leiden clusters (``obs["leiden"]``) come from a subsample of at most ``max_cells`` cells
    (:func:`leiden_with_transfer`).

    Parameters
    ----------
    files
        The dataset's files by role: one of ``h5ad`` / ``tenx_mtx`` / ``tenx_h5``, optionally
        ``metadata`` (a cell sheet) and ``gene_annotation``.
    out_path
        The normalized ``.h5ad`` to write (atomically).
    options
        The dataset's load options: ``cells`` (its ``layer``), ``metadata_id_column`` (default
        ``sample``), ``gene_ids``, ``gene_annotation`` (``id_column``, ``symbol_column``),
        ``organism``, ``dialect``.
    normalize
        The dataset's ``normalize`` config: ``qc``, ``target_sum`` (default 1e4) and ``cluster``
        (options of :func:`leiden_with_transfer`; absent: no clustering).
    groups
        The dataset's ``groups`` as :func:`assign_groups` takes them (``column``, ``patterns``,
        ``table``, ``exclude``, ``compared``, ``dialect``), and ``contrasts`` for
        :func:`check_contrast_units`. Without ``patterns`` or ``table`` it is an error.
    derive
        Rules of :func:`derive_columns`, applied before the groups are assigned.
    chunk_size
        Cells per chunk.
    max_cells
        Cells clustered at most.

    Returns
    -------
    AnnData
        The written obs/var/uns (no ``X``), as :func:`prepare_cells` returns them, with
        ``obs["leiden"]`` when clustered.
    """
    from ..io import CellSource, H5adRowWriter, attach_metadata, read_sample_sheet
    from ._groups import assign_groups, check_contrast_units, derive_columns

    opts, norm, grp = dict(options or {}), dict(normalize or {}), dict(groups or {})
    check_normalize_options("cells", norm)
    files = dict(files)
    sources = {k: files.get(k) for k in ("h5ad", "tenx_mtx", "tenx_h5")}
    with CellSource(**sources, layer=(opts.get("cells") or {}).get("layer"), checksum=True) as source:
        cells = ad.AnnData(obs=source.obs.copy())
        record(
            cells,
            "source",
            kind="single_cell",
            format=source.format,
            layer=source.layer or "X",
            n_cells=source.n_obs,
            n_genes=source.n_vars,
        )
        if files.get("metadata"):
            sheet = read_sample_sheet(
                files["metadata"], id_column=opts.get("metadata_id_column", "sample"), dialect=opts.get("dialect"),
                ids=cells.obs_names,
            )
            cells = attach_metadata(cells, sheet, source=str(files["metadata"]))
        cells = derive_columns(cells, derive or [])
        cells = assign_groups(
            cells,
            column=grp.get("column"),
            patterns=grp.get("patterns"),
            table=grp.get("table"),
            exclude=grp.get("exclude") or (),
            compared=grp.get("compared"),
            dialect=grp.get("dialect"),
            others=grp.get("others", "error"),
        )
        check_contrast_units(cells.obs, grp.get("contrasts") or [])
        annotation = _annotation(files, opts)
        with H5adRowWriter(out_path) as writer:
            meta = prepare_cells(
                source,
                cells,
                writer,
                qc=norm.get("qc"),
                target_sum=norm.get("target_sum", 1e4),
                chunk_size=chunk_size,
                id_type=opts.get("gene_ids", "auto"),
                annotation=annotation,
                organism=opts.get("organism", "auto"),
            )
            if norm.get("cluster"):
                labels = leiden_with_transfer(
                    writer.blocks,
                    writer.n_obs,
                    meta.var_names,
                    max_cells=max_cells,
                    chunk_size=chunk_size,
                    provenance=meta,
                    **dict(norm["cluster"]),
                )
                meta.obs["leiden"] = pd.Categorical(labels, categories=sorted(set(labels), key=_natural))
            meta.uns["cytoscore"]["source"]["files"] = source.files  # checksums, computed meanwhile
            writer.finish(meta)
    return meta


def _annotation(files: Mapping, opts: Mapping) -> pd.Series | None:
    """The dataset's gene ID -> symbol annotation, when it has one."""
    from ._ids import read_gene_annotation

    spec = opts.get("gene_annotation")
    if not spec:
        return None
    return read_gene_annotation(
        files["gene_annotation"],
        id_column=spec.get("id_column", "id"),
        symbol_column=spec.get("symbol_column", "symbol"),
        dialect=opts.get("dialect"),
    )


def pseudobulk_counts(
    files: Mapping[str, object],
    obs: pd.DataFrame,
    by: Sequence[str],
    genes: Sequence[str],
    *,
    options: Mapping | None = None,
    chunk_size: int = 20_000,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Raw counts summed per combination of the ``by`` columns of ``obs`` (the cells QC kept:
    the dataset's cell table), over ``genes`` (the genes kept), read again from the dataset's
    files with the gene mapping :func:`prepare_cells` used, ``chunk_size`` cells at a time
    (memory grows with the profiles, not the cells). Returns the profiles × genes sums and
    the profiles (the ``by`` values and ``n_cells``), as :func:`cytoscore.tl.aggregate_counts`.

    Parameters
    ----------
    files
        The dataset's raw files (as :func:`prepare_single_cell` takes them).
    obs
        The cells QC kept (the dataset's cell table, indexed by cell), with the ``by`` columns;
        every cell must be in the files.
    by
        The columns whose combinations are the profiles (e.g. sample and cell type).
    genes
        The genes kept, in the order of the columns returned; every one must be in the files.
    options
        The dataset's load options (as :func:`prepare_single_cell` takes them): the same layer
        and gene mapping as :func:`prepare_cells`.
    chunk_size
        Cells read at a time.

    Returns
    -------
    tuple
        ``(sums, profiles)``: the profiles × genes counts (float64 ndarray), and a DataFrame of
        the profiles' ``by`` values (as strings) with ``n_cells``.
    """
    from ..io import CellSource

    opts, files = dict(options or {}), dict(files)
    missing = [c for c in by if c not in obs.columns]
    if missing:
        raise InputError(f"cannot make pseudobulk profiles by {missing}: not in the cell table")
    sources = {k: files.get(k) for k in ("h5ad", "tenx_mtx", "tenx_h5")}
    with CellSource(**sources, layer=(opts.get("cells") or {}).get("layer")) as source:
        M, var, _ = symbol_matrix(source.var, id_type=opts.get("gene_ids", "auto"), annotation=_annotation(files, opts),
                                  organism=opts.get("organism", "auto"))  # fmt: skip
        columns = var.index.get_indexer(list(genes))
        if (columns < 0).any():
            raise InputError(f"{source.where}: genes of the analysis not in the file: {list(np.asarray(genes)[columns < 0][:5])}")
        position = pd.Series(np.arange(source.n_obs), index=source.obs.index.astype(str))
        rows = position.reindex(obs.index.astype(str))
        if rows.isna().any():
            raise InputError(f"{source.where}: cells of the cell table not in the file: {rows.index[rows.isna()][:5].tolist()}")
        keys, uniques = pd.MultiIndex.from_frame(obs[list(by)].astype(str)).factorize()
        codes = np.full(source.n_obs, -1, np.int64)
        codes[rows.to_numpy(dtype=np.int64)] = keys
        # Sums over the file's own features, mapped to symbols and the kept genes once at the
        # end (summing is linear: indicator @ (block @ M) = (indicator @ block) @ M): no copy
        # of a block is made, so memory is the reader's reused buffers plus profiles × features.
        acc = np.zeros((len(uniques), source.n_vars))
        for start, block in source.blocks(chunk_size):
            code = codes[start : start + block.shape[0]]
            picked = np.flatnonzero(code >= 0)
            if not picked.size:
                continue
            # in the block's dtype (float32 counts: no float64 copy of the block); a chunk's
            # sums are exact integers up to 2**24 per gene and profile, then added in float64
            indicator = sp.csr_matrix(
                (np.ones(picked.size, dtype=block.dtype), (code[picked], picked)), shape=(len(uniques), block.shape[0])
            )
            acc += (indicator @ block).toarray()
        sums = (acc if M is None else np.asarray(M.T @ acc.T).T)[:, columns]
    profiles = pd.DataFrame(list(uniques), columns=list(by))
    profiles["n_cells"] = np.bincount(keys, minlength=len(uniques))
    return sums, profiles
