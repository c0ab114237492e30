"""Figures across signatures, contrasts and datasets: volcano, correlation, interferon score,
effect-size summary heatmap and forest plots."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .._utils import InputError, flag
from ._scores import _check_columns, format_p
from ._style import (
    LOW_COVERAGE_NOTE,
    STYLE,
    coverage_label,
    figure,
    figure_note,
    group_colors,
    low_coverage_signatures,
    short_label,
    spread_labels,
)

__all__ = ["volcano_plot", "score_correlation", "ifn_score_plot", "effect_heatmap", "forest_plot"]

#: The effect drawn by the volcano and the study summary (``plots.effect``).
EFFECTS = {
    "mean_difference": "difference of means (target − reference)",
    "hedges_g": "Hedges' g (target vs reference)",
}


def _effect_columns(effect: str) -> tuple[str, str, str]:
    if effect not in EFFECTS:
        raise InputError(f"effect must be one of {sorted(EFFECTS)}, not {effect!r}")
    return effect, f"{effect}_ci_low", f"{effect}_ci_high"


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
    signatures by how much they moved. In each panel the ``label_top`` signatures below
    ``fdr_line`` with the largest absolute effect are named (``labelled`` in the source data).
    Rows flagged ``small_n`` (fewer than 3 samples or pairs per group) are drawn hollow and
    named in a note; low-coverage signatures carry a dagger.
    """
    col, lo_col, hi_col = _effect_columns(effect)
    _check_columns(comparison, ["signature", "method", col, "fdr"], "comparison")
    data = comparison[["signature", "method", col, "fdr"]].rename(columns={col: "effect"})
    data.insert(3, "ci_low", comparison[lo_col] if lo_col in comparison else np.nan)
    data.insert(4, "ci_high", comparison[hi_col] if hi_col in comparison else np.nan)
    data["small_n"] = flag(comparison["small_n"]) if "small_n" in comparison else False
    data["neg_log10_fdr"] = -np.log10(data["fdr"].clip(lower=1e-300))
    low = low_coverage_signatures(comparison)
    data["label"] = [coverage_label(sig, low) for sig in data["signature"]]
    data["low_coverage"] = data["signature"].isin(low)
    data["labelled"] = False
    for _, sub in data.groupby("method", sort=False):
        ranked = sub[sub["fdr"] < fdr_line].assign(size=lambda d: d["effect"].abs())
        data.loc[
            ranked.sort_values(["size", "signature"], ascending=[False, True]).index[:label_top], "labelled"
        ] = True
    methods = sorted(data["method"].unique())
    ymax = max(float(np.nanmax(data["neg_log10_fdr"])) if data["neg_log10_fdr"].notna().any() else 1.0, 1.0)
    with mpl.rc_context(STYLE):
        ncols = min(len(methods), 3)
        nrows = math.ceil(len(methods) / ncols)
        fig = figure(width, height_mm=55.0 * nrows + 12)
        axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
        for k, method in enumerate(methods):
            ax = axes[k // ncols][k % ncols]
            sub = data[data["method"] == method]
            hollow = sub["small_n"].to_numpy()
            ok = sub["ci_low"].notna() & sub["ci_high"].notna()
            ax.errorbar(
                sub.loc[ok, "effect"],
                sub.loc[ok, "neg_log10_fdr"],
                xerr=[
                    sub.loc[ok, "effect"] - sub.loc[ok, "ci_low"],
                    sub.loc[ok, "ci_high"] - sub.loc[ok, "effect"],
                ],
                fmt="none",
                ecolor="#999999",
                elinewidth=0.4,
                zorder=2,
            )
            significant = (sub["fdr"] < fdr_line).to_numpy()
            color = np.where(
                significant[:, None], [mpl.colors.to_rgba("#D55E00")], [mpl.colors.to_rgba("#0072B2")]
            )
            ax.scatter(
                sub["effect"],
                sub["neg_log10_fdr"],
                s=12,
                facecolors=np.where(hollow[:, None], [[1, 1, 1, 0]], color),
                edgecolors=np.where(hollow[:, None], color, [[0, 0, 0, 1]]),
                linewidth=0.4,
                zorder=3,
            )
            named = sub[sub["labelled"]]
            span_x = float(
                np.nanmax(np.abs(sub[["effect", "ci_low", "ci_high"]].to_numpy(dtype=float)), initial=0.0)
            )
            span_x = span_x if span_x > 0 else 1.0
            label_y = spread_labels(
                named["effect"].to_numpy(),
                named["neg_log10_fdr"].to_numpy(),
                min_dy=0.06 * ymax,
                x_window=0.6 * span_x,
            )
            for row, ly in zip(named.itertuples(), label_y, strict=True):
                ax.annotate(
                    row.label,
                    (row.effect, row.neg_log10_fdr),
                    xytext=(row.effect + (0.05 if row.effect >= 0 else -0.05) * span_x, ly),
                    textcoords="data",
                    fontsize=5,
                    ha="left" if row.effect >= 0 else "right",
                    va="center",
                    arrowprops={"arrowstyle": "-", "color": "grey", "linewidth": 0.3},
                )
            ax.axhline(-math.log10(fdr_line), color="grey", linestyle="--", linewidth=0.6)
            ax.axvline(0, color="grey", linewidth=0.5)
            ax.set_xlim(-1.45 * span_x, 1.45 * span_x)
            ax.set_title(method)
            ax.set_xlabel("Δ mean score" if effect == "mean_difference" else "Hedges' g")
            if k % ncols == 0:
                ax.set_ylabel("−log10 FDR")
        for k in range(len(methods), nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        contrast = comparison["contrast"].iloc[0] if "contrast" in comparison else ""
        fig.suptitle(f"{contrast}: {EFFECTS[effect]} with 95% CI", fontsize=7)
        notes = [
            f"orange: FDR < {fdr_line:g}; named: the {label_top} largest |effect| below the line per method",
            *([LOW_COVERAGE_NOTE] if low else []),
        ]
        if data["small_n"].any():
            notes.append("hollow: fewer than 3 samples (pairs) per group")
        figure_note(fig, notes)
    return fig, data.drop(columns="label")


def score_correlation(
    scores: pd.DataFrame,
    groups: pd.Series,
    *,
    x: str,
    y: str,
    method: str,
    group_order: Sequence[str] | None = None,
    width: str = "single",
) -> tuple[Figure, pd.DataFrame]:
    """Scatter of two signatures' scores per sample (e.g. IFN-α vs IFN-γ), coloured by group,
    with Spearman's rho over all samples."""
    sub = scores[(scores["method"] == method) & scores["signature"].isin([x, y])]
    wide = sub.pivot(index="observation", columns="signature", values="score")
    missing = [s for s in (x, y) if s not in wide.columns]
    if missing:
        raise InputError(f"signatures not scored with {method}: {missing}")
    grp = pd.Series(groups).astype(str).reindex(wide.index)
    order = list(group_order) if group_order else sorted(grp.unique())
    colors = group_colors(order)
    from scipy import stats  # 0.6 s to import: only the figure that needs it pays

    rho, p = stats.spearmanr(wide[x], wide[y])
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=70.0)
        ax = fig.add_subplot()
        for g in order:
            m = grp == g
            ax.scatter(
                wide.loc[m, x],
                wide.loc[m, y],
                s=14,
                color=colors[g],
                edgecolor="black",
                linewidth=0.3,
                label=f"{g} (n={int(m.sum())})",
            )
        ax.set_xlabel(f"{short_label(x)} ({method})")
        ax.set_ylabel(f"{short_label(y)} ({method})")
        ax.set_title(f"Spearman ρ = {rho:.2f} (p = {format_p(p)})")
        ax.legend(frameon=False, fontsize=5)
    source = pd.DataFrame(
        {
            "observation": wide.index,
            "group": grp.to_numpy(),
            x: wide[x].to_numpy(),
            y: wide[y].to_numpy(),
            "spearman_rho": rho,
            "spearman_p": p,
        }
    )
    return fig, source


def ifn_score_plot(
    table: pd.DataFrame, *, group_order: Sequence[str] | None = None, width: str = "single"
) -> tuple[Figure, pd.DataFrame]:
    """The clinical interferon score of every sample by group, log scale, with the positivity threshold."""
    _check_columns(
        table, ["observation", "group", "ifn_score", "threshold", "positive"], "interferon score table"
    )
    order = list(group_order) if group_order else sorted(table["group"].unique())
    colors = group_colors(order)
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
            fontsize=5,
            color="#D55E00",
        )
        labels = []
        for g in order:
            sub = table[table["group"] == g]
            labels.append(f"{g}\n{int(sub['positive'].sum())}/{len(sub)} positive")
        ax.set_xticks(range(len(order)), labels)
        ax.set_yscale("log", base=2)
        ax.set_ylabel("interferon score (median fold change)")
        ax.set_title("Clinical interferon score (Rice et al. 2017)")
        if "threshold_source" in table.columns:
            figure_note(fig, f"threshold: {table['threshold_source'].iloc[0]}", fontsize=6)
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
    """The effect of every contrast (rows: dataset · contrast) × signature for one method,
    with FDR marks.

    ``effect`` is the difference of means (default, the method's score units) or Hedges'
    g. The colour scale is symmetric and saturates at ``clip`` (default: 3 for g, the
    largest absolute difference otherwise); the printed number is never clipped. Cells are
    marked ``***`` FDR < 0.001, ``**`` < 0.01, ``*`` < 0.05 (primary test); an open circle
    ``°`` marks fewer than 3 samples (pairs) per group.
    """
    col, _, _ = _effect_columns(effect)
    _check_columns(comparisons, ["contrast", "signature", "method", col, "fdr"], "comparisons")
    data = comparisons[comparisons["method"] == method].copy()
    if data.empty:
        raise InputError(f"no comparison with method {method!r}")
    if "cell_type" in data.columns:
        data = data[data["cell_type"].isna() | (data["cell_type"] == "all cells")]
    data["row"] = (
        data.get("dataset", pd.Series("", index=data.index)).astype(str)
        + " · "
        + data["contrast"].astype(str)
    )
    data["small_n"] = (
        flag(data["small_n"]) if "small_n" in data else pd.Series(False, index=data.index)
    ).astype(float)
    rows = list(dict.fromkeys(data["row"]))
    cols = list(signatures) if signatures else list(dict.fromkeys(data["signature"]))

    def grid(values: str) -> pd.DataFrame:
        return data.pivot_table(index="row", columns="signature", values=values, aggfunc="first").reindex(
            index=rows, columns=cols
        )

    g, fdr, small = grid(col), grid("fdr"), grid("small_n")
    values = g.to_numpy(dtype=float)
    if clip is None:
        finite = np.abs(values[np.isfinite(values)])
        clip = (
            3.0 if effect == "hedges_g" else float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        )
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=max(45.0, 7.0 * len(rows) + 35))
        ax = fig.add_subplot()
        image = ax.imshow(values, cmap="RdBu_r", vmin=-clip, vmax=clip, aspect="auto")
        for i in range(len(rows)):
            for j in range(len(cols)):
                q = fdr.iat[i, j]
                mark = "***" if q < 1e-3 else "**" if q < 1e-2 else "*" if q < 0.05 else ""
                mark += "°" if small.iat[i, j] == 1 else ""
                val = g.iat[i, j]
                if np.isfinite(val):
                    ax.text(
                        j,
                        i,
                        f"{val:.2g}{mark}" if abs(val) < 10 else f"{val:.0f}{mark}",
                        ha="center",
                        va="center",
                        fontsize=5,
                        color="white" if abs(val) > clip * 0.6 else "black",
                    )
        low = low_coverage_signatures(data)
        ax.set_xticks(range(len(cols)), [coverage_label(c, low) for c in cols], rotation=40, ha="right")
        notes = [LOW_COVERAGE_NOTE] if low & set(cols) else []
        if (data["small_n"] == 1).any():
            notes.append("° fewer than 3 samples (pairs) per group")
        if notes:
            figure_note(fig, notes)
        ax.set_yticks(range(len(rows)), rows)
        name = "difference of means" if effect == "mean_difference" else "Hedges' g"
        ax.set_title(f"Effect sizes ({name}, {method}); * FDR < 0.05, ** < 0.01, *** < 0.001")
        fig.colorbar(image, ax=ax, label=name, shrink=0.8)
    source = g.stack(future_stack=True).rename(col).reset_index().rename(columns={"row": "contrast"})
    source["fdr"] = fdr.stack(future_stack=True).to_numpy()
    source["small_n"] = small.stack(future_stack=True).to_numpy() == 1
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
    panel title gives the heterogeneity (τ², I², Q with its p) and the test of the pooled g."""
    _check_columns(
        meta, ["signature", "method", "pooled_g", "ci_low", "ci_high", "i2", "contrasts"], "meta-analysis"
    )
    m = meta[meta["method"] == method].set_index("signature")
    sigs = list(signatures) if signatures else list(m.index)
    low = low_coverage_signatures(meta[meta["method"] == method])
    comp = comparisons[comparisons["method"] == method]
    z = NormalDist().inv_cdf(0.975)  # the meta table's CIs are g ± z·SE
    n = len(sigs)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    rows = []
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=42.0 * nrows + 12)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for k, sig in enumerate(sigs):
            ax = axes[k // ncols][k % ncols]
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
                ax.annotate(label, (1.02, y), xycoords=("axes fraction", "data"), va="center", fontsize=6)
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
                fontsize=6,
                fontweight="bold",
            )
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
            ax.set_ylim(-0.8, len(studies) + 0.8)
            ax.set_yticks([*ys, 0], [*studies.index, "pooled"])
            het = f"τ² = {tau2:.3g}, I² = {100 * pooled['i2']:.0f}%"
            if "q" in pooled.index and np.isfinite(pooled.get("q", np.nan)):
                het += f", Q({len(studies) - 1}) = {pooled['q']:.2f}, p = {format_p(pooled['q_p'])}"
            if "p_value" in pooled.index:
                het += f"; pooled p = {format_p(pooled['p_value'])}"
            ax.set_title(f"{coverage_label(sig, low)}\n{het}", fontsize=6)
            ax.set_xlabel("Hedges' g (95% CI)")
        for k in range(n, nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        notes = ["squares: each dataset's g, area proportional to its random-effects weight (right: g [95% CI] and weight); diamond: the pooled g"]
        if low & set(sigs):
            notes.append(LOW_COVERAGE_NOTE)
        figure_note(fig, notes)
    return fig, pd.DataFrame(rows)
