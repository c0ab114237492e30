"""Summaries of per-cell scores by sample, group and cell type."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .._utils import InputError, score_parts

__all__ = ["summarize_scores"]


def summarize_scores(scores, obs: pd.DataFrame, *, by: Sequence[str]) -> pd.DataFrame:
    """Mean, median and SD of each signature × method score per combination of ``by`` columns.

    ``scores`` is tidy (``observation, signature, method, score``), or an iterable of tidy
    parts (summarised one at a time: memory grows with a part); ``obs`` holds the
    ``by`` columns indexed by observation. Rows carry ``n_cells`` so that small
    strata are visible.
    """
    missing = [c for c in by if c not in obs.columns]
    if missing:
        raise InputError(f"cannot summarise by {missing}: not in the cell metadata {list(obs.columns)[:15]}")
    keys = [*by, "signature", "method"]
    tables = []
    for part in score_parts(scores):
        merged = part.join(obs[list(by)], on="observation")
        grouped = merged.groupby(keys, sort=True, observed=True)["score"]
        tables.append(grouped.agg(n_cells="size", mean="mean", median="median", sd="std").reset_index())
    return pd.concat(tables, ignore_index=True).sort_values(keys, kind="stable", ignore_index=True)
