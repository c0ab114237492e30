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

__all__ = [
    "assign_groups", "check_columns", "check_contrast_units", "derive_columns", "read_group_table", "sample_table",
]  # fmt: skip

log = logging.getLogger(__name__)


def read_group_table(path: str | Path, *, dialect: Mapping | None = None) -> pd.Series:
    """Read a sample sheet with columns ``sample`` and ``group``, in any dialect
    :func:`cytoscore.io.read_table` reads (TSV, CSV, semicolons, ...).

    Parameters
    ----------
    path
        The sheet: one row per sample (a sample listed twice or an empty group is an error).
    dialect
        ``sep`` / ``decimal`` when detection is not wanted; ``None``: detected.

    Returns
    -------
    Series
        Sample -> group, surrounding whitespace stripped.
    """
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
    column: str | Sequence[str] | None = None,
    patterns: Mapping[str, str] | None = None,
    table: pd.Series | str | Path | None = None,
    exclude: Sequence[str] = (),
    compared: Mapping[str, str] | None = None,
    key_added: str = "group",
    dialect: Mapping | None = None,
    others: str = "error",
) -> ad.AnnData:
    """Map every sample to exactly one group, or drop it when explicitly excluded (or, with
    ``others="drop"``, when it matches no group).

    Give either ``patterns`` (with ``column``) or ``table``.

    Parameters
    ----------
    adata
        The samples (or cells), with their metadata in ``obs``.
    column
        ``obs`` column whose values ``patterns`` are matched against; several columns (a list)
        are matched as their values joined by a space (``"W7 aIL12"`` for week and treatment).
        Required with ``patterns``.
    patterns
        Group name -> regular expression (``re.search``; add ``(?i)`` for
        case-insensitive). A value must match exactly one group's pattern.
    table
        Alternative to ``column``/``patterns``: sample -> group (a Series or a
        sample sheet path, see :func:`read_group_table`); all its samples must be in ``adata``.
    exclude
        Sample IDs to leave out of the analysis; each must be in ``adata``.
    compared
        Group -> the config key that compares it (``contrasts.<name>.target``): such a group
        without any sample is an error here, before anything is scored. ``None``: no check.
    key_added
        The obs column the groups are written to.
    dialect
        Forces how a sample sheet ``table`` is read (:func:`cytoscore.io.read_table`); used only
        when ``table`` is a path. ``None``: detected.
    others
        Samples that map to no group: ``"error"`` (listing them, default) or ``"drop"`` (left
        out, with a WARNING giving how many and their values, and recorded as ``others_dropped``):
        a study that compares two of many conditions.

    Returns
    -------
    AnnData
        A new AnnData without the excluded samples and with ``obs[key_added]`` a
        categorical in the order the groups were configured.

    Raises
    ------
    InputError
        Listing the samples that map to no group or to several, with the values seen.
    """
    if (patterns is None) == (table is None):
        raise InputError("give either 'patterns' (with 'column') or 'table' to assign groups")
    if others not in ("error", "drop"):
        raise InputError(f"groups.others must be 'error' or 'drop', not {others!r}")
    unknown = sorted(set(exclude) - set(adata.obs_names))
    if unknown:
        raise InputError(f"excluded samples not in the dataset: {unknown}")
    keep = ~adata.obs_names.isin(list(exclude))
    groups = pd.Series(pd.NA, index=adata.obs_names, dtype=object)
    if patterns is not None:
        if not column:
            raise InputError("'patterns' needs 'column', the metadata column to match")
        columns = [column] if isinstance(column, str) else list(column)
        absent = [c for c in columns if c not in adata.obs.columns]
        if absent:
            raise InputError(
                f"groups.column: metadata column(s) {absent} do not exist; columns are {list(adata.obs.columns)}"
            )
        compiled = {}
        for name, pattern in patterns.items():
            try:
                compiled[name] = re.compile(pattern)
            except re.error as exc:
                raise InputError(f"group {name!r}: invalid regular expression {pattern!r} ({exc})") from exc
        values = adata.obs[columns].astype(str).agg(" ".join, axis=1) if len(columns) > 1 else None
        values = adata.obs[columns[0]].astype(str) if values is None else values
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
    if len(unmapped) and others == "error":
        detail = ", ".join(f"{s} ({seen[s]!r})" for s in unmapped[:20])
        raise InputError(
            f"{len(unmapped)} sample(s) map to no group: {detail}"
            + (" ..." if len(unmapped) > 20 else "")
            + f". Values seen: {_describe(seen)}. Map them to a group, list them under 'exclude', or set "
            "groups.others: drop to leave out every sample of no group"
        )
    if len(unmapped):
        log.warning(
            "groups.others drop: %d of %d samples map to no group and are left out (values %s)",
            len(unmapped), len(groups), _describe(seen[unmapped]),
        )  # fmt: skip
        keep &= ~groups.index.isin(unmapped)
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
        others_dropped=[str(u) for u in unmapped],
        **source,
    )
    log.info("groups: %s; excluded: %d", dict(counts), len(exclude))
    return out


def sample_table(adata: ad.AnnData, *, key: str = "group") -> pd.DataFrame:
    """Samples with their group and the metadata columns that differ between samples.

    Parameters
    ----------
    adata
        The dataset.
    key
        Its group column (as :func:`assign_groups` writes it); must exist.

    Returns
    -------
    DataFrame
        One row per sample: ``observation`` (its name), its group and the metadata columns
        that vary between samples (``title`` always).
    """
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

    Parameters
    ----------
    adata
        The dataset.
    rules
        ``{column, pattern}`` rules, applied in order (a rule may use the columns of an earlier one).

    Returns
    -------
    AnnData
        A copy with the new columns (an existing column of the same name is replaced).
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


def _units(obs: pd.DataFrame, column: str, level: str, unit: str | None) -> list[str]:
    rows = obs[obs[column].astype(str) == level]
    return sorted(rows[unit].astype(str).unique()) if unit else list(rows.index.astype(str))


def check_contrast_units(obs: pd.DataFrame, contrasts: Sequence[Mapping]) -> None:
    """Before anything is scored: every contrast has the units its test needs.

    Each contrast (as the compare step reads it: ``name``, ``kind``, ``column``, ``target``,
    ``reference``, and for single cell ``replicate`` and ``split_by``; ``pair_by`` for pairs)
    needs at least 2 units per group: samples for bulk data, distinct replicates for single
    cell (cells of one donor are not replicates), or 2 pairs. Fewer is an error naming the
    contrast's key and the units found. Fewer than 3 (no significance mark will be drawn), and
    cell types with fewer than 2 replicates per group (not compared), are WARNINGs.

    Parameters
    ----------
    obs
        The observations' metadata (samples or cells), with the groups.
    contrasts
        The contrasts of the dataset, as the compare step reads them: mappings with ``name``,
        ``target``, ``reference`` and optionally ``column`` (default ``"group"``), ``kind``,
        ``dataset``, ``replicate``, ``split_by``, ``pair_by``, ``covariates`` and
        ``random_effect``; every column they name must exist, and covariates must have a value
        in every sample of the two groups.
    """
    from .._significance import MIN_MARKED_N
    from ..io._kinds import dataset_kind

    for c in contrasts:
        name, column = c["name"], c.get("column") or "group"
        cells = "kind" in c and dataset_kind(c["kind"]).cells
        unit = c.get("replicate") if cells else None
        if column not in obs.columns:
            raise InputError(f"contrasts.{name}.column: {column!r} is not a metadata column; columns are {list(obs.columns)[:20]}")
        if cells and not unit:
            raise InputError(
                f"contrasts.{name}: single-cell groups are compared across replicates (donors or samples), "
                f"not cells: set datasets.{c.get('dataset')}.sample_column or contrasts.{name}.replicate"
            )
        for key, col in [*(("covariates", cov) for cov in c.get("covariates") or []), ("random_effect", c.get("random_effect"))]:
            if col and col not in obs.columns:
                raise InputError(f"contrasts.{name}.{key}: {col!r} is not a metadata column; columns are {list(obs.columns)[:20]}")
            if col and key == "covariates":
                missing = obs.index[(obs[column].astype(str).isin([c["target"], c["reference"]]))
                                    & (obs[col].isna() | (obs[col].astype(str).str.strip() == ""))].tolist()  # fmt: skip
                if missing:
                    raise InputError(f"contrasts.{name}.covariates: {col!r} is missing for {missing[:10]}")
        if unit and unit not in obs.columns:
            raise InputError(
                f"contrasts.{name}.replicate: {unit!r} is not a metadata column; columns are {list(obs.columns)[:20]}"
            )
        what = f"{unit!r} replicate" if unit else "sample"
        found = {role: _units(obs, column, c[role], unit) for role in ("target", "reference")}
        pair_by = c.get("pair_by")
        if pair_by:
            if pair_by not in obs.columns:
                raise InputError(f"contrasts.{name}.pair_by: {pair_by!r} is not a metadata column")
            sides = [set(obs.loc[obs[column].astype(str) == c[r], pair_by].astype(str)) for r in ("target", "reference")]
            pairs = sorted(sides[0] & sides[1])
            if len(pairs) < 2:
                raise InputError(
                    f"contrasts.{name}.pair_by: {len(pairs)} {pair_by!r} value(s) have both {c['target']!r} and "
                    f"{c['reference']!r} ({pairs}); a paired test needs at least 2 pairs"
                )
            n = len(pairs)
        else:
            for role, units in found.items():
                if len(units) < 2:
                    raise InputError(
                        f"contrasts.{name}.{role}: group {c[role]!r} has {len(units)} {what}(s) {units[:10]}; "
                        f"a test needs at least 2 per group ({MIN_MARKED_N} for a significance mark)"
                    )
            n = min(len(u) for u in found.values())
        if n < MIN_MARKED_N:
            log.warning(
                "contrast %s: %s: effects are reported with their intervals, no significance mark is drawn "
                "(it needs %d)",
                name, f"{n} pairs" if pair_by else f"{n} {what}s per group", MIN_MARKED_N,
            )  # fmt: skip
        split = c.get("split_by")
        if cells and split and split in obs.columns:
            sub = obs[obs[column].astype(str).isin([c["target"], c["reference"]])]
            per = sub.groupby([sub[split].astype(str), sub[column].astype(str)])[unit].nunique().unstack(fill_value=0)
            per = per.reindex(columns=[c["target"], c["reference"]], fill_value=0)
            thin = per[(per < 2).any(axis=1)]
            if len(thin):
                log.warning(
                    "contrast %s: cell types with fewer than 2 replicates in a group are not compared: %s",
                    name, "; ".join(f"{ct} ({r[c['target']]} {c['target']}, {r[c['reference']]} {c['reference']})"
                                    for ct, r in thin.iterrows()),
                )  # fmt: skip


def check_columns(obs: pd.DataFrame, named: dict[str, str | Sequence[str] | None]) -> None:
    """Config key -> the metadata column(s) it names: each must exist (before anything runs).

    Parameters
    ----------
    obs
        The observations' metadata.
    named
        Config key -> the column (or columns) it names; ``None`` names none.
    """
    for key, cols in named.items():
        for col in [cols] if isinstance(cols, str) else list(cols or []):
            if col not in obs.columns:
                raise InputError(f"{key}: {col!r} is not a metadata column; columns are {list(obs.columns)[:20]}")
