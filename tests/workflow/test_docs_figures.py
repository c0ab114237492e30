"""docs/figures/ is what docs/make_figures.py makes from a fresh run: the same PNG bytes and
the same captions (whose numbers it reads from the run's tables)."""

import hashlib
import subprocess
import sys

from helpers import ROOT, needs_shared

SCRIPT = ROOT / "docs" / "make_figures.py"
DOCS = ROOT / "docs" / "figures"


def _made(tmp_path, option, results):
    out = tmp_path / option
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), f"--{option}", str(results), "--out", str(out)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def _assert_current(out):
    made = sorted(p.name for p in out.glob("*.png"))
    assert made
    committed = DOCS / "README.md"
    rows = [line for line in (out / "README.md").read_text().splitlines() if line.startswith("| `")]
    stale = [r for r in rows if r not in committed.read_text().splitlines()]
    assert not stale, f"docs/figures/README.md is stale; rerun docs/make_figures.py: {stale}"
    for name in made:  # digests: pytest's diff of two differing PNGs ran for minutes
        committed_digest = hashlib.sha256((DOCS / name).read_bytes()).hexdigest()
        assert committed_digest == hashlib.sha256((out / name).read_bytes()).hexdigest(), (
            f"docs/figures/{name} differs from a fresh run; rerun python docs/make_figures.py"
        )


def test_default_study_figures_are_current(default_run, tmp_path):
    _assert_current(_made(tmp_path, "default", default_run / "results"))


@needs_shared
def test_single_cell_figures_are_current(cells_run, tmp_path):
    _assert_current(_made(tmp_path, "cells", cells_run / "results"))
