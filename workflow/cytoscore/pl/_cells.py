"""Single-cell figures: embedding coloured by score, dot plot by cell type, donor-level summaries."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .._labels import column_label, group_label, method_label, ordered_groups
from .._significance import MIN_MARKED_N, markable
from .._utils import InputError, join_observations, score_parts
from ._points import draw_points
from ._scores import _effect_text
from ._style import SMALL_SIZE, STYLE, WIDTHS, figure, figure_note, group_colors, short_label

__all__ = ["embedding_plot", "score_dotplot", "donor_plot", "score_violins"]


#: The column that stands for "all cells" where a dataset has no cell-type column.
ALL_CELLS_COLUMN = "cell type"


def _lab(rgb) -> np.ndarray:
    """CIELAB (D65) of sRGB colours: distances there are close to how different they look."""
    c = np.asarray(rgb, dtype=float)[..., :3]
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = c @ np.array([[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]])
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


#: Cell types never take a colour of a condition's hue family: within this hue angle (CIELAB
#: LCh, degrees) of a condition colour, unless nearly grey (chroma below MIN_CHROMA).
MIN_HUE_ANGLE = 35.0
MIN_CHROMA = 15.0


def _cell_type_colors(levels: Sequence[str], avoid: Sequence = ()) -> dict[str, tuple]:
    """Cell-type colours from tab20, tab20b and tab20c, leaving out every colour of a
    condition's hue family (``avoid``: the group colours drawn beside them), so that a cell
    type never reads as a condition (tab20's first blue is ΔE 3 from the first group's
    Okabe-Ito blue, its orange next to the second group's)."""
    # tab20's strong hues first, then its light ones: neighbouring cell types differ in hue
    order = [*range(0, 20, 2), *range(1, 20, 2)]
    candidates = [mpl.colormaps[name](i) for name in ("tab20", "tab20b", "tab20c") for i in order]
    if len(avoid):
        lab, taken = _lab(candidates), _lab([mpl.colors.to_rgb(c) for c in avoid])
        hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))
        taken_hue = np.degrees(np.arctan2(taken[:, 2], taken[:, 1]))
        gap = np.abs((hue[:, None] - taken_hue[None] + 180) % 360 - 180).min(axis=1)
        chroma = np.hypot(lab[:, 1], lab[:, 2])
        candidates = [c for c, g, ch in zip(candidates, gap, chroma, strict=True) if g >= MIN_HUE_ANGLE or ch < MIN_CHROMA]
    return {ct: candidates[i % len(candidates)] for i, ct in enumerate(levels)}


def embedding_plot(
    coords: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    method: str,
    signatures: Sequence[str] | None = None,
    obs: pd.DataFrame | None = None,
    cell_type: str | None = None,
    group: str = "group",
    group_order: Sequence[str] | None = None,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """UMAP (columns ``umap1, umap2``, index cells) coloured by each signature's score.

    With ``obs`` (cell metadata), the first row shows the reference panels, cells by
    ``cell_type`` and by condition (``group``), and each signature is drawn once per
    condition, on one colour scale per signature (its 1st to 99th percentile over all
    cells drawn), so that a change between conditions reads as a change of colour.

    Parameters
    ----------
    coords
        UMAP coordinates (``umap1, umap2``) indexed by cell.
    scores
        Tidy per-cell scores (``observation, signature, method, score``).
    method
        The scoring method drawn.
    signatures
        The signatures drawn; ``None``: every one scored.
    obs
        Cell metadata, indexed by cell: adds the cell-type and condition panels and one panel per condition.
    cell_type
        The cell-type column of ``obs``.
    group
        The condition column of ``obs``.
    group_order
        The conditions' order (the dataset's).
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.

    Returns
    -------
    Figure, DataFrame
        The figure and the numbers drawn (its source data).
    """
    wide = scores[scores["method"] == method].pivot(index="observation", columns="signature", values="score")
    sigs = list(signatures) if signatures else list(wide.columns)
    # a method scores only some signatures (set-based: gene sets; cytosig: weighted ones)
    sigs = [s for s in sigs if s in wide.columns]
    if not sigs:
        raise InputError(f"none of the signatures {list(signatures)} is scored with {method}")
    wide = wide.reindex(coords.index)
    meta = obs.reindex(coords.index).astype(str) if obs is not None else None
    conditions = ordered_groups(group_order, meta[group].unique()) if meta is not None and group in meta else [None]
    per_row = max(1, 4 // len(conditions)) if len(conditions) <= 4 else 1
    ncols = len(conditions) * per_row
    sig_rows = math.ceil(len(sigs) / per_row)
    reference = meta is not None
    width_mm = WIDTHS[width] if isinstance(width, str) else float(width)
    panel_mm = min(60.0, (width_mm - 15) / max(ncols, 2))
    x, y = coords["umap1"].to_numpy(), coords["umap2"].to_numpy()

    def blank(ax):
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)

    with mpl.rc_context(STYLE):
        ref_mm = panel_mm + 10 if reference else 0.0
        fig = figure(width, height_mm=ref_mm + (panel_mm + 12) * sig_rows + 8)
        if reference:
            top, bottom = fig.subfigures(2, 1, height_ratios=[ref_mm, (panel_mm + 12) * sig_rows])
        else:
            top, bottom = None, fig
        if reference:
            specs = [cell_type] if cell_type and cell_type in meta else []
            specs += [group] if conditions != [None] else []
            for ax, column in zip(np.atleast_1d(top.subplots(1, len(specs))), specs, strict=True):
                if column == group:
                    palette = group_colors([*(group_order or []), *conditions])
                    levels = conditions
                else:
                    levels = sorted(meta[column].unique())
                    conditions_colors = group_colors([*(group_order or []), *conditions]).values()
                    palette = _cell_type_colors(levels, avoid=list(conditions_colors) if conditions != [None] else [])
                rng = np.random.default_rng(0)  # shuffled, so no level hides the others
                order = rng.permutation(len(x))
                codes, uniques = pd.factorize(meta[column].to_numpy()[order])
                rgba = np.array([mpl.colors.to_rgba(palette[v]) for v in uniques]).reshape(-1, 4)[codes]
                draw_points(ax, x[order], y[order], rgba, size=1.5, panel_mm=panel_mm)
                blank(ax)
                ax.set_title(column_label(column))
                handles = [
                    mpl.lines.Line2D([], [], marker="o", linestyle="none", markersize=4, color=palette[v],
                                     label=group_label(v) if column == group else v)
                    for v in levels
                ]
                ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False,
                          ncols=1 if len(levels) <= 10 else 2, handletextpad=0.2, borderaxespad=0.2,
                          columnspacing=0.8)
        grid = bottom.add_gridspec(sig_rows, ncols)
        for k, sig in enumerate(sigs):
            row = k // per_row
            values = wide[sig].to_numpy()
            finite = values[np.isfinite(values)]
            vmin, vmax = (np.percentile(finite, [1, 99]) if finite.size else (0.0, 1.0))
            cmap, norm = mpl.colormaps["viridis"], mpl.colors.Normalize(vmin=vmin, vmax=vmax)
            axes = []
            for c, cond in enumerate(conditions):
                ax = bottom.add_subplot(grid[row, (k % per_row) * len(conditions) + c])
                mask = np.ones(len(x), bool) if cond is None else (meta[group].to_numpy() == cond)
                grey = np.flatnonzero(~mask)  # the other conditions' cells, under the condition's
                sel = np.flatnonzero(mask & np.isfinite(values))  # as a scatter, no point for no score
                sel = sel[np.argsort(values[sel], kind="stable")]  # highest scores drawn on top
                drawn = np.concatenate([grey, sel])
                rgba = np.vstack([np.tile(mpl.colors.to_rgba("#E5E5E5"), (len(grey), 1)), cmap(norm(values[sel]))])
                sizes = np.concatenate([np.full(len(grey), 1.0), np.full(len(sel), 1.5)])
                draw_points(ax, x[drawn], y[drawn], rgba, size=sizes, panel_mm=panel_mm)
                blank(ax)
                name = textwrap.fill(short_label(sig), 22)
                title = name if cond is None else f"{name}\n{group_label(cond)}"
                ax.set_title(title)
                axes.append(ax)
            extend = "both" if finite.size and (finite.min() < vmin and finite.max() > vmax) else "neither"
            bar = bottom.colorbar(mpl.cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes, shrink=0.7, aspect=15,
                                  extend=extend)  # fmt: skip
            bar.set_label(f"score ({method_label(method)})")
            bar.ax.locator_params(nbins=4)
        notes = ["colour scale per signature: its 1st-99th percentile over the cells drawn, shared by the conditions"]
        figure_note(fig, notes)
    source = coords.join(wide[sigs]).reset_index(names="observation")
    if meta is not None:
        for column in dict.fromkeys(c for c in (cell_type, group) if c and c in meta):
            source[column] = meta[column].to_numpy()
    return fig, source


def _method_parts(scores, strata: pd.DataFrame, method: str, signatures: Sequence[str] | None):
    """The parts of tidy ``scores`` (one signature of a million cells at a time) of one method
    and of ``signatures``, with the cells' ``strata`` columns (as text) beside them."""
    text = strata.astype(str)
    for part in score_parts(scores):
        sub = part[part["method"] == method]
        if signatures:
            sub = sub[sub["signature"].isin(list(signatures))]
        if not sub.empty:
            yield join_observations(sub[["observation", "signature", "score"]], text)


def score_dotplot(
    scores: pd.DataFrame,
    obs: pd.DataFrame,
    *,
    method: str,
    cell_type: str | None,
    group: str = "group",
    signatures: Sequence[str] | None = None,
    group_order: Sequence[str] | None = None,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """Dot plot: colour = mean score, size = fraction of cells scoring above the signature's
    median over all cells, per cell type × condition (rows) and signature (columns); without
    a ``cell_type`` column, one row per condition over all cells.

    Parameters
    ----------
    scores
        Tidy per-cell scores.
    obs
        Cell metadata, indexed by cell.
    method
        The scoring method drawn.
    cell_type
        The cell-type column; ``None``: one row per condition over all cells.
    group
        The condition column.
    signatures
        The signatures drawn; ``None``: every one scored.
    group_order
        The conditions' order.
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.

    Returns
    -------
    Figure, DataFrame
        The figure and the numbers drawn (its source data).
    """
    if cell_type is None:
        obs, cell_type = obs.assign(**{ALL_CELLS_COLUMN: "all cells"}), ALL_CELLS_COLUMN
    parts = []
    for sub in _method_parts(scores, obs[[cell_type, group]], method, signatures):
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
        fig = figure(width, height_mm=max(70.0, 5.0 * len(rows) + 35))  # room for the colour bar label
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
        # scores that cannot be negative (UCell, AUCell, ssGSEA unnormalized) on a sequential
        # scale from 0; signed ones (mean z, ulm) on a diverging scale centred on 0
        signed = min(cs) < 0
        top = max(map(abs, cs)) or 1.0
        art = ax.scatter(
            xs, ys, c=cs, s=ss, cmap="RdBu_r" if signed else "viridis", edgecolor="black", linewidth=0.3,
            vmin=-top if signed else 0.0, vmax=top,
        )  # fmt: skip
        ax.set_xticks(range(len(sigs)), [short_label(s) for s in sigs], rotation=90)
        ax.set_yticks(range(len(rows)), [f"{ct} · {group_label(g)}" for ct, g in reversed(rows)])
        ax.set_xlim(-0.5, len(sigs) - 0.5)
        fig.colorbar(art, ax=ax, shrink=0.6, label=f"mean score ({method_label(method)})")
        for frac in (0.25, 0.5, 0.75):
            ax.scatter([], [], s=10 + 120 * frac, color="grey", label=f"{int(frac * 100)} %")
        ax.legend(title="cells above the\nsignature's median\nover all cells", frameon=False, loc="upper left",
                  bbox_to_anchor=(1.25, 1))  # fmt: skip
    return fig, table


#: Marker shapes that tell donors apart; with more donors than shapes, all are circles and the
#: donors are named in the source data only.
DONOR_MARKERS = {"o": "○", "s": "□", "^": "△", "D": "◇", "v": "▽", "p": "⬠", "h": "⬡", "*": "☆"}


def donor_plot(
    units: pd.DataFrame,
    comparison: pd.DataFrame,
    *,
    method: str,
    replicate: str,
    group: str = "group",
    pair_by: str | None = None,
    signatures: Sequence[str] | None = None,
    group_order: Sequence[str] | None = None,
    value: str = "mean score of its cells",
    ncols: int = 6,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """The donor-level test of a single-cell contrast for one method, in one figure: a row of
    panels per signature, one panel over all cells and one per cell type, one point per
    replicate (``units``: the values the test ran on, as :func:`cytoscore.tl.compare_cells`
    or :func:`cytoscore.tl.compare_profiles` return them with ``with_units``; ``value``
    says what a point is), a marker shape per donor (``pair_by``, else replicate) and a line
    joining one donor's two conditions. Each panel carries n per group, the difference of
    means and the FDR of the contrast's primary test (``comparison``) with its stars only
    where the test may carry them (:func:`cytoscore._significance.markable`), else
    "n too small to test"; the note names the test and what the FDR is over.

    Parameters
    ----------
    units
        The values the tests ran on (``units.tsv``): replicate × cell type × signature × method.
    comparison
        The contrast's comparison table (its tests, FDR and n).
    method
        The scoring method drawn.
    replicate
        The replicate column of ``units``.
    group
        The condition column of ``units``.
    pair_by
        The donor column of a paired design (a marker per donor, lines joining pairs).
    signatures
        The signatures drawn (a row each); ``None``: every one in ``units``.
    group_order
        The conditions' order.
    value
        What a point is, for the axis label.
    ncols
        Panels per row at most.
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.

    Returns
    -------
    Figure, DataFrame
        The figure and the numbers drawn (its source data).
    """
    for frame, needed, what in (
        (units, ["cell_type", replicate, group, "signature", "method", "score"], "units"),
        (comparison, ["signature", "method", "cell_type", "target", "reference", "mean_difference", "fdr", "test"],
         "comparison"),
    ):  # fmt: skip
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise InputError(f"{what} lacks column(s) {missing}")
    data = units[units["method"] == method].copy()
    comp = comparison[comparison["method"] == method].copy()
    if data.empty or comp.empty:
        raise InputError(f"no donor-level values or comparison for method {method!r}")
    comp["markable"] = markable(comp).to_numpy()
    flat = comp.assign(cell_type=comp["cell_type"].astype(str))
    comp = comp.set_index(["signature", comp["cell_type"].astype(str)])
    target, reference = str(comp["target"].iloc[0]), str(comp["reference"].iloc[0])
    order = [reference, target]
    colors = group_colors([*(group_order or []), *order])
    scored = list(dict.fromkeys(data["signature"]))
    sigs = [s for s in signatures if s in scored] if signatures else scored
    if not sigs:
        raise InputError(f"none of the signatures {list(signatures or [])} has donor-level values for {method}")
    data = data[data["signature"].isin(sigs)]
    data[group] = data[group].astype(str)
    data["cell_type"] = data["cell_type"].astype(str)
    strata = ["all cells", *sorted(set(data["cell_type"]) - {"all cells"})]
    strata = [s for s in strata if s in set(data["cell_type"])]
    donor = pair_by or replicate
    donors = sorted(data[donor].astype(str).unique())
    shapes = dict(zip(donors, DONOR_MARKERS, strict=False)) if len(donors) <= len(DONOR_MARKERS) else {}
    ncols = max(1, min(ncols, len(strata)))
    block = math.ceil(len(strata) / ncols)  # rows per signature
    nrows = block * len(sigs)
    tests = sorted(set(comp["test"].dropna().astype(str)))
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=38.0 * nrows + 22)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for ax in axes.flat:
            ax.set_visible(False)
        for r, sig in enumerate(sigs):
            for k, stratum in enumerate(strata):
                ax = axes[r * block + k // ncols][k % ncols]
                ax.set_visible(True)
                sub = data[(data["signature"] == sig) & (data["cell_type"] == stratum)]
                x = sub[group].map({g: i for i, g in enumerate(order)})
                for _, one in sub.assign(x=x).groupby(sub[donor].astype(str)):
                    if len(one) > 1:
                        ax.plot(one.sort_values("x")["x"], one.sort_values("x")["score"], color="grey",
                                linewidth=0.6, zorder=1)  # fmt: skip
                for d in donors:
                    for i, g in enumerate(order):
                        pts = sub[(sub[donor].astype(str) == d) & (sub[group] == g)]
                        if len(pts):
                            ax.scatter([i] * len(pts), pts["score"], s=16, marker=shapes.get(d, "o"),
                                       color=colors[g], edgecolor="black", linewidth=0.3, zorder=3)  # fmt: skip
                n = [int((sub[group] == g).sum()) for g in order]
                ax.set_xticks(range(2), [f"{group_label(g)}\n(n={m})" for g, m in zip(order, n, strict=True)])
                ax.set_xlim(-0.5, 1.5)
                ax.margins(y=0.12)
                key = (sig, stratum)
                note = _effect_text(comp.loc[key]).replace(", FDR", "\nFDR").replace("; ", "\n") if key in comp.index else "not compared"
                ax.annotate(note, (0.5, 1.0), xycoords="axes fraction", xytext=(0, 2), textcoords="offset points",
                            ha="center", va="bottom", fontsize=SMALL_SIZE)  # fmt: skip
                if r == 0 or block > 1:  # the columns are named once, above the notes (a line: ~1.4 em)
                    ax.set_title(textwrap.fill(stratum, 14), pad=4 + 1.45 * SMALL_SIZE * (note.count("\n") + 1))
                if k % ncols == 0:
                    ax.set_ylabel(textwrap.fill(short_label(sig), 22))
        fig.suptitle(
            f"{group_label(target)} vs {group_label(reference)}: one point per {column_label(replicate)} "
            f"({value}; {method_label(method)})",
            fontweight="bold",
        )
        notes = [
            f"Δ: difference of means ({group_label(target)} − {group_label(reference)}) in {method_label(method)} "
            f"units; test: {', '.join(tests)} across {column_label(replicate)}s"
            + (f" paired by {column_label(pair_by)}" if pair_by else "")
            + f", FDR over the signatures × cell types of {method_label(method)}",
            f"stars only where the test has ≥ {MIN_MARKED_N} per group or pairs",
        ]
        if pair_by:
            notes.append(f"lines join the two conditions of one {column_label(pair_by)}")
        if shapes:
            notes.append(f"{column_label(donor)}: " + ", ".join(f"{DONOR_MARKERS[m]} {d}" for d, m in shapes.items()))
        else:
            notes.append(f"{len(donors)} {column_label(donor)}s: named in the source data")
        figure_note(fig, notes)
    source = data.merge(flat[["signature", "cell_type", "mean_difference", "fdr", "test", "markable"]],
                        on=["signature", "cell_type"], how="left")  # fmt: skip
    return fig, source


#: Cells per cell type × condition a violin is drawn from (a seeded random sample above it): a
#: density of 5,000 cells has the shape of all of them, and stays fast at a million cells.
VIOLIN_CELLS = 5000


def score_violins(
    scores,
    obs: pd.DataFrame,
    *,
    method: str,
    cell_type: str | None,
    group: str = "group",
    signatures: Sequence[str] | None = None,
    group_order: Sequence[str] | None = None,
    max_cells: int = VIOLIN_CELLS,
    seed: int = 0,
    width: str | float = "double",
) -> tuple[Figure, pd.DataFrame]:
    """Per-cell scores by cell type and condition as split violins (seaborn), a row per
    signature: the distribution scanpy users read with ``sc.pl.violin``. ``scores`` is tidy or
    an iterable of tidy parts (one signature of a million cells at a time); each violin is the
    kernel density of at most ``max_cells`` random cells (seeded) of its cell type ×
    condition, with its quartiles, and the x labels give every stratum's number of cells.

    Parameters
    ----------
    scores
        Tidy per-cell scores, or an iterable of tidy parts.
    obs
        Cell metadata, indexed by cell.
    method
        The scoring method drawn.
    cell_type
        The cell-type column; ``None``: all cells as one stratum.
    group
        The condition column.
    signatures
        The signatures drawn (a row each); ``None``: every one scored.
    group_order
        The conditions' order.
    max_cells
        Cells drawn per cell type × condition at most (a seeded random subset).
    seed
        Seed of the subsets.
    width
        ``"single"`` (85 mm) or ``"double"`` (180 mm) journal column, or a width in mm.

    Returns
    -------
    Figure, DataFrame
        The figure and the numbers drawn (its source data).
    """
    import seaborn as sns

    if cell_type is None:
        obs, cell_type = obs.assign(**{ALL_CELLS_COLUMN: "all cells"}), ALL_CELLS_COLUMN
    drawn, counts = [], []
    for sub in _method_parts(scores, obs[[cell_type, group]], method, signatures):
        keys = ["signature", cell_type, group]
        counts.append(sub.groupby(keys, observed=True).size().rename("n_cells"))
        drawn.append(sub.sample(frac=1.0, random_state=seed).groupby(keys, observed=True).head(max_cells))
    if not drawn:
        raise InputError(f"none of the signatures {list(signatures or [])} is scored with {method}")
    data = pd.concat(drawn, ignore_index=True)
    n_cells = pd.concat(counts)
    scored = list(dict.fromkeys(data["signature"]))
    sigs = [s for s in signatures if s in scored] if signatures else scored
    groups = ordered_groups(group_order, data[group].unique())
    colors = group_colors([*(group_order or []), *groups])
    types = sorted(data[cell_type].unique())
    per_type = n_cells.groupby(level=[cell_type, group]).max()
    upright = len(types) <= 6  # more cell types: one rotated line each
    labels = [
        (f"{textwrap.fill(ct, 14)}\n" if upright else f"{ct}  ")
        + " / ".join(f"{int(per_type.get((ct, g), 0)):,}" for g in groups)
        for ct in types
    ]
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=32.0 * len(sigs) + 30)
        axes = fig.subplots(len(sigs), 1, squeeze=False, sharex=True)[:, 0]
        for k, (ax, sig) in enumerate(zip(axes, sigs, strict=True)):
            sns.violinplot(
                data=data[data["signature"] == sig], x=cell_type, y="score", hue=group, order=types,
                hue_order=groups, palette=colors, split=len(groups) == 2, inner="quart", cut=0,
                density_norm="width", linewidth=0.5, ax=ax, legend=k == 0,
            )  # fmt: skip
            ax.set_ylabel(textwrap.fill(short_label(sig), 20))
            ax.set_xlabel("")
            if k == 0:
                ax.legend(handles=ax.get_legend().legend_handles, labels=[group_label(g) for g in groups],
                          title=None, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0),
                          ncols=len(groups), borderaxespad=0.2)  # fmt: skip
        axes[-1].set_xticks(range(len(types)), labels, rotation=0 if upright else 90)
        fig.suptitle(f"per-cell scores ({method_label(method)}) by {column_label(cell_type)} and condition",
                     fontweight="bold")  # fmt: skip
        figure_note(fig, [
            "under each cell type: cells per condition (" + " / ".join(group_label(g) for g in groups) + "); "
            f"a violin: the density of up to {max_cells:,} random cells of its stratum, lines at the quartiles",
            "cells are not replicates: the donor-level figures test the contrast",
        ])  # fmt: skip
    source = data.rename(columns={cell_type: "cell_type", group: "group"})
    return fig, source
