"""The report's first page: the key-contrast table holds the comparison's numbers, the
directions follow the FDR, every name is a label, and docutils renders it without a message."""

import numpy as np
import pandas as pd
import pytest
from helpers import tidy

from cytoscore import InputError
from cytoscore._report import check_rst, key_contrast_table, landing_page
from cytoscore.tl import Design, compare_groups


@pytest.fixture
def comparisons():
    rng = np.random.default_rng(4)
    obs = pd.DataFrame({"group": ["healthy"] * 8 + ["SLE"] * 8}, index=[f"s{i}" for i in range(16)])
    up = np.r_[[0.0] * 8, [2.0] * 8]
    values = pd.DataFrame(
        {
            "HALLMARK_INTERFERON_ALPHA_RESPONSE": up + rng.normal(0, 0.5, 16),
            "HALLMARK_TNFA_SIGNALING_VIA_NFKB": -up + rng.normal(0, 0.5, 16),
            "JAKSTAT_CORE": rng.normal(0, 0.5, 16),
        },
        index=obs.index,
    )
    return compare_groups(
        tidy(values, "ssgsea"), obs, Design(target="SLE", reference="healthy", name="SLE_vs_healthy")
    )


def test_key_contrast_table_holds_the_comparison(comparisons):
    both = pd.concat([comparisons, comparisons.assign(method="mean_z")], ignore_index=True)
    # mean z disagrees on TNF-α: not significant there
    tnf = (both["method"] == "mean_z") & (both["signature"] == "HALLMARK_TNFA_SIGNALING_VIA_NFKB")
    both.loc[tnf, "fdr"] = 0.4
    table = key_contrast_table(
        both, methods=["ssgsea", "mean_z"], signatures=["JAKSTAT_CORE", "HALLMARK_INTERFERON_ALPHA_RESPONSE"]
    )
    # the key signatures, then TNF-α: significantly down by ssGSEA though not a key signature
    assert table["signature"].tolist() == ["JAK/STAT core", "IFN-α response", "TNF-α signalling via NF-κB"]
    row = comparisons.set_index("signature").loc["HALLMARK_INTERFERON_ALPHA_RESPONSE"]
    assert table.loc[1, "ssgsea"] == (
        f"up: Δ {row['mean_difference']:.2f} [{row['mean_difference_ci_low']:.2f}, {row['mean_difference_ci_high']:.2f}], "
        f"FDR {row['fdr']:.1e}"
    ).replace("-", "−").replace("e−", "e-")
    jak = comparisons.set_index("signature").loc["JAKSTAT_CORE"]
    assert table.loc[0, "ssgsea"].startswith("n.s.: Δ ") and f"FDR {jak['fdr']:.2g}" in table.loc[0, "ssgsea"]
    assert table.loc[2, "ssgsea"].startswith("down: ") and table.loc[2, "mean_z"].startswith("n.s.: ")
    assert table["methods agree"].tolist() == ["yes", "yes", "no"]
    assert table.loc[2, "notes"] == "significant here; not a key signature (plots.signatures)"
    assert (table["contrast"] == "SLE vs healthy").all() and (table["n"] == "8 vs 8").all()
    with pytest.raises(InputError, match="no row for the methods"):
        key_contrast_table(comparisons, methods=["gsva"], signatures=None)


def test_landing_page_renders_and_opens_on_the_answer(comparisons, tmp_path):
    figure = tmp_path / "summary.svg"
    figure.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>')
    provenance = {
        "steps": {
            "source": {"kind": "geo_series_matrix", "platform": "GPL96", "n_samples": 16, "title": "A *study*",
                       "files": {"series_matrix": {"file": "GSE1_series_matrix.txt.gz", "sha256": "ab" * 32, "source": "mirror"}}},
            "groups": {"counts": {"healthy": 8, "SLE": 8}},
        }
    }  # fmt: skip
    text = landing_page(comparisons, {"GSE1": provenance}, method="ssgsea", signatures=None, figure=figure)
    order = ["The answer", "Key contrasts", "data:image/svg+xml;base64,", "Datasets and provenance"]
    assert [text.index(t) for t in order] == sorted(
        text.index(t) for t in order
    )  # the table before the figure
    assert "data:image/svg+xml;base64," in text and max(map(len, text.splitlines())) < 500
    assert "GSE1_series_matrix.txt.gz (sha256 abababababab…, mirror)" in text
    assert r"A \*study\*" in text  # a title's markup characters are escaped
    from docutils.core import publish_parts

    html = publish_parts(text, writer="html")["html_body"]
    assert "system-message" not in html and "IFN-α response" in html
    # without contrasts: the datasets only
    assert "Key contrasts" not in landing_page(
        None, {"GSE1": provenance}, method="ssgsea", signatures=None, figure=None
    )


def test_check_rst_fails_on_any_docutils_message():
    check_rst("plain *emphasis* text", "x")
    with pytest.raises(InputError, match="x: docutils reports"):
        check_rst("a *broken emphasis", "x")


def test_a_bound_that_rounds_to_zero_is_not_negative_zero():
    """T84 cells (Sharma et al.), UCell, JAK/STAT core: the CI [-0.004, 0.04] read "[−0.00, 0.04]"."""
    from cytoscore._report import _fmt

    assert [_fmt(-0.004), _fmt(0.004), _fmt(-0.006), _fmt(float("nan"))] == ["0.00", "0.00", "-0.01", "NA"]
