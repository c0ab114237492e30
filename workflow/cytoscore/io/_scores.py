"""Per-cell scores on disk: a wide, columnar Parquet table read one signature at a time.

A single-cell dataset has a million cells; its scores as a tidy TSV (one row per cell ×
signature × method) would be gigabytes of text that every downstream job reads whole.
Instead ``scores.parquet`` holds one row per cell (``observation``) and one float64 column
per ``<method>::<signature>``; readers take only the columns they need, so a job's memory
grows with one signature's scores, not with all of them. Bulk datasets keep the tidy
``scores.tsv``; :func:`iter_scores` reads either as tidy parts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._utils import InputError, atomic_path

__all__ = [
    "read_observations",
    "write_cell_scores",
    "gather_cell_scores",
    "score_columns",
    "read_cell_scores",
    "iter_scores",
    "read_scores",
]

SEP = "::"
ROW_GROUP = 100_000


def _column(method: str, signature: str) -> str:
    return f"{method}{SEP}{signature}"


def write_cell_scores(path: str | Path, matrices: Mapping[str, pd.DataFrame]) -> None:
    """Write method -> observations × signatures tables (same observations) as one Parquet file.

    Parameters
    ----------
    path
        The Parquet file written (atomically).
    matrices
        Method -> observations × signatures scores, all with the same observations in the same order
        (else a ``ValueError``); an empty mapping is an error.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not matrices:
        raise InputError(f"{path}: no scores to write")
    first = next(iter(matrices.values()))
    arrays = {"observation": pa.array(first.index.astype(str).to_numpy(dtype=object), pa.string())}
    for method, table in matrices.items():
        if not table.index.equals(first.index):
            raise ValueError(f"{path}: {method} scores are for other observations")
        for signature in table.columns:
            arrays[_column(method, signature)] = pa.array(table[signature].to_numpy(dtype=np.float64))
    with atomic_path(path) as tmp:
        pq.write_table(pa.table(arrays), tmp, row_group_size=ROW_GROUP, compression="zstd")


def gather_cell_scores(parts: Sequence[str | Path], path: str | Path) -> None:
    """Concatenate shards' score files (same columns) in order, one shard in memory at a time.

    Parameters
    ----------
    parts
        The shards' Parquet files, in row order.
    path
        The file written (atomically).
    """
    import pyarrow.parquet as pq

    if not parts:
        raise InputError(f"{path}: no shard's scores to gather")
    schema = pq.read_schema(parts[0])
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for part in parts:
            table = pq.read_table(part)
            if table.schema != schema:
                raise InputError(f"{part}: its score columns differ from {parts[0]}'s")
            writer.write_table(table, row_group_size=ROW_GROUP)


def score_columns(path: str | Path) -> list[tuple[str, str]]:
    """``(method, signature)`` of each score column, in file order.

    Parameters
    ----------
    path
        A ``scores.parquet`` file (only its schema is read).

    Returns
    -------
    list[tuple[str, str]]
        The ``(method, signature)`` pairs.
    """
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    return [tuple(n.split(SEP, 1)) for n in names if n != "observation"]


def read_cell_scores(
    path: str | Path, *, columns: Sequence[tuple[str, str]] | None = None, tidy: bool = True
) -> pd.DataFrame:
    """The scores of ``columns`` (``(method, signature)`` pairs; default all): tidy
    (``observation, signature, method, score``), or wide (observation index, one column per pair).

    Parameters
    ----------
    path
        A ``scores.parquet`` file.
    columns
        The ``(method, signature)`` pairs read, in this order; ``None`` reads all. A pair not in the file is
        an error.
    tidy
        Return the tidy long table; else the wide one.

    Returns
    -------
    DataFrame
        The scores.
    """

    available = score_columns(path)
    wanted = list(columns) if columns is not None else available
    missing = [c for c in wanted if c not in available]
    if missing:
        raise InputError(f"{path}: no scores for {missing[:5]}")
    return _cell_scores(path, wanted, tidy=tidy)


def _cell_scores(path: Path, wanted: list, *, tidy: bool, observations: np.ndarray | None = None) -> pd.DataFrame:
    """:func:`read_cell_scores` of checked ``wanted`` columns; ``observations``: the file's
    cell IDs already read (a million strings cost 0.3 s to read again per part)."""
    import pyarrow.parquet as pq

    names = [_column(*c) for c in wanted]
    if observations is None:
        table = pq.read_table(path, columns=["observation", *names]).to_pandas()
        table = table.set_index("observation")
    else:
        table = pq.read_table(path, columns=names).to_pandas()
        table.index = pd.Index(observations, name="observation")
    if not tidy:
        return table
    obs = table.index.to_numpy(dtype=object)
    return pd.concat(
        [
            pd.DataFrame(
                {"observation": obs, "signature": sig, "method": method, "score": table[_column(method, sig)]},
            ).reset_index(drop=True)
            for method, sig in wanted
        ],
        ignore_index=True,
    )


def iter_scores(
    path: str | Path,
    *,
    by: str = "column",
    methods: Sequence[str] | None = None,
    signatures: Sequence[str] | None = None,
) -> Iterator[pd.DataFrame]:
    """Tidy score tables, part by part: per ``(method, signature)`` (``by="column"``) or per
    signature with all its methods (``by="signature"``), optionally only some methods or
    signatures. A tidy ``.tsv`` (bulk) is read whole and split the same way.

    Parameters
    ----------
    path
        A ``scores.parquet`` (single cell: read column by column) or ``scores.tsv`` (bulk).
    by
        ``column`` (one method × signature per part) or ``signature`` (all methods of one signature);
        other values are a ``ValueError``.
    methods
        Only these methods; ``None``: all.
    signatures
        Only these signatures; ``None``: all.

    Returns
    -------
    Iterator[DataFrame]
        Tidy parts (``observation, signature, method, score``).
    """
    if by not in ("column", "signature"):
        raise ValueError(f"by must be 'column' or 'signature', not {by!r}")
    path = Path(path)
    if path.suffix == ".parquet":
        columns = [
            c
            for c in score_columns(path)
            if (methods is None or c[0] in methods) and (signatures is None or c[1] in signatures)
        ]
        import pyarrow.parquet as pq

        observations = pq.read_table(path, columns=["observation"]).column(0).to_numpy(zero_copy_only=False)
        parts = [[c] for c in columns] if by == "column" else [
            [c for c in columns if c[1] == sig] for sig in dict.fromkeys(s for _, s in columns)]  # fmt: skip
        for part in parts:
            yield _cell_scores(path, part, tidy=True, observations=observations)
        return
    table = read_scores(path)
    if methods is not None:
        table = table[table["method"].isin(methods)]
    if signatures is not None:
        table = table[table["signature"].isin(signatures)]
    keys = ["method", "signature"] if by == "column" else ["signature"]
    for _, part in table.groupby(keys, sort=False):
        yield part.reset_index(drop=True)


def read_observations(path: str | Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A dataset's ``samples.tsv`` as the prepare steps write it: one row per sample or cell,
    indexed by ``observation``, every value as text (as written: "0" stays "0", an ID keeps
    its leading zeros); only ``columns`` when given (a million cells' sheet read in part).

    Parameters
    ----------
    path
        A dataset's ``samples.tsv``.
    columns
        Read only these columns (and the index).

    Returns
    -------
    DataFrame
        The observations' metadata, values as text.
    """
    usecols = ["observation", *columns] if columns is not None else None
    return pd.read_csv(path, sep="\t", index_col="observation", dtype=str, usecols=usecols)


def read_scores(path: str | Path) -> pd.DataFrame:
    """A whole tidy score table (``scores.tsv``, or every column of ``scores.parquet``).

    Parameters
    ----------
    path
        ``scores.tsv`` or ``scores.parquet``.

    Returns
    -------
    DataFrame
        Tidy scores (``observation, signature, method, score``).
    """
    path = Path(path)
    if path.suffix == ".parquet":
        return read_cell_scores(path)
    return pd.read_csv(path, sep="\t", dtype={"observation": str})
