"""Figures of signature scores: box + strip plots per contrast, sample heatmaps."""

from __future__ import annotations

import logging
import math
import textwrap
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .._labels import column_label, group_label, method_label, ordered_groups
from .._significance import markable, stars
from .._utils import InputError
from ._style import (
    LOW_COVERAGE_NOTE,
    STYLE,
    WIDTHS,
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
    """p-value / FDR as text: two significant digits, scientific below 0.001.

    Parameters
    ----------
    p
        A p-value or FDR (NaN gives ``"n/a"``).

    Returns
    -------
    str
        The text drawn.
    """
    if p is None or not np.isfinite(p):
        return "NA"
    return f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}"


def _effect_text(row: pd.Series) -> str:
    """A box plot panel's annotation: the difference of means, and the FDR with its stars only
    where the test may carry them."""
    text = f"Δ = {row['mean_difference']:.2f}".replace("-", "−")
    if row["markable"]:
        return f"{text}, FDR = {format_p(row['fdr'])}{stars(row['fdr'])}"
    why = row.get("not_testable")
    return f"{text}; {'not testable' if isinstance(why, str) and why else 'n too small to test'}"


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
    pairs: pd.Series | None = None,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """Box + strip plot of signature scores for a contrast's two groups, one panel per signature.

    ``pairs`` (observation -> pair, e.g. the donor of a paired design) joins each pair's two
    samples with a line, and the points of a pair share their horizontal offset.

    ``signatures`` None draws every signature of the comparison, or, when there are more than
    ``top``, the ``top`` with the lowest primary FDR (said so in a note under the figure).

    Each panel shows the reference and target groups' scores (boxes: quartiles,
    whiskers 1.5 IQR; points: samples, jittered with a fixed seed) and is annotated with the
    difference of means (target − reference, in score units, as the effects figures draw it)
    and the FDR of the contrast's primary test with its stars, only where the test may carry a
    mark (:func:`cytoscore._significance.markable`); else "n too small to test" or "not
    testable". n per group is under each box.

    Returns
    -------
    (figure, source_data): the numbers drawn, one row per point, with the
    annotation values of its panel.

    Parameters
    ----------
    scores
        Tidy scores of the samples.
    groups
        Each sample's group, indexed by observation.
    comparison
        The contrast's comparison table (target, reference, difference, FDR).
    method
        The scoring method drawn.
    signatures
        The signatures drawn; ``None``: all, or the ``top`` by FDR.
    group_order
        The groups' order (the dataset's).
    ncols
        Panels per row.
    top
        Panels at most when ``signatures`` is ``None``.
    seed
        Seed of the points' jitter.
    pairs
        Observation -> pair (e.g. donor) of a paired design.
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.
    """
    _check_columns(scores, ["observation", "signature", "method", "score"], "scores")
    _check_columns(comparison, ["signature", "method", "target", "reference", "mean_difference", "fdr"], "comparison")
    comparison = comparison.assign(markable=markable(comparison).to_numpy())
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
    colors = group_colors([*(group_order or []), *order])
    data = scores[(scores["method"] == method) & scores["signature"].isin(signatures)].copy()
    data["group"] = data["observation"].map(pd.Series(groups).astype(str))
    data = data[data["group"].isin(order)]
    rng = np.random.default_rng(seed)
    pair_of, jitter = {}, {}
    if pairs is not None:
        pair_of = pd.Series(pairs).astype(str).reindex(pd.unique(data["observation"])).dropna().to_dict()
        ids = sorted(set(pair_of.values()))
        jitter = dict(zip(ids, rng.uniform(-0.15, 0.15, size=len(ids)), strict=True))
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
            drawn = {}
            for i, (g, vals) in enumerate(zip(order, values, strict=True)):
                obs = sub.loc[sub["group"] == g, "observation"].to_numpy()
                if pairs is not None:
                    x = i + np.array([jitter.get(pair_of.get(o), 0.0) for o in obs])
                else:
                    x = i + rng.uniform(-0.15, 0.15, size=len(vals))
                drawn.update({o: (xx, v) for o, xx, v in zip(obs, x, vals, strict=True)})
                ax.scatter(x, vals, s=8, color=colors[g], edgecolor="black", linewidth=0.3, zorder=3)
                row = comp.loc[signature]
                rows += [
                    {
                        "signature": signature,
                        "method": method,
                        "observation": o,
                        "group": g,
                        "score": v,
                        "mean_difference": row["mean_difference"],
                        "fdr": row["fdr"],
                        "markable": bool(row["markable"]),
                        **({"pair": pair_of.get(o)} if pairs is not None else {}),
                    }
                    for o, v in zip(obs, vals, strict=True)
                ]
            if pairs is not None:
                for _, members in pd.Series(pair_of).groupby(pd.Series(pair_of)):
                    pts = [drawn[o] for o in members.index if o in drawn]
                    if len(pts) == 2:
                        ax.plot(*zip(*pts, strict=True), color="grey", linewidth=0.5, zorder=2)
            row = comp.loc[signature]
            ax.set_title(textwrap.fill(coverage_label(signature, low), 24))
            ax.text(
                0.5,
                0.98,
                _effect_text(row),
                transform=ax.transAxes,
                ha="center",
                va="top",
                fontsize=6,
            )
            ax.set_xticks(
                range(len(order)), [f"{group_label(g)}\n(n={len(v)})" for g, v in zip(order, values, strict=True)]
            )
            ax.margins(y=0.18)
            if k % ncols == 0:
                ax.set_ylabel(f"score ({method_label(method)})")
        for k in range(n, nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        fig.suptitle(f"{group_label(target)} vs {group_label(reference)}", fontweight="bold")
        notes = (["lines join the samples of one pair"] if pairs is not None else []) + ([LOW_COVERAGE_NOTE] if low & set(signatures) else []) + (
            [f"not scored with {method_label(method)}: {', '.join(map(short_label, absent))}"] if absent else []
        ) + ([chosen] if chosen else [])
        if notes:
            figure_note(fig, notes)
    return fig, pd.DataFrame(rows)


def _cluster(matrix: np.ndarray):
    """Average-linkage clustering (correlation distance) with optimal leaf order: the leaf
    order and the tree (None below 3 rows)."""
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import pdist

    if matrix.shape[0] < 3:
        return np.arange(matrix.shape[0]), None
    dist = np.nan_to_num(pdist(matrix, metric="correlation"), nan=1.0)
    tree = optimal_leaf_ordering(linkage(dist, method="average"), dist)
    return leaves_list(tree), tree


def _draw_tree(ax, tree, offset: float, *, vertical: bool) -> None:
    """A scipy dendrogram whose leaves sit at ``offset``, ``offset + 1``, …: along x (on
    top of the heatmap's columns) or, with ``vertical``, along y (left of its rows). Its
    links are one collection (a line per link was 68 artists for 69 signatures, each
    made and drawn on its own)."""
    from matplotlib.collections import LineCollection
    from scipy.cluster.hierarchy import dendrogram

    tree_data = dendrogram(tree, no_plot=True)
    links = []
    for xs, ys in zip(tree_data["icoord"], tree_data["dcoord"], strict=True):
        pos = (np.asarray(xs) - 5) / 10 + offset
        links.append(np.column_stack([ys, pos] if vertical else [pos, ys]))
    lines = LineCollection(links, colors="black", linewidths=0.4, capstyle=mpl.rcParams["lines.solid_capstyle"],
                           joinstyle=mpl.rcParams["lines.solid_joinstyle"])  # fmt: skip
    ax.add_collection(lines)
    ax.autoscale_view()


#: A covariate with more levels than this shows its most frequent ones and "other".
MAX_LEVELS = 8
_COVARIATE_COLORS = ("#66C2A5", "#FC8D62", "#8DA0CB", "#E78AC3", "#A6D854", "#FFD92F", "#E5C494")


def _covariate_palette(values: pd.Series) -> tuple[pd.Series, dict]:
    """Colours of a covariate bar: numbers on a continuous scale (viridis), up to
    ``MAX_LEVELS`` categories each in its own colour, beyond that the 7 most frequent and
    "other" (grey). Returns the colour of each sample and the legend entries."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all() and values.nunique() > MAX_LEVELS:
        lo, hi = float(numeric.min()), float(numeric.max())
        cmap = mpl.colormaps["viridis"]
        scaled = (numeric - lo) / (hi - lo or 1.0)
        colours = scaled.map(lambda v: mpl.colors.to_hex(cmap(v)))
        return colours, {f"{lo:.3g}": mpl.colors.to_hex(cmap(0.0)), f"{hi:.3g}": mpl.colors.to_hex(cmap(1.0))}
    counts = values.value_counts()
    keep = list(counts.index) if len(counts) <= MAX_LEVELS else list(counts.index[: len(_COVARIATE_COLORS)])
    palette = {v: _COVARIATE_COLORS[i % len(_COVARIATE_COLORS)] for i, v in enumerate(sorted(keep))}
    if len(counts) > MAX_LEVELS:
        palette[f"other ({len(counts) - len(keep)} levels)"] = "#D9D9D9"
    other = next((k for k in palette if k.startswith("other (")), None)
    return values.map(lambda v: palette.get(v, palette.get(other))), palette


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
    """Heatmap of signatures (rows) × samples (columns), scores z-scored per signature, with
    annotation bars on top.

    Samples are ordered by group (in ``group_order``) and, with ``cluster``, by
    average-linkage clustering within each group, whose dendrograms are drawn above each
    group's block; signatures are clustered over all samples (unless ``signatures`` fixes
    their order), their dendrogram at the left. Bars show the group and each column of
    ``annotations``: up to 8 levels each get a colour, more keep the 7 most frequent and
    "other", numbers get a continuous scale. Sample IDs are printed when they fit (7 pt),
    else left to the source data (said in a note). Colours saturate at ±``clip`` SD, marked
    by the colour bar's arrows.

    Returns
    -------
    (figure, source_data) with the score and the z-score of every cell drawn.

    Parameters
    ----------
    scores
        Tidy scores of the samples.
    obs
        Sample metadata (with ``group``), or a Series of groups.
    method
        The scoring method drawn.
    signatures
        The signatures (rows) in this order; ``None``: every one scored, clustered.
    group_order
        The groups' order.
    annotations
        Metadata columns drawn as bars above the samples.
    cluster
        Cluster the samples within each group (and the signatures).
    clip
        The z beyond which colours saturate.
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.
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
    order = ordered_groups(group_order, grp.unique())
    sd = wide.std(ddof=1).replace(0, np.nan)
    z = ((wide - wide.mean()) / sd).fillna(0.0)
    columns, trees, blocks = [], [], []
    for g in order:
        members = sorted(grp.index[grp == g])
        leaves, tree = _cluster(z.loc[members].to_numpy()) if cluster else (np.arange(len(members)), None)
        trees.append((len(columns), tree))
        blocks.append((g, len(columns), len(members)))
        columns += [members[i] for i in leaves]
    sig_tree = None
    if cluster and signatures is None:
        leaves, sig_tree = _cluster(z.to_numpy().T)
        z = z.iloc[:, leaves]
    z = z.loc[columns]
    wide = wide.loc[z.index, z.columns]
    meta = meta.loc[z.index]
    bars = ["group", *annotations]
    n_sig, n_obs = z.shape[1], z.shape[0]
    width_mm = WIDTHS[width] if isinstance(width, str) else float(width)
    # each bar's colour per sample and its legend entries, first: the legend sets the height
    colors = group_colors([*(group_order or []), *order])
    rgb, legend_sections = [], []
    for col in bars:
        if col == "group":
            per_sample, palette = meta[col].map(colors), {group_label(g): colors[g] for g in order}
        else:
            per_sample, palette = _covariate_palette(meta[col])
        rgb.append([mpl.colors.to_rgb(c) for c in per_sample])
        legend_sections.append((column_label(col), palette))
    entries = sum(1 + len(palette) for _, palette in legend_sections)
    # the columns: the signatures' tree, the heatmap with its row labels (7 pt: ~1.5 mm a
    # character), the legend as wide as its longest entry; the heatmap takes what is left
    labels_mm = 1.5 * max((len(short_label(s)) for s in z.columns), default=10)
    legend_mm = max(22.0, 1.5 * max((len(str(v)) + 3 for _, p in legend_sections for v in [*p, _]), default=10) + 8)
    tree_w = 0.09 if cluster and sig_tree is not None else 0.001
    side_w = legend_mm / width_mm
    heat_mm = width_mm * (1 - tree_w - side_w) - labels_mm - 6
    show_ids = heat_mm / n_obs >= 2.7  # a 7 pt label is 2.5 mm high
    with mpl.rc_context(STYLE):
        tree_mm = 10.0 if cluster else 0.0
        ids_mm = 16.0 if show_ids else 0.0
        body_mm = max(tree_mm + 3.2 * len(bars) + 3.0 * n_sig + ids_mm, 22 + 3.4 * entries)
        fig = figure(width, height_mm=body_mm + 22)
        engine = fig.get_layout_engine()
        engine.set(hspace=0.004, wspace=0.004, h_pad=0.01, w_pad=0.01)
        grid = fig.add_gridspec(
            3,
            3,
            width_ratios=[tree_w, 1 - tree_w - side_w, side_w],
            height_ratios=[tree_mm or 0.01, 3.2 * len(bars), 3.0 * n_sig],
        )
        ax = fig.add_subplot(grid[2, 1])
        image = ax.imshow(z.to_numpy().T, aspect="auto", cmap="RdBu_r", vmin=-clip, vmax=clip)
        ax.set_yticks(range(n_sig), [short_label(s) for s in z.columns])
        ax.yaxis.tick_right()
        ax.tick_params(axis="y", length=0)
        if show_ids:
            ax.set_xticks(range(n_obs), list(z.index), rotation=90)
        else:
            ax.set_xticks([])
        ax.set_xlabel(f"{n_obs} samples, by group" + (", clustered within each" if cluster else ""))
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        bar_ax = fig.add_subplot(grid[1, 1], sharex=ax)
        bar_ax.imshow(np.array(rgb), aspect="auto")
        bar_ax.set_yticks(range(len(bars)), [column_label(c) for c in bars])
        bar_ax.yaxis.tick_right()
        bar_ax.tick_params(length=0, labelbottom=False)
        for _, start, _ in blocks[1:]:
            for a in (ax, bar_ax):
                a.axvline(start - 0.5, color="white", linewidth=0.8)
        for s in ("left", "bottom"):
            bar_ax.spines[s].set_visible(False)
        if cluster:
            top = fig.add_subplot(grid[0, 1], sharex=ax)
            for offset, tree in trees:
                if tree is not None:
                    _draw_tree(top, tree, offset, vertical=False)
            top.set_axis_off()
            if sig_tree is not None:
                left = fig.add_subplot(grid[2, 0], sharey=ax)
                _draw_tree(left, sig_tree, 0, vertical=True)
                left.invert_xaxis()
                left.set_axis_off()
        side = grid[:, 2].subgridspec(2, 1, height_ratios=[1, 4])
        cax = fig.add_subplot(side[0].subgridspec(1, 2, width_ratios=[1, 6])[0, 0])
        extend = "both" if float(np.abs(z.to_numpy()).max(initial=0)) > clip else "neither"
        fig.colorbar(image, cax=cax, label="z-score", extend=extend)
        leg_ax = fig.add_subplot(side[1])
        leg_ax.set_axis_off()
        handles = []
        for title, palette in legend_sections:
            handles.append(Patch(facecolor="none", edgecolor="none", label=title))
            handles += [Patch(facecolor=c, label=f"  {v}") for v, c in palette.items()]
        leg = leg_ax.legend(
            handles=handles,
            loc="upper left",
            frameon=False,
            handlelength=1.0,
            handletextpad=0.4,
            borderaxespad=0,
        )
        for text, handle in zip(leg.get_texts(), handles, strict=True):
            if handle.get_facecolor()[3] == 0:
                text.set_fontweight("bold")
        fig.suptitle(f"Signature scores ({method_label(method)}), z-scored across samples", fontweight="bold")
        if not show_ids:
            figure_note(fig, "sample IDs in the source data (too many to print)")
    long = z.rename_axis(index="observation", columns="signature").stack().rename("zscore").reset_index()
    long["score"] = wide.stack().to_numpy()
    long.insert(1, "group", long["observation"].map(grp))
    long.insert(3, "method", method)
    return fig, long
