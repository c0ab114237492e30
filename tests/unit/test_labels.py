"""The label map: every name a figure shows, with the config's overrides, and group colours
fixed per dataset whatever figure draws them."""

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from helpers import tidy
from matplotlib.colors import to_hex

from cytoscore._labels import METHOD_LABELS, contrast_label, group_colors, short_label
from cytoscore.pl import ifn_score_plot, score_correlation, score_heatmap, signature_boxplot, use_labels
from cytoscore.pl._summary import contrast_effects_plot
from cytoscore.tl import METHODS, Design, compare_groups


def test_method_labels_are_the_methods_own():
    assert set(METHOD_LABELS) == set(METHODS)  # every registered method has its label, no stray one
    assert METHODS["ulm"].label == "ulm (weighted)"


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("HALLMARK_INTERFERON_ALPHA_RESPONSE", "IFN-α response"),
        ("HALLMARK_TNFA_SIGNALING_VIA_NFKB", "TNF-α signalling via NF-κB"),
        ("HALLMARK_TGF_BETA_SIGNALING", "TGF-β signalling"),
        ("HALLMARK_UNFOLDED_PROTEIN_RESPONSE", "unfolded protein response"),
        ("HALLMARK_DNA_REPAIR", "DNA repair"),
        ("HALLMARK_KRAS_SIGNALING_DN", "KRAS signalling down"),
        ("REACTOME_INTERFERON_ALPHA_BETA_SIGNALING", "IFN-α/β signalling"),
        ("GO_RESPONSE_TO_INTERFERON_GAMMA", "response to IFN-γ"),
        ("PROGENY_JAK_STAT", "JAK-STAT (PROGENy)"),
        ("CYTOSIG_IFNG", "IFNG (CytoSig)"),
        ("JAKSTAT_CORE", "JAK/STAT core"),
        ("GO_REGULATION_OF_TYPE_I_INTERFERON_MEDIATED_SIGNALING_PATHWAY", "regulation of TYPE I IFN me…"),
    ],
)
def test_signature_labels(name, label):
    assert short_label(name) == label


def test_config_overrides_every_kind_of_name():
    rng = np.random.default_rng(0)
    obs = pd.DataFrame({"group": ["healthy"] * 5 + ["SLE"] * 5}, index=[f"s{i}" for i in range(10)])
    values = pd.DataFrame(
        {
            "HALLMARK_INTERFERON_ALPHA_RESPONSE": rng.normal(size=10) + np.r_[[0] * 5, [2] * 5],
            "JAKSTAT_CORE": rng.normal(size=10),
        },
        index=obs.index,
    )
    scores = tidy(values, "ssgsea")
    comparison = compare_groups(scores, obs, Design(target="SLE", reference="healthy", name="SLE_vs_healthy"))
    assert contrast_label("SLE_vs_healthy") == "SLE vs healthy"
    plots = {
        "labels": {
            "signatures": {"HALLMARK_INTERFERON_ALPHA_RESPONSE": "type I IFN (Hallmark)"},
            "methods": {"ssgsea": "single-sample GSEA"},
            "groups": {"SLE": "lupus"},
            "contrasts": {"SLE_vs_healthy": "lupus vs healthy donors"},
        }
    }
    with use_labels(plots):
        fig, _ = contrast_effects_plot(comparison)
        texts = {t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))}
        assert {"type I IFN (Hallmark)", "single-sample GSEA", "lupus vs healthy donors (n = 5 vs 5)"} <= texts
        assert "difference of means (95% CI)\nin single-sample GSEA units" in texts
        fig, _ = signature_boxplot(scores, obs["group"], comparison, method="ssgsea")
        texts = {t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))}
        assert "lupus\n(n=5)" in texts and "score (single-sample GSEA)" in texts and "lupus vs healthy" in texts
        assert not any("ssgsea" in t or "SLE_vs" in t or "HALLMARK_" in t for t in texts)
    # the block's labels end with it: the next figure is drawn with the defaults again
    assert contrast_label("SLE_vs_healthy") == "SLE vs healthy"
    assert short_label("HALLMARK_INTERFERON_ALPHA_RESPONSE") == "IFN-α response"


def test_group_colours_are_fixed_by_the_dataset_order_in_every_figure():
    """A contrast draws 2 of 3 groups; the third group keeps its colour, and configured
    colours win."""
    rng = np.random.default_rng(1)
    order = ["healthy", "RA", "OA"]
    obs = pd.DataFrame({"group": np.repeat(order, 6)}, index=[f"s{i}" for i in range(18)])
    values = pd.DataFrame(
        rng.normal(size=(18, 2)), index=obs.index, columns=["IFN_TYPE1_SPECIFIC", "IFN_GAMMA_SPECIFIC"]
    )
    scores = tidy(values, "ssgsea")
    comparison = compare_groups(scores, obs, Design(target="OA", reference="healthy", name="OA_vs_healthy"))
    expected = group_colors(order)
    assert list(expected.values())[:3] == ["#0072B2", "#E69F00", "#009E73"]

    def colours_of(fig):
        out = set()
        for c in fig.findobj(lambda a: hasattr(a, "get_facecolor")):
            face = c.get_facecolor()
            faces = face if np.ndim(face) == 2 else [face]
            out |= {to_hex(f, keep_alpha=False).upper() for f in faces if len(f) == 4 and f[3] > 0}
        return out

    box = colours_of(
        signature_boxplot(scores, obs["group"], comparison, method="ssgsea", group_order=order)[0]
    )
    assert expected["OA"] in box and expected["RA"] not in box  # OA green, as in the other figures
    heat = colours_of(score_heatmap(scores, obs, method="ssgsea", group_order=order)[0])
    corr = colours_of(
        score_correlation(
            scores,
            obs["group"],
            x="IFN_TYPE1_SPECIFIC",
            y="IFN_GAMMA_SPECIFIC",
            method="ssgsea",
            group_order=order,
        )[0]
    )
    table = pd.DataFrame(
        {
            "observation": obs.index,
            "group": obs["group"],
            "ifn_score": 1.0 + rng.random(18),
            "threshold": 1.5,
            "positive": False,
        }
    )
    ifn = colours_of(ifn_score_plot(table, group_order=order)[0])
    for colours in (heat, corr, ifn):
        assert set(expected.values()) <= colours
    with use_labels({"group_colors": {"OA": "#000000"}}):
        box = colours_of(
            signature_boxplot(scores, obs["group"], comparison, method="ssgsea", group_order=order)[0]
        )
        assert "#000000" in box and expected["OA"] not in box
        assert group_colors(order) == {"healthy": "#0072B2", "RA": "#E69F00", "OA": "#000000"}
    assert group_colors(order) == expected


def test_method_encodings_never_use_a_group_colour():
    from cytoscore._labels import OKABE_ITO, method_style

    styles = method_style(list(METHOD_LABELS))
    assert len({s["marker"] for s in styles.values()}) == len(styles)  # one marker each
    assert not {s["facecolor"].upper() for s in styles.values()} & {c.upper() for c in OKABE_ITO}


def test_group_order_and_colours_at_their_edges():
    from cytoscore._labels import OKABE_ITO, ordered_groups

    # a numeric group order (as YAML reads 1, 2) matches the groups as text
    assert ordered_groups([2, 1], ["1", "2", "3"]) == ["2", "1", "3"]
    # every palette colour configured for a group: an unconfigured group still gets one
    plots = {"group_colors": {f"g{i}": c for i, c in enumerate(OKABE_ITO)}}
    with use_labels(plots):
        colours = group_colors([*plots["group_colors"], "extra"])
    assert colours["extra"] not in OKABE_ITO and colours["g0"] == OKABE_ITO[0]


def test_nine_groups_get_nine_colours_and_more_than_fifteen_are_warned(caplog):
    """A panel of 8 stimulations and its control: 9 groups, 9 colours (the 9th took the 1st's
    colour before), any two at least 25 CIELAB ΔE apart. Past the 16, colours repeat, with a
    WARNING."""
    from cytoscore._labels import MORE_GROUP_COLOURS, OKABE_ITO

    nine = group_colors([*(f"IL{i}" for i in range(8)), "control"])
    assert len(set(nine.values())) == 9 and nine["control"] == MORE_GROUP_COLOURS[0]
    palette = [*OKABE_ITO, *MORE_GROUP_COLOURS]
    linear = np.array([mpl.colors.to_rgb(c) for c in palette])
    linear = np.where(linear > 0.04045, ((linear + 0.055) / 1.055) ** 2.4, linear / 12.92)
    xyz = linear @ np.array([[0.4124, 0.2126, 0.0193], [0.3576, 0.7152, 0.1192], [0.1805, 0.0722, 0.9505]])
    xyz /= [0.95047, 1.0, 1.08883]  # D65 white
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    lab = np.column_stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])])
    delta = np.linalg.norm(lab[:, None] - lab[None], axis=2)[np.triu_indices(len(lab), 1)]
    assert delta.min() >= 25 and round(float(np.linalg.norm(lab[0] - lab[4])), 1) == 26.4  # Okabe–Ito's blues
    with caplog.at_level("WARNING", logger="cytoscore"):
        many = group_colors([f"donor{i}" for i in range(18)])
    assert len(set(many.values())) == 16
    assert "2 groups share a colour" in caplog.text and "donor16, donor17" in caplog.text
