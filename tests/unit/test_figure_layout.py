"""Every figure passes the style checks at the sizes users reach, not only on the examples:
text size, overlapping text and text leaving the canvas, measured on the drawn figure
(``cytoscore.pl._check``), on stress cases: 60 signatures with the real Hallmark names and
long ones, 200 samples, a 17-level covariate, three groups from a sample sheet, paired
designs and many cell types."""

import gzip

import numpy as np
import pandas as pd
import pytest
from helpers import MIRROR, ROOT, tidy

from cytoscore.pl import (
    contrast_effects_plot,
    donor_plot,
    effect_heatmap,
    embedding_plot,
    forest_plot,
    ifn_score_plot,
    score_correlation,
    score_dotplot,
    score_heatmap,
    score_violins,
    signature_boxplot,
)
from cytoscore.pl._check import layout_problems
from cytoscore.tl import Design, compare_cells, compare_groups, meta_analysis

HALLMARK = next(MIRROR.rglob("h.all.v7.0.symbols.gmt"))
LONG = [
    "REACTOME_INTERLEUKIN_4_AND_INTERLEUKIN_13_SIGNALING",
    "GO_REGULATION_OF_TYPE_I_INTERFERON_MEDIATED_SIGNALING_PATHWAY",
    "KEGG_JAK_STAT_SIGNALING_PATHWAY",
    "REACTOME_INTERFERON_ALPHA_BETA_SIGNALING",
    "BIOCARTA_IL6_PATHWAY",
    "GO_RESPONSE_TO_INTERFERON_GAMMA",
    "REACTOME_SIGNALING_BY_INTERLEUKINS",
    "GO_CYTOKINE_MEDIATED_SIGNALING_PATHWAY",
    "JAKSTAT_CORE",
    "IFN_SCORE_RICE2017",
]


def _names(n: int) -> list[str]:
    text = (
        HALLMARK.read_text() if HALLMARK.suffix != ".gz" else gzip.decompress(HALLMARK.read_bytes()).decode()
    )
    hallmark = [line.split("\t")[0] for line in text.splitlines() if line]
    if n > 10:
        return (hallmark + LONG)[:n]
    return [*hallmark[: n - 2], *LONG[-2:]] if n >= 2 else hallmark[:n]


def study(n_signatures: int, n_samples: int, *, seed: int = 0, groups=("healthy", "SLE", "RA")):
    """Scores of two methods for ``n_signatures`` × ``n_samples``, three groups, a 17-level
    covariate and the comparisons of two contrasts."""
    rng = np.random.default_rng(seed)
    obs = pd.DataFrame(
        {
            "group": np.resize(list(groups), n_samples),
            "batch": [f"batch_{i % 17:02d}" for i in range(n_samples)],
            "sex": np.resize(["female", "male"], n_samples),
        },
        index=[f"GSM{1332200 + i}" for i in range(n_samples)],
    )
    names = _names(n_signatures)
    effects = rng.normal(0, 1.2, n_signatures)
    shift = np.outer((obs["group"] != groups[0]).to_numpy(), effects)
    values = pd.DataFrame(shift + rng.normal(size=(n_samples, n_signatures)), index=obs.index, columns=names)
    scores = pd.concat([tidy(values, "mean_z"), tidy(values * 0.2, "ssgsea")])
    comparisons = pd.concat(
        [
            compare_groups(
                scores, obs, Design(target=t, reference=groups[0], name=f"{t}_vs_{groups[0]}")
            ).assign(dataset="GSE_stress")
            for t in groups[1:]
        ]
    )
    return obs, scores, comparisons


def assert_clean(fig):
    problems = layout_problems(fig)
    assert problems == [], "\n".join(problems[:20])


@pytest.mark.parametrize(("n_signatures", "n_samples"), [(8, 4), (8, 200), (60, 12), (60, 200)])
def test_heatmaps_and_effect_summaries_stay_readable(n_signatures, n_samples):
    groups = ("healthy", "SLE") if n_samples < 6 else ("healthy", "SLE", "RA")
    obs, scores, comparisons = study(n_signatures, n_samples, groups=groups)
    assert_clean(score_heatmap(scores, obs, method="ssgsea", annotations=["batch", "sex"])[0])
    assert_clean(effect_heatmap(comparisons, method="ssgsea")[0])
    assert_clean(effect_heatmap(comparisons, method="mean_z", effect="hedges_g")[0])


@pytest.mark.parametrize("n_signatures", [3, 8, 15, 16, 60])
def test_contrast_effects_are_readable_at_any_number_of_signatures(n_signatures):
    _, _, comparisons = study(n_signatures, 30)
    one = comparisons[comparisons["contrast"] == "SLE_vs_healthy"]
    fig, source = contrast_effects_plot(one)
    assert_clean(fig)
    # a dot-and-CI plot up to 15 signatures, a volcano above, whose names are the
    # signatures with the largest significant change, across methods
    volcano = n_signatures > 15
    assert ("labelled" in source.columns) == volcano
    if volcano:
        named = set(source.loc[source["labelled"], "signature"])
        assert 0 < len(named) <= 8
        significant = source[source["fdr"] < 0.05]
        biggest = significant.loc[significant.groupby("method")["effect"].apply(lambda e: e.abs().idxmax())]
        assert set(biggest["signature"]) <= named


@pytest.mark.parametrize("n_signatures", [1, 5, 12, 60])
def test_box_plots_are_readable(n_signatures):
    obs, scores, comparisons = study(n_signatures, 40)
    one = comparisons[comparisons["contrast"] == "SLE_vs_healthy"]
    assert_clean(
        signature_boxplot(scores, obs["group"], one, method="ssgsea", group_order=["healthy", "SLE", "RA"])[0]
    )


def test_correlation_and_interferon_score_are_readable():
    obs, scores, _ = study(8, 200)
    names = _names(8)
    assert_clean(score_correlation(scores, obs["group"], x=names[0], y=names[1], method="ssgsea")[0])
    table = pd.DataFrame(
        {
            "observation": obs.index,
            "group": obs["group"].to_numpy(),
            "ifn_score": np.exp(np.random.default_rng(1).normal(0.5, 1, len(obs))),
            "threshold": 2.4,
            "positive": False,
            "threshold_source": "mean + 2 SD of the 67 'healthy' samples (ifn_score_control: healthy)",
        }
    )
    table["positive"] = table["ifn_score"] > 2.4
    assert_clean(ifn_score_plot(table)[0])


def test_forest_plots_are_readable():
    frames = []
    for k in range(6):
        _, _, comparisons = study(6, 20 + 10 * k, seed=k, groups=("healthy", "SLE"))
        frames.append(comparisons.assign(dataset=f"GSE{1000 + k}", contrast=f"SLE_vs_healthy_GSE{1000 + k}"))
    comparisons = pd.concat(frames)
    meta = meta_analysis(comparisons[comparisons["method"] == "ssgsea"])
    assert_clean(forest_plot(meta, comparisons, method="ssgsea")[0])


def test_single_cell_figures_are_readable():
    rng = np.random.default_rng(3)
    n = 6000  # the suite tests single cell at 5,000+ cells
    cell_types = [f"cell type {i}" for i in range(14)] + ["CD14+ monocytes", "plasmacytoid dendritic cells"]
    obs = pd.DataFrame(
        {
            "cell_type": rng.choice(cell_types, n),
            "group": rng.choice(["ctrl", "stim"], n),
            "donor": rng.choice([f"donor_{i}" for i in range(8)], n),
        },
        index=[f"cell{i}" for i in range(n)],
    )
    obs["sample"] = obs["donor"] + "_" + obs["group"]
    names = _names(8)
    values = pd.DataFrame(rng.normal(size=(n, 8)), index=obs.index, columns=names)
    scores = tidy(values, "ucell")
    coords = pd.DataFrame(rng.normal(size=(n, 2)), index=obs.index, columns=["umap1", "umap2"])
    assert_clean(
        embedding_plot(coords, scores, method="ucell", signatures=names[:6], obs=obs, cell_type="cell_type")[
            0
        ]
    )
    assert_clean(score_dotplot(scores, obs, method="ucell", cell_type="cell_type")[0])
    assert_clean(score_violins(scores, obs, method="ucell", cell_type="cell_type", signatures=names[:3])[0])
    design = Design(target="stim", reference="ctrl", pair_by="donor")
    table, units = compare_cells(scores, obs, design, replicate="sample", split_by="cell_type", with_units=True)
    assert_clean(
        donor_plot(units, table, method="ucell", replicate="sample", pair_by="donor", signatures=names[:3])[0]
    )


def test_save_figure_checks_the_layout_of_the_png_it_draws(tmp_path, caplog):
    """The check measures the first draw (no extra draw): what layout_problems finds on a
    fresh draw, save_figure warns about, in every format combination."""
    import logging

    from cytoscore.pl import save_figure
    from cytoscore.pl._style import figure

    def broken():
        fig = figure("single", 40)
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "overlapping one", fontsize=7)
        ax.text(0.52, 0.5, "overlapping two", fontsize=7)
        ax.text(0.1, 0.1, "tiny", fontsize=4)
        ax.set_axis_off()
        return fig

    expected = layout_problems(broken())
    assert len(expected) == 2 and "overlap" in expected[1]
    for formats in (["svg", "pdf", "png"], ["png"], ["svg"]):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            save_figure(broken(), tmp_path / "f", formats=formats, dpi=300)
        warned = [r.getMessage() for r in caplog.records if "layout problem" in r.getMessage()]
        assert len(warned) == 1 and "2 layout problem(s)" in warned[0], (formats, warned)
        assert all(p.split(" (")[0] in warned[0] for p in expected)


def test_panels_sharing_y_keep_their_edge_tick_labels_apart(tmp_path, caplog):
    # zolotarovgl/ifng2018 (tests/reference/figures): "2.5" of one panel ran into "−0.2" of the
    # next, as the run saved it (layout fixed by the SVG, checked on the 300-dpi PNG)
    from cytoscore.pl import save_figure

    table = pd.read_csv(ROOT / "tests" / "reference" / "figures" / "ifng2018_IFNg_vs_control.comparison.tsv", sep="\t")
    for effect in ("mean_difference", "hedges_g"):
        fig, source = contrast_effects_plot(table, effect=effect)
        with caplog.at_level("WARNING", logger="cytoscore"):
            save_figure(fig, tmp_path / effect, formats=["svg", "png"], source_data=source)
    assert "layout problem" not in caplog.text, caplog.text


def test_the_check_measures_what_a_draw_draws():
    """Labels under 7 pt are named as labels (tick labels, legend text, axis labels); what a
    draw leaves out is not measured (an axes with its axis off, a hidden axes, a tick outside
    the view); and measuring makes no tick."""
    from cytoscore.pl._style import figure

    fig = figure("single", 60)
    ax, off, hidden, bare = fig.subplots(1, 4)
    ax.plot([0, 1], [0, 1], label="a legend entry")
    ax.set_xticks([0, 1, 5])  # 5 lies outside the view: not drawn
    ax.set_xlim(-0.1, 1.1)
    ax.set_yticks([0, 1], ["low", "high"])
    ax.tick_params(labelsize=6)
    ax.legend(fontsize=6)
    ax.set_ylabel("y", fontsize=6)
    off.set_xticks(range(40), ["overlapping tick"] * 40)  # drawn by no one: the axis is off
    off.set_axis_off()
    hidden.set_title("a hidden title", fontsize=3)
    hidden.set_visible(False)
    bare.plot(range(50))
    bare.set_axis_off()
    problems = layout_problems(fig)
    assert sorted(p.split(" at ")[0] for p in problems) == sorted(
        ["label '0'", "label '1'", "label 'low'", "label 'high'", "label 'a legend entry'", "label 'y'"]
    ), problems
    assert len(bare.xaxis.majorTicks) <= 1, "the check made the ticks of an axes whose axis is off"


def test_cell_texts_sit_where_texts_centred_on_their_cells_sit(tmp_path):
    """CellTexts (a heatmap's numbers, drawn as one artist) places and measures each string as
    matplotlib places a Text with ha=va="center": the same boxes on Agg and the same baselines
    in the SVG; the layout check sees them (an overlap between two of them is found)."""
    import re

    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from cytoscore.pl._celltexts import CellTexts
    from cytoscore.pl._style import STYLE, figure

    cells = [(0, 0, "-0.13***", "white"), (1, 0, "0.5", "black"), (2, 1, "°", "black"), (3, 2, "12*", "black"), (1, 2, "gyp", "black")]

    def heatmap(cell_texts: bool):
        with mpl.rc_context(STYLE):
            fig = figure("single", 40)
            ax = fig.add_subplot()
            ax.imshow(np.arange(12.0).reshape(3, 4), cmap="RdBu_r")
            if cell_texts:
                x, y, texts, colours = zip(*cells, strict=True)
                CellTexts(ax, np.column_stack([x, y]), texts, colours, fontsize=6)
            else:
                for x, y, text, colour in cells:
                    ax.text(x, y, text, ha="center", va="center", fontsize=6, color=colour)
        return fig

    texts, artist = heatmap(False), heatmap(True)
    boxes = []
    for fig in (texts, artist):
        canvas = FigureCanvasAgg(fig)
        with mpl.rc_context(STYLE):
            canvas.draw()
        renderer = canvas.get_renderer()
        ax = fig.axes[0]
        boxes.append([b.extents for a in ax.artists for _, _, b in a.text_boxes(renderer)] or [t.get_window_extent(renderer).extents for t in ax.texts])
    np.testing.assert_allclose(boxes[1], boxes[0], atol=1e-6)
    baselines = []
    for name, fig in (("texts", texts), ("artist", artist)):
        with mpl.rc_context(STYLE):
            fig.savefig(tmp_path / f"{name}.svg")
        svg = (tmp_path / f"{name}.svg").read_text()
        found = {
            body: float(m[1] or m[2])
            for m in re.finditer(r'<text [^>]*?(?:y="([\d.]+)"|translate\([\d.]+ ([\d.]+)\))[^>]*>([^<]*)</text>', svg)
            for body in [m[3]]
        }
        baselines.append([found[text] for *_, text, _ in cells])
    np.testing.assert_allclose(baselines[1], baselines[0], atol=1e-4)
    assert re.search(r'<text style="[^"]*fill: #ffffff[^>]*>-0.13\*\*\*</text>', svg)  # each its own colour
    crowded = heatmap(True)
    crowded.axes[0].artists[0]._xy[1] = crowded.axes[0].artists[0]._xy[0] + [0.2, 0]
    assert any("'-0.13***' and '0.5' overlap" in p for p in layout_problems(crowded))
