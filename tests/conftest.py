"""Shared fixtures. Tests read public data from ../shared (see ../shared/README.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
# Test the package of this checkout even if another copy is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))

from helpers import EDGER_CORE_SETS, SHARED, example, run_workflow  # noqa: E402


def pytest_configure(config):
    if not SHARED.is_dir() and os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI runs every test: the public datasets of {SHARED} are missing")


@pytest.fixture
def shared() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def default_run(tmp_path_factory) -> Path:
    """The default study, run once through the mirror (shared by the tests that read it)."""
    workdir = tmp_path_factory.mktemp("default_study")
    run_workflow(workdir)
    return workdir


@pytest.fixture(scope="session")
def rnaseq_run(tmp_path_factory) -> Path:
    """config/examples/GSE161664_rnaseq_counts.yaml, plus a GMT of the genes in R edgeR's
    reference output (tests/biology recomputes those scores from R's numbers)."""
    workdir = tmp_path_factory.mktemp("rnaseq_example")
    gmt = workdir / "edger_core.gmt"
    gmt.write_text("".join(f"{name}\ttest\t" + "\t".join(genes) + "\n" for name, genes in EDGER_CORE_SETS.items()))
    config = example("GSE161664_rnaseq_counts")
    config["gene_sets"]["collections"]["edger_core"] = {"path": str(gmt), "version": "test"}
    config["gene_sets"]["select"] += list(EDGER_CORE_SETS)
    run_workflow(workdir, config)
    return workdir


@pytest.fixture(scope="session")
def cells_run(tmp_path_factory) -> Path:
    """config/examples/kang2018_single_cell.yaml, run once."""
    workdir = tmp_path_factory.mktemp("cells_example")
    run_workflow(workdir, example("kang2018_single_cell"))
    return workdir
