"""The release metadata agree: one version (cytoscore.__version__, read by pyproject.toml),
named at the top of CHANGELOG.md and recorded by the installed distribution; a licence file
that matches pyproject's; the workflow catalog's usage file."""

import importlib.metadata
import re

import yaml
from helpers import ROOT

import cytoscore


def test_one_version_everywhere():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and 'attr = "cytoscore.__version__"' in pyproject
    assert not re.search(r'^version\s*=\s*"', pyproject, flags=re.M)  # no literal version: not written twice
    first = re.search(r"^## (\d+\.\d+\.\d+)", (ROOT / "CHANGELOG.md").read_text(), flags=re.M)
    assert first and first.group(1) == cytoscore.__version__
    assert importlib.metadata.version("cytoscore") == cytoscore.__version__


def test_licence_and_catalog():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()
    usage = yaml.safe_load((ROOT / ".snakemake-workflow-catalog.yml").read_text())["usage"]
    assert usage["software-stack-deployment"]["conda"] is True and usage["report"] is True
    assert "--configfile" in usage["mandatory-flags"]["flags"]


def test_a_package_of_another_version_is_refused(tmp_path):
    from cytoscore._config import ConfigError, check_package

    init = tmp_path / "__init__.py"
    init.write_text('__version__ = "9.9.9"\n')
    try:
        check_package(init)
    except ConfigError as error:
        assert f"rules are cytoscore 9.9.9 but the installed package is {cytoscore.__version__}" in str(error)
    else:
        raise AssertionError("no error")
    init.write_text(f'__version__ = "{cytoscore.__version__}"\n')
    check_package(init)
