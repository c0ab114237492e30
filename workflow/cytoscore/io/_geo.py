"""Readers for NCBI GEO files: series matrices and platform (GPL) annotation tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._utils import InputError
from ._text import read_text_lines

__all__ = [
    "SeriesMatrix",
    "read_series_matrix",
    "read_platform_table",
    "read_series_platforms",
    "geo_series_matrix_url",
    "geo_platform_annot_url",
    "geo_platform_soft_url",
    "SYMBOL_COLUMNS",
]

GEO_FTP = "https://ftp.ncbi.nlm.nih.gov/geo"

#: Column names that hold gene symbols in the annotation forms GEO publishes
#: (platform SOFT / full table: "Gene Symbol"; .annot.gz: "Gene symbol"; some
#: submitter tables: "GENE_SYMBOL", "Symbol").
SYMBOL_COLUMNS = ("Gene Symbol", "Gene symbol", "GENE_SYMBOL", "Symbol", "SYMBOL", "gene_symbol")

_NA_STRINGS = {"", "null", "NULL", "NA", "N/A", "NaN", "nan", "-"}


def _geo_stub(accession: str, prefix: str) -> str:
    match = re.fullmatch(rf"{prefix}(\d+)", accession)
    if not match:
        raise InputError(f"not a GEO {prefix} accession: {accession!r}")
    digits = match.group(1)
    return f"{prefix}{digits[:-3]}nnn" if len(digits) > 3 else f"{prefix}nnn"


def geo_series_matrix_url(accession: str, platform: str | None = None) -> str:
    """URL of a series matrix; with ``platform`` the per-platform file of a multi-platform series.

    Parameters
    ----------
    accession
        A GEO series, e.g. ``GSE55235``.
    platform
        For a series on several platforms, the platform of the file wanted
        (``GSExxx-GPLyyy_series_matrix.txt.gz``); ``None``: the series' single file.

    Returns
    -------
    str
        The https URL on GEO's FTP site.
    """
    stub = _geo_stub(accession, "GSE")
    name = f"{accession}-{platform}" if platform else accession
    return f"{GEO_FTP}/series/{stub}/{accession}/matrix/{name}_series_matrix.txt.gz"


def geo_platform_soft_url(platform: str) -> str:
    """URL of a platform's family SOFT file (holds the platform annotation table).

    Parameters
    ----------
    platform
        A GEO platform, e.g. ``GPL96``.

    Returns
    -------
    str
        The https URL of ``GPLxxx_family.soft.gz``.
    """
    stub = _geo_stub(platform, "GPL")
    return f"{GEO_FTP}/platforms/{stub}/{platform}/soft/{platform}_family.soft.gz"


def geo_platform_annot_url(platform: str) -> str:
    """URL of a platform's GEO annotation file (``GPLxxx.annot.gz``; column ``Gene symbol``).

    Parameters
    ----------
    platform
        A GEO platform, e.g. ``GPL570``.

    Returns
    -------
    str
        The https URL of ``GPLxxx.annot.gz``.
    """
    stub = _geo_stub(platform, "GPL")
    return f"{GEO_FTP}/platforms/{stub}/{platform}/annot/{platform}.annot.gz"


@dataclass
class SeriesMatrix:
    """Content of a GEO series matrix file.

    Attributes
    ----------
    series
        ``!Series_*`` fields; repeated fields keep every value in a list.
    samples
        One row per sample (index: GSM accession), columns from ``!Sample_*`` lines;
        ``characteristics_ch*`` lines of the form ``key: value`` become a column ``key``.
    values
        Probes × samples table of the values between the table markers.
    """

    path: Path
    series: dict[str, list[str]]
    samples: pd.DataFrame
    values: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def platforms(self) -> list[str]:
        return self.series.get("platform_id", [])


def _split_fields(line: str) -> list[str]:
    return [f[1:-1] if len(f) >= 2 and f[0] == f[-1] == '"' else f for f in line.split("\t")]


def _sample_table(path: Path, rows: list[tuple[int, str, list[str]]]) -> pd.DataFrame:
    accessions = next((vals for _, key, vals in rows if key == "geo_accession"), None)
    if accessions is None:
        raise InputError(f"{path}: no !Sample_geo_accession line; is this a GEO series matrix?")
    n = len(accessions)
    columns: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for lineno, key, vals in rows:
        if len(vals) != n:
            raise InputError(f"{path}, line {lineno}: !Sample_{key} has {len(vals)} values for {n} samples")
        if re.fullmatch(r"characteristics_ch\d+", key) and any(": " in v for v in vals):
            # one "key: value" line; keys may differ between samples of the same line
            for i, value in enumerate(vals):
                if not value:
                    continue
                name, sep, content = value.partition(": ")
                name = name.strip() if sep else key
                content = content.strip() if sep else value
                col = columns.setdefault(name, [""] * n)
                col[i] = f"{col[i]}; {content}" if col[i] else content
            continue
        seen[key] = seen.get(key, 0) + 1
        name = key if seen[key] == 1 else f"{key}_{seen[key]}"
        columns[name] = list(vals)
    frame = pd.DataFrame(columns, index=pd.Index(accessions, name="sample"))
    if frame.index.duplicated().any():
        dup = frame.index[frame.index.duplicated()].unique().tolist()
        raise InputError(f"{path}: duplicate sample accessions {dup}")
    return frame


def read_series_matrix(path: str | Path) -> SeriesMatrix:
    """Parse a GEO series matrix (``*_series_matrix.txt[.gz]``).

    Parameters
    ----------
    path
        The series matrix file (gzip or not, detected by its content).

    Returns
    -------
    SeriesMatrix
        The values (probes × samples; GEO's empty/``null``/``NA`` values as NaN), the ``!Sample_*``
        metadata and the ``!Series_*`` header.

    Raises
    ------
    InputError
        For a truncated file (no ``!series_matrix_table_end``), rows with the
        wrong number of fields, non-numeric values, or sample columns that do not
        match ``!Sample_geo_accession``; the message names the file and line.
    """
    path = Path(path)
    lines = read_text_lines(path)
    series: dict[str, list[str]] = {}
    sample_rows: list[tuple[int, str, list[str]]] = []
    begin = end = None
    for lineno, line in enumerate(lines, start=1):
        if line.startswith("!series_matrix_table_begin"):
            begin = lineno
            break
        if line.startswith("!Series_"):
            key, _, rest = line[len("!Series_") :].partition("\t")
            series.setdefault(key, []).extend(_split_fields(rest) if rest else [""])
        elif line.startswith("!Sample_"):
            key, _, rest = line[len("!Sample_") :].partition("\t")
            sample_rows.append((lineno, key, _split_fields(rest)))
    if begin is None:
        raise InputError(
            f"{path}: no '!series_matrix_table_begin' line; not a GEO series matrix or truncated"
        )
    for lineno in range(begin + 1, len(lines) + 1):
        if lines[lineno - 1].startswith("!series_matrix_table_end"):
            end = lineno
            break
    if end is None:
        raise InputError(
            f"{path}: truncated: the table starting at line {begin} has no "
            "'!series_matrix_table_end' line; download the file again"
        )
    if end == begin + 1:
        raise InputError(f"{path}, line {begin + 1}: the expression table is empty")
    samples = _sample_table(path, sample_rows)
    header = _split_fields(lines[begin])
    if header[0] != "ID_REF":
        raise InputError(f"{path}, line {begin + 1}: expected the header 'ID_REF', found {header[0]!r}")
    columns = header[1:]
    if list(columns) != list(samples.index):
        raise InputError(
            f"{path}, line {begin + 1}: table columns {columns[:3]}... do not match the "
            f"!Sample_geo_accession values {list(samples.index[:3])}..."
        )
    ncol = len(header)
    ids: list[str] = []
    data = np.empty((end - begin - 2, ncol - 1), dtype=np.float64)
    for i, lineno in enumerate(range(begin + 2, end)):
        fields = _split_fields(lines[lineno - 1])
        if len(fields) != ncol:
            raise InputError(
                f"{path}, line {lineno}: {len(fields)} fields, expected {ncol} (ID_REF + samples)"
            )
        ids.append(fields[0])
        try:
            data[i] = [np.nan if v in _NA_STRINGS else float(v) for v in fields[1:]]
        except ValueError as exc:
            raise InputError(f"{path}, line {lineno}: non-numeric value ({exc})") from exc
    values = pd.DataFrame(data, index=pd.Index(ids, name="ID_REF"), columns=samples.index)
    if values.index.duplicated().any():
        dup = values.index[values.index.duplicated()].unique()[:5].tolist()
        raise InputError(f"{path}: duplicate probe IDs in the table, e.g. {dup}")
    return SeriesMatrix(path=path, series=series, samples=samples, values=values)


def read_platform_table(path: str | Path, *, symbol_column: str | None = None) -> pd.DataFrame:
    """Read a GEO platform annotation table in any of the forms GEO publishes.

    Platform SOFT (``GPLxxx_family.soft.gz``, column ``Gene Symbol``), annotation file
    (``GPLxxx.annot.gz``, column ``Gene symbol``), both with the table between
    ``!platform_table_begin`` / ``!platform_table_end``; or the full table download (a
    plain tab-separated table, optional ``#`` comment lines, first column ``ID``).

    Parameters
    ----------
    path
        The platform file (SOFT, annotation file or full table; gzip or not).
    symbol_column
        Column holding gene symbols. By default (``None``) the first of :data:`SYMBOL_COLUMNS`
        that the table has; no such column, or a named one the table lacks, is an error.

    Returns
    -------
    DataFrame
        Indexed by probe ``ID`` (strings) with every column of the table as text; the gene symbol
        column is copied, stripped, to a column named ``symbol`` and its name kept in
        ``attrs["symbol_column"]``.
    """
    path = Path(path)
    lines = read_text_lines(path)
    begin = next((i for i, line in enumerate(lines) if line.startswith("!platform_table_begin")), None)
    if begin is None:
        if any(line.startswith(("^PLATFORM", "^Annotation", "!Platform_")) for line in lines[:200]):
            raise InputError(f"{path}: no '!platform_table_begin' line; the platform file is truncated")
        # GEO's full table download: a plain table, '#' comment lines, header starting with ID
        begin = next((i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), 0) - 1
        end = len(lines)
    else:
        end = next(
            (i for i in range(begin + 1, len(lines)) if lines[i].startswith("!platform_table_end")),
            None,
        )
        if end is None:
            raise InputError(
                f"{path}: truncated: the platform table starting at line {begin + 1} has no "
                "'!platform_table_end' line; download the file again"
            )
    header = lines[begin + 1].split("\t")
    if not header or header[0] != "ID":
        raise InputError(f"{path}, line {begin + 2}: expected a header starting with 'ID'")
    rows = []
    for i in range(begin + 2, end):
        fields = lines[i].split("\t")
        if len(fields) < len(header):
            fields += [""] * (len(header) - len(fields))
        elif len(fields) > len(header):
            raise InputError(f"{path}, line {i + 1}: {len(fields)} fields, the header has {len(header)}")
        rows.append(fields)
    table = pd.DataFrame(rows, columns=header, dtype=str).set_index("ID")
    if symbol_column is None:
        symbol_column = next((c for c in SYMBOL_COLUMNS if c in table.columns), None)
        if symbol_column is None:
            raise InputError(
                f"{path}: the platform table has no gene symbol column (looked for "
                f"{', '.join(SYMBOL_COLUMNS)}); its columns are {list(table.columns)}. "
                "Set the dataset option 'probes: symbol_column' to the right one."
            )
    elif symbol_column not in table.columns:
        raise InputError(
            f"{path}: configured symbol column {symbol_column!r} is not in the platform table; "
            f"its columns are {list(table.columns)}"
        )
    table["symbol"] = table[symbol_column].fillna("").str.strip()
    table.attrs["symbol_column"] = symbol_column
    return table


def read_series_platforms(path: str | Path) -> list[str]:
    """The ``!Series_platform_id`` values of a series matrix, reading only its header.

    Parameters
    ----------
    path
        The series matrix file.

    Returns
    -------
    list[str]
        The platform IDs, e.g. ``["GPL96"]``.
    """
    import gzip

    path = Path(path)
    platforms: list[str] = []
    try:
        with open(path, "rb") as handle:
            opener = gzip.open if handle.read(2) == b"\x1f\x8b" else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("!series_matrix_table_begin"):
                    break
                if line.startswith("!Series_platform_id"):
                    platforms += [p for p in _split_fields(line.rstrip("\r\n"))[1:] if p]
    except (EOFError, OSError) as exc:
        raise InputError(f"{path}: cannot read the header ({exc})") from exc
    if not platforms:
        raise InputError(f"{path}: no !Series_platform_id line; not a GEO series matrix?")
    return platforms
