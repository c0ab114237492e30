"""Shared fixtures. Tests read public data from ../shared (see ../shared/README.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
# Test the package of this checkout even if another copy is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))

from helpers import MIRROR, SHARED, run_workflow  # noqa: E402


def pytest_configure(config):
    if not MIRROR.is_dir():
        raise pytest.UsageError(
            f"the shared data folder {SHARED} is missing; tests read public data from ../shared"
        )


@pytest.fixture
def shared() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def default_run(tmp_path_factory) -> Path:
    """The default study, run once through the mirror (shared by the tests that read it)."""
    workdir = tmp_path_factory.mktemp("default_study")
    run_workflow(workdir)
    return workdir
