"""Assigning samples to the comparison groups the config names."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import anndata as ad
import pandas as pd

from .._provenance import record
from .._utils import InputError

__all__ = ["assign_groups", "derive_columns", "read_group_table", "sample_table"]

log = logging.getLogger(__name__)


def read_group_table(path: str | Path, *, dialect: Mapping | None = None) -> pd.Series:
    """Read a sample sheet with columns ``sample`` and ``group``, in any dialect
    :func:`cytoscore.io.read_table` reads (TSV, CSV, semicolons, ...)."""
    from ..io._table import read_table

    path = Path(path)
    table = read_table(path, dialect=dialect, what="sample sheet")
    read = table.attrs["dialect"]
    table = table.apply(lambda col: col.str.strip())
    missing = {"sample", "group"} - set(table.columns)
    if missing:
        raise InputError(
            f"{path}: the sample sheet needs columns 'sample' and 'group'; "
            f"missing {sorted(missing)}, found {list(table.columns)} (read as {read.describe()})"
        )
    dup = table["sample"][table["sample"].duplicated()].unique().tolist()
    if dup:
        raise InputError(f"{path}: samples listed more than once: {dup}")
    empty = table.index[table["group"].str.strip() == ""]
    if len(empty):
        line = int(empty[0]) + 2 + read.comments
        raise InputError(f"{path}, line {line}: empty group for sample {table['sample'][empty[0]]!r}")
    return table.set_index("sample")["group"].str.strip()


def _describe(values: pd.Series, limit: int = 20) -> str:
    counts = values.value_counts(sort=True)
    shown = [f"{v!r} (n={n})" for v, n in counts.head(limit).items()]
    more = f" and {len(counts) - limit} more" if len(counts) > limit else ""
    return ", ".join(shown) + more


def assign_groups(
    adata: ad.AnnData,
    *,
    column: str | None = None,
    patterns: Mapping[str, str] | None = None,
    table: pd.Series | str | Path | None = None,
    exclude: Sequence[str] = (),
    compared: Mapping[str, str] | None = None,
    key_added: str = "group",
    dialect: Mapping | None = None,
) -> ad.AnnData:
    """Map every sample to exactly one group, or drop it when explicitly excluded.

    Parameters
    ----------
    column
        ``obs`` column whose values ``patterns`` are matched against.
    patterns
        Group name -> regular expression (``re.search``; add ``(?i)`` for
        case-insensitive). A value must match exactly one group's pattern.
    table
        Alternative to ``column``/``patterns``: sample -> group (a Series or a
        sample sheet path, see :func:`read_group_table`).
    exclude
        Sample IDs to leave out of the analysis.
    compared
        Group -> the config key that compares it (``contrasts.<name>.target``): such a group
        without any sample is an error here, before anything is scored.
    dialect
        Forces how a sample sheet ``table`` is read (:func:`cytoscore.io.read_table`).

    Raises
    ------
    InputError
        Listing the samples that map to no group or to several, with the values seen.

    Returns
    -------
    A new AnnData without the excluded samples and with ``obs[key_added]`` a
    categorical in the order the groups were configured.
    """
    if (patterns is None) == (table is None):
        raise InputError("give either 'patterns' (with 'column') or 'table' to assign groups")
    unknown = sorted(set(exclude) - set(adata.obs_names))
    if unknown:
        raise InputError(f"excluded samples not in the dataset: {unknown}")
    keep = ~adata.obs_names.isin(list(exclude))
    groups = pd.Series(pd.NA, index=adata.obs_names, dtype=object)
    if patterns is not None:
        if not column:
            raise InputError("'patterns' needs 'column', the metadata column to match")
        if column not in adata.obs.columns:
            raise InputError(
                f"metadata column {column!r} does not exist; columns are {list(adata.obs.columns)}"
            )
        compiled = {}
        for name, pattern in patterns.items():
            try:
                compiled[name] = re.compile(pattern)
            except re.error as exc:
                raise InputError(f"group {name!r}: invalid regular expression {pattern!r} ({exc})") from exc
        values = adata.obs[column].astype(str)
        # match each distinct value once (a single-cell dataset has a million cells, few values)
        hits_of = {v: [n for n, rx in compiled.items() if rx.search(v)] for v in pd.unique(values[keep])}
        bad = {v: h for v, h in hits_of.items() if len(h) > 1}
        if bad:
            ambiguous = [
                f"{sample} ({value!r} matches {bad[value]})"
                for sample, value in values[keep & values.isin(list(bad)).to_numpy()].items()
            ]
            raise InputError(
                f"samples match several groups by column {column!r}: {'; '.join(ambiguous[:20])}"
            )
        single = {v: h[0] for v, h in hits_of.items() if len(h) == 1}
        groups[keep] = values[keep].map(single).to_numpy()
        order = list(patterns)
        seen = values
        source = {"column": column, "patterns": dict(patterns)}
    else:
        mapping = read_group_table(table, dialect=dialect) if isinstance(table, (str, Path)) else table
        extra = sorted(set(mapping.index) - set(adata.obs_names))
        if extra:
            raise InputError(
                f"the sample sheet lists samples not in the dataset: {extra[:20]}; "
                f"dataset samples look like {list(adata.obs_names[:3])}"
            )
        groups.loc[mapping.index] = mapping.to_numpy()
        order = list(dict.fromkeys(mapping.tolist()))
        seen = pd.Series(mapping.reindex(adata.obs_names).fillna("<not in sheet>"), dtype=str)
        source = {"table": str(table) if isinstance(table, (str, Path)) else "<in memory>"}
    unmapped = groups.index[keep & groups.isna().to_numpy()]
    if len(unmapped):
        detail = ", ".join(f"{s} ({seen[s]!r})" for s in unmapped[:20])
        raise InputError(
            f"{len(unmapped)} sample(s) map to no group: {detail}"
            + (" ..." if len(unmapped) > 20 else "")
            + f". Values seen: {_describe(seen)}. Map them to a group or list them under 'exclude'."
        )
    out = adata[keep].copy()
    out.obs[key_added] = pd.Categorical(groups[keep].to_numpy(), categories=order)
    counts = out.obs[key_added].value_counts(sort=False)
    for group, key in (compared or {}).items():
        if counts.get(group, 0) == 0:
            how = (
                f"its pattern {patterns.get(group)!r} matches none of the values of {column!r}"
                if patterns is not None and group in patterns
                else f"the groups in {source.get('table', 'the sample sheet')} are {order}"
                if table is not None
                else f"groups are {order}"
            )
            raise InputError(
                f"config {key}: group {group!r} has no sample: {how}. Values seen: {_describe(seen)}"
            )
    empty = [g for g, n in counts.items() if n == 0]
    if empty:
        log.warning("groups with no sample: %s", empty)
    record(
        out,
        "groups",
        key=key_added,
        counts={str(g): int(n) for g, n in counts.items()},
        excluded=list(exclude),
        **source,
    )
    log.info("groups: %s; excluded: %d", dict(counts), len(exclude))
    return out


def sample_table(adata: ad.AnnData, *, key: str = "group") -> pd.DataFrame:
    """Samples with their group and the metadata columns that differ between samples."""
    if key not in adata.obs.columns:
        raise InputError(f"obs has no column {key!r}; assign groups first")
    informative = [
        c for c in adata.obs.columns if c != key and (c == "title" or adata.obs[c].astype(str).nunique() > 1)
    ]
    table = adata.obs[[key, *informative]].copy()
    table.insert(0, "observation", adata.obs_names)
    return table.reset_index(drop=True)


def derive_columns(adata: ad.AnnData, rules: Sequence[Mapping[str, str]]) -> ad.AnnData:
    """Add metadata columns from the named groups of regular expressions on existing columns.

    Each rule is ``{"column": <existing column>, "pattern": <regex with (?P<name>...)>}``;
    every named group becomes a column ``name``. A value the pattern does not match is an
    error listing the values that failed.
    """
    out = adata.copy()
    for rule in rules:
        column, pattern = rule["column"], rule["pattern"]
        if column not in out.obs.columns:
            raise InputError(f"derive: column {column!r} does not exist; columns are {list(out.obs.columns)}")
        try:
            rx = re.compile(pattern)
        except re.error as exc:
            raise InputError(f"derive: invalid regular expression {pattern!r} ({exc})") from exc
        if not rx.groupindex:
            raise InputError(f"derive: pattern {pattern!r} has no named group (?P<name>...)")
        found = out.obs[column].astype(str).str.extract(rx)
        failed = out.obs[column][found.isna().any(axis=1).to_numpy()].astype(str).unique().tolist()
        if failed:
            raise InputError(
                f"derive: pattern {pattern!r} does not match values of {column!r}: {failed[:10]}"
            )
        for name in rx.groupindex:
            out.obs[name] = found[name].to_numpy()
    return out
