"""Readers for RNA-seq count tables as GEO deposits them, and for user expression tables."""

from __future__ import annotations

import glob
import re
from collections.abc import Sequence
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from .._provenance import record
from .._utils import InputError, sha256_file
from ._text import read_text_lines

__all__ = [
    "read_count_files",
    "read_count_matrix",
    "read_ncbi_counts",
    "read_expression_table",
    "read_sample_sheet",
    "attach_metadata",
    "expand_files",
]

#: HTSeq-count's summary lines ("__no_feature", "__ambiguous", ...) and STAR's "N_*" lines.
_SUMMARY = re.compile(r"^(__|N_(unmapped|multimapping|noFeature|ambiguous)$)")


def expand_files(pattern: str | Sequence[str]) -> list[Path]:
    """Files matching a glob pattern (or a list of paths), sorted; an error if none match."""
    if isinstance(pattern, str):
        files = sorted(Path(p) for p in glob.glob(pattern))
        if not files:
            raise InputError(f"no file matches {pattern!r}")
        return files
    return [Path(p) for p in pattern]


def _sniff_sep(path: Path, first: str) -> str:
    if path.name.lower().endswith((".csv", ".csv.gz")):
        return ","
    return "\t" if "\t" in first else ","


def _to_counts(values: pd.DataFrame, path: Path) -> np.ndarray:
    """Check that a table holds non-negative integer counts; name the file and the first bad cell."""
    numeric = values.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() & values.notna()
    if bad.to_numpy().any() or numeric.isna().to_numpy().any():
        r, c = np.argwhere(bad.to_numpy() | numeric.isna().to_numpy())[0]
        raise InputError(
            f"{path}: non-numeric or missing count {values.iat[r, c]!r} "
            f"(gene {values.index[r]!r}, column {values.columns[c]!r})"
        )
    X = numeric.to_numpy(dtype=np.float64)
    if (X < 0).any():
        r, c = np.argwhere(X < 0)[0]
        raise InputError(
            f"{path}: negative count {X[r, c]:g} (gene {values.index[r]!r}, column {values.columns[c]!r})"
        )
    if not np.all(np.mod(X, 1) == 0):
        r, c = np.argwhere(np.mod(X, 1) != 0)[0]
        raise InputError(
            f"{path}: non-integer count {X[r, c]:g} (gene {values.index[r]!r}, column "
            f"{values.columns[c]!r}); raw counts are required (use kind 'table' for normalized values)"
        )
    return X


def _read_single_count_file(path: Path) -> pd.Series:
    """One sample's counts: 2 columns (HTSeq; header optional) or featureCounts (last column)."""
    lines = [line for line in read_text_lines(path) if line.strip() and not line.startswith("#")]
    if not lines:
        raise InputError(f"{path}: empty count file")
    sep = _sniff_sep(path, lines[0])
    rows = [line.split(sep) for line in lines]
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InputError(f"{path}: row {i + 1} has {len(row)} fields, the first row has {width}")
    if width < 2:
        raise InputError(f"{path}: expected gene and count columns separated by tabs")
    header = not re.fullmatch(r"-?\d+(\.\d+)?", rows[0][-1].strip())
    body = rows[1:] if header else rows
    genes = [r[0].strip().strip('"') for r in body]
    values = pd.DataFrame({"count": [r[-1].strip() for r in body]}, index=pd.Index(genes))
    values = values[~values.index.str.match(_SUMMARY)]
    counts = _to_counts(values, path)[:, 0]
    series = pd.Series(counts, index=values.index)
    if series.index.duplicated().any():
        dup = series.index[series.index.duplicated()].unique()[:5].tolist()
        raise InputError(f"{path}: gene IDs listed twice, e.g. {dup}")
    return series


def _sample_metadata(files: list[Path], sample_pattern: str | None) -> pd.DataFrame:
    if sample_pattern is None:
        names = [re.sub(r"\.(txt|tsv|csv|counts?)(\.gz)?$", "", f.name) for f in files]
        return pd.DataFrame({"file": [f.name for f in files]}, index=pd.Index(names, name="sample"))
    rx = re.compile(sample_pattern)
    if "sample" not in rx.groupindex:
        raise InputError(f"sample_pattern {sample_pattern!r} needs a named group (?P<sample>...)")
    rows = []
    for f in files:
        m = rx.search(f.name)
        if m is None:
            raise InputError(f"{f}: file name does not match sample_pattern {sample_pattern!r}")
        rows.append({"file": f.name, **m.groupdict()})
    return pd.DataFrame(rows).set_index("sample")


def _check_samples(adata: ad.AnnData, where: str) -> None:
    dup = adata.obs_names[adata.obs_names.duplicated()].unique().tolist()
    if dup:
        raise InputError(f"{where}: duplicate sample IDs {dup}")
    totals = np.asarray(adata.X.sum(axis=1)).ravel()
    zero = adata.obs_names[totals == 0].tolist()
    if zero:
        raise InputError(f"{where}: samples with no counts at all: {zero}")


def read_count_files(files: str | Sequence[str], *, sample_pattern: str | None = None) -> ad.AnnData:
    """Read one count file per sample (``GSMxxx_<name>.txt[.gz]``) into samples × genes.

    Files hold HTSeq-count output (gene, count; with or without header; ``__*``
    summary lines dropped) or featureCounts output (the last column is the count).
    ``sample_pattern`` is a regular expression with a named group ``sample`` (and
    optionally others, which become metadata columns) applied to each file name.
    All files must list the same genes.
    """
    paths = expand_files(files)
    meta = _sample_metadata(paths, sample_pattern)
    series = [_read_single_count_file(p) for p in paths]
    genes = series[0].index
    for p, s in zip(paths[1:], series[1:], strict=True):
        if not s.index.equals(genes):
            if set(s.index) != set(genes):
                extra = sorted(set(s.index) ^ set(genes))[:5]
                raise InputError(
                    f"{p}: lists other genes than {paths[0].name} (e.g. {extra}); "
                    "count files of one dataset must come from the same annotation"
                )
    X = np.vstack([s.reindex(genes).to_numpy() for s in series])
    adata = ad.AnnData(X=X, obs=meta, var=pd.DataFrame(index=pd.Index(genes.astype(str), name="gene_id")))
    adata.obs_names = adata.obs_names.astype(str)
    _check_samples(adata, f"count files {paths[0].parent}")
    adata.layers["counts"] = adata.X.copy()
    record(
        adata,
        "source",
        kind="rnaseq_counts",
        format="one file per sample",
        n_samples=adata.n_obs,
        n_genes=adata.n_vars,
        files={p.name: sha256_file(p) for p in paths},
    )
    return adata


def _read_table(path: Path, *, index_col: int = 0) -> pd.DataFrame:
    lines = read_text_lines(path)
    data = [line for line in lines if line.strip() and not line.startswith("#")]
    if not data:
        raise InputError(f"{path}: empty table")
    sep = _sniff_sep(path, data[0])
    import io as _io

    try:
        table = pd.read_csv(_io.StringIO("\n".join(data)), sep=sep, dtype=str, index_col=index_col)
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: cannot parse the table ({exc})") from exc
    table.index = table.index.astype(str).str.strip('"')
    table.columns = table.columns.astype(str).str.strip('"')
    return table


def read_count_matrix(path: str | Path, *, gene_column: int = 0) -> ad.AnnData:
    """Read a genes × samples count matrix (TSV/CSV, gz or not; first column gene IDs).

    Non-count annotation columns that featureCounts adds (Chr, Start, End, Strand,
    Length) are dropped.
    """
    path = Path(path)
    table = _read_table(path, index_col=gene_column)
    table = table.drop(columns=[c for c in ("Chr", "Start", "End", "Strand", "Length") if c in table.columns])
    table = table[~table.index.str.match(_SUMMARY)]
    if table.index.duplicated().any():
        dup = table.index[table.index.duplicated()].unique()[:5].tolist()
        raise InputError(f"{path}: gene IDs listed twice, e.g. {dup}")
    X = _to_counts(table, path).T
    adata = ad.AnnData(
        X=X,
        obs=pd.DataFrame(index=pd.Index(table.columns, name="sample")),
        var=pd.DataFrame(index=pd.Index(table.index, name="gene_id")),
    )
    _check_samples(adata, str(path))
    adata.layers["counts"] = adata.X.copy()
    record(adata, "source", kind="rnaseq_counts", format="matrix", file=path.name, sha256=sha256_file(path))
    return adata


def read_ncbi_counts(counts: str | Path, annotation: str | Path) -> ad.AnnData:
    """Read GEO's NCBI-generated raw counts (``GSExxx_raw_counts_GRCh38.p13_NCBI.tsv.gz``).

    Rows are Entrez GeneIDs; ``annotation`` (``Human.GRCh38.p13.annot.tsv.gz``) maps
    them to symbols (column ``Symbol``), stored in ``var["symbol"]`` for
    :func:`cytoscore.pp.map_gene_ids`.
    """
    adata = read_count_matrix(counts)
    annot = _read_table(Path(annotation))
    if "Symbol" not in annot.columns:
        raise InputError(f"{annotation}: no 'Symbol' column; columns are {list(annot.columns)[:10]}")
    adata.var["symbol"] = annot["Symbol"].reindex(adata.var_names).fillna("").to_numpy(dtype=str)
    record(
        adata,
        "source",
        kind="rnaseq_counts",
        format="GEO NCBI-generated raw counts",
        files={Path(counts).name: sha256_file(counts), Path(annotation).name: sha256_file(annotation)},
        id_type="entrez",
    )
    return adata


def read_sample_sheet(path: str | Path, *, id_column: str = "sample") -> pd.DataFrame:
    """A sample (or cell) metadata table indexed by ``id_column``; IDs must be unique."""
    path = Path(path)
    table = _read_table(path, index_col=None)
    if id_column not in table.columns:
        raise InputError(f"{path}: no column {id_column!r}; columns are {list(table.columns)}")
    table = table.set_index(id_column)
    dup = table.index[table.index.duplicated()].unique()[:5].tolist()
    if dup:
        raise InputError(f"{path}: IDs listed twice in column {id_column!r}: {dup}")
    return table


def read_expression_table(path: str | Path, *, sample_sheet: str | Path | None = None) -> ad.AnnData:
    """A user's processed expression matrix (genes × samples, first column gene IDs)."""
    path = Path(path)
    table = _read_table(path)
    numeric = table.apply(pd.to_numeric, errors="coerce")
    if numeric.isna().to_numpy().any():
        r, c = np.argwhere(numeric.isna().to_numpy())[0]
        raise InputError(
            f"{path}: missing or non-numeric value {table.iat[r, c]!r} (gene {table.index[r]!r}, "
            f"sample {table.columns[c]!r})"
        )
    obs = pd.DataFrame(index=pd.Index(table.columns, name="sample"))
    if obs.index.duplicated().any():
        raise InputError(f"{path}: duplicate sample columns {obs.index[obs.index.duplicated()].tolist()}")
    # IDs listed twice (several probes of a gene, repeated symbols) stay rows of their own,
    # their ID kept in var["gene_id"]; the gene mapping collapses them by the probes rule
    ids = pd.Index(table.index.astype(str), name="gene_id")
    unique = ad.utils.make_index_unique(pd.Index(ids, name=None), join="#")
    adata = ad.AnnData(
        X=numeric.to_numpy(dtype=np.float64).T,
        obs=obs,
        var=pd.DataFrame({"gene_id": ids.to_numpy()}, index=unique),
    )
    record(adata, "source", kind="table", file=path.name, sha256=sha256_file(path))
    return adata


def attach_metadata(adata: ad.AnnData, table: pd.DataFrame, *, source: str) -> ad.AnnData:
    """Join a metadata table onto ``obs``; every observation must be in it and vice versa."""
    missing = [o for o in adata.obs_names if o not in table.index]
    extra = [o for o in table.index if o not in set(adata.obs_names)]
    if missing or extra:
        raise InputError(
            f"{source}: sample IDs do not match the data: "
            + (f"{len(missing)} in the data but not in the table (e.g. {missing[:5]})" if missing else "")
            + ("; " if missing and extra else "")
            + (f"{len(extra)} in the table but not in the data (e.g. {extra[:5]})" if extra else "")
        )
    clash = [c for c in table.columns if c in adata.obs.columns]
    joined = adata.obs.join(table.drop(columns=clash), how="left")
    for c in clash:
        joined[c] = table.loc[adata.obs_names, c].to_numpy()
    adata.obs = joined
    return adata
