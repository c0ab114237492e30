"""Summaries of per-cell scores by sample, group and cell type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .._utils import InputError, join_observations, score_parts

__all__ = ["summarize_scores"]


def summarize_scores(scores, obs: pd.DataFrame, *, by: Sequence[str]) -> pd.DataFrame:
    """Mean, median and SD of each signature × method score per combination of ``by`` columns.

    ``scores`` is tidy (``observation, signature, method, score``), an iterable of tidy
    parts (summarised one at a time: memory grows with a part), or a mapping method ->
    observations × signatures table (as :func:`score_gene_sets` returns with ``wide``;
    summarised with one groupby per method, no tidy copy). ``obs`` holds the ``by`` columns
    indexed by observation. Rows carry ``n_cells`` so that small strata are visible.

    Parameters
    ----------
    scores
        Tidy scores, tidy parts, or method -> observations × signatures tables.
    obs
        The observations' metadata with the ``by`` columns.
    by
        The columns whose combinations are summarised (e.g. sample, group, cell type).

    Returns
    -------
    DataFrame
        One row per combination × signature × method: ``n_cells``, ``mean``, ``median``, ``sd``.
    """
    missing = [c for c in by if c not in obs.columns]
    if missing:
        raise InputError(f"cannot summarise by {missing}: not in the cell metadata {list(obs.columns)[:15]}")
    keys = [*by, "signature", "method"]
    tables = []
    if isinstance(scores, Mapping):
        for method, wide in scores.items():
            strata = obs.reindex(wide.index)
            grouped = wide.groupby([strata[c] for c in by], sort=True, observed=True)
            stats = {name: getattr(grouped, name)().rename_axis(columns="signature").stack() for name in
                     ("mean", "median", "std")}  # fmt: skip
            table = pd.DataFrame(stats).rename(columns={"std": "sd"}).reset_index()
            sizes = grouped.size().rename("n_cells").reset_index()
            table = table.merge(sizes, on=list(by)).assign(method=method)
            tables.append(table[[*keys, "n_cells", "mean", "median", "sd"]])
    else:
        for part in score_parts(scores):
            merged = join_observations(part, obs[list(by)])
            grouped = merged.groupby(keys, sort=True, observed=True)["score"]
            tables.append(grouped.agg(n_cells="size", mean="mean", median="median", sd="std").reset_index())
    return pd.concat(tables, ignore_index=True).sort_values(keys, kind="stable", ignore_index=True)
