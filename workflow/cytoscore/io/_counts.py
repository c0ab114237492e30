"""Readers for RNA-seq count tables as GEO deposits them, and for user expression tables."""

from __future__ import annotations

import glob
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from .._provenance import record
from .._utils import InputError, sha256_file
from ._table import DIALECT_KEY, _detect, _split, read_table, typed_columns
from ._text import read_text_lines

log = logging.getLogger(__name__)

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
    """Files matching a glob pattern (or a list of paths), sorted; an error if none match.

    Parameters
    ----------
    pattern
        A glob pattern (``counts/*.txt.gz``), or a list of paths (taken as given: neither sorted nor
        checked to exist).

    Returns
    -------
    list[Path]
        The pattern's matches, sorted; or the list's paths in their order.
    """
    if isinstance(pattern, str):
        files = sorted(Path(p) for p in glob.glob(pattern))
        if not files:
            raise InputError(f"no file matches {pattern!r}")
        return files
    if not pattern:
        raise InputError("no count file given (an empty list)")
    return [Path(p) for p in pattern]


def _to_counts(values: pd.DataFrame, path: Path) -> np.ndarray:
    """Check that a table holds non-negative integer counts; name the file and the first bad cell."""
    try:  # numpy parses the strings of a clean table at once (60,000 x 200: 2 s instead of 9 s)
        X = values.to_numpy().astype(np.float64)
    except (ValueError, TypeError):
        X = None
    if X is None or np.isnan(X).any():
        X = _numeric_or_error(values, path)
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


def _numeric_or_error(values: pd.DataFrame, path: Path) -> np.ndarray:
    """The slow, cell-by-cell reading that names the first value that is not a number."""
    numeric = values.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() & values.notna()
    if bad.to_numpy().any() or numeric.isna().to_numpy().any():
        r, c = np.argwhere(bad.to_numpy() | numeric.isna().to_numpy())[0]
        raise InputError(
            f"{path}: non-numeric or missing count {values.iat[r, c]!r} "
            f"(gene {values.index[r]!r}, column {values.columns[c]!r})"
        )
    return numeric.to_numpy(dtype=np.float64)


#: STAR --quantMode GeneCounts (ReadsPerGene.out.tab): gene, then three count columns.
STAR_COLUMNS = ("unstranded", "forward", "reverse")
#: STAR's column by library strandedness: 2 unstranded, 3 the read's strand (htseq-count -s
#: yes), 4 the reverse strand (-s reverse, dUTP / TruSeq stranded libraries).
STRANDS = ("auto", *STAR_COLUMNS)
#: ``strand: auto`` takes a strand column when this share of the reads counted on either
#: strand is on it (stranded libraries: 0.9-0.99), else the unstranded one (about 0.5).
STRANDED_SHARE = 0.75


def _read_single_count_file(path: Path) -> pd.DataFrame:
    """One sample's counts: 2 columns (HTSeq; header optional), featureCounts (last column),
    or STAR's ReadsPerGene.out.tab (``N_*`` summary lines and three count columns: one
    column per :data:`STAR_COLUMNS`). Otherwise one column, ``count``."""
    lines = [line for line in read_text_lines(path) if line.strip() and not line.startswith("#")]
    if not lines:
        raise InputError(f"{path}: empty count file")
    sep, _ = _detect(lines[:200])
    if not sep:
        raise InputError(f"{path}: expected gene and count columns separated by tabs, commas or spaces; first line: {lines[0]!r}")
    rows = _split(lines, sep)
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InputError(f"{path}: row {i + 1} has {len(row)} fields, the first row has {width}")
    if width < 2:
        raise InputError(f"{path}: expected gene and count columns separated by tabs")
    header = not re.fullmatch(r"-?\d+(\.\d+)?", rows[0][-1].strip())
    body = rows[1:] if header else rows
    genes = [r[0].strip().strip('"') for r in body]
    star = width == 4 and not header and any(g.startswith("N_noFeature") for g in genes[:10])
    columns = {name: [r[i + 1].strip() for r in body] for i, name in enumerate(STAR_COLUMNS)} if star else {
        "count": [r[-1].strip() for r in body]}  # fmt: skip
    values = pd.DataFrame(columns, index=pd.Index(genes))
    values = values[~values.index.str.match(_SUMMARY)]
    counts = pd.DataFrame(_to_counts(values, path), index=values.index, columns=values.columns)
    if counts.index.duplicated().any():
        dup = counts.index[counts.index.duplicated()].unique()[:5].tolist()
        raise InputError(f"{path}: gene IDs listed twice, e.g. {dup}")
    return counts


def _star_column(tables: list[pd.DataFrame], strand: str, where: str) -> tuple[str, dict]:
    """The STAR column to read for every sample: ``strand``, or (``auto``) the strand the
    reads are on when the library is stranded (:data:`STRANDED_SHARE`), else unstranded."""
    forward = float(sum(t["forward"].sum() for t in tables))
    reverse = float(sum(t["reverse"].sum() for t in tables))
    share = max(forward, reverse) / (forward + reverse) if forward + reverse > 0 else 0.5
    info = {"forward_share": round(forward / (forward + reverse), 4) if forward + reverse else None}
    if strand != "auto":
        return strand, {**info, "strand": strand, "chosen_by": "counts.strand"}
    chosen = ("forward" if forward > reverse else "reverse") if share >= STRANDED_SHARE else "unstranded"
    log.warning(
        "%s: STAR ReadsPerGene files, read from the %s column (%d): %.0f%% of the reads counted on a strand "
        "are on the %s strand (%s); set counts.strand to read another",
        where, chosen, 2 + STAR_COLUMNS.index(chosen), 100 * share, "forward" if forward > reverse else "reverse",
        "a stranded library" if share >= STRANDED_SHARE else f"below {STRANDED_SHARE:.0%}: an unstranded library",
    )  # fmt: skip
    return chosen, {**info, "strand": chosen, "chosen_by": "auto"}


#: What counting tools append to a sample's name (STAR's ReadsPerGene.out.tab, HTSeq's and
#: featureCounts' suffixes, text extensions), removed from file names to give sample IDs.
_TOOL_SUFFIX = re.compile(
    r"([._-]?ReadsPerGene\.out\.tab|[._-](htseq(-count)?|featureCounts|gene_?counts|counts?)(\.(txt|tsv|tab|csv))?"
    r"|\.(txt|tsv|tab|csv|out))(\.gz)?$",
    re.IGNORECASE,
)


def _sample_metadata(files: list[Path], sample_pattern: str | None) -> pd.DataFrame:
    if sample_pattern is None:
        names = [_TOOL_SUFFIX.sub("", f.name) or f.name for f in files]
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


def _need_samples(table: pd.DataFrame, path: Path, what: str) -> None:
    """A matrix read with no sample column, or no gene row, is an error that shows how it was read."""
    if table.shape[1] == 0 or table.shape[0] == 0:
        raise InputError(
            f"{path}: the {what} read as {table.attrs['dialect'].describe()} has {table.shape[0]} gene rows "
            f"and {table.shape[1]} sample columns; header as read: {[table.index.name, *table.columns][:8]}. "
            f"Fix the file, or set the dataset's {DIALECT_KEY}"
        )


def _check_varies(X: np.ndarray, where: str) -> None:
    """A matrix whose every value is the same holds nothing to score or compare."""
    if X.size and np.nanmax(X) == np.nanmin(X):
        raise InputError(f"{where}: every value is {np.nanmax(X):g}: the matrix holds nothing to score or compare")


def _check_samples(adata: ad.AnnData, where: str) -> None:
    dup = adata.obs_names[adata.obs_names.duplicated()].unique().tolist()
    if dup:
        raise InputError(f"{where}: duplicate sample IDs {dup}")
    totals = np.asarray(adata.X.sum(axis=1)).ravel()
    zero = adata.obs_names[totals == 0].tolist()
    if zero:
        raise InputError(f"{where}: samples with no counts at all: {zero}")


def read_count_files(
    files: str | Sequence[str], *, sample_pattern: str | None = None, strand: str = "auto"
) -> ad.AnnData:
    """Read one count file per sample (``GSMxxx_<name>.txt[.gz]``) into samples × genes.

    Files hold HTSeq-count output (gene, count; with or without header; ``__*``
    summary lines dropped), featureCounts output (the last column is the count) or STAR's
    ``ReadsPerGene.out.tab`` (``N_*`` lines dropped; the column of the library's
    strandedness, ``strand``).
    ``sample_pattern`` is a regular expression with a named group ``sample`` (and
    optionally others, which become metadata columns) applied to each file name.
    All files must list the same genes.

    Parameters
    ----------
    files
        A glob pattern or a list of files, one per sample.
    sample_pattern
        A regular expression with a named group ``sample``, searched in each file name; other named
        groups become metadata columns. ``None``: the file name without what counting tools append
        (``ReadsPerGene.out.tab``, ``.htseq``, ``_counts.txt``, ``.featureCounts``, ``.tsv``, ``.gz``, …).
    strand
        STAR files only: ``unstranded``, ``forward`` or ``reverse`` (STAR's columns 2, 3, 4), or
        ``auto``: the strand holding at least :data:`STRANDED_SHARE` of the reads counted on
        either strand, else unstranded (a WARNING says which; recorded in the provenance).

    Returns
    -------
    AnnData
        Samples × genes raw counts (``X`` and ``layers["counts"]``) with the files' checksums in the
        provenance.
    """
    if strand not in STRANDS:
        raise InputError(f"counts.strand must be one of {list(STRANDS)}, not {strand!r}")
    paths = expand_files(files)
    meta = _sample_metadata(paths, sample_pattern)
    tables = [_read_single_count_file(p) for p in paths]
    kinds = {tuple(t.columns) for t in tables}
    if len(kinds) > 1:
        raise InputError(f"count files {paths[0].parent}: mixed formats (STAR ReadsPerGene and others); one per dataset")
    star = {}
    column = "count"
    if "forward" in tables[0].columns:
        column, star = _star_column(tables, strand, f"count files {paths[0].parent}")
    series = [t[column] for t in tables]
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
        format="one file per sample" + (" (STAR ReadsPerGene)" if star else ""),
        **({"star": star} if star else {}),
        n_samples=adata.n_obs,
        n_genes=adata.n_vars,
        files={p.name: sha256_file(p) for p in paths},
    )
    return adata


def read_count_matrix(path: str | Path, *, gene_column: int = 0, dialect: Mapping | None = None) -> ad.AnnData:
    """Read a genes × samples count matrix (first column gene IDs) in any dialect
    :func:`~cytoscore.io.read_table` reads (TSV/CSV/semicolons/R ``write.table``, gz or not).

    Non-count annotation columns that featureCounts adds (Chr, Start, End, Strand,
    Length) are dropped.

    Parameters
    ----------
    path
        The matrix file (genes × samples).
    gene_column
        Position of the gene ID column (``0``: the first); R's row names are the IDs whatever it is.
    dialect
        ``sep`` / ``decimal`` when detection is not wanted (the config's ``dialect``).

    Returns
    -------
    AnnData
        Samples × genes raw counts (``X`` and ``layers["counts"]``), IDs in ``var["gene_id"]``; HTSeq/STAR
        summary rows dropped. Non-integer or negative values are an error naming the file, gene and sample.
    """
    path = Path(path)
    table = read_table(path, index_col=gene_column, dialect=dialect, what="count matrix")
    table = table.drop(columns=[c for c in ("Chr", "Start", "End", "Strand", "Length") if c in table.columns])
    _need_samples(table, path, "count matrix")
    summary = table.index.astype(str).str.match(_SUMMARY)
    if summary.any():  # an authors' merge of HTSeq files keeps them, anywhere in the body
        log.info(
            "%s: %d counting summary rows dropped, not genes (%s)",
            path, int(summary.sum()), ", ".join(table.index[summary].astype(str)[:6]),
        )  # fmt: skip
        table = table[~summary]
    X = _to_counts(table, path).T
    _check_varies(X, str(path))
    # IDs listed twice (symbols that several Ensembl genes share, as authors' matrices often
    # are) stay rows of their own, their ID in var["gene_id"]: the gene mapping sums them
    ids = pd.Index(table.index.astype(str), name="gene_id")
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].unique()
        log.warning(
            "%s: %d gene IDs are listed more than once (e.g. %s); their counts are summed per gene",
            path, len(dup), list(dup[:5]),
        )
    adata = ad.AnnData(
        X=X,
        obs=pd.DataFrame(index=pd.Index(table.columns, name="sample")),
        var=pd.DataFrame(
            {"gene_id": ids.to_numpy()}, index=ad.utils.make_index_unique(pd.Index(ids, name=None), join="#")
        ),
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

    Parameters
    ----------
    counts
        GEO's NCBI raw-count table (GeneID × samples).
    annotation
        GEO's NCBI gene annotation table (GeneID, Symbol, …).

    Returns
    -------
    AnnData
        Samples × Entrez GeneIDs with ``var["symbol"]``.
    """
    adata = read_count_matrix(counts)
    annot = read_table(annotation, index_col=0, what="NCBI gene annotation")
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


def read_sample_sheet(
    path: str | Path, *, id_column: str = "sample", dialect: Mapping | None = None, ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """A sample (or cell) metadata table indexed by ``id_column`` (or by its row names, when
    R's ``write.table`` wrote them without a header field, or by the one column holding every
    one of ``ids``, the data's IDs); IDs must be unique.

    Columns keep their values as strings; :func:`cytoscore.pp.tidy_obs` gives them types.

    Parameters
    ----------
    path
        The sheet, in any dialect :func:`~cytoscore.io.read_table` reads.
    id_column
        The column of sample (or cell) IDs; when the sheet has no such column, R's row names (a header one
        field short, or an empty first header field) are taken instead.
    dialect
        ``sep`` / ``decimal`` when detection is not wanted.
    ids
        The data's sample (or cell) IDs: when the sheet has no column ``id_column`` and no row
        names, the one column whose values include all of them is the ID column (a sheet that
        calls it ``sample_name``, ``Run`` or ``geo_accession``); two such columns are an error.

    Returns
    -------
    DataFrame
        The sheet indexed by ID, values as text.
    """
    path = Path(path)
    table = read_table(path, index_col=None, dialect=dialect, what="sample sheet")
    want = set(map(str, ids)) if ids is not None else None

    def holds(values) -> bool:  # every one of the data's IDs (or: no IDs to check against)
        return want is None or want <= set(pd.Index(values).astype(str).str.strip())

    if id_column in table.columns:
        table = table.set_index(id_column)
    elif table.attrs["dialect"].row_names and holds(table.index):
        log.info("%s: sample IDs are the row names (no column %r)", path, id_column)
    elif table.columns[0] == "" and holds(table.iloc[:, 0]):
        # R's write.csv / write.csv2 writes row names under an empty first header field
        log.info("%s: sample IDs are the first, unnamed column (R's row names; no column %r)", path, id_column)
        table = table.set_index(table.columns[0])
    else:
        # a sheet whose IDs are in a column of another name (sample_name, Run, shortName), with
        # R's row names 1, 2, ... beside them or not: the one column holding the data's IDs
        found = [c for c in table.columns if c != ""] if want is not None else []
        found = [c for c in found if holds(table[c])]
        if len(found) != 1:
            which = (f"; columns {found} each hold all {len(ids)} sample IDs of the data" if found else
                     f"; no column holds all {len(ids)} sample IDs of the data (e.g. {list(ids)[:3]})"
                     if ids is not None else "")  # fmt: skip
            raise InputError(
                f"{path}: no column {id_column!r} (read as {table.attrs['dialect'].describe()}); columns are "
                f"{list(table.columns)[:20]}{which}. Name the ID column with the dataset's metadata_id_column"
            )
        log.info("%s: sample IDs from column %r (no column %r; it holds the data's %d IDs)", path, found[0],
                 id_column, len(ids))  # fmt: skip
        if table.columns[0] == "":
            table = table.drop(columns="")  # R's row numbers
        table = table.set_index(found[0])
        id_column = found[0]
    table.index = table.index.astype(str).str.strip()
    table.index.name = id_column
    dup = table.index[table.index.duplicated()].unique()[:5].tolist()
    if dup:
        raise InputError(f"{path}: IDs listed twice in column {id_column!r}: {dup}")
    return table


def read_expression_table(path: str | Path, *, dialect: Mapping | None = None) -> ad.AnnData:
    """A user's processed expression matrix (genes × samples, first column gene IDs) in any
    dialect :func:`~cytoscore.io.read_table` reads.

    Parameters
    ----------
    path
        The matrix file (genes × samples; log or linear values).
    dialect
        ``sep`` / ``decimal`` when detection is not wanted.

    Returns
    -------
    AnnData
        Samples × genes with the values as written (the scale is decided by normalization).
    """
    path = Path(path)
    table = read_table(path, index_col=0, dialect=dialect, what="expression table")
    _need_samples(table, path, "expression table")
    numeric = table.apply(pd.to_numeric, errors="coerce")
    if numeric.isna().to_numpy().any():
        r, c = np.argwhere(numeric.isna().to_numpy())[0]
        raise InputError(
            f"{path}: missing or non-numeric value {table.iat[r, c]!r} (gene {table.index[r]!r}, "
            f"sample {table.columns[c]!r})"
        )
    _check_varies(numeric.to_numpy(dtype=np.float64), str(path))
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
    """Join a metadata table onto ``obs``; every observation must be in it and vice versa.

    Parameters
    ----------
    adata
        The data whose observations are annotated.
    table
        The metadata, indexed by observation ID (:func:`read_sample_sheet`).
    source
        The table's file, named in errors.

    Returns
    -------
    AnnData
        ``adata`` itself, its ``obs`` replaced by one with the table's columns (text columns as strings,
        :func:`~cytoscore.io.typed_columns`); a column already in ``obs`` takes the table's values. A
        mismatch of IDs is an error listing both sides.
    """
    missing = [o for o in adata.obs_names if o not in table.index]
    extra = [o for o in table.index if o not in set(adata.obs_names)]
    if missing or extra:
        raise InputError(
            f"{source}: sample IDs do not match the data: "
            + (f"{len(missing)} in the data but not in the table (e.g. {missing[:5]})" if missing else "")
            + ("; " if missing and extra else "")
            + (f"{len(extra)} in the table but not in the data (e.g. {extra[:5]})" if extra else "")
            + f". The data's IDs are {list(adata.obs_names[:6])}{' ...' if adata.n_obs > 6 else ''} "
            f"({adata.n_obs}); the table's are {list(table.index[:6])}{' ...' if len(table) > 6 else ''} "
            f"({len(table)})"
        )
    table = typed_columns(table)
    clash = [c for c in table.columns if c in adata.obs.columns]
    joined = adata.obs.join(table.drop(columns=clash), how="left")
    for c in clash:
        joined[c] = table.loc[adata.obs_names, c].to_numpy()
    adata.obs = joined
    return adata
