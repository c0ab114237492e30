"""Summaries of per-cell scores by sample, group and cell type."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .._utils import InputError

__all__ = ["summarize_scores"]


def summarize_scores(scores: pd.DataFrame, obs: pd.DataFrame, *, by: Sequence[str]) -> pd.DataFrame:
    """Mean, median and SD of each signature × method score per combination of ``by`` columns.

    ``scores`` is tidy (``observation, signature, method, score``); ``obs`` holds the
    ``by`` columns indexed by observation. Rows carry ``n_cells`` so that small
    strata are visible.
    """
    missing = [c for c in by if c not in obs.columns]
    if missing:
        raise InputError(f"cannot summarise by {missing}: not in the cell metadata {list(obs.columns)[:15]}")
    merged = scores.join(obs[list(by)], on="observation")
    keys = [*by, "signature", "method"]
    grouped = merged.groupby(keys, sort=True, observed=True)["score"]
    table = grouped.agg(n_cells="size", mean="mean", median="median", sd="std").reset_index()
    return table
