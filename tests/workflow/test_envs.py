"""The conda environment of the rules pins the same versions as the pip install of the README."""

import tomllib

import yaml
from helpers import ROOT


def pins(requirements):
    out = {}
    for req in requirements:
        name, _, version = req.partition("==")
        assert version, f"not pinned exactly: {req}"
        out[name.lower()] = version
    return out


def test_conda_env_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_pins = pins(project["dependencies"])
    env = yaml.safe_load((ROOT / "envs" / "cytoscore.yaml").read_text())
    conda_pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    env_pins = pins(conda_pip)
    assert "python=3.11" in env["dependencies"]
    for name, version in env_pins.items():
        assert pip_pins.get(name) == version, f"{name}: envs {version} vs pyproject {pip_pins.get(name)}"
    analysis = {"anndata", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn", "scanpy"}
    assert analysis <= set(env_pins)
