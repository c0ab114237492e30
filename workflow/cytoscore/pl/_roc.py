"""ROC curves of the baseline signatures that best tell responders from non-responders."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .._labels import method_label
from ._style import STYLE, figure_note, short_label
from ._summary import _panel_grid

__all__ = ["roc_plot"]


def _curve(score: np.ndarray, case: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positive rates at every threshold (ties stepped together)."""
    order = np.argsort(-score, kind="stable")
    s, c = score[order], case[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # the end of each run of equal scores
    tp, fp = np.cumsum(c)[last], np.cumsum(~c)[last]
    return np.r_[0, fp / max(1, (~case).sum())], np.r_[0, tp / max(1, case.sum())]


def roc_plot(
    scores: pd.DataFrame,
    outcome: pd.Series,
    table: pd.DataFrame,
    *,
    positive: str,
    top: int = 4,
    cross_validated: pd.DataFrame | None = None,
    width: str = "double",
) -> tuple[Figure, pd.DataFrame]:
    """ROC curves of the ``top`` signatures of each method (smallest FDR, then AUC farthest
    from 0.5), each with its AUC and DeLong 95% CI in the legend; one panel per method.

    Parameters
    ----------
    scores
        Tidy baseline scores (``observation, signature, method, score``).
    outcome
        Each sample's outcome, indexed by observation.
    table
        The :func:`cytoscore.tl.response_auc` table of these scores.
    positive
        The outcome of the cases.
    top
        Signatures drawn per method.
    cross_validated
        :func:`cytoscore.tl.cross_validated_auc` results by method (rows), written under the
        figure: the honest estimate of a combination of signatures.
    width
        ``"single"`` or ``"double"`` journal column.

    Returns
    -------
    Figure, DataFrame
        The figure and the points of every curve drawn (its source data).
    """
    outcome = outcome.dropna().astype(str)
    outcome.index = outcome.index.astype(str)
    methods = list(dict.fromkeys(table["method"]))
    points = []
    with mpl.rc_context(STYLE):
        fig, axes, _ = _panel_grid(len(methods), 3, width, 52.0)
        for ax, method in zip(axes, methods, strict=True):
            best = table[table["method"] == method].assign(far=lambda t: (t["auc"] - 0.5).abs())
            best = best.sort_values(["fdr", "far"], ascending=[True, False], na_position="last").head(top)
            sub = scores[scores["method"] == method].assign(observation=lambda s: s["observation"].astype(str))
            for row in best.itertuples():
                one = sub[sub["signature"] == row.signature].set_index("observation")["score"].reindex(outcome.index)
                fpr, tpr = _curve(one.to_numpy(dtype=float), (outcome == positive).to_numpy())
                ax.step(fpr, tpr, where="post", linewidth=0.9,
                        label=f"{short_label(row.signature)}: {row.auc:.2f} [{row.auc_ci_low:.2f}, {row.auc_ci_high:.2f}]")  # fmt: skip
                points.append(pd.DataFrame({"method": method, "signature": row.signature, "fpr": fpr, "tpr": tpr}))
            ax.plot([0, 1], [0, 1], color="grey", linewidth=0.5, linestyle="--")
            ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="1 − specificity", ylabel="sensitivity", aspect="equal")
            ax.set_title(method_label(method))
            ax.legend(fontsize=5.5, loc="lower right", title="AUC [DeLong 95% CI]", title_fontsize=5.5, frameon=False)
        cases = int((outcome == positive).sum())
        fig.suptitle(f"Baseline signatures: {positive} (n = {cases}) vs the rest (n = {len(outcome) - cases})",
                     fontsize=7)  # fmt: skip
        notes = ["Curves of each method's signatures with the smallest FDR; AUC above 0.5: higher scores in "
                 f"{positive}. Each AUC is in-sample for its signature alone."]  # fmt: skip
        if cross_validated is not None and len(cross_validated):
            for r in cross_validated.itertuples():
                notes.append(f"{method_label(r.method)}: {r.n_signatures} signatures combined, chosen and fitted "
                             f"inside each fold: cross-validated AUC {r.auc:.2f} ({r.auc_low:.2f}–{r.auc_high:.2f} "
                             f"over {r.repeats} repeats of {r.folds}-fold CV).")  # fmt: skip
        figure_note(fig, notes)
    return fig, (pd.concat(points, ignore_index=True) if points else pd.DataFrame())
