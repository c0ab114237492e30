"""The study-level and single-cell figures: content checks on small real-shaped inputs."""

import numpy as np
import pandas as pd
import pytest
from helpers import tidy
from scipy import stats

from cytoscore import InputError
from cytoscore._significance import stars
from cytoscore.pl import (
    donor_plot,
    effect_heatmap,
    embedding_plot,
    forest_plot,
    ifn_score_plot,
    score_correlation,
    score_dotplot,
    score_violins,
    volcano_plot,
)
from cytoscore.pl._check import layout_problems
from cytoscore.pl._scores import format_p
from cytoscore.pl._style import short_label
from cytoscore.tl import RICE_GENES, Design, clinical_ifn_score, compare_cells, compare_groups, meta_analysis


@pytest.fixture
def bulk():
    rng = np.random.default_rng(8)
    obs = pd.DataFrame({"group": ["healthy"] * 6 + ["SLE"] * 6}, index=[f"s{i}" for i in range(12)])
    shift = np.where(obs["group"] == "SLE", 1.5, 0.0)
    values = pd.DataFrame(
        {
            "HALLMARK_INTERFERON_ALPHA_RESPONSE": shift + rng.normal(size=12),
            "HALLMARK_INTERFERON_GAMMA_RESPONSE": 0.5 * shift + rng.normal(size=12),
            "JAKSTAT_CORE": rng.normal(size=12),
        },
        index=obs.index,
    )
    scores = pd.concat([tidy(values, "mean_z"), tidy(values * 0.3, "ssgsea")])
    comparison = compare_groups(scores, obs, Design(target="SLE", reference="healthy", name="SLE_vs_healthy"))
    return obs, scores, comparison


def test_volcano(bulk):
    _, _, comparison = bulk
    fig, source = volcano_plot(comparison)
    assert [ax.get_title() for ax in fig.axes] == ["mean z-score", "ssGSEA"]  # one panel per method
    assert fig._suptitle.get_text().startswith("SLE vs healthy (n = 6 vs 6): difference of means")
    assert layout_problems(fig) == []
    assert len(source) == 6
    np.testing.assert_allclose(source["neg_log10_fdr"], -np.log10(comparison["fdr"]))
    np.testing.assert_allclose(source["effect"], comparison["mean_difference"])
    np.testing.assert_allclose(source["ci_low"], comparison["mean_difference_ci_low"])
    named = {t.get_text() for t in fig.axes[0].texts if t.get_text()}
    significant = comparison[(comparison["method"] == "mean_z") & (comparison["fdr"] < 0.05)]["signature"]
    assert named == {short_label(s) for s in significant} and named  # only those below the line
    line = [ln for ln in fig.axes[0].get_lines() if ln.get_linestyle() == "--"][0]
    assert line.get_ydata()[0] == pytest.approx(-np.log10(0.05))
    # the threshold line is in the legend
    assert f"FDR = {0.05:g}" in [t.get_text() for t in fig.legends[0].get_texts()]
    g_fig, g_source = volcano_plot(comparison, effect="hedges_g")
    np.testing.assert_allclose(g_source["effect"], comparison["hedges_g"])
    with pytest.raises(InputError, match="effect must be one of"):
        volcano_plot(comparison, effect="cohen_d")


def test_volcano_names_changes_beside_a_row_that_is_not_testable(bulk):
    """A constant score (not testable: no p, no FDR) is not a point; the names of the others
    are still placed (adjustText refused the NaN: the many-contrast study crashed on it)."""
    _, _, comparison = bulk
    flat = comparison.iloc[[0]].assign(signature="FLAT", p_value=np.nan, fdr=np.nan, mean_difference=0.0,
                                       mean_difference_ci_low=np.nan, mean_difference_ci_high=np.nan,
                                       not_testable="constant scores", markable=False)  # fmt: skip
    fig, source = volcano_plot(pd.concat([comparison, flat], ignore_index=True))
    named = {t.get_text() for t in fig.axes[0].texts if t.get_text()}
    assert named and "FLAT" not in named and len(source) == len(comparison) + 1


def test_volcano_names_are_tied_to_their_points_and_keep_off_other_text():
    """Twelve crowded significant changes: the names are off the tick labels, the legend and
    each other; a line runs from the edge of each moved name's box to 2 pt short of its point."""
    rng = np.random.default_rng(3)
    obs = pd.DataFrame({"group": ["ctrl"] * 6 + ["IFNB"] * 6}, index=[f"s{i}" for i in range(12)])
    shifts = np.linspace(1.5, 2.5, 12)
    values = pd.DataFrame(
        {f"SIGNATURE_{k:02d}": rng.normal(0, 0.3, 12) + np.r_[np.zeros(6), np.full(6, d)] for k, d in enumerate(shifts)},
        index=obs.index,
    )
    comparison = compare_groups(tidy(values, "mean_z"), obs, Design(target="IFNB", reference="ctrl", name="c"))
    fig, source = volcano_plot(comparison, label_top=12)
    ax = fig.axes[0]
    assert layout_problems(fig) == []
    names = {t.get_text(): t for t in ax.texts}
    assert set(names) == {short_label(s) for s in source.loc[source["named"], "signature"]}
    assert len(names) == 12  # adjustText frees all twelve here
    renderer = fig.canvas.get_renderer()
    points = source.set_index("signature")
    lines = [ln for ln in ax.get_lines() if ln.get_linewidth() == pytest.approx(0.3)]
    assert lines  # names moved off their points
    for line in lines:
        (x0, y0), (x1, y1) = ax.transData.transform(np.column_stack([line.get_xdata(), line.get_ydata()]))
        ends = {
            label: ax.transData.transform((points.loc[s, "effect"], points.loc[s, "neg_log10_fdr"]))
            for s in points.index
            if (label := short_label(s)) in names
        }
        label, target = min(ends.items(), key=lambda kv: np.hypot(*(kv[1] - (x1, y1))))
        assert np.hypot(*(target - (x1, y1))) == pytest.approx(2 * fig.dpi / 72, rel=1e-6)  # 2 pt short
        box = names[label].get_window_extent(renderer)
        assert not box.contains(x0, y0)  # from outside its name
        assert box.padded(2.1 * fig.dpi / 72).contains(x0, y0)  # within 2 pt of its edge


def test_volcano_ranks_by_the_size_of_the_change_at_three_replicates():
    """Issue 12: with 3 replicates per group, IL-1β's tight small change has g ≈ 40 and
    the type I interferon signature's large change g ≈ 9; the default volcano ranks and
    names by the difference of means, so IFN1 leads and the 2 names shown are the 2 largest."""
    obs = pd.DataFrame({"group": ["ctrl"] * 3 + ["IFNB"] * 3}, index=[f"s{i}" for i in range(6)])
    values = pd.DataFrame(
        {
            "IFN1": [0.0, 3.0, -3.0, 31.4, 34.4, 28.4],  # Δ 31.4, SD 3
            "IL1B": [0.0, 0.1, -0.1, 7.5, 7.6, 7.4],  # Δ 7.5, SD 0.1
            "IL4": [0.0, 0.5, -0.5, 2.0, 2.5, 1.5],  # Δ 2.0, SD 0.5
        },
        index=obs.index,
    )
    comparison = compare_groups(
        tidy(values, "cytosig"), obs, Design(target="IFNB", reference="ctrl", name="c")
    )
    g = comparison.set_index("signature")["hedges_g"]
    assert g["IL1B"] > 4 * g["IFN1"]  # the misranking the default avoids
    fig, source = volcano_plot(comparison, label_top=2)
    assert source.set_index("signature")["effect"].to_dict() == pytest.approx(
        {"IFN1": 31.4, "IL1B": 7.5, "IL4": 2.0}
    )
    assert {t.get_text() for t in fig.axes[0].texts if t.get_text()} == {"IFN1", "IL1B"}
    assert source.set_index("signature")["labelled"].to_dict() == {"IFN1": True, "IL1B": True, "IL4": False}
    # the CI is Welch's: Δ ± t(df) · SE
    x, y = values.loc[obs["group"] == "IFNB", "IFN1"], values.loc[obs["group"] == "ctrl", "IFN1"]
    se = np.sqrt(x.var() / 3 + y.var() / 3)
    half = stats.t.ppf(0.975, 4.0) * se  # equal variances, n = 3: Welch df = 4
    assert source.set_index("signature").loc["IFN1", "ci_low"] == pytest.approx(31.4 - half)
    _, gsrc = effect_heatmap(comparison.assign(dataset="A"), method="cytosig")
    assert gsrc.set_index("signature")["mean_difference"].idxmax() == "IFN1"


def test_correlation(bulk):
    obs, scores, _ = bulk
    fig, source = score_correlation(
        scores,
        obs["group"],
        x="HALLMARK_INTERFERON_ALPHA_RESPONSE",
        y="HALLMARK_INTERFERON_GAMMA_RESPONSE",
        method="mean_z",
        group_order=["healthy", "SLE"],
    )
    from scipy.stats import spearmanr

    rho = spearmanr(
        source["HALLMARK_INTERFERON_ALPHA_RESPONSE"], source["HALLMARK_INTERFERON_GAMMA_RESPONSE"]
    )[0]
    assert fig.axes[0].get_title().startswith(f"all samples: Spearman ρ = {rho:.2f}")
    # within each group: the ρ of its own samples
    within = [
        spearmanr(
            *source.loc[
                source["group"] == g,
                ["HALLMARK_INTERFERON_ALPHA_RESPONSE", "HALLMARK_INTERFERON_GAMMA_RESPONSE"],
            ].T.to_numpy()
        )[0]
        for g in ("healthy", "SLE")
    ]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        f"healthy (n=6): ρ = {within[0]:.2f}",
        f"SLE (n=6): ρ = {within[1]:.2f}",
    ]
    np.testing.assert_allclose(
        source.groupby("group")["within_group_rho"].first()[["healthy", "SLE"]], within
    )
    # with the gene sets, the genes they share are stated
    sets = {
        "HALLMARK_INTERFERON_ALPHA_RESPONSE": ["A", "B", "C", "D"],
        "HALLMARK_INTERFERON_GAMMA_RESPONSE": ["C", "D", "E"],
    }
    fig, source = score_correlation(
        scores,
        obs["group"],
        x="HALLMARK_INTERFERON_ALPHA_RESPONSE",
        y="HALLMARK_INTERFERON_GAMMA_RESPONSE",
        method="mean_z",
        gene_sets=sets,
    )
    assert fig._suptitle.get_text() == "the two sets share 2 genes (50% of 4, 67% of 3)"
    assert (source["shared_genes"] == 2).all()
    # a set not scored (skipped under allow_missing) is named where the scatter would be
    fig, source = score_correlation(scores, obs["group"], x="NOPE", y="JAKSTAT_CORE", method="mean_z")
    assert source["signature"].tolist() == ["NOPE"]  # JAKSTAT_CORE is scored
    assert fig._suptitle.get_text().endswith(": not drawn")


def test_clinical_ifn_score_known_answer_and_plot():
    import anndata as ad

    # 3 controls and 2 patients; log2 values, patients 2, 3 log2 units up on every gene
    base = np.array([[5.0] * 6, [5.2] * 6, [4.8] * 6, [7.0] * 6, [8.0] * 6])
    adata = ad.AnnData(
        X=base,
        obs=pd.DataFrame({"group": ["healthy"] * 3 + ["SLE"] * 2}, index=list("abcde")),
        var=pd.DataFrame(index=list(RICE_GENES)),
    )
    table = clinical_ifn_score(adata, control="healthy")
    np.testing.assert_allclose(table["ifn_score"], [1.0, 2**0.2, 2**-0.2, 4.0, 8.0])
    ctrl = np.array([1.0, 2**0.2, 2**-0.2])
    assert table["threshold"].iloc[0] == pytest.approx(ctrl.mean() + 2 * ctrl.std(ddof=1))
    assert table["positive"].tolist() == [False, False, False, True, True]
    fig, source = ifn_score_plot(table, group_order=["healthy", "SLE"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["healthy\n0/3 positive", "SLE\n2/2 positive"]
    assert ax.get_yscale() == "log" and len(source) == 5
    fig.canvas.draw()  # plain tick numbers: 2^n mathtext set its exponents at 4.9 pt
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels and not any("$" in t for t in labels) and "1" in labels and "2" in labels
    with pytest.raises(InputError, match="at least 3 of"):
        clinical_ifn_score(adata[:, :2].copy(), control="healthy")
    assert "the fold-change reference group, itself scored" in table["threshold_source"].iloc[0]
    texts = [t.get_text() for t in fig.texts]
    assert any("threshold: mean + 2 SD of the 3 'healthy' samples" in t for t in texts)
    # a literature threshold, or another group's, so the compared controls need not set it
    fixed = clinical_ifn_score(adata, control="healthy", threshold=2.466)
    assert (fixed["threshold"] == 2.466).all() and fixed["positive"].tolist() == [False] * 3 + [True] * 2
    assert fixed["threshold_source"].iloc[0] == "fixed threshold 2.466 (configured)"
    other = clinical_ifn_score(adata, control="healthy", threshold_from="SLE")
    sle = np.array([4.0, 8.0])
    assert other["threshold"].iloc[0] == pytest.approx(sle.mean() + 2 * sle.std(ddof=1))
    assert other["threshold_source"].iloc[0] == "mean + 2 SD of the 2 'SLE' samples"


def test_effect_heatmap_and_forest(bulk):
    obs, scores, comparison = bulk
    other = comparison.assign(contrast="SLE_vs_healthy_2", hedges_g=comparison["hedges_g"] * 0.8)
    both = pd.concat([comparison.assign(dataset="A"), other.assign(dataset="B")])
    fig, source = effect_heatmap(both, method="mean_z", effect="hedges_g")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["SLE vs healthy (A)", "SLE vs healthy 2 (B)"]
    assert len(source) == 6
    cell = comparison[
        (comparison["method"] == "mean_z") & (comparison["signature"] == "HALLMARK_INTERFERON_ALPHA_RESPONSE")
    ].iloc[0]
    mark = "***" if cell["fdr"] < 1e-3 else "**" if cell["fdr"] < 1e-2 else "*" if cell["fdr"] < 0.05 else ""
    assert f"{cell['hedges_g']:.2g}{mark}" in [t for a in ax.artists for t in a.texts]
    # a requested signature the method does not score (PROGENy's weights: ulm only) is named in
    # the note, not drawn as an empty column
    scored = list(dict.fromkeys(both["signature"]))
    fig, source = effect_heatmap(both, method="mean_z", signatures=[*scored, "PROGENY_JAK_STAT"])
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert len(labels) == len(scored) and not any("PROGENy" in t for t in labels)
    assert any("not scored by mean z-score: JAK-STAT (PROGENy)" in t.get_text() for t in fig.texts)
    assert set(source["signature"]) == set(scored)
    routes = pd.concat(
        [both.assign(level="replicate"), comparison.assign(contrast="SLE_vs_healthy_pb", level="pseudobulk")]
    )
    fig, _ = effect_heatmap(routes, method="mean_z")
    assert any("pseudobulk rows score summed-count profiles" in t.get_text() for t in fig.texts)
    meta = meta_analysis(both, name="m")
    fig, source = forest_plot(meta, both, method="mean_z", signatures=["HALLMARK_INTERFERON_ALPHA_RESPONSE"])
    assert list(source["study"]) == ["SLE_vs_healthy", "SLE_vs_healthy_2", "pooled (random effects)"]
    ax = fig.axes[0]
    assert ax.get_title() == "IFN-α response"
    heterogeneity = [t.get_text() for t in ax.texts if t.get_text().startswith("τ² = ")]
    assert len(heterogeneity) == 1 and "I² = " in heterogeneity[0]
    assert len(ax.patches) == 1 and not fig.legends  # the pooled diamond; no legend over the axis
    # metafor's layout: squares by random-effects weight 1 / (SE² + τ²), g [CI] and weight on the right
    row = meta[
        (meta["method"] == "mean_z") & (meta["signature"] == "HALLMARK_INTERFERON_ALPHA_RESPONSE")
    ].iloc[0]
    studies = both[(both["method"] == "mean_z") & (both["signature"] == "HALLMARK_INTERFERON_ALPHA_RESPONSE")]
    se = (studies["hedges_g_ci_high"] - studies["hedges_g_ci_low"]) / (2 * 1.959963984540054)
    w = 1 / (se.to_numpy() ** 2 + row["tau2"])
    np.testing.assert_allclose(source["weight_percent"].to_numpy()[:2], 100 * w / w.sum())
    texts = [t.get_text() for t in ax.texts]
    first = studies.iloc[0]
    assert (
        f"{first['hedges_g']:.2f} [{first['hedges_g_ci_low']:.2f}, {first['hedges_g_ci_high']:.2f}]  "
        f"{100 * w[0] / w.sum():.0f}%"
    ) in texts
    assert f"{row['pooled_g']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]" in texts
    sizes = ax.collections[-1].get_sizes()
    assert sizes[np.argmax(w)] == sizes.max()  # the heavier dataset has the larger square


@pytest.fixture
def cells():
    rng = np.random.default_rng(9)
    rows = []
    for donor in ("101", "107"):
        for cond in ("ctrl", "stim"):
            for ct in ("B", "T"):
                for i in range(20):
                    rows.append(
                        {
                            "observation": f"{cond}{donor}_{ct}{i}",
                            "group": cond,
                            "sample": f"{cond}{donor}",
                            "donor": donor,
                            "cell_type": ct,
                        }
                    )
    obs = pd.DataFrame(rows).set_index("observation")
    score = np.where(obs["group"] == "stim", 1.0, 0.0) + rng.normal(0, 0.3, len(obs))
    scores = tidy(pd.DataFrame({"IFN": score, "OTHER": rng.normal(size=len(obs))}, index=obs.index))
    return obs, scores


def test_embedding_dotplot_and_donor_plot(cells):
    obs, scores = cells
    coords = pd.DataFrame({"umap1": np.arange(len(obs), dtype=float), "umap2": 0.0}, index=obs.index)
    fig, source = embedding_plot(coords, scores, method="m", signatures=["IFN"])
    assert fig.axes[0].get_title() == "IFN" and len(source) == len(obs)
    image = fig.axes[0].images[0]  # the cells, painted once as an image (cytoscore.pl._points)
    assert image.get_extent()[:2] == pytest.approx((-0.03 * (len(obs) - 1), 1.03 * (len(obs) - 1)))
    assert (image.get_array()[..., 3] > 0).any()
    fig, table = score_dotplot(scores, obs, method="m", cell_type="cell_type", group_order=["ctrl", "stim"])
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [
        "T · stim",
        "T · ctrl",
        "B · stim",
        "B · ctrl",
    ]
    dots = next(c for c in fig.axes[0].collections if c.get_array() is not None)
    signed = (table["mean_score"] < 0).any()  # diverging around 0 only for scores that can be negative
    assert (dots.get_cmap().name, dots.norm.vmin < 0) == (("RdBu_r", True) if signed else ("viridis", False))
    nonneg = scores.assign(score=scores["score"] - scores["score"].min())  # as UCell and AUCell are
    fig2, _ = score_dotplot(nonneg, obs, method="m", cell_type="cell_type")
    dots = next(c for c in fig2.axes[0].collections if c.get_array() is not None)
    assert dots.get_cmap().name == "viridis" and dots.norm.vmin == 0.0
    ifn = table[table["signature"] == "IFN"].set_index(["cell_type", "group"])
    assert ifn.loc[("B", "stim"), "fraction_above_median"] >= 0.85
    assert ifn.loc[("B", "ctrl"), "fraction_above_median"] <= 0.15
    design = Design(target="stim", reference="ctrl", pair_by="donor")
    table, units = compare_cells(scores, obs, design, replicate="sample", split_by="cell_type", with_units=True)
    by_hand = obs.join(scores.set_index("observation")).query("signature == 'IFN' and cell_type == 'B'")
    b = units[(units["signature"] == "IFN") & (units["cell_type"] == "B")].set_index("sample")["score"]
    assert b.to_dict() == pytest.approx(by_hand.groupby("sample")["score"].mean().to_dict())
    fig, source = donor_plot(
        units, table, method="m", replicate="sample", pair_by="donor", group_order=["ctrl", "stim"]
    )
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == 2 * 3  # 2 signatures x (all cells, B, T): one figure per method
    first = shown[0]
    assert first.get_title() == "all cells" and len(first.get_lines()) == 2  # a line per donor
    # 2 donor pairs: the effect, never a star
    notes = [ax.texts[0].get_text() for ax in shown]
    assert all(t.startswith("Δ = ") and "n too small to test" in t and "*" not in t for t in notes)
    assert "donor: ○ 101, □ 107" in fig.get_supxlabel().replace("\n", " ")
    assert len(source) == 4 * 3 * 2 and not source["markable"].any()


def test_violins_draw_a_sample_of_each_stratum_and_count_all_cells(cells):
    obs, scores = cells
    fig, source = score_violins(
        scores, obs, method="m", cell_type="cell_type", max_cells=15, group_order=["ctrl", "stim"]
    )
    assert sorted(ax.get_ylabel() for ax in fig.axes) == ["IFN", "other"]
    sizes = source.groupby(["signature", "cell_type", "group"]).size()
    assert (sizes == 15).all() and len(sizes) == 2 * 2 * 2  # 40 cells per stratum, 15 drawn
    assert not source.duplicated(["signature", "observation"]).any()
    assert [t.get_text() for t in fig.axes[-1].get_xticklabels()] == ["B\n40 / 40", "T\n40 / 40"]
    ifn = source[source["signature"] == "IFN"].groupby("group")["score"].median()
    assert ifn["stim"] - ifn["ctrl"] == pytest.approx(1.0, abs=0.25)  # the shift the fixture puts in


def test_donor_plot_marks_a_test_of_three_pairs(cells):
    obs, scores = cells
    third = obs[obs["donor"] == "101"].rename(index=lambda o: o.replace("101", "113"))
    third = third.assign(donor="113", sample=third["sample"].str.replace("101", "113"))
    obs = pd.concat([obs, third])
    extra = scores[scores["observation"].isin(obs[obs["donor"] == "101"].index)].copy()
    extra["observation"] = extra["observation"].str.replace("101", "113")
    extra["score"] += 0.05
    scores = pd.concat([scores, extra], ignore_index=True)
    design = Design(target="stim", reference="ctrl", pair_by="donor")
    table, units = compare_cells(scores, obs, design, replicate="sample", split_by="cell_type", with_units=True)
    fig, source = donor_plot(
        units, table, method="m", replicate="sample", pair_by="donor", signatures=["IFN"]
    )
    row = table[(table["signature"] == "IFN") & (table["cell_type"] == "all cells")].iloc[0]
    assert row["n_pairs"] == 3 and row["test"] == "paired t" and row["fdr"] < 0.05
    title = [ax for ax in fig.axes if ax.get_visible()][0].texts[0].get_text()
    assert f"FDR = {format_p(row['fdr'])}{stars(row['fdr'])}" in title and "*" in title
    assert "(n=3)" in [ax for ax in fig.axes if ax.get_visible()][0].get_xticklabels()[0].get_text()


def test_journal_widths(bulk):
    obs, scores, comparison = bulk
    from cytoscore.pl import signature_boxplot, volcano_plot

    single = signature_boxplot(scores, obs["group"], comparison, method="mean_z", width="single")[0]
    double = volcano_plot(comparison, width="double")[0]
    assert single.get_figwidth() * 25.4 == pytest.approx(85.0)
    assert double.get_figwidth() * 25.4 == pytest.approx(180.0)


def test_low_coverage_is_marked_on_every_summary_figure(bulk, caplog):
    obs, scores, comparison = bulk
    low = comparison.assign(low_coverage=comparison["signature"] == "JAKSTAT_CORE")
    fig, source = volcano_plot(low, fdr_line=1.0)  # every signature below the line: all named
    labels = sorted(t.get_text() for t in fig.axes[0].texts)
    assert labels == sorted(["IFN-α response", "IFN-γ response", "JAK/STAT core†"])
    assert any("† fewer of the set's genes" in t.get_text() for t in fig.texts)
    assert source.set_index("signature")["low_coverage"].groupby(level=0).first().to_dict() == {
        "HALLMARK_INTERFERON_ALPHA_RESPONSE": False, "HALLMARK_INTERFERON_GAMMA_RESPONSE": False, "JAKSTAT_CORE": True,
    }  # fmt: skip
    assert not any(
        "†" in t.get_text() for t in volcano_plot(comparison, fdr_line=1.0)[0].texts
    )  # no column, no mark
    fig, _ = effect_heatmap(low.assign(dataset="A"), method="mean_z")
    assert "JAK/STAT core†" in [t.get_text() for t in fig.axes[0].get_xticklabels()]
    # a requested signature the method did not score is named, not silently dropped
    from cytoscore.pl import signature_boxplot

    with caplog.at_level("WARNING"):
        fig, _ = signature_boxplot(
            scores, obs["group"], low[low["signature"] != "HALLMARK_INTERFERON_GAMMA_RESPONSE"], method="mean_z",
            signatures=["HALLMARK_INTERFERON_ALPHA_RESPONSE", "HALLMARK_INTERFERON_GAMMA_RESPONSE", "JAKSTAT_CORE"],
        )  # fmt: skip
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["IFN-α response", "JAK/STAT core†"]
    notes = " ".join(t.get_text() for t in fig.texts)
    assert "not scored with mean z-score: IFN-γ response" in notes and "†" in notes
    assert "HALLMARK_INTERFERON_GAMMA_RESPONSE" in caplog.text


def test_volcano_draws_small_groups_hollow_and_says_why(bulk):
    _, _, comparison = bulk
    flagged = comparison.assign(small_n=comparison["signature"] == "JAKSTAT_CORE")
    fig, source = volcano_plot(flagged)
    from matplotlib.collections import PathCollection

    for ax in fig.axes:  # one panel per method, one hollow point in each: JAK/STAT core
        (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert (points.get_facecolors()[:, 3] == 0).sum() == 1
    assert source.loc[source["signature"] == "JAKSTAT_CORE", "small_n"].all()
    assert any("fewer than 3 samples" in t.get_text() for t in fig.legends[0].get_texts())
    plain, _ = volcano_plot(comparison.assign(small_n=False))
    points = [c for ax in plain.axes for c in ax.collections if isinstance(c, PathCollection)]
    assert all((c.get_facecolors()[:, 3] == 1).all() for c in points)
    assert not any("fewer than 3" in t.get_text() for t in plain.legends[0].get_texts())


def test_box_plot_without_a_choice_shows_the_lowest_fdr_and_says_so(bulk):
    from cytoscore.pl import signature_boxplot

    obs, scores, comparison = bulk
    fig, source = signature_boxplot(scores, obs["group"], comparison, method="mean_z", signatures=None, top=2)
    mean_z = comparison[comparison["method"] == "mean_z"].sort_values("fdr")
    assert list(dict.fromkeys(source["signature"])) == list(mean_z["signature"][:2])
    assert any("the 2 of 3 signatures with the lowest FDR" in t.get_text() for t in fig.texts)


def test_cell_type_colours_never_read_as_conditions():
    import matplotlib as mpl

    from cytoscore._labels import OKABE_ITO
    from cytoscore.pl._cells import MIN_HUE_ANGLE, _cell_type_colors, _lab

    conditions = [mpl.colors.to_rgb(c) for c in OKABE_ITO[:2]]  # ctrl, stim
    cell_types = _cell_type_colors([f"type {i}" for i in range(16)], avoid=OKABE_ITO[:2])
    lab, taken = _lab(list(cell_types.values())), _lab(conditions)
    hue = lambda x: np.degrees(np.arctan2(x[:, 2], x[:, 1]))  # noqa: E731
    gap = np.abs((hue(lab)[:, None] - hue(taken)[None] + 180) % 360 - 180)
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    assert ((gap.min(axis=1) >= MIN_HUE_ANGLE) | (chroma < 15)).all()  # no blue, no orange family
    assert (
        np.linalg.norm(lab[:, None] - taken[None], axis=-1).min() > 20 and len(set(cell_types.values())) == 16
    )
    # what it replaces: tab20's first blue next to the first group's blue
    assert np.linalg.norm(_lab([mpl.colormaps["tab20"](0)])[0] - _lab(conditions)[0]) < 5


def test_points_are_painted_in_order_as_discs_of_their_size():
    from cytoscore.pl._points import point_image

    red, blue = (1.0, 0.0, 0.0, 1.0), (0.0, 0.0, 1.0, 1.0)
    # a 10 x 10 pixel image of the square [0, 10]^2: pixel (row r, col c) has its centre at (c + .5, r + .5)
    image = point_image(np.array([5.0, 5.5]), np.array([5.0, 5.0]), np.array([red, blue]),
                        extent=(0, 10, 0, 10), shape=(10, 10), radius=np.array([3.0, 1.0]))  # fmt: skip
    assert tuple(image[4, 5]) == blue  # the later point covers the earlier where both reach
    assert tuple(image[4, 2]) == red  # centre (2.5, 4.5): 2.55 from the red point, 3.05 from the blue
    assert tuple(image[4, 1]) == (0, 0, 0, 0)  # 3.54 from the red point: outside its disc
    assert tuple(image[9, 9]) == (0, 0, 0, 0)
    covered = (image[..., 3] > 0).sum()
    assert covered == sum((c + 0.5 - 5) ** 2 + (r + 0.5 - 5) ** 2 <= 9 for r in range(10) for c in range(10))
    # one colour for all; a point outside the extent paints nothing
    far = point_image(np.array([50.0]), np.array([5.0]), np.array(red), extent=(0, 10, 0, 10), shape=(10, 10), radius=2)
    assert not far.any()



def test_per_cell_figures_join_cells_by_id_in_any_order(cells):
    """Parts in the cells' own order are joined by position (the fast path of a million cells);
    shuffled or partial parts by ID: the figures' numbers are the same."""
    obs, scores = cells
    ifn = scores[scores["signature"] == "IFN"]
    ordered = [ifn, scores[scores["signature"] == "OTHER"]]
    shuffled = [p.sample(frac=1.0, random_state=0) for p in ordered]
    for kind in (score_dotplot, score_violins):
        _, a = kind(iter(ordered), obs, method="m", cell_type="cell_type")
        _, b = kind(iter(shuffled), obs, method="m", cell_type="cell_type")
        key = [c for c in ("signature", "cell_type", "group", "observation") if c in a.columns]
        a, b = a.sort_values(key).reset_index(drop=True), b.sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
    _, partial = score_dotplot(iter([ifn.iloc[: len(ifn) // 2]]), obs, method="m", cell_type="cell_type")
    assert partial["n_cells"].sum() == len(ifn) // 2  # every cell of the part, joined to its row


def test_within_group_rho_is_not_drawn_under_5():
    """Under 5 samples no ρ can reach p < 0.05: the legend gives none and its title says why,
    clear of every other text (5 groups of 3-4, GSE161664's design); the source data keeps the
    ρ, with its exact p (1/3 for a perfect ρ of 3 samples)."""
    rng = np.random.default_rng(3)
    groups = pd.Series(["a"] * 3 + ["b"] * 6, index=[f"s{i}" for i in range(9)])
    x, y = rng.normal(size=9), rng.normal(size=9)
    y[:3] = x[:3] * 2  # a perfect ρ in the group of 3
    scores = pd.DataFrame(
        [{"observation": o, "signature": s, "method": "m", "score": v} for o, a, b in zip(groups.index, x, y, strict=True) for s, v in (("X", a), ("Y", b))]
    )
    fig, source = score_correlation(scores, groups, x="X", y="Y", method="m")
    first = source.groupby("group")[["within_group_rho", "within_group_p"]].first()
    assert first.loc["a"].tolist() == pytest.approx([1.0, 1 / 3])
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0] == "a (n=3)" and legend[1] == f"b (n=6): ρ = {first.loc['b', 'within_group_rho']:.2f}"
    assert "under 5 none reaches p < 0.05" in fig.legends[0].get_title().get_text()
    many = pd.Series([g for g in "abcde" for _ in range(3)], index=[f"t{i}" for i in range(15)])
    values = rng.normal(size=(15, 2))
    scores = pd.DataFrame(
        [{"observation": o, "signature": s, "method": "m", "score": v} for o, row in zip(many.index, values, strict=True) for s, v in zip("XY", row, strict=True)]
    )
    fig, _ = score_correlation(scores, many, x="X", y="Y", method="m")
    assert layout_problems(fig) == []
