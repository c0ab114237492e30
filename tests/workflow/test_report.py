"""The Snakemake report as a reader sees it: opened in headless Chromium (Debian's package),
no page errors, and a figure shown when its eye icon is clicked (screenshot checked)."""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest
from helpers import ROOT, SNAKEMAKE

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
    for name in ("boxplot_ssgsea.svg", "heatmap_mean_z.svg", "volcano.svg", "ifn_score.svg",
                 "effect_sizes_ssgsea.svg", "comparison.tsv", "provenance.json"):  # fmt: skip
        assert name in html, name


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
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(report.as_uri())
        for category in ("Contrasts", "GSE55235", "Gene sets", "Summary"):  # the menu lists our categories
            assert page.get_by_text(category, exact=True).count() >= 1, category
        page.get_by_text("Summary", exact=True).click()
        page.get_by_text("ssgsea", exact=True).click()
        row = page.get_by_text("effect sizes", exact=True).locator("xpath=ancestor::tr[1]")
        row.locator("a[iconname=eye]").click()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shot))
        body = page.inner_text("body")
        browser.close()
    assert not errors, errors
    image = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert image.shape[:2] == (1000, 1400)
    main = image[:, 400:]  # right of the menu: the figure
    coloured = int((np.abs(main - main.mean(axis=2, keepdims=True)).sum(axis=2) > 60).sum())
    # the effect-size heatmap's 16 red/blue cells cover ~30,000 pixels at this size
    assert coloured > 15_000, f"only {coloured} coloured pixels: the heatmap did not render"
    assert "effect sizes" in body
