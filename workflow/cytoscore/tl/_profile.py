"""Per-sample cytokine axis profiles: which axes a sample shows raised against the reference
group, the pro- against anti-inflammatory balance, and the drugs that block the raised axes.

Each axis is read through its signatures (the therapy table's axes): a sample's robust z of a
signature is its distance from the reference group's median in units of the reference's
scaled MAD (1.4826 × MAD, the SD of normal data), and the axis's z is the mean over its scored
signatures. An axis is raised above ``threshold`` (default 2), the rule of the clinical
interferon score, which calls a sample positive above the healthy controls' mean + 2 SD
(Rice et al. 2013, Lancet Neurol 12:1159), here made robust to outlying controls.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .._utils import InputError

__all__ = ["axis_profile", "PRO_INFLAMMATORY", "ANTI_INFLAMMATORY", "BALANCE_REFERENCE", "ADVICE_NOTE"]

log = logging.getLogger(__name__)

#: Axes of cytokines classed pro-inflammatory (Dinarello 2000) and anti-inflammatory (Opal &
#: DePalo 2000); the balance is the mean z of the first minus that of the second.
PRO_INFLAMMATORY = ("TNF", "IL-1", "IL-6", "IL-17")
ANTI_INFLAMMATORY = ("IL-10", "TGF-beta", "IL-4/IL-13")
BALANCE_REFERENCE = (
    "balance = mean robust z of the pro-inflammatory axes (TNF, IL-1, IL-6, IL-17) minus that of the "
    "anti-inflammatory axes (IL-10, TGF-beta, IL-4/IL-13), each axis scored by its signatures; the classes follow "
    "Dinarello CA. Proinflammatory cytokines. Chest 2000;118:503-508 and Opal SM, DePalo VA. Anti-inflammatory "
    "cytokines. Chest 2000;117:1162-1172"
)
ADVICE_NOTE = "research annotation from expression data, not clinical advice"


def _robust_z(values: pd.DataFrame, reference: np.ndarray) -> tuple[pd.DataFrame, list[str]]:
    """Columns of ``values`` as robust z against the ``reference`` rows; columns whose
    reference MAD is 0 fall back to the SD (named in the second result), else are left out."""
    ref = values[reference]
    median = ref.median()
    scale = 1.4826 * (ref - median).abs().median()
    fallback = [c for c in values.columns if not scale[c] > 0]
    for c in fallback:
        scale[c] = ref[c].std(ddof=1)
    keep = scale > 0
    return (values.loc[:, keep] - median[keep]) / scale[keep], fallback


def axis_profile(
    scores: pd.DataFrame,
    groups: pd.Series,
    axes: pd.DataFrame,
    therapies: pd.DataFrame,
    *,
    reference: str,
    method: str,
    threshold: float = 2.0,
) -> pd.DataFrame:
    """Each sample's cytokine axes against the ``reference`` group.

    Parameters
    ----------
    scores
        Tidy scores (``observation, signature, method, score``).
    groups
        Each sample's group, indexed by observation; its samples are the table's rows.
    axes
        :func:`cytoscore.resources.therapy_axes`: the signatures of each axis (``axis``,
        ``signatures`` separated by ``;``).
    therapies
        :func:`cytoscore.resources.therapy_table`: which drugs block which axes (``drug``, ``axes``).
    reference
        The group the z are taken against (e.g. healthy controls; 3 or more samples).
    method
        The scoring method whose scores are used.
    threshold
        The robust z above which an axis is raised.

    Returns
    -------
    DataFrame
        One row per sample: ``observation``, ``group``, ``z_<axis>`` for each axis with a scored
        signature, ``balance`` (:data:`BALANCE_REFERENCE`), ``raised_axes``, ``drugs`` (those
        blocking a raised axis; :data:`ADVICE_NOTE`) and ``note``. Its ``attrs`` hold the axes'
        signatures used, the threshold, the reference and the method.
    """
    groups = groups.astype(str)
    groups.index = groups.index.astype(str)
    ref = (groups == reference).to_numpy()
    if ref.sum() < 3:
        raise InputError(
            f"axis profiles need 3+ samples in the reference group {reference!r} (a robust scale from fewer is "
            f"meaningless); groups: {groups.value_counts().to_dict()}"
        )
    wide = scores[scores["method"] == method].pivot_table(
        index="observation", columns="signature", values="score", aggfunc="first"
    )
    if wide.empty:
        raise InputError(f"axis profiles: no scores of method {method!r}; methods are {sorted(scores['method'].unique())}")
    wide.index = wide.index.astype(str)
    wide = wide.reindex(groups.index)
    z, fallback = _robust_z(wide, ref)
    if fallback:
        log.warning("axis profiles: the %r samples do not vary on %s (MAD 0): their SD is the scale", reference, fallback)
    out = pd.DataFrame({"observation": groups.index, "group": groups.to_numpy()})
    used = {}
    for row in axes.itertuples():
        sigs = [s.strip() for s in str(row.signatures).split(";") if s.strip() in z.columns]
        if sigs:
            used[row.axis] = sigs
            out[f"z_{row.axis}"] = z[sigs].mean(axis=1).to_numpy()
    if not used:
        raise InputError("axis profiles: none of the axes' signatures was scored (see therapies/axes.tsv)")
    pro = [f"z_{a}" for a in PRO_INFLAMMATORY if a in used]
    anti = [f"z_{a}" for a in ANTI_INFLAMMATORY if a in used]
    out["balance"] = out[pro].mean(axis=1) - out[anti].mean(axis=1) if pro and anti else np.nan
    if not (pro and anti):
        log.warning("axis profiles: no balance: pro-inflammatory axes scored %s, anti-inflammatory %s", pro, anti)
    zcols = [f"z_{a}" for a in used]
    raised = out[zcols].gt(threshold)
    out["raised_axes"] = ["; ".join(c[2:] for c in zcols if flags[c]) for _, flags in raised.iterrows()]
    blocking = {a: [d for d, ax in zip(therapies["drug"], therapies["axes"], strict=True)
                    if a in [x.strip() for x in str(ax).split(";")]] for a in used}  # fmt: skip
    out["drugs"] = ["; ".join(dict.fromkeys(d for a in r.split("; ") if a for d in blocking[a])) for r in out["raised_axes"]]
    out["note"] = np.where(ref, f"reference sample ({reference}): part of its own scale", "")
    out.attrs.update(axes={a: used[a] for a in used}, threshold=threshold, reference=reference, method=method)
    return out
