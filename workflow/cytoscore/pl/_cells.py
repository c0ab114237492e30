"""Single-cell figures: embedding coloured by score, dot plot by cell type, donor-level summaries."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .._utils import InputError, score_parts
from ._style import STYLE, figure, group_colors, short_label

__all__ = ["embedding_plot", "score_dotplot", "donor_plot"]


def embedding_plot(
    coords: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    method: str,
    signatures: Sequence[str] | None = None,
    ncols: int = 3,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """UMAP (columns ``umap1, umap2``, index cells) coloured by each signature's score."""
    wide = scores[scores["method"] == method].pivot(index="observation", columns="signature", values="score")
    sigs = list(signatures) if signatures else list(wide.columns)
    # a method scores only some signatures (set-based: gene sets; cytosig: weighted ones)
    sigs = [s for s in sigs if s in wide.columns]
    if not sigs:
        raise InputError(f"none of the signatures {list(signatures)} is scored with {method}")
    wide = wide.reindex(coords.index)
    n = len(sigs)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=55.0 * nrows)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for k, sig in enumerate(sigs):
            ax = axes[k // ncols][k % ncols]
            order = np.argsort(wide[sig].to_numpy())  # highest scores drawn on top
            art = ax.scatter(
                coords["umap1"].to_numpy()[order],
                coords["umap2"].to_numpy()[order],
                c=wide[sig].to_numpy()[order],
                s=2,
                cmap="viridis",
                rasterized=True,
                linewidths=0,
            )
            ax.set_title(short_label(sig))
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_xlabel("UMAP 1")
            ax.set_ylabel("UMAP 2")
            fig.colorbar(art, ax=ax, shrink=0.7, label=f"score ({method})")
        for k in range(n, nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
    source = coords.join(wide[sigs]).reset_index(names="observation")
    return fig, source


def score_dotplot(
    scores: pd.DataFrame,
    obs: pd.DataFrame,
    *,
    method: str,
    cell_type: str,
    group: str = "group",
    signatures: Sequence[str] | None = None,
    group_order: Sequence[str] | None = None,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """Dot plot: colour = mean score, size = fraction of cells scoring above the signature's
    median over all cells, per cell type × condition (rows) and signature (columns)."""
    parts = []
    for part in score_parts(scores):  # one signature at a time for a million cells
        sub = part[part["method"] == method]
        if signatures:
            sub = sub[sub["signature"].isin(list(signatures))]
        if sub.empty:
            continue
        sub = sub.join(obs[[cell_type, group]].astype(str), on="observation")
        sub["above"] = sub["score"] > sub.groupby("signature")["score"].transform("median")
        parts.append(
            sub.groupby([cell_type, group, "signature"], sort=True)
            .agg(mean_score=("score", "mean"), fraction_above_median=("above", "mean"), n_cells=("score", "size"))
            .reset_index()
        )
    if not parts:
        raise InputError(f"none of the signatures {list(signatures or [])} is scored with {method}")
    table = pd.concat(parts, ignore_index=True)
    scored = list(dict.fromkeys(table["signature"]))
    sigs = [s for s in signatures if s in scored] if signatures else scored
    groups = list(group_order) if group_order else sorted(table[group].unique())
    rows = [
        (ct, g)
        for ct in sorted(table[cell_type].unique())
        for g in groups
        if ((table[cell_type] == ct) & (table[group] == g)).any()
    ]
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=max(50.0, 5.0 * len(rows) + 35))
        ax = fig.add_subplot()
        lookup = table.set_index([cell_type, group, "signature"])
        xs, ys, cs, ss = [], [], [], []
        for i, (ct, g) in enumerate(rows):
            for j, sig in enumerate(sigs):
                r = lookup.loc[(ct, g, sig)]
                xs.append(j)
                ys.append(len(rows) - 1 - i)
                cs.append(r["mean_score"])
                ss.append(10 + 120 * r["fraction_above_median"])
        art = ax.scatter(
            xs,
            ys,
            c=cs,
            s=ss,
            cmap="RdBu_r",
            edgecolor="black",
            linewidth=0.3,
            vmin=-max(map(abs, cs)),
            vmax=max(map(abs, cs)),
        )
        ax.set_xticks(range(len(sigs)), [short_label(s) for s in sigs], rotation=40, ha="right")
        ax.set_yticks(range(len(rows)), [f"{ct} · {g}" for ct, g in reversed(rows)])
        ax.set_xlim(-0.5, len(sigs) - 0.5)
        fig.colorbar(art, ax=ax, shrink=0.6, label=f"mean score ({method})")
        for frac in (0.25, 0.5, 0.75):
            ax.scatter([], [], s=10 + 120 * frac, color="grey", label=f"{int(frac * 100)} %")
        ax.legend(title="cells above median", frameon=False, loc="upper left", bbox_to_anchor=(1.25, 1))
    return fig, table


def donor_plot(
    summary: pd.DataFrame,
    *,
    signature: str,
    method: str,
    cell_type: str,
    replicate: str,
    group: str = "group",
    pair_by: str | None = None,
    group_order: Sequence[str] | None = None,
    ncols: int = 3,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """Donor-level summaries per cell type: one point per replicate (mean score of its cells),
    lines joining the two conditions of one donor when ``pair_by`` is given."""
    data = summary[(summary["signature"] == signature) & (summary["method"] == method)].copy()
    if data.empty:
        raise InputError(f"no summary for {signature} / {method}")
    order = list(group_order) if group_order else sorted(data[group].astype(str).unique())
    colors = group_colors(order)
    cts = sorted(data[cell_type].astype(str).unique())
    ncols = max(1, min(ncols, len(cts)))
    nrows = math.ceil(len(cts) / ncols)
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=45.0 * nrows + 8)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for k, ct in enumerate(cts):
            ax = axes[k // ncols][k % ncols]
            sub = data[data[cell_type].astype(str) == ct]
            if pair_by:
                for _, pair in sub.groupby(pair_by):
                    pair = pair.assign(
                        x=pair[group].astype(str).map({g: i for i, g in enumerate(order)})
                    ).sort_values("x")
                    ax.plot(pair["x"], pair["mean"], color="grey", linewidth=0.7, zorder=1)
            for i, g in enumerate(order):
                pts = sub[sub[group].astype(str) == g]
                ax.scatter(
                    [i] * len(pts),
                    pts["mean"],
                    s=18,
                    color=colors[g],
                    edgecolor="black",
                    linewidth=0.3,
                    zorder=3,
                )
            ax.set_xticks(range(len(order)), order)
            ax.set_xlim(-0.5, len(order) - 0.5)
            ax.set_title(ct)
            if k % ncols == 0:
                ax.set_ylabel(f"mean score per {replicate}")
        for k in range(len(cts), nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        fig.suptitle(f"{short_label(signature)} ({method}), one point per {replicate}")
    return fig, data
