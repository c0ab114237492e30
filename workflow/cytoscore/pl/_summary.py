"""Figures across signatures, contrasts and datasets: volcano, correlation, interferon score,
effect-size summary heatmap and forest plots."""

from __future__ import annotations

import contextlib
import math
import textwrap
from collections.abc import Collection, Iterator, Mapping, Sequence
from statistics import NormalDist

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from .._correlation import MIN_N_RHO, spearman
from .._labels import contrast_label, group_label, method_label, method_style, ordered_groups
from .._significance import markable, stars
from .._utils import InputError, flag
from ._celltexts import CellTexts
from ._scores import _check_columns, format_p
from ._style import (
    LOW_COVERAGE_NOTE,
    NOTE_SIZE,
    SMALL_SIZE,
    STYLE,
    WIDTHS,
    coverage_label,
    figure,
    figure_note,
    group_colors,
    low_coverage_signatures,
    not_scored_figure,
    short_label,
)

__all__ = [
    "contrast_effects_plot",
    "effect_dot_plot",
    "volcano_plot", "score_correlation", "ifn_score_plot", "effect_heatmap", "forest_plot"]

#: The effect drawn by the volcano and the study summary (``plots.effect``).
EFFECTS = {
    "mean_difference": "difference of means (target − reference)",
    "hedges_g": "Hedges' g (target vs reference)",
}


def _effect_columns(effect: str) -> tuple[str, str, str]:
    if effect not in EFFECTS:
        raise InputError(f"effect must be one of {sorted(EFFECTS)}, not {effect!r}")
    return effect, f"{effect}_ci_low", f"{effect}_ci_high"


#: Fill colours of significant changes (up, down) and of the rest; not group colours.
_UP, _DOWN, _NS = "#B2182B", "#2166AC", "#BBBBBB"


def _contrast_data(comparison: pd.DataFrame, effect: str, fdr_line: float, label_top: int) -> pd.DataFrame:
    """The rows a contrast figure draws, with ``labelled``: the ``label_top`` signatures
    named, ranked across all methods by the largest absolute effect among the rows below
    ``fdr_line`` (each signature's best rank over the methods), so that every panel names
    the same signatures."""
    col, lo_col, hi_col = _effect_columns(effect)
    _check_columns(comparison, ["signature", "method", col, "fdr"], "comparison")
    data = comparison[["signature", "method", col, "fdr"]].rename(columns={col: "effect"}).reset_index(drop=True)
    data.insert(3, "ci_low", comparison[lo_col].to_numpy() if lo_col in comparison else np.nan)
    data.insert(4, "ci_high", comparison[hi_col].to_numpy() if hi_col in comparison else np.nan)
    data["small_n"] = flag(comparison["small_n"]).to_numpy() if "small_n" in comparison else False
    # the FDR a mark may rest on: none where the test cannot carry one (n < 3, not testable)
    data["fdr_mark"] = data["fdr"].where(markable(comparison).to_numpy())
    data["neg_log10_fdr"] = -np.log10(data["fdr"].clip(lower=1e-300))
    low = low_coverage_signatures(comparison)
    data["label"] = [coverage_label(sig, low) for sig in data["signature"]]
    data["low_coverage"] = data["signature"].isin(low)
    significant = data[data["fdr_mark"] < fdr_line].assign(size=lambda d: d["effect"].abs())
    significant["rank"] = significant.groupby("method")["size"].rank(ascending=False, method="first")
    best = significant.groupby("signature")["rank"].min().reset_index().sort_values(["rank", "signature"])
    data["labelled"] = data["signature"].isin(best["signature"].iloc[:label_top])
    data.attrs["order"] = {s: i for i, s in enumerate(best["signature"])}
    return data


def _panel_grid(n: int, ncols: int, width, height_mm: float, **kwargs):
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig = figure(width, height_mm=height_mm * nrows + 16)
    # panels that share y have no tick labels between them: the x tick labels at two panels'
    # facing edges (2.5 | -0.2) need more than the layout's default 2 % to stay apart
    fig.get_layout_engine().set(wspace=0.05)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    for k in range(n, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    return fig, [axes[k // ncols][k % ncols] for k in range(n)], ncols


def _fills(sub: pd.DataFrame, fdr_line: float) -> list[str]:
    return [
        (_UP if e > 0 else _DOWN) if q < fdr_line else _NS
        for e, q in zip(sub["effect"], sub["fdr_mark"], strict=True)
    ]


def _effect_legend(fig: Figure, fdr_line: float, *, line: bool, hollow: bool) -> None:
    from matplotlib.lines import Line2D

    marker = {"marker": "o", "linestyle": "none", "markersize": 4, "markeredgecolor": "black", "markeredgewidth": 0.4}
    handles = [
        Line2D([], [], markerfacecolor=_UP, label=f"up, FDR < {fdr_line:g}", **marker),
        Line2D([], [], markerfacecolor=_DOWN, label=f"down, FDR < {fdr_line:g}", **marker),
        Line2D([], [], markerfacecolor=_NS, label=f"FDR ≥ {fdr_line:g}", **marker),
    ]
    if hollow:
        handles.append(Line2D([], [], markerfacecolor="none", label="fewer than 3 samples (pairs) per group", **marker))
    if line:
        handles.append(Line2D([], [], color="grey", linestyle="--", linewidth=0.6, label=f"FDR = {fdr_line:g}"))
    fig.legend(handles=handles, loc="outside right upper", frameon=False)


def contrast_effects_plot(
    comparison: pd.DataFrame,
    *,
    effect: str = "mean_difference",
    kind: str = "auto",
    dot_max: int = 15,
    fdr_line: float = 0.05,
    label_top: int = 8,
    width: str = "double",
) -> tuple[Figure, pd.DataFrame]:
    """A contrast's effects: a dot-and-CI plot for a handful of signatures (at most
    ``dot_max``: every effect and its CI readable, signature by signature), a volcano for
    more (``kind`` "auto"; or "dots" / "volcano").

    Parameters
    ----------
    comparison
        A contrast's comparison table (:func:`cytoscore.tl.compare_groups` and the like).
    effect
        ``mean_difference`` (with its 95% CI, in each method's score units) or ``hedges_g``.
    kind
        ``auto``, ``dots`` or ``volcano``.
    dot_max
        The most signatures drawn as dots under ``auto``.
    fdr_line
        The FDR below which an effect is filled (and a volcano names it).
    label_top
        Signatures named in a volcano.
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.

    Returns
    -------
    Figure, DataFrame
        The figure and the numbers drawn (its source data).
    """
    if kind not in ("auto", "dots", "volcano"):
        raise InputError(f"kind must be auto, dots or volcano, not {kind!r}")
    if kind == "auto":
        kind = "dots" if comparison["signature"].nunique() <= dot_max else "volcano"
    draw = effect_dot_plot if kind == "dots" else volcano_plot
    return draw(comparison, effect=effect, fdr_line=fdr_line, label_top=label_top, width=width)


def group_sizes(comparison: pd.DataFrame) -> str:
    """"(n = 10 vs 10)" or "(n = 4 pairs)": the replicates of a contrast's groups, as its
    rows give them (the largest over cell types, for single-cell contrasts)."""
    if "n_pairs" in comparison and comparison["n_pairs"].notna().any() and comparison["test"].astype(str).str.startswith("paired").any():
        return f"(n = {int(comparison['n_pairs'].max())} pairs)"
    if {"n_target", "n_reference"} <= set(comparison.columns) and len(comparison):
        return f"(n = {int(comparison['n_target'].max())} vs {int(comparison['n_reference'].max())})"
    return ""


def effect_dot_plot(
    comparison: pd.DataFrame,
    *,
    effect: str = "mean_difference",
    fdr_line: float = 0.05,
    label_top: int = 8,
    width: str = "double",
) -> tuple[Figure, pd.DataFrame]:
    """Each signature's effect with its 95% CI, one row per signature and one panel per method
    (each in its own score units); filled by direction when FDR < ``fdr_line``, with the FDR
    stars at the right. ``label_top`` is accepted for the volcano's signature and unused.

    Parameters
    ----------
    comparison
        A contrast's comparison table (:func:`cytoscore.tl.compare_groups` and the like).
    effect
        ``mean_difference`` (with its 95% CI, in each method's score units) or ``hedges_g``.
    fdr_line
        The FDR below which an effect is filled.
    label_top
        Unused (the volcano's signature).
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.

    Returns
    -------
    Figure, DataFrame
        The figure and the numbers drawn (its source data).
    """
    data = _contrast_data(comparison, effect, fdr_line, 0).drop(columns="labelled")
    methods = list(dict.fromkeys(data["method"]))
    sigs = list(dict.fromkeys(data["signature"]))
    ys = {s: len(sigs) - 1 - i for i, s in enumerate(sigs)}
    with mpl.rc_context(STYLE):
        fig, axes, ncols = _panel_grid(len(methods), 3, width, 9.0 + 4.2 * len(sigs), sharey=True)
        for k, (ax, method) in enumerate(zip(axes, methods, strict=True)):
            sub = data[data["method"] == method]
            y = sub["signature"].map(ys).to_numpy(dtype=float)
            ok = (sub["ci_low"].notna() & sub["ci_high"].notna()).to_numpy()
            ax.errorbar(
                sub["effect"][ok], y[ok],
                xerr=[(sub["effect"] - sub["ci_low"])[ok], (sub["ci_high"] - sub["effect"])[ok]],
                fmt="none", ecolor="black", elinewidth=0.6, capsize=1.2,
            )
            fills = np.array(_fills(sub, fdr_line), dtype=object)
            hollow = sub["small_n"].to_numpy()
            ax.scatter(
                sub["effect"], y, s=16, marker=method_style(methods)[method]["marker"],
                facecolors=[("none" if h else f) for f, h in zip(fills, hollow, strict=True)],
                edgecolors="black", linewidth=0.5, zorder=3,
            )
            # stars right of their own CI, inside the panel: never beside the next panel's ticks
            ends = sub["ci_high"].where(sub["ci_high"].notna(), sub["effect"]).to_numpy(dtype=float)
            for yy, end, q in zip(y, ends, sub["fdr_mark"], strict=True):
                if stars(q):
                    ax.annotate(stars(q), (end, yy), xytext=(2, -0.5), textcoords="offset points", va="center",
                                fontsize=7)  # fmt: skip
            ax.margins(x=0.14)
            ax.axvline(0, color="grey", linewidth=0.5)
            ax.set_yticks(range(len(sigs)), [data.loc[data["signature"] == s, "label"].iloc[0] for s in reversed(sigs)])
            ax.set_ylim(-0.7, len(sigs) - 0.3)
            ax.set_title(method_label(method))
            ax.set_xlabel(f"difference of means (95% CI)\nin {method_label(method)} units" if effect == "mean_difference"
                          else "Hedges' g (95% CI)")  # fmt: skip
            if k % ncols:
                ax.tick_params(axis="y", labelleft=False)
        contrast = comparison["contrast"].iloc[0] if "contrast" in comparison else ""
        fig.suptitle(" ".join(t for t in (contrast_label(contrast) if contrast else "", group_sizes(comparison)) if t),
                     fontweight="bold")  # fmt: skip
        _effect_legend(fig, fdr_line, line=False, hollow=bool(data["small_n"].any()))
        notes = ["* FDR < 0.05, ** < 0.01, *** < 0.001 (the contrast's primary test)"]
        notes += [LOW_COVERAGE_NOTE] if data["low_coverage"].any() else []
        figure_note(fig, notes)
    return fig, data.drop(columns="label")


def _connect(ax, box, point, dpi: float, *, shrink_pt: float = 2.0, min_pt: float = 4.0) -> None:
    """A thin grey line from a name's box (display units) to its point (data units): along
    the line between the box's centre and the point, from where it leaves the box to the
    point, ``shrink_pt`` short of both; none when the name is within ``min_pt`` of it.

    Computed once, in data units, instead of a FancyArrowPatch that clips itself against the
    text at every draw (0.2 s of each three-format save of a volcano)."""
    target = ax.transData.transform(point)
    centre = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
    d = target - centre
    length = float(np.hypot(*d))
    if length == 0:
        return
    # where the ray from the centre leaves the box
    reach = min((box.width / 2) / abs(d[0]) if d[0] else np.inf, (box.height / 2) / abs(d[1]) if d[1] else np.inf)
    gap = length * (1 - reach)
    if gap <= min_pt * dpi / 72:
        return
    unit, shrink = d / length, shrink_pt * dpi / 72
    start = centre + d * reach + unit * shrink
    end = target - unit * shrink
    (x0, y0), (x1, y1) = ax.transData.inverted().transform([start, end])
    ax.plot([x0, x1], [y0, y1], color="grey", linewidth=0.3, zorder=1)


@contextlib.contextmanager
def _layout_kept(fig: Figure) -> Iterator[None]:
    """adjustText draws the whole figure at the start of each call, to bring positions up to
    date; the volcano's layout is fixed before names are placed and its Agg renderer made, so
    those draws (one per panel, 0.2 s of a 5-method volcano) are skipped."""
    fig.draw_without_rendering = lambda: None
    try:
        yield
    finally:
        del fig.draw_without_rendering


def volcano_plot(
    comparison: pd.DataFrame,
    *,
    effect: str = "mean_difference",
    fdr_line: float = 0.05,
    label_top: int = 8,
    width: str = "double",
) -> tuple[Figure, pd.DataFrame]:
    """Effect against −log10 FDR of the primary test: one panel per method, every signature.

    ``effect`` is the difference of means with its 95% CI (default; in the method's own
    score units, hence one panel per method) or Hedges' g with its CI. The difference of
    means ranks signatures by the size of the change; g divides by the within-group SD and
    reaches tens or hundreds with 3 tight replicates per group, where it no longer orders
    signatures by how much they moved. The ``label_top`` signatures with the largest
    absolute effect below ``fdr_line`` (each signature's best rank over the methods) are
    named in every panel where they are below the line, the names moved apart by adjustText (``labelled`` in the source
    data). Rows flagged ``small_n`` are drawn hollow; low-coverage signatures carry a dagger.

    Parameters
    ----------
    comparison
        A contrast's comparison table (:func:`cytoscore.tl.compare_groups` and the like).
    effect
        ``mean_difference`` (with its 95% CI, in each method's score units) or ``hedges_g``.
    fdr_line
        The FDR of the dashed line.
    label_top
        Signatures named, the largest significant effects.
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.

    Returns
    -------
    Figure, DataFrame
        The figure and the numbers drawn (its source data).
    """
    from adjustText import adjust_text
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    data = _contrast_data(comparison, effect, fdr_line, label_top)
    data["named"] = False  # names drawn (one adjustText left on other text is not)
    methods = list(dict.fromkeys(data["method"]))
    styles = method_style(methods)
    ymax = max(float(np.nanmax(data["neg_log10_fdr"])) if data["neg_log10_fdr"].notna().any() else 1.0, 1.0)
    with mpl.rc_context(STYLE):
        fig, axes, ncols = _panel_grid(len(methods), 3, width, 58.0, sharey=True)
        FigureCanvasAgg(fig)  # adjustText measures the texts with the Agg renderer
        for k, (ax, method) in enumerate(zip(axes, methods, strict=True)):
            sub = data[data["method"] == method]
            ok = (sub["ci_low"].notna() & sub["ci_high"].notna()).to_numpy()
            ax.errorbar(
                sub["effect"][ok], sub["neg_log10_fdr"][ok],
                xerr=[(sub["effect"] - sub["ci_low"])[ok], (sub["ci_high"] - sub["effect"])[ok]],
                fmt="none", ecolor="#999999", elinewidth=0.4, zorder=2,
            )
            hollow = sub["small_n"].to_numpy()
            ax.scatter(
                sub["effect"], sub["neg_log10_fdr"], s=14, marker=styles[method]["marker"],
                facecolors=[("none" if h else f) for f, h in zip(_fills(sub, fdr_line), hollow, strict=True)],
                edgecolors="black", linewidth=0.4, zorder=3,
            )
            span = float(np.nanmax(np.abs(sub[["effect", "ci_low", "ci_high"]].to_numpy(dtype=float)), initial=0.0))
            span = span if span > 0 else 1.0
            ax.axhline(-math.log10(fdr_line), color="grey", linestyle="--", linewidth=0.6)
            ax.axvline(0, color="grey", linewidth=0.5)
            ax.set_xlim(-1.35 * span, 1.35 * span)
            ax.set_ylim(0, ymax * 1.25)
            ax.set_title(method_label(method))
            ax.set_xlabel(f"difference of means\nin {method_label(method)} units" if effect == "mean_difference"
                          else "Hedges' g")  # fmt: skip
            if k % ncols == 0:
                ax.set_ylabel("−log10 FDR")
        contrast = comparison["contrast"].iloc[0] if "contrast" in comparison else ""
        fig.suptitle(
            f"{contrast_label(contrast)} {group_sizes(comparison)}: {EFFECTS[effect]} with 95% CI" if contrast
            else EFFECTS[effect],
            fontweight="bold",
        )  # fmt: skip
        _effect_legend(fig, fdr_line, line=True, hollow=bool(data["small_n"].any()))
        notes = [f"named: the {label_top} signatures with the largest |effect| at FDR < {fdr_line:g} (best rank over the methods)"]
        notes += [LOW_COVERAGE_NOTE] if data["low_coverage"].any() else []
        figure_note(fig, notes)
        fig.draw_without_rendering()  # fix the layout (no pixels), then place the names in it
        fig.set_layout_engine(None)  # no engine (STYLE): a placeholder would make every save draw twice
        order = data.attrs["order"]
        renderer = fig.canvas.get_renderer()
        # what a name must not cover: every panel's axes (tick and axis labels) and title,
        # the legend, the title and notes of the figure; nor may it leave the canvas
        taken = [box for ax in axes for box in (ax.xaxis.get_tightbbox(renderer), ax.yaxis.get_tightbbox(renderer))
                 if box is not None]  # fmt: skip
        taken += [ax.title.get_window_extent(renderer) for ax in axes if ax.title.get_text()]
        taken += [art.get_window_extent(renderer) for art in [*fig.legends, *fig.texts] if art.get_visible()]
        canvas = fig.bbox
        for ax, method in zip(axes, methods, strict=True):
            named = data[(data["method"] == method) & data["labelled"] & (data["fdr_mark"] < fdr_line)]
            texts = [
                ax.text(row.effect, row.neg_log10_fdr, row.label, fontsize=7, ha="center", va="center")
                for row in named.itertuples()
            ]
            if texts:
                sub = data[data["method"] == method]
                sub = sub[np.isfinite(sub["effect"]) & np.isfinite(sub["neg_log10_fdr"])]  # not testable: no point
                with _layout_kept(fig):
                    texts, _ = adjust_text(
                        texts,
                        x=sub["effect"].to_numpy(dtype=float),
                        y=sub["neg_log10_fdr"].to_numpy(dtype=float),
                        ax=ax,
                        expand=(1.15, 1.4),
                        force_text=(0.3, 0.6),
                        # it rarely settles (a name near some point); 300 iterations cost 0.6 s of
                        # each IFN contrast's volcano, and in this project's many-contrast study
                        # placed 91 of 99 names against 94 at 150 (2,000: 3 s a panel)
                        iter_lim=150,
                    )
                # a name adjustText left on a better-ranked one, on the axes' labels, the
                # legend or off the canvas is left out; the others are tied to their point
                rank = dict(zip(named.index, named["signature"].map(order), strict=True))
                for text, idx in sorted(zip(texts, named.index, strict=True), key=lambda t: rank[t[1]]):
                    box = text.get_window_extent(renderer)
                    inside = canvas.x0 <= box.x0 and box.x1 <= canvas.x1 and canvas.y0 <= box.y0 and box.y1 <= canvas.y1
                    if not inside or any(box.overlaps(k) for k in taken):
                        text.remove()
                        data.loc[idx, "named"] = False
                    else:
                        taken.append(box)
                        data.loc[idx, "named"] = True
                        point = data.loc[idx, ["effect", "neg_log10_fdr"]].to_numpy(dtype=float)
                        _connect(ax, box, point, fig.dpi)
    return fig, data.drop(columns="label")


def score_correlation(
    scores: pd.DataFrame,
    groups: pd.Series,
    *,
    x: str,
    y: str,
    method: str,
    group_order: Sequence[str] | None = None,
    gene_sets: Mapping[str, Collection[str]] | None = None,
    width: str = "single",
    coverage: pd.DataFrame | None = None,
) -> tuple[Figure, pd.DataFrame]:
    """Scatter of two signatures' scores per sample (e.g. type I- vs IFN-γ-specific),
    coloured by group, with Spearman's ρ within each group (in the legend) and over all
    samples (title).

    A correlation pooled over groups mostly says that the groups differ in both; the
    within-group ρ says whether the two signals move together in the same kind of sample. A
    group under ``MIN_N_RHO`` (5) samples gets no ρ in the legend (none could reach
    p < 0.05; the legend's title says so). p values are exact up to 7 samples
    (:func:`cytoscore._correlation.spearman`); all are in the source data. With ``gene_sets``
    (name -> genes) the title states the genes the two sets share: a correlation between
    overlapping sets is partly built in. A set that was not scored
    (skipped under ``gene_sets.allow_missing``; ``coverage`` says why) gives a figure that
    names it instead of the scatter.

    Parameters
    ----------
    scores
        Tidy scores of the samples.
    groups
        Each sample's group, indexed by observation.
    x
        The signature on the x axis.
    y
        The signature on the y axis.
    method
        The scoring method drawn.
    group_order
        The groups' order.
    gene_sets
        Signature -> genes, to state the genes x and y share.
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.
    coverage
        The dataset's gene-set coverage table, which says why a set was not scored.

    Returns
    -------
    Figure, DataFrame
        The figure and the numbers drawn (its source data).
    """
    sub = scores[(scores["method"] == method) & scores["signature"].isin([x, y])]
    wide = sub.pivot(index="observation", columns="signature", values="score")
    missing = [s for s in (x, y) if s not in wide.columns]
    if missing:
        return not_scored_figure(missing, coverage, what=f"{short_label(x)} vs {short_label(y)}", width=width)
    grp = pd.Series(groups).astype(str).reindex(wide.index)
    order = ordered_groups(group_order, grp.unique())
    colors = group_colors([*(group_order or []), *order])
    rho, p = spearman(wide[x], wide[y])
    within = {g: spearman(wide.loc[grp == g, x], wide.loc[grp == g, y]) for g in order}
    overlap = ""
    shared = np.nan
    if gene_sets is not None and x in gene_sets and y in gene_sets:
        gx, gy = set(gene_sets[x]), set(gene_sets[y])
        shared = len(gx & gy)
        overlap = f"the two sets share {shared} genes ({100 * shared / len(gx):.0f}% of {len(gx)}, {100 * shared / len(gy):.0f}% of {len(gy)})"
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=80.0)
        ax = fig.add_subplot()
        for g in order:
            m = grp == g
            r, _ = within[g]
            shown = np.isfinite(r) and m.sum() >= MIN_N_RHO
            ax.scatter(
                wide.loc[m, x],
                wide.loc[m, y],
                s=14,
                color=colors[g],
                edgecolor="black",
                linewidth=0.3,
                label=f"{group_label(g)} (n={int(m.sum())}): ρ = {r:.2f}" if shown else f"{group_label(g)} (n={int(m.sum())})",
            )
        ax.set_xlabel(f"{short_label(x)} ({method_label(method)})")
        ax.set_ylabel(f"{short_label(y)} ({method_label(method)})")
        ax.set_title(f"all samples: Spearman ρ = {rho:.2f} (p = {format_p(p)})")
        # a group too small for a ρ that could reach p < 0.05 is said in the legend's title (a
        # note under the figure would share the legend's place)
        small = any(3 <= (grp == g).sum() < MIN_N_RHO for g in order)
        title = "within group" + (f"\n(ρ from {MIN_N_RHO} samples: under {MIN_N_RHO} none reaches p < 0.05)" if small else "")
        fig.legend(title=title, loc="outside lower center", ncols=min(len(order), 2), frameon=False)
        if overlap:
            fig.suptitle(overlap, fontsize=NOTE_SIZE)
    source = pd.DataFrame(
        {
            "observation": wide.index,
            "group": grp.to_numpy(),
            x: wide[x].to_numpy(),
            y: wide[y].to_numpy(),
            "spearman_rho": rho,
            "spearman_p": p,
            "within_group_rho": [within[g][0] for g in grp],
            "within_group_p": [within[g][1] for g in grp],
            "shared_genes": shared,
        }
    )
    return fig, source


def ifn_score_plot(
    table: pd.DataFrame, *, group_order: Sequence[str] | None = None, width: str = "single"
) -> tuple[Figure, pd.DataFrame]:
    """The clinical interferon score of every sample by group, log scale, with the positivity threshold.

    Parameters
    ----------
    table
        The clinical interferon score table (:func:`cytoscore.tl.clinical_ifn_score`).
    group_order
        The groups' order.
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.

    Returns
    -------
    Figure, DataFrame
        The figure and the numbers drawn (its source data).
    """
    _check_columns(
        table, ["observation", "group", "ifn_score", "threshold", "positive"], "interferon score table"
    )
    order = ordered_groups(group_order, table["group"].unique())
    colors = group_colors([*(group_order or []), *order])
    rng = np.random.default_rng(0)
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=65.0)
        ax = fig.add_subplot()
        for i, g in enumerate(order):
            sub = table[table["group"] == g]
            xs = i + rng.uniform(-0.18, 0.18, len(sub))
            ax.scatter(
                xs, sub["ifn_score"], s=14, color=colors[g], edgecolor="black", linewidth=0.3, zorder=3
            )
            ax.hlines(sub["ifn_score"].median(), i - 0.3, i + 0.3, color="black", linewidth=1)
        threshold = float(table["threshold"].iloc[0])
        ax.axhline(threshold, color="#D55E00", linestyle="--", linewidth=0.8)
        ax.text(
            len(order) - 0.5,
            threshold,
            f" threshold {threshold:.2f}",
            va="bottom",
            ha="right",
            fontsize=SMALL_SIZE,
            color="#D55E00",
        )
        labels = []
        for g in order:
            sub = table[table["group"] == g]
            labels.append(f"{group_label(g)}\n{int(sub['positive'].sum())}/{len(sub)} positive")
        ax.set_xticks(range(len(order)), labels)
        ax.set_yscale("log", base=2)
        # plain numbers (0.5, 0.75, 1, 1.5, 2, 3): the default 2^n labels set their exponent at 4.9 pt
        ax.yaxis.set_major_locator(ticker.LogLocator(base=2, subs=(1.0, 1.5)))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_ylabel("interferon score (median fold change)")
        ax.set_title("Clinical interferon score (Rice et al. 2017)")
        if "threshold_source" in table.columns:
            figure_note(fig, textwrap.fill(f"threshold: {table['threshold_source'].iloc[0]}", 70))
    columns = ["observation", "group", "ifn_score", "threshold", "positive"]
    columns += ["threshold_source"] if "threshold_source" in table.columns else []
    return fig, table[columns].copy()


def effect_heatmap(
    comparisons: pd.DataFrame,
    *,
    method: str,
    effect: str = "mean_difference",
    signatures: Sequence[str] | None = None,
    clip: float | None = None,
    width: str = "double",
) -> tuple[Figure, pd.DataFrame]:
    """The effect of every contrast × signature for one method, with FDR marks.

    ``effect`` is the difference of means (default, the method's score units) or Hedges'
    g. The colour scale is symmetric and saturates at ``clip`` (default: 3 for g, the
    largest absolute difference otherwise); the colour bar's arrows mark clipped cells, and
    the printed number is never clipped. Cells are marked ``***`` FDR < 0.001, ``**`` <
    0.01, ``*`` < 0.05 (primary test); ``°`` marks fewer than 3 samples (pairs) per group.

    The layout follows the size: contrasts in rows and signatures in columns for up to 20
    signatures, transposed beyond; the numbers are printed when a cell holds them at 6 pt,
    else only the marks, else nothing (said in a note; all are in the source data).

    Parameters
    ----------
    comparisons
        Every contrast's comparison table, stacked (``comparisons.tsv``).
    method
        The scoring method drawn.
    effect
        ``mean_difference`` (with its 95% CI, in each method's score units) or ``hedges_g``.
    signatures
        The signatures drawn, in this order; ``None``: every one.
    clip
        Where the colours saturate; ``None``: 3 for g, else the largest absolute difference.
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.

    Returns
    -------
    Figure, DataFrame
        The figure and the numbers drawn (its source data).
    """
    col, _, _ = _effect_columns(effect)
    _check_columns(comparisons, ["contrast", "signature", "method", col, "fdr"], "comparisons")
    data = comparisons[comparisons["method"] == method].copy()
    if data.empty:
        raise InputError(f"no comparison with method {method!r}")
    if "cell_type" in data.columns:
        data = data[data["cell_type"].isna() | (data["cell_type"] == "all cells")]
    several = "dataset" in data.columns and data["dataset"].nunique() > 1
    data["row"] = [
        f"{contrast_label(c)} ({d})" if several else contrast_label(c)
        for c, d in zip(data["contrast"], data.get("dataset", data["contrast"]), strict=True)
    ]
    data["small_n"] = (
        flag(data["small_n"]) if "small_n" in data else pd.Series(False, index=data.index)
    ).astype(float)
    data["fdr_mark"] = data["fdr"].where(markable(data))
    rows = list(dict.fromkeys(data["row"]))
    cols = list(signatures) if signatures else list(dict.fromkeys(data["signature"]))
    # a requested signature this method does not score (a weighted one for a set method) is
    # said in the note, not drawn as an empty column
    unscored = [c for c in cols if c not in set(data["signature"])]
    cols = [c for c in cols if c not in unscored]

    def grid(values: str) -> pd.DataFrame:
        return data.pivot_table(index="row", columns="signature", values=values, aggfunc="first").reindex(
            index=rows, columns=cols
        )

    g, fdr, small, fdr_mark = grid(col), grid("fdr"), grid("small_n"), grid("fdr_mark")
    # g is not shown below 3 per group (pairs): dividing by the SD of 2 points, it reaches tens
    # there and no longer orders signatures; such cells are grey, their g in the source data
    hidden = (small == 1).to_numpy() if effect == "hedges_g" else np.zeros(g.shape, bool)
    values = np.where(hidden, np.nan, g.to_numpy(dtype=float))
    finite = np.abs(values[np.isfinite(values)])
    if clip is None:
        clip = 3.0 if effect == "hedges_g" else float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    low = low_coverage_signatures(data)
    sig_labels = [coverage_label(c, low) for c in cols]
    transpose = len(cols) > 20
    shown = values.T if transpose else values
    y_labels, x_labels = (sig_labels, rows) if transpose else (rows, sig_labels)
    width_mm = WIDTHS[width] if isinstance(width, str) else float(width)
    cell_h = 3.2 if transpose else 7.0
    y_label_mm = 1.3 * max(map(len, y_labels))  # 7 pt: about 1.3 mm per character
    cell_w = (width_mm - y_label_mm - 30) / shown.shape[1]
    numbers = cell_w >= 11.0 and cell_h >= 3.0
    marks = cell_w >= 3.5 and cell_h >= 3.0
    x_label_mm = 1.3 * max(map(len, x_labels)) if len(x_labels) > 3 else 4.0
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=cell_h * shown.shape[0] + x_label_mm + 42)
        ax = fig.add_subplot()
        cmap = mpl.colormaps["RdBu_r"].with_extremes(bad="#D9D9D9")
        image = ax.imshow(shown, cmap=cmap, vmin=-clip, vmax=clip, aspect="auto")
        if numbers or marks:
            cells = []  # (x, y, text, colour)
            for i in range(len(rows)):
                for j in range(len(cols)):
                    mark = stars(fdr_mark.iat[i, j]) + ("°" if small.iat[i, j] == 1 else "")
                    val = values[i, j]
                    if hidden[i, j]:
                        text, val = mark, 0.0
                    elif not np.isfinite(val):
                        continue
                    else:
                        text = (f"{val:.2g}" if abs(val) < 10 else f"{val:.0f}") + mark if numbers else mark
                    if text:
                        colour = "white" if abs(val) > clip * 0.6 else "black"
                        cells.append((i if transpose else j, j if transpose else i, text, colour))
            if cells:
                x, y, texts, colours = zip(*cells, strict=True)
                CellTexts(ax, np.column_stack([x, y]), texts, colours, fontsize=SMALL_SIZE)
        ax.set_xticks(range(len(x_labels)), x_labels, rotation=90 if len(x_labels) > 3 else 0)
        ax.set_yticks(range(len(y_labels)), y_labels)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.tick_params(length=0)
        name = "difference of means" if effect == "mean_difference" else "Hedges' g"
        above, below = bool((values > clip).any()), bool((values < -clip).any())
        extend = "both" if above and below else "max" if above else "min" if below else "neither"
        tall = cell_h * shown.shape[0] >= 40
        bar = fig.colorbar(
            image,
            ax=ax,
            label=name,
            extend=extend,
            location="right" if tall else "top",
            shrink=0.6 if tall else 0.35,
            aspect=20 if tall else 12,
        )
        bar.ax.locator_params(nbins=4)
        fig.suptitle(f"Effect sizes ({name}, {method_label(method)})", fontweight="bold")
        notes = ["* FDR < 0.05, ** < 0.01, *** < 0.001 (primary test)" if marks else "FDR marks in the source data (cells too small)"]
        if not numbers:
            notes.append("numbers in the source data (too many cells to print them)")
        if extend != "neither":
            notes.append(f"colours saturate at ±{clip:.3g} (arrows)")
        if low & set(cols):
            notes.append(LOW_COVERAGE_NOTE)
        if (data["small_n"] == 1).any():
            notes.append("° fewer than 3 samples (pairs) per group: no significance mark"
                         + ("; g not shown (grey), the difference of means is in comparisons.tsv" if hidden.any() else ""))
        if unscored:
            notes.append(f"not scored by {method_label(method)}: " + ", ".join(short_label(c) for c in unscored))
        if "level" in data and data["level"].astype(str).eq("pseudobulk").any() and data["level"].nunique() > 1:
            notes.append("pseudobulk rows score summed-count profiles: compare their signs with the others, not their sizes")
        figure_note(fig, notes)
    # a row per cell, row by row (as DataFrame.stack, whose per-column loop was 0.07 s a figure)
    source = pd.DataFrame({
        "contrast": np.repeat(g.index.to_numpy(), g.shape[1]),
        "signature": np.tile(g.columns.to_numpy(), g.shape[0]),
        col: g.to_numpy(dtype=float).ravel(),
        "fdr": fdr.to_numpy(dtype=float).ravel(),
        "small_n": small.to_numpy(dtype=float).ravel() == 1,
    })  # fmt: skip
    return fig, source


def forest_plot(
    meta: pd.DataFrame,
    comparisons: pd.DataFrame,
    *,
    method: str,
    signatures: Sequence[str] | None = None,
    ncols: int = 2,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """Forest plot per signature, laid out as metafor's ``forest()``: each dataset's g with
    its 95% CI as a square whose area is proportional to its random-effects weight
    1 / (SE² + τ²), the pooled diamond, and on the right each row's g [CI] and weight; the
    panel title gives the heterogeneity (τ², I², Q with its p) and the test of the pooled g.

    Parameters
    ----------
    meta
        A meta-analysis table (:func:`cytoscore.tl.meta_analysis`).
    comparisons
        The pooled contrasts' comparison tables, stacked (each dataset's g and CI).
    method
        The scoring method drawn.
    signatures
        The signatures drawn; ``None``: every one pooled.
    ncols
        Panels per row.
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.

    Returns
    -------
    Figure, DataFrame
        The figure and the numbers drawn (its source data).
    """
    _check_columns(
        meta, ["signature", "method", "pooled_g", "ci_low", "ci_high", "i2", "contrasts"], "meta-analysis"
    )
    m = meta[meta["method"] == method].set_index("signature")
    sigs = list(signatures) if signatures else list(m.index)
    low = low_coverage_signatures(meta[meta["method"] == method])
    comp = comparisons[comparisons["method"] == method]
    z = NormalDist().inv_cdf(0.975)  # the meta table's CIs are g ± z·SE
    n = len(sigs)
    longest = max((len(contrast_label(c)) for c in comp["contrast"].unique()), default=10)
    width_mm = WIDTHS[width] if isinstance(width, str) else float(width)
    if 1.3 * longest + 32 + 30 > width_mm / ncols:  # labels, numbers and a 30 mm panel
        ncols = max(1, int(width_mm // (1.3 * longest + 62)))
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    rows = []
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=(14 + 4.5 * comp["contrast"].nunique()) * nrows + 14)
        # each panel is followed by an empty column for its numbers, drawn outside the layout
        grid = fig.add_gridspec(nrows, 2 * ncols, width_ratios=[1.0, 0.8] * ncols)
        for k, sig in enumerate(sigs):
            ax = fig.add_subplot(grid[k // ncols, 2 * (k % ncols)])
            fig.add_subplot(grid[k // ncols, 2 * (k % ncols) + 1]).set_axis_off()  # room for the numbers
            pooled = m.loc[sig]
            studies = comp[comp["signature"] == sig]
            studies = studies.set_index("contrast").loc[str(pooled["contrasts"]).split(",")]
            se = (studies["hedges_g_ci_high"] - studies["hedges_g_ci_low"]) / (2 * z)
            tau2 = float(pooled["tau2"]) if "tau2" in pooled.index and np.isfinite(pooled["tau2"]) else 0.0
            weight = 1 / (se**2 + tau2)
            share = 100 * weight / weight.sum()
            ys = np.arange(len(studies), 0, -1)
            ax.errorbar(
                studies["hedges_g"],
                ys,
                xerr=[studies["hedges_g"] - studies["hedges_g_ci_low"], studies["hedges_g_ci_high"] - studies["hedges_g"]],
                fmt="none",
                ecolor="black",
                elinewidth=0.6,
                capsize=1.5,
            )
            ax.scatter(studies["hedges_g"], ys, s=8 + 40 * weight / weight.max(), marker="s", color="black", zorder=3)
            for y, (name, row), pct in zip(ys, studies.iterrows(), share, strict=True):
                label = f"{row['hedges_g']:.2f} [{row['hedges_g_ci_low']:.2f}, {row['hedges_g_ci_high']:.2f}]  {pct:.0f}%"
                ax.annotate(
                    label, (1.02, y), xycoords=("axes fraction", "data"), va="center", fontsize=SMALL_SIZE
                ).set_in_layout(False)
                rows.append(
                    {
                        "signature": sig,
                        "method": method,
                        "study": name,
                        "g": row["hedges_g"],
                        "ci_low": row["hedges_g_ci_low"],
                        "ci_high": row["hedges_g_ci_high"],
                        "weight_percent": pct,
                    }
                )
            d = [
                [pooled["ci_low"], 0],
                [pooled["pooled_g"], 0.3],
                [pooled["ci_high"], 0],
                [pooled["pooled_g"], -0.3],
            ]
            ax.add_patch(mpl.patches.Polygon(d, closed=True, color="#D55E00"))
            ax.annotate(
                f"{pooled['pooled_g']:.2f} [{pooled['ci_low']:.2f}, {pooled['ci_high']:.2f}]",
                (1.02, 0),
                xycoords=("axes fraction", "data"),
                va="center",
                fontsize=SMALL_SIZE,
                fontweight="bold",
            ).set_in_layout(False)
            rows.append(
                {
                    "signature": sig,
                    "method": method,
                    "study": "pooled (random effects)",
                    "g": pooled["pooled_g"],
                    "ci_low": pooled["ci_low"],
                    "ci_high": pooled["ci_high"],
                    "weight_percent": 100.0,
                }
            )
            ax.axvline(0, color="grey", linewidth=0.5)
            ax.set_ylim(-2.8, len(studies) + 0.8)
            ax.set_yticks([*ys, 0], [*(contrast_label(s) for s in studies.index), "pooled (RE)"])
            het = f"τ² = {tau2:.3g}, I² = {100 * pooled['i2']:.0f}%"
            if "q" in pooled.index and np.isfinite(pooled.get("q", np.nan)):
                het += f"\nQ({len(studies) - 1}) = {pooled['q']:.2f}, p = {format_p(pooled['q_p'])}"
            if "p_value" in pooled.index:
                het += f"\npooled g: p = {format_p(pooled['p_value'])}"
            ax.text(
                1.02, -0.5, het, transform=ax.get_yaxis_transform(), va="top", fontsize=SMALL_SIZE, linespacing=1.2
            ).set_in_layout(False)
            ax.set_title(coverage_label(sig, low))
            ax.set_xlabel("Hedges' g (95% CI)")
        notes = ["squares: each dataset's g, area proportional to its random-effects weight (right: g [95% CI] and weight); diamond: the pooled g"]
        if low & set(sigs):
            notes.append(LOW_COVERAGE_NOTE)
        figure_note(fig, notes)
    return fig, pd.DataFrame(rows)
