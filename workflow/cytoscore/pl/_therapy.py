"""The figure of a treatment contrast: each cytokine axis's change, the drug's own axes first."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .._labels import contrast_label, method_label
from ._style import STYLE, figure, figure_note, short_label
from ._summary import _DOWN, _NS, _UP

__all__ = ["therapy_plot", "axis_profile_plot"]

_COLOURS = {"lowered": _DOWN, "raised": _UP, "mixed": "#762A83"}


def therapy_plot(effects: pd.DataFrame, *, width: str = "double") -> tuple[Figure, pd.DataFrame]:
    """Each axis's change in a treatment contrast: the lead signature's standardized effect with
    its 95% CI (paired g for a paired design, else Hedges' g: axes read by different methods
    share one scale), the drug's own axes on top in bold, coloured by verdict; the verdict,
    lead signature, method, FDR and agreeing methods are written beside each row, and a
    not-testable axis says why.

    Parameters
    ----------
    effects
        A :func:`cytoscore.tl.therapy_effects` table (one cell type: rows of the first are drawn).
    width
        ``"single"`` or ``"double"`` journal column.

    Returns
    -------
    Figure, DataFrame
        The figure and the rows drawn (its source data).
    """
    data = effects
    if "cell_type" in data and data["cell_type"].nunique() > 1:
        data = data[data["cell_type"] == data["cell_type"].iloc[0]]
    data = data.reset_index(drop=True)
    n = len(data)
    shared = data["note"].fillna("").astype(str).str.contains("genes with the drug's own signatures")
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=24 + 6.5 * n)
        ax, side = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1, 1.25]})
        y = np.arange(n)[::-1]
        for yy, row, mark in zip(y, data.itertuples(), shared, strict=True):
            if row.verdict == "not testable" or not np.isfinite(row.g):
                side.text(0, yy, f"not testable: {row.note}", va="center", fontsize=6, color="#555555", wrap=True)
                continue
            if np.isfinite(row.g_ci_low) and np.isfinite(row.g_ci_high):
                ax.plot([row.g_ci_low, row.g_ci_high], [yy, yy], color="black", linewidth=0.7)
            ax.scatter([row.g], [yy], s=22, color=_COLOURS.get(row.verdict, _NS), edgecolors="black", linewidth=0.5,
                       zorder=3)  # fmt: skip
            side.text(0, yy, f"{row.verdict}{' ‡' if mark else ''}: {short_label(row.lead_signature)} "
                      f"({method_label(row.lead_method)}), FDR {row.fdr:.2g}, {row.methods_agree} methods",
                      va="center", fontsize=6)  # fmt: skip
        side.set_xlim(0, 1)
        side.axis("off")
        ax.axvline(0, color="grey", linewidth=0.5)
        ax.set_yticks(y, [f"{a} (drug's target)" if t else a for a, t in zip(data["axis"], data["on_target"], strict=True)])
        for tick, on in zip(ax.get_yticklabels(), data["on_target"], strict=True):
            tick.set_fontweight("bold" if on else "normal")
        ax.set_ylim(-0.7, n - 0.3)
        ax.margins(x=0.15)
        kinds = sorted(set(data["g_kind"].dropna()))
        ax.set_xlabel(f"{' / '.join(kinds) or 'g'}, treated − untreated\n(lead signature of each axis, 95% CI)")
        title = f"{data['therapy'].iloc[0]}: {contrast_label(data['contrast'].iloc[0])}" if n else ""
        if n and data["n_pairs"].fillna(0).max() > 0 and data["test"].astype(str).str.startswith("paired").any():
            title += f" (n = {int(data['n_pairs'].max())} pairs)"
        elif n and data["n_target"].notna().any():
            title += f" (n = {int(data['n_target'].max())} vs {int(data['n_reference'].max())})"
        fig.suptitle(title, fontsize=7)
        figure_note(fig, [
            "Blue: the axis fell (a signature with FDR < 0.05, none rising); red: it rose; grey: no signature "
            "moved. An axis's lead signature has the smallest FDR."
            + (" ‡ its lead signature shares genes with the drug's own signatures (therapy.tsv names them): part "
               "of its move may be the drug's axis itself." if shared.any() else ""),
            "Research annotation, not clinical advice.",
        ])  # fmt: skip
    return fig, data


def axis_profile_plot(
    profile: pd.DataFrame, *, group_order: list[str] | None = None, width: str = "double"
) -> tuple[Figure, pd.DataFrame]:
    """Samples × cytokine axes: each sample's robust z against the reference group (diverging
    colours, clipped at ±4; a dot where the axis is raised), the pro- against anti-inflammatory
    balance in its own column, and a bar of each sample's group colour beside the rows.

    Parameters
    ----------
    profile
        A :func:`cytoscore.tl.axis_profile` table.
    group_order
        The groups from top to bottom (the dataset's order); others follow, sorted.
    width
        ``"single"`` or ``"double"`` journal column.

    Returns
    -------
    Figure, DataFrame
        The figure and the matrix drawn (samples × axes and balance, in drawing order).
    """
    from .._labels import group_label, ordered_groups
    from ._style import group_colors

    zcols = [c for c in profile.columns if c.startswith("z_")]
    order = ordered_groups(group_order, profile["group"].unique())
    data = profile.assign(_g=profile["group"].map({g: i for i, g in enumerate(order)}))
    data = data.sort_values(["_g", "observation"], kind="stable").drop(columns="_g").reset_index(drop=True)
    matrix = data[zcols].to_numpy(dtype=float)
    balance = data[["balance"]].to_numpy(dtype=float)
    threshold = float(profile.attrs.get("threshold", 2.0))
    colours = group_colors(order)
    n = len(data)
    with mpl.rc_context(STYLE):
        show_names = n <= 40  # one 7 pt name per row needs 3.2 mm
        fig = figure(width, height_mm=min(200.0, 40 + (3.2 if show_names else 1.2) * n))
        bar, heat, bal = fig.subplots(1, 3, sharey=True, gridspec_kw={"width_ratios": [0.35, len(zcols), 1.3]})
        bar.imshow(np.arange(n)[:, None] * 0, aspect="auto", alpha=0)  # the rows' frame
        for i, g in enumerate(data["group"]):
            bar.add_patch(mpl.patches.Rectangle((-0.5, i - 0.5), 1, 1, color=colours[g], linewidth=0))
        bar.set_xticks([])
        bar.set_yticks(range(n), data["observation"] if show_names else [""] * n)
        norm = mpl.colors.TwoSlopeNorm(vmin=-4, vcenter=0, vmax=4)
        image = heat.imshow(np.clip(matrix, -4, 4), aspect="auto", cmap="RdBu_r", norm=norm)
        raised = np.argwhere(matrix > threshold)
        heat.scatter(raised[:, 1], raised[:, 0], s=3 if n > 60 else 6, color="black", marker="o", linewidths=0)
        heat.set_xticks(range(len(zcols)), [c[2:] for c in zcols], rotation=60, ha="right")
        bal.imshow(np.clip(balance, -4, 4), aspect="auto", cmap="PuOr_r", norm=norm)
        bal.set_xticks([0], ["pro − anti\nbalance"])
        for ax in (heat, bal):
            ax.tick_params(left=False)
        fig.colorbar(image, ax=[heat, bal], shrink=0.6, label="robust z vs reference (clipped at ±4)")
        handles = [mpl.patches.Patch(color=colours[g], label=group_label(g)) for g in order]
        fig.legend(handles=handles, loc="outside upper center", frameon=False, ncols=min(6, len(order)))
        figure_note(fig, [
            f"z: distance from the {profile.attrs.get('reference', 'reference')} samples' median in units of their "
            f"scaled MAD, mean over each axis's signatures ({profile.attrs.get('method', '')}); • raised (z > "
            f"{threshold:g}, the clinical interferon score's control mean + 2 SD, made robust). Balance: pro-"
            "inflammatory axes (TNF, IL-1, IL-6, IL-17) minus anti-inflammatory ones (IL-10, TGF-beta, IL-4/IL-13).",
            "Drugs blocking raised axes (axis_profile.tsv): research annotation, not clinical advice.",
        ])  # fmt: skip
    source = data[["observation", "group", *zcols, "balance", "raised_axes"]]
    return fig, source
