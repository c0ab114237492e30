"""Treatment contrasts: did a cytokine-targeted drug lower the axis it blocks, and what else moved.

A treatment contrast compares treated (or after) with untreated (or before, or placebo)
samples: ``target`` is the treated group, so a blocked axis shows as a negative difference.
Each axis of the therapy table is read through its signatures (:mod:`cytoscore.resources`'s
therapy axes) in the contrast's comparison table; the drug's own axes come first.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from .._significance import markable
from .._utils import flag

__all__ = ["therapy_effects", "THERAPY_EFFECT_COLUMNS", "AXIS_VERDICTS"]

#: What an axis did: the first three are tests that could be read; the others say why not.
AXIS_VERDICTS = ("lowered", "raised", "mixed", "not lowered", "unchanged", "not testable")

#: Columns of a :func:`therapy_effects` table.
THERAPY_EFFECT_COLUMNS = [
    "contrast", "therapy", "cell_type", "axis", "on_target", "verdict", "signatures", "n_signatures_scored",
    "n_lowered", "n_raised", "lead_signature", "lead_method", "mean_difference", "mean_difference_ci_low",
    "mean_difference_ci_high", "g", "g_ci_low", "g_ci_high", "g_kind", "test", "p_value", "fdr", "methods_agree", "n_target", "n_reference", "n_pairs", "note",
]  # fmt: skip


def therapy_effects(
    comparison: pd.DataFrame,
    therapy: pd.Series,
    axes: pd.DataFrame,
    *,
    alpha: float = 0.05,
    genes: Mapping[str, Collection[str]] | None = None,
) -> pd.DataFrame:
    """Each axis of the therapy table in one treatment contrast: the drug's own axes first,
    then every other axis whose signatures were scored.

    An axis's signature "moved" where its primary test may carry a mark (3+ units per group,
    scores that vary: :func:`cytoscore._significance.markable`) and its FDR is below
    ``alpha``; the sign of the difference (target − reference) says which way. An axis is
    ``lowered`` when some of its signatures fell and none rose (``raised`` the reverse,
    ``mixed`` both), in any method; else ``not lowered`` (the drug's axes) or ``unchanged``
    (the others), or ``not testable`` with the reason (no signature scored, or no test
    could be read).

    Parameters
    ----------
    comparison
        A contrast's comparison table (:func:`compare_groups`, :func:`compare_cells` or
        :func:`compare_profiles`): one row per signature × method (× cell type).
    therapy
        The drug's row of :func:`cytoscore.resources.therapy_table` (or
        :func:`cytoscore.resources.find_therapy`'s row for a target or axis); its ``drug`` and
        ``axes`` (separated by ``;``) are read.
    axes
        :func:`cytoscore.resources.therapy_axes`: ``axis`` and its ``signatures`` (separated by ``;``).
    alpha
        The FDR below which a signature moved.
    genes
        Each signature's genes (e.g. from :func:`cytoscore.resources.read_gene_set_table`):
        another axis that moved is noted when its lead signature shares genes with the drug's
        own signatures, since part of its move may then be the drug's axis itself. ``None``: no
        such notes.

    Returns
    -------
    DataFrame
        Columns :data:`THERAPY_EFFECT_COLUMNS`, one row per axis (× cell type): the verdict,
        the lead signature (smallest FDR among those that moved, else smallest p) with its
        method, difference and CI, standardized effect (``g``: paired g for a paired test, else
        Hedges' g; ``g_kind`` says which), primary test, p and FDR, and ``methods_agree`` ("k of m":
        the methods in which a signature of the axis moved the verdict's way, of those that
        scored one).
    """
    own = [a.strip() for a in str(therapy["axes"]).split(";") if a.strip()]
    table = comparison.copy()
    table["_moved"] = flag(markable(table)) & (table["fdr"] < alpha)
    strata = table.groupby("cell_type", sort=False) if "cell_type" in table else [("", table)]
    rows = []
    for cell_type, part in strata:
        for _, axis in axes.iterrows():
            signatures = [s.strip() for s in str(axis["signatures"]).split(";") if s.strip()]
            on_target = axis["axis"] in own
            sub = part[part["signature"].isin(signatures)]
            if sub.empty and not on_target:
                continue
            rows.append(
                _axis_row(sub, axis["axis"], signatures, on_target=on_target)
                | {"contrast": str(comparison["contrast"].iloc[0]) if len(comparison) else "",
                   "therapy": str(therapy["drug"]), "cell_type": cell_type}  # fmt: skip
            )
    out = pd.DataFrame(rows, columns=THERAPY_EFFECT_COLUMNS)
    if genes:
        out["note"] = [_shared_note(r, out, axes, genes) for r in out.itertuples()]
    order = out["on_target"].map({True: 0, False: 1}) if len(out) else []
    return out.assign(_o=order).sort_values(["_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def _shared_note(row, out: pd.DataFrame, axes: pd.DataFrame, genes: Mapping[str, Collection[str]]) -> str:
    """The note of an off-target axis that moved: how many genes its lead signature shares
    with the signatures of the drug's own axes in the same stratum."""
    note = "" if pd.isna(row.note) else str(row.note)
    if row.on_target or row.verdict not in ("lowered", "raised", "mixed") or row.lead_signature not in genes:
        return note
    own_axes = out.loc[out["on_target"] & (out["cell_type"] == row.cell_type), "axis"]
    own = {s.strip() for v in axes.loc[axes["axis"].isin(own_axes), "signatures"] for s in str(v).split(";")}
    own = {s for s in own if s and s in genes and s != row.lead_signature}
    lead = set(genes[row.lead_signature])
    shared = sorted(lead & {g for s in own for g in genes[s]})
    if not shared:
        return note
    text = (f"{row.lead_signature} shares {len(shared)} of its {len(lead)} genes with the drug's own signatures "
            f"(e.g. {', '.join(shared[:4])}): part of this move may be the drug's axis itself")  # fmt: skip
    return f"{note}; {text}" if note else text


def _axis_row(sub: pd.DataFrame, axis: str, signatures: list[str], *, on_target: bool) -> dict:
    row = {"axis": axis, "on_target": on_target, "signatures": "; ".join(signatures),
           "n_signatures_scored": int(sub["signature"].nunique())}  # fmt: skip
    if sub.empty:
        reason = "none of its signatures was scored" if signatures else "no signature reads this axis"
        return row | {"verdict": "not testable", "note": reason, "n_lowered": 0, "n_raised": 0}
    moved = sub[sub["_moved"]]
    down, up = moved[moved["mean_difference"] < 0], moved[moved["mean_difference"] > 0]
    testable = flag(markable(sub))
    if down.empty and up.empty:
        if not testable.any():
            notes = [n for n in sub["not_testable"].fillna("").astype(str) if n]
            reason = notes[0] if notes else "fewer than 3 units per group: n too small to test"
            verdict, note = "not testable", reason
        else:
            verdict, note = ("not lowered" if on_target else "unchanged"), ""
        lead = sub.loc[sub["p_value"].fillna(np.inf).idxmin()] if sub["p_value"].notna().any() else sub.iloc[0]
    else:
        verdict = "lowered" if up.empty else "raised" if down.empty else "mixed"
        note = "" if verdict != "raised" or not on_target else "the drug's own axis rose"
        lead = moved.loc[moved["fdr"].idxmin()]
    way = {"lowered": down, "raised": up}.get(verdict, moved)
    methods = sub["method"].nunique()
    agree = f"{way['method'].nunique()} of {methods}" if verdict in ("lowered", "raised", "mixed") else f"0 of {methods}"
    return row | {
        "verdict": verdict, "note": note, "n_lowered": int(down["signature"].nunique()),
        "n_raised": int(up["signature"].nunique()), "lead_signature": lead["signature"], "lead_method": lead["method"],
        "mean_difference": lead["mean_difference"], "mean_difference_ci_low": lead["mean_difference_ci_low"],
        "mean_difference_ci_high": lead["mean_difference_ci_high"], "test": lead["test"],
        **_g(lead),
        "p_value": lead["p_value"], "fdr": lead["fdr"], "methods_agree": agree,
        "n_target": lead["n_target"], "n_reference": lead["n_reference"], "n_pairs": lead.get("n_pairs", np.nan),
    }  # fmt: skip


def _g(row: pd.Series) -> dict:
    """The standardized effect of the row's design: paired g when its primary test is paired
    (the pairs' differences), else Hedges' g."""
    if str(row.get("test", "")).startswith("paired"):
        return {"g": row["paired_g"], "g_ci_low": row["paired_g_ci_low"], "g_ci_high": row["paired_g_ci_high"],
                "g_kind": "paired g"}  # fmt: skip
    return {"g": row["hedges_g"], "g_ci_low": row["hedges_g_ci_low"], "g_ci_high": row["hedges_g_ci_high"],
            "g_kind": "Hedges' g"}  # fmt: skip
