"""Helpers to run the Snakemake workflow in a temporary working directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_workflow


@pytest.fixture(scope="session")
def default_run(tmp_path_factory) -> Path:
    """The default study, run once through the mirror (shared by the tests that read it)."""
    workdir = tmp_path_factory.mktemp("default_study")
    run_workflow(workdir)
    return workdir
