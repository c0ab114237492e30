"""The Snakemake report as a reader sees it: opened in headless Chromium (Debian's package),
no page errors, and a figure shown when its eye icon is clicked (screenshot checked)."""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, SNAKEMAKE

from cytoscore._labels import method_label

pytestmark = pytest.mark.workflow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def report(default_run):
    proc = subprocess.run(
        [*SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--configfile", str(default_run / "test_config.yaml"),
         "--report", "report.html"],
        cwd=default_run, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return default_run / "report.html"


def test_report_contents(report):
    html = report.read_text()
    assert len(html) > 100_000
    for name in ("boxplot_ssgsea.svg", "heatmap_mean_z.svg", "effects.svg", "ifn_score.svg",
                 "effect_sizes_ssgsea.svg", "comparison.tsv", "provenance.json"):  # fmt: skip
        assert name in html, name
    # docutils renders a broken caption or page as a "System Message" box: none may appear
    assert "System Message" not in html and "system-message" not in html


def test_report_renders_in_chromium(report, tmp_path):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed: ./cytoscore test installs it as root")
        pytest.skip("needs Debian's chromium: sudo apt-get install chromium (./cytoscore test installs it when it may)")
    from PIL import Image
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    shot = tmp_path / "report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(report.as_uri())
        for category in ("Contrasts", "GSE55235", "Gene sets", "Summary"):  # the menu lists our categories
            assert page.get_by_text(category, exact=True).count() >= 1, category
        page.get_by_text("Summary", exact=True).click()
        # the first page opens on the answer: the key-contrast table with a column per scoring
        # method, its header and first rows on the first 1400 x 900 screen; then the study
        # summary at full width
        methods = pd.read_csv(report.parent / "results" / "comparisons.tsv", sep="\t")["method"].unique()
        assert len(methods) >= 2
        for label in [*(method_label(m) for m in methods), "methods agree", "n per group"]:
            cell = page.locator("th", has_text=label).first.bounding_box()
            assert cell is not None and cell["y"] + cell["height"] < 900 and cell["x"] + cell["width"] <= 1400, label
        first_row = page.locator("td", has_text="IFN-α response").first.bounding_box()
        assert first_row is not None and first_row["y"] + first_row["height"] < 900
        summary = page.locator("img.cytoscore-summary")
        box = summary.bounding_box()
        main_width = page.evaluate("() => document.querySelector('div.prose').getBoundingClientRect().width")
        assert box is not None and box["width"] >= 0.95 * main_width > 900
        landing = page.inner_text("body")
        order = ["The answer", "Key contrasts", "Every signature", "Datasets and provenance"]
        assert [landing.index(t) for t in order] == sorted(landing.index(t) for t in order)
        assert "RA vs healthy\tIFN-α response" in landing and "GSE55235_series_matrix.txt.gz (sha256 a9d2ad2cc673" in landing
        # the menu's method switch (the first "ssGSEA"; the key-contrast table has a column of that name)
        page.get_by_text("ssGSEA", exact=True).first.click()
        row = page.get_by_text("effect sizes", exact=True).locator("xpath=ancestor::tr[1]")
        row.locator("a[iconname=eye]").click()
        page.wait_for_timeout(1500)
        shown = page.locator("div.p-3 > img").first.bounding_box()  # fits the pane (report.css)
        pane = page.evaluate("() => document.querySelector('div.p-3 > img').parentElement.clientWidth")
        assert shown is not None and shown["width"] >= 0.9 * (pane - 24) and shown["height"] <= 900
        page.screenshot(path=str(shot))
        body = page.inner_text("body")
        browser.close()
    assert not errors, errors
    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert image.shape[:2] == (900, 1400)
    main = image[:, 400:]  # right of the menu: the figure
    coloured = int((np.abs(main - main.mean(axis=2, keepdims=True)).sum(axis=2) > 60).sum())
    # the effect-size heatmap's 16 red/blue cells cover ~30,000 pixels at this size
    assert coloured > 15_000, f"only {coloured} coloured pixels: the heatmap did not render"
    assert "effect sizes" in body
