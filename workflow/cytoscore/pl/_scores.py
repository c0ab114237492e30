"""Figures of signature scores: box + strip plots per contrast, sample heatmaps."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .._utils import InputError
from ._style import (
    LOW_COVERAGE_NOTE,
    STYLE,
    coverage_label,
    figure,
    figure_note,
    group_colors,
    low_coverage_signatures,
    short_label,
)

__all__ = ["signature_boxplot", "score_heatmap", "format_p"]

log = logging.getLogger(__name__)


def format_p(p: float) -> str:
    """p-value / FDR as text: two significant digits, scientific below 0.001."""
    if p is None or not np.isfinite(p):
        return "NA"
    return f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}"


def _check_columns(frame: pd.DataFrame, needed: Sequence[str], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(f"{what} lacks column(s) {missing}")


def signature_boxplot(
    scores: pd.DataFrame,
    groups: pd.Series,
    comparison: pd.DataFrame,
    *,
    method: str,
    signatures: Sequence[str] | None = None,
    group_order: Sequence[str] | None = None,
    ncols: int = 4,
    top: int = 12,
    seed: int = 0,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """Box + strip plot of signature scores for a contrast's two groups, one panel per signature.

    ``signatures`` None draws every signature of the comparison, or, when there are more than
    ``top``, the ``top`` with the lowest primary FDR (said so in a note under the figure).

    Each panel shows the reference and target groups' scores (boxes: quartiles,
    whiskers 1.5 IQR; points: samples, jittered with a fixed seed) and is annotated
    with Hedges' g and the Welch-test FDR from ``comparison``.

    Returns
    -------
    (figure, source_data): the numbers drawn, one row per point, with the
    annotation values of its panel.
    """
    _check_columns(scores, ["observation", "signature", "method", "score"], "scores")
    _check_columns(
        comparison, ["signature", "method", "target", "reference", "hedges_g", "fdr_welch"], "comparison"
    )
    comp = comparison[comparison["method"] == method].set_index("signature")
    if comp.empty:
        raise InputError(f"the comparison has no row for method {method!r}")
    target, reference = comp["target"].iloc[0], comp["reference"].iloc[0]
    chosen = ""
    if signatures is None:
        fdr_col = "fdr" if "fdr" in comp.columns else "fdr_welch"
        signatures = list(comp.index)
        if len(signatures) > top:
            signatures = list(comp[fdr_col].sort_values(kind="stable").index[:top])
            chosen = f"the {top} of {len(comp)} signatures with the lowest FDR (set plots.signatures to choose)"
    # Methods that score only some signatures (CytoSig: its own) plot those they have; the
    # others are named on the figure and in the log, not dropped silently
    present = [s for s in signatures if s in comp.index]
    if not present:
        raise InputError(
            f"none of the signatures {list(signatures)} is in the comparison for {method} (not scored?)"
        )
    absent = [s for s in signatures if s not in comp.index]
    if absent:
        log.warning("box plot (%s): not scored with this method, so not shown: %s", method, absent)
    signatures = present
    low = low_coverage_signatures(comp.reset_index())
    order = [reference, target]
    colors = group_colors(group_order or order)
    data = scores[(scores["method"] == method) & scores["signature"].isin(signatures)].copy()
    data["group"] = data["observation"].map(pd.Series(groups).astype(str))
    data = data[data["group"].isin(order)]
    rng = np.random.default_rng(seed)
    n = len(signatures)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=45.0 * nrows + 8)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        rows = []
        for k, signature in enumerate(signatures):
            ax = axes[k // ncols][k % ncols]
            sub = data[data["signature"] == signature]
            values = [sub.loc[sub["group"] == g, "score"].to_numpy() for g in order]
            box = ax.boxplot(
                values,
                positions=range(len(order)),
                widths=0.55,
                showfliers=False,
                patch_artist=True,
                medianprops={"color": "black"},
            )
            for patch, g in zip(box["boxes"], order, strict=True):
                patch.set_facecolor(colors[g])
                patch.set_alpha(0.35)
            for i, (g, vals) in enumerate(zip(order, values, strict=True)):
                obs = sub.loc[sub["group"] == g, "observation"].to_numpy()
                x = i + rng.uniform(-0.15, 0.15, size=len(vals))
                ax.scatter(x, vals, s=8, color=colors[g], edgecolor="black", linewidth=0.3, zorder=3)
                row = comp.loc[signature]
                rows += [
                    {
                        "signature": signature,
                        "method": method,
                        "observation": o,
                        "group": g,
                        "score": v,
                        "hedges_g": row["hedges_g"],
                        "fdr_welch": row["fdr_welch"],
                    }
                    for o, v in zip(obs, vals, strict=True)
                ]
            row = comp.loc[signature]
            ax.set_title(coverage_label(signature, low))
            ax.text(
                0.5,
                0.98,
                f"g = {row['hedges_g']:.2f}, FDR = {format_p(row['fdr_welch'])}",
                transform=ax.transAxes,
                ha="center",
                va="top",
                fontsize=6,
            )
            ax.set_xticks(
                range(len(order)), [f"{g}\n(n={len(v)})" for g, v in zip(order, values, strict=True)]
            )
            ax.margins(y=0.18)
            if k % ncols == 0:
                ax.set_ylabel(f"score ({method})")
        for k in range(n, nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        fig.suptitle(f"{target} vs {reference}")
        notes = ([LOW_COVERAGE_NOTE] if low & set(signatures) else []) + (
            [f"not scored with {method}: {', '.join(absent)}"] if absent else []
        ) + ([chosen] if chosen else [])
        if notes:
            figure_note(fig, notes)
    return fig, pd.DataFrame(rows)


def _leaf_order(matrix: np.ndarray) -> np.ndarray:
    """Row order from average-linkage clustering (correlation distance), optimal leaf order."""
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import pdist

    if matrix.shape[0] < 3:
        return np.arange(matrix.shape[0])
    dist = np.nan_to_num(pdist(matrix, metric="correlation"), nan=1.0)
    tree = linkage(dist, method="average")
    return leaves_list(optimal_leaf_ordering(tree, dist))


def score_heatmap(
    scores: pd.DataFrame,
    obs: pd.DataFrame | pd.Series,
    *,
    method: str,
    signatures: Sequence[str] | None = None,
    group_order: Sequence[str] | None = None,
    annotations: Sequence[str] = (),
    cluster: bool = True,
    clip: float = 2.5,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """Clustered heatmap of samples × signatures, scores z-scored per signature, with annotation bars.

    Samples are ordered by group (in ``group_order``) and, with ``cluster``, by
    average-linkage clustering within each group; signatures are clustered the same way
    (unless ``signatures`` fixes their order). Bars on the left show the group and each
    column of ``annotations`` (covariates). Colours are clipped at ±``clip`` SD.

    Returns
    -------
    (figure, source_data) with the score and the z-score of every cell drawn.
    """
    _check_columns(scores, ["observation", "signature", "method", "score"], "scores")
    if isinstance(obs, pd.Series):
        obs = obs.rename("group").to_frame()
    missing = [c for c in ["group", *annotations] if c not in obs.columns]
    if missing:
        raise InputError(f"annotation columns not in the sample table: {missing}")
    sub = scores[scores["method"] == method]
    if sub.empty:
        raise InputError(f"no scores for method {method!r}")
    wide = sub.pivot(index="observation", columns="signature", values="score")
    wide = wide[list(pd.unique(sub["signature"]))]  # scoring order, not alphabetical
    if signatures is not None:
        absent = [s for s in signatures if s not in wide.columns]
        if absent:
            raise InputError(f"signatures not scored: {absent}")
        wide = wide[list(signatures)]
    meta = obs.astype(str).reindex(wide.index)
    grp = meta["group"]
    order = list(group_order) if group_order else sorted(grp.unique())
    sd = wide.std(ddof=1).replace(0, np.nan)
    z = ((wide - wide.mean()) / sd).fillna(0.0)
    rows = []
    for g in [*order, *sorted(set(grp) - set(order))]:
        members = sorted(grp.index[grp == g])
        block = z.loc[members].to_numpy()
        rows += [members[i] for i in (_leaf_order(block) if cluster else range(len(members)))]
    z = z.loc[rows]
    if cluster and signatures is None:
        z = z.iloc[:, _leaf_order(z.to_numpy().T)]
    wide = wide.loc[z.index, z.columns]
    meta = meta.loc[z.index]
    bars = ["group", *annotations]
    colors = group_colors(order)
    with mpl.rc_context(STYLE):
        height = max(50.0, 2.2 * len(z) + 30)
        fig = figure(width, height_mm=height)
        fig.get_layout_engine().set(wspace=0.005)
        grid = fig.add_gridspec(1, len(bars) + 2, width_ratios=[0.5] * len(bars) + [12, 0.4])
        bar_axes = [fig.add_subplot(grid[0, i]) for i in range(len(bars))]
        ax, ax_cb = fig.add_subplot(grid[0, len(bars)]), fig.add_subplot(grid[0, len(bars) + 1])
        legend_handles = []
        for i, (bar_ax, col) in enumerate(zip(bar_axes, bars, strict=True)):
            levels = order if col == "group" else sorted(meta[col].unique())
            palette = (
                colors
                if col == "group"
                else dict(
                    zip(levels, mpl.colormaps["Greys"](np.linspace(0.15, 0.85, len(levels))), strict=True)
                )
            )
            rgb = np.array([[mpl.colors.to_rgb(palette[v])] for v in meta[col]])
            bar_ax.imshow(rgb, aspect="auto", interpolation="nearest")
            bar_ax.set_xticks([0], [col], rotation=90)
            if i == 0:
                bar_ax.set_yticks(range(len(z)), list(z.index), fontsize=5)
            else:
                bar_ax.set_yticks([])
            for side in ("left", "bottom"):
                bar_ax.spines[side].set_visible(False)
            if col != "group":
                legend_handles += [Patch(facecolor=palette[v], label=f"{col}: {v}") for v in levels]
        image = ax.imshow(
            z.to_numpy(), aspect="auto", cmap="RdBu_r", vmin=-clip, vmax=clip, interpolation="nearest"
        )
        ax.set_xticks(range(z.shape[1]), [short_label(s) for s in z.columns], rotation=45, ha="right")
        ax.set_yticks([])
        ax.set_title(f"Signature scores ({method}), z-scored across samples")
        fig.colorbar(image, cax=ax_cb, label="z-score")
        handles = [Patch(facecolor=colors[g], label=g) for g in order if g in set(grp)] + legend_handles
        ax.legend(
            handles=handles,
            title="group",
            loc="upper left",
            bbox_to_anchor=(0, -0.35),
            ncols=min(len(handles), 4),
            frameon=False,
        )
    long = z.rename_axis(index="observation", columns="signature").stack().rename("zscore").reset_index()
    long["score"] = wide.stack().to_numpy()
    long.insert(1, "group", long["observation"].map(grp))
    long.insert(3, "method", method)
    return fig, long
