"""The clinical type I interferon score of Rice et al. (2013, 2017)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._utils import InputError

__all__ = ["clinical_ifn_score", "RICE_GENES"]

log = logging.getLogger(__name__)

#: The six interferon-stimulated genes of the score (Rice et al. 2017, J Clin Immunol 37:123).
RICE_GENES = ("IFI27", "IFI44L", "IFIT1", "ISG15", "RSAD2", "SIGLEC1")


def clinical_ifn_score(
    adata: ad.AnnData,
    *,
    control: str,
    group_key: str = "group",
    genes: Sequence[str] = RICE_GENES,
    n_sd: float = 2.0,
    threshold_from: str | None = None,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Interferon score per sample: median over the genes of the fold change to healthy controls.

    ``X`` must hold log2 expression (as cytoscore's normalization leaves it). For each
    gene the fold change of a sample is ``2 ** (x - median of the control samples)``; the
    score is the median of those fold changes. A sample is positive when its score is
    above a threshold: a fixed ``threshold`` (e.g. 2.466, the healthy mean + 2 SD of Rice et
    al. 2013, Lancet Neurol 12:1159), else the mean + ``n_sd`` SD of the scores of group
    ``threshold_from`` (default: the controls themselves, which are then both the reference
    and part of what is compared; the table's ``threshold_source`` says which).

    Genes missing from the data are left out with a warning; fewer than 3 present is an error.

    Parameters
    ----------
    adata
        Samples × genes, log2 expression in ``X``.
    control
        The group of healthy controls (2+ samples): the fold changes' reference.
    group_key
        The obs column of groups.
    genes
        The score's genes (Rice et al. 2017's six by default).
    n_sd
        SDs (ddof=1) above the mean of ``threshold_from`` for the threshold.
    threshold_from
        The group (2+ samples) whose scores set the threshold; ``None``: ``control``.
    threshold
        A fixed threshold instead (e.g. 2.466); ``None``: from ``threshold_from``.

    Returns
    -------
    DataFrame
        One row per sample: ``observation, group, ifn_score, threshold, threshold_source,
        positive``, plus the per-gene fold changes (``fc_<gene>``).
    """
    if group_key not in adata.obs.columns:
        raise InputError(f"obs has no column {group_key!r}")
    groups = adata.obs[group_key].astype(str)
    if (groups == control).sum() < 2:
        raise InputError(
            f"the clinical interferon score needs 2+ control samples in group {control!r}; "
            f"groups: {groups.value_counts().to_dict()}"
        )
    present = [g for g in genes if g in adata.var_names]
    missing = [g for g in genes if g not in adata.var_names]
    if missing:
        log.warning("clinical interferon score: genes not in the data: %s", missing)
    if len(present) < 3:
        raise InputError(f"the clinical interferon score needs at least 3 of {list(genes)}; found {present}")
    X = adata[:, present].X
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=float)
    ctrl = (groups == control).to_numpy()
    fc = 2.0 ** (X - np.median(X[ctrl], axis=0))
    score = np.median(fc, axis=1)
    if threshold is not None:
        source = f"fixed threshold {threshold:g} (configured)"
    else:
        by = threshold_from or control
        members = (groups == by).to_numpy()
        if members.sum() < 2:
            raise InputError(
                f"the interferon score threshold needs 2+ samples in group {by!r}; "
                f"groups: {groups.value_counts().to_dict()}"
            )
        threshold = float(score[members].mean() + n_sd * score[members].std(ddof=1))
        source = f"mean + {n_sd:g} SD of the {int(members.sum())} {by!r} samples"
        if by == control:
            source += " (the fold-change reference group, itself scored: its positives are biased low)"
            log.warning(
                "clinical interferon score: the threshold comes from the %r samples that are also "
                "compared; set ifn_score_threshold or ifn_score_threshold_from for an independent one",
                control,
            )
    table = pd.DataFrame(
        {
            "observation": adata.obs_names,
            "group": groups.to_numpy(),
            "ifn_score": score,
            "threshold": threshold,
            "threshold_source": source,
            "positive": score > threshold,
        }
    )
    for j, gene in enumerate(present):
        table[f"fc_{gene}"] = fc[:, j]
    return table
