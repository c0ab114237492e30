"""One reader for every delimited table a user brings: sample sheets, metadata, count and
expression matrices, annotation and weight tables.

It reads a file as it is and says how it read it: the delimiter (tab, comma, semicolon or
runs of spaces), quoting, R's ``write.table`` header one field short of the rows (the rows
then start with row names), decimal commas, a byte-order mark, CRLF line endings, gzip
(by its magic bytes, whatever the name) and ``#`` comment lines. The dialect is logged and
kept with the table (``table.attrs["dialect"]``). A reading that would give no rows, or one
column where several are needed, is an error that shows the first line as read, the dialect,
and the config key that forces one (``dialect: {sep: ..., decimal: ...}``); it never falls
back to a guess.

Why not a library: ``csv.Sniffer`` picks a delimiter from a character frequency table and
is easily misled (a comma-separated file whose text has semicolons, decimal commas in a
semicolon file); clevercsv scores dialects well but knows neither decimal commas nor R's
short header nor whitespace runs, which are the dialects biologists' files come in, and
the choice must be explained in one line either way. The rule here is clevercsv's
(Van den Burg et al. 2019): a dialect must give every row the same number of fields, and
among those that do, the one whose cells look most like clean values (numbers,
identifiers) wins. Parsing itself is pandas' C reader with the detected dialect.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._utils import InputError
from ._text import read_text

__all__ = ["Dialect", "read_table", "typed_columns", "SEPARATORS", "DIALECT_KEY"]

log = logging.getLogger(__name__)

#: Delimiters by the name the config uses (``dialect.sep``), in the order ties are broken.
SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "whitespace": " "}
_NAMES = {v: k for k, v in SEPARATORS.items()}
#: The config key that forces a dialect, named in every message about one.
DIALECT_KEY = "dialect: {sep: tab|comma|semicolon|whitespace, decimal: '.'|','}"

_SAMPLE_LINES = 200
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d*,\d+([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")
_NA = {"", "NA", "NaN", "nan", "null", "NULL", "-", "n/a", "N/A", "#N/A"}


@dataclass(frozen=True)
class Dialect:
    """How a table was read; :meth:`describe` says it in one line."""

    sep: str
    decimal: str = "."
    quoted: bool = False
    row_names: bool = False
    bom: bool = False
    crlf: bool = False
    gzip: bool = False
    comments: int = 0
    forced: bool = False

    def describe(self) -> str:
        if self.sep == R_DATA:
            return "an R data file (pyreadr), one data frame" + (" with row names" if self.row_names else "")
        parts = [f"{_NAMES.get(self.sep, repr(self.sep))}-separated" + (" (as configured)" if self.forced else "")]
        if self.decimal == ",":
            parts.append("decimal commas")
        if self.quoted:
            parts.append("quoted fields")
        if self.row_names:
            parts.append("header one field short (R row names)")
        if self.bom:
            parts.append("byte-order mark")
        if self.crlf:
            parts.append("CRLF line endings")
        if self.gzip:
            parts.append("gzip")
        if self.comments:
            parts.append(f"{self.comments} comment line(s) skipped")
        return ", ".join(parts)


def _split(lines: list[str], sep: str) -> list[list[str]]:
    if sep == " ":
        return [next(csv.reader([ln.replace("\t", " ").strip()], delimiter=" ", skipinitialspace=True)) for ln in lines]
    return list(csv.reader(lines, delimiter=sep, quotechar='"'))


def _clean(cell: str, sep: str) -> bool:
    cell = cell.strip()
    if cell in _NA or _NUMBER.match(cell):
        return True
    # spaces are common inside text: they count against a reading only by other delimiters
    return not any(c in cell for c in SEPARATORS.values() if c not in (sep, " "))


def _fit(lines: list[str], sep: str) -> tuple[float, int, bool] | None:
    """(type score, width, header short) of a delimiter on the sample, or None if it does not
    give every body row the same number (>= 2) of fields and the header that or one fewer."""
    rows = _split(lines, sep)
    body = rows[1:] or rows
    width = len(body[0])
    if width < 2 or any(len(r) != width for r in body):
        return None
    header = len(rows[0])
    if header not in (width, width - 1):
        return None
    cells = [c for r in body for c in r]
    score = sum(_clean(c, sep) for c in cells) / max(len(cells), 1)
    return score, width, header == width - 1


def _first_line(lines: list[str]) -> str:
    first = lines[0] if lines else ""
    return repr(first[:160] + ("..." if len(first) > 160 else ""))


def _detect(lines: list[str]) -> tuple[str, bool]:
    fits = {}
    for sep in SEPARATORS.values():
        fit = _fit(lines, sep)
        if fit is not None:
            fits[sep] = fit
    if len(fits) > 1:  # runs of spaces only when no real delimiter reads the file evenly
        fits.pop(" ", None)
    if not fits:
        return "", False
    order = list(SEPARATORS.values())
    # the cleanest cells win; on a tie, tab, comma, semicolon, then spaces
    best = max(fits, key=lambda s: (round(fits[s][0], 6), -order.index(s)))
    return best, fits[best][2]


def _decimal_commas(frame: pd.DataFrame, path: Path, what: str) -> bool:
    """Whether the numbers are written with decimal commas (21,5). Numbers that could as well
    carry thousands separators (1,234 only, never 21,5) are an error, not a guess."""
    sample = frame.head(_SAMPLE_LINES)
    values = pd.Series(sample.to_numpy().ravel()).astype(str).str.strip()
    comma = values[values.str.match(_COMMA_DECIMAL) | values.str.match(_THOUSANDS)]
    if comma.empty or values.str.match(r"^[+-]?\d*\.\d+([eE][+-]?\d+)?$").any():
        return False
    if comma.str.match(_THOUSANDS).all():
        raise InputError(
            f"{path}: numbers of the {what} such as {comma.iloc[0]!r} may be decimal commas or thousands "
            "separators; set the dataset's dialect: {decimal: ','} if they are decimals, or write the numbers "
            "without thousands separators"
        )
    return True


def _resolve_sep(sep: str | None) -> str | None:
    if sep is None:
        return None
    if sep in SEPARATORS:
        return SEPARATORS[sep]
    if sep in _NAMES:
        return sep
    raise InputError(f"dialect.sep {sep!r}: use one of {sorted(SEPARATORS)}")


#: Dialect.sep of a table read from R's serialization (saveRDS / save), not from text.
R_DATA = "R data"


def _is_r_data(path: Path) -> bool:
    """saveRDS / save output (gzip, bzip2, xz or none): R's serialization header once the
    first block is unpacked."""
    import bz2
    import lzma
    import zlib

    try:
        with open(path, "rb") as fh:
            block = fh.read(1 << 16)
    except OSError:
        return False  # read_text says why
    unpack = {b"\x1f\x8b": lambda: zlib.decompressobj(31), b"BZ": bz2.BZ2Decompressor,
              b"\xfd7": lzma.LZMADecompressor}.get(block[:2])  # fmt: skip
    try:
        head = unpack().decompress(block)[:8] if unpack else block[:8]
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
        return False
    return head[:2] in (b"X\n", b"A\n", b"B\n") or head[:4] in (b"RDX2", b"RDX3", b"RDA2", b"RDA3")


def _read_r_data(path: Path, what: str) -> tuple[pd.DataFrame, bool]:
    """The one data frame (or matrix) of an .rds / .RData file as text cells, and whether its
    row names are the index. Other R objects (a DGEList, a SummarizedExperiment, a Seurat
    object) are an error saying how to write a table from R."""
    import pyreadr

    how = "in R: write.csv(as.data.frame(x), file) (for a DGEList, x$counts) and give that file"
    try:
        objects = pyreadr.read_r(str(path))
    except Exception as exc:  # noqa: BLE001 - pyreadr's LibrdataError and the like
        raise InputError(f"{path}: an R data file, but not a data frame or matrix pyreadr can read ({exc}); {how}") from exc
    if len(objects) != 1:
        raise InputError(f"{path}: an R data file with {len(objects)} objects {list(objects)[:5]}; "
                         f"the {what} must be one data frame: save one with saveRDS")  # fmt: skip
    frame = next(iter(objects.values()))
    index = frame.index.astype(str).tolist()
    numbers = [str(i) for i in range(len(frame))]
    # R's automatic row names (1..n; pyreadr gives 0..n-1 or the numbers as text) name nothing
    row_names = index not in (numbers, [str(i + 1) for i in range(len(frame))])
    frame = frame.reset_index() if row_names else frame
    frame.columns = ["" if row_names and i == 0 else str(c) for i, c in enumerate(frame.columns)]
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    for col in frame.columns:  # whole numbers stored as doubles are written as R writes them
        if pd.api.types.is_float_dtype(frame[col]):
            values = frame[col].to_numpy()
            whole = np.isfinite(values) & (values == np.round(values))
            text.loc[whole, col] = [str(int(v)) for v in values[whole]]
    return text, row_names


def read_table(
    path: str | Path,
    *,
    dialect: Mapping | None = None,
    index_col: int | None = None,
    what: str = "table",
    min_columns: int = 2,
    comment: str = "#",
) -> pd.DataFrame:
    """Read a delimited text table (gz or not) into a DataFrame of strings.

    Parameters
    ----------
    path
        The file.
    dialect
        ``{"sep": "tab"|"comma"|"semicolon"|"whitespace", "decimal": "."|","}`` forcing
        what is otherwise detected (each key optional; ``sep`` may also be the character itself).
    index_col
        Column to use as the index (``0``: the first); with R's short header the row names
        are always the index.
    what
        What the table is, for messages ("count matrix", "sample sheet").
    min_columns
        Fewer columns (index included) is an error showing the first line as read.
    comment
        Lines starting with this are skipped (and counted in the dialect); ``""``: none are.

    Returns
    -------
    DataFrame
        The table with stripped, unquoted names and string cells (empty cells are ``""``);
        numbers written with decimal commas are rewritten with points. The dialect read is in
        ``table.attrs["dialect"]`` (a :class:`Dialect`).
    """
    path = Path(path)
    dialect = dict(dialect or {})
    if _is_r_data(path):
        return _r_table(path, what=what, index_col=index_col, min_columns=min_columns)
    stored = read_text(path)
    text, bom, zipped = stored.text, stored.bom, stored.gzip
    crlf = "\r\n" in text[:100_000]
    all_lines = text.splitlines()
    lines = [ln for ln in all_lines if ln.strip() and not (comment and ln.startswith(comment))]
    comments = sum(1 for ln in all_lines if comment and ln.startswith(comment))
    if not lines:
        raise InputError(f"{path}: the {what} is empty (no line other than blank or {comment!r} comment lines)")
    forced = _resolve_sep(dialect.get("sep"))
    sample = lines[: _SAMPLE_LINES + 1]
    if forced is not None:
        sep = forced
        fit = _fit(sample, sep)
        short = bool(fit and fit[2])
    else:
        sep, short = _detect(sample)
    if not sep:
        if min_columns > 1:
            widths = {name: sorted({len(r) for r in _split(sample, s)}) for name, s in SEPARATORS.items()}
            raise InputError(
                f"{path}: cannot read the {what} as a table of at least {min_columns} columns: no delimiter "
                f"(tab, comma, semicolon, spaces) gives every line the same number of fields "
                f"(fields per line: {widths}). First line as read: {_first_line(lines)}. "
                f"Fix the file, or set the dataset's {DIALECT_KEY}"
            )
        sep = "\t"
    header = _split(lines[:1], sep)[0]
    body = "\n".join(ln.replace("\t", " ").strip() if sep == " " else ln for ln in lines[1:])
    width = len(header) + (1 if short else 0)
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            sep=r"\s+" if sep == " " else sep,
            header=None,
            names=list(range(width)),
            dtype=str,
            na_filter=False,
            quotechar='"',
            skip_blank_lines=True,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(
            f"{path}: the {what} read as {_NAMES.get(sep, sep)}-separated has rows of different lengths "
            f"({str(exc).strip()}); header has {len(header)} fields. First line as read: {_first_line(lines)}. "
            f"Fix the file, or set the dataset's {DIALECT_KEY}"
        ) from exc
    ragged = frame.isna().any(axis=1).to_numpy()
    if ragged.any():
        row = int(ragged.argmax())
        raise InputError(
            f"{path}, line {row + 2 + comments}: fewer fields than the header's {len(header)} "
            f"(read as {_NAMES.get(sep, sep)}-separated). Fix the file, or set the dataset's {DIALECT_KEY}"
        )
    names = [str(h).strip().strip('"').strip() for h in header]
    frame.columns = ([""] if short else []) + names
    # a delimiter at the end of every line (Excel, some R exports) makes an unnamed empty column
    trailing = [i for i, c in enumerate(frame.columns) if i > 0 and c == "" and not frame.iloc[:, i].str.strip().any()]
    if trailing:
        frame = frame.iloc[:, [i for i in range(frame.shape[1]) if i not in trailing]]
        log.info("%s: dropped %d unnamed empty column(s) (a delimiter at the end of each line)", path, len(trailing))
    quoted = '"' in lines[0] or '"' in lines[min(1, len(lines) - 1)]
    decimal = dialect.get("decimal") or ("," if sep != "," and _decimal_commas(frame, path, what) else ".")
    if decimal == ",":
        for col in frame.columns:
            values = frame[col].str.strip()
            hit = values.str.match(_COMMA_DECIMAL)
            if hit.any():
                frame[col] = values.where(~hit, values.str.replace(",", ".", regex=False))
    read = Dialect(
        sep=sep,
        decimal=decimal,
        quoted=quoted,
        row_names=short,
        bom=bom,
        crlf=crlf,
        gzip=zipped,
        comments=comments,
        forced=forced is not None,
    )
    fix = f". First line as read: {_first_line(lines)}. Fix the file, or set the dataset's {DIALECT_KEY}"
    return _finish(frame, read, path=path, what=what, index_col=index_col, min_columns=min_columns, fix=fix)


def _r_table(path: Path, *, what: str, index_col: int | None, min_columns: int) -> pd.DataFrame:
    """:func:`read_table` of an .rds / .RData file: its data frame as text cells, R's row
    names (when it has them) as the index."""
    frame, row_names = _read_r_data(path, what)
    read = Dialect(sep=R_DATA, row_names=row_names)
    return _finish(frame, read, path=path, what=what, index_col=index_col, min_columns=min_columns, fix="")


def _finish(
    frame: pd.DataFrame, read: Dialect, *, path: Path, what: str, index_col: int | None, min_columns: int, fix: str
) -> pd.DataFrame:
    """The table as read (``read``): enough columns, its index (R's row names always), the
    dialect in ``attrs`` and a log line."""
    if read.row_names:
        index_col = 0
    if frame.shape[1] < min_columns:
        raise InputError(
            f"{path}: the {what} has {frame.shape[1]} column(s), at least {min_columns} are needed "
            f"(read as {read.describe()}){fix}"
        )
    if index_col is not None:
        frame = frame.set_index(frame.columns[index_col])
        frame.index = frame.index.astype(str).str.strip()
    frame.attrs["dialect"] = read
    log.info("%s: %s read as %s (%d rows x %d columns)", path, what, read.describe(), *frame.shape)
    return frame


def typed_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Metadata columns as any writer takes them: every text column becomes strings as the
    file wrote them (empty or missing cells ``""``; numbers keep their spelling, so that a
    group pattern ``^0$`` still matches day ``0``; decimal commas are already points), so a
    column empty in every row (as GEO submission templates leave them), or one that mixes
    numbers and text, never breaks a write. Numeric, boolean and categorical columns are kept;
    the statistics read numbers where they need them (covariates).

    Parameters
    ----------
    frame
        A metadata table (``obs``, a sample sheet).

    Returns
    -------
    DataFrame
        A copy: numeric, boolean and categorical columns as they were, the others as object columns of
        stripped strings (missing cells ``""``).
    """
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(values.dtype):
            continue
        out[col] = values.astype(object).where(values.notna(), "").astype(str).str.strip().to_numpy(dtype=object)
    return out
