"""Dataset kinds are a registry (cytoscore.io.KINDS): the schema, the workflow's input
functions, the loader and the normalization all follow it."""

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import ROOT

from cytoscore import InputError
from cytoscore.io import KINDS, dataset_kind, load_dataset
from cytoscore.pp import normalize_dataset

SCHEMA = yaml.safe_load((ROOT / "workflow" / "schemas" / "config.schema.yaml").read_text())


def test_the_schema_enum_is_the_registry():
    kind = SCHEMA["properties"]["datasets"]["additionalProperties"]["properties"]["kind"]
    assert kind["enum"] == list(KINDS)
    assert all(name in kind["description"] for name in KINDS)


def test_the_workflow_has_input_files_for_every_kind():
    common = (ROOT / "workflow" / "rules" / "inputs.smk").read_text()
    block = common[common.index("KIND_INPUTS = {"): common.index("}", common.index("KIND_INPUTS = {"))]
    assert set(re.findall(r'"(\w+)":', block)) == set(KINDS)


def test_every_kind_has_a_route_a_scale_and_a_reader():
    for spec in KINDS.values():
        assert spec.route in ("bulk", "cells") and spec.cells == (spec.route == "cells")
        assert spec.scale in ("expression", "counts", "cells") and spec.features in ("probes", "genes")
        assert callable(spec.read) and spec.description
    with pytest.raises(InputError, match=r"unknown dataset kind 'bulk_rnaseq'; kinds are \["):
        dataset_kind("bulk_rnaseq")


def test_a_kind_reads_and_normalizes_through_the_registry(tmp_path):
    rng = np.random.default_rng(0)
    values = pd.DataFrame(rng.gamma(2, 200, (40, 6)), index=[f"G{i}" for i in range(40)],
                          columns=[f"s{i}" for i in range(6)])  # fmt: skip
    path = tmp_path / "expression.tsv"
    values.rename_axis("gene").to_csv(path, sep="\t")
    adata = load_dataset("table", {"expression": path}, {})
    assert adata.shape == (6, 40)
    out = normalize_dataset(adata, kind="table")  # scale "expression": GEO2R's rule -> log2
    np.testing.assert_allclose(out.X, np.log2(values.T.to_numpy()), rtol=1e-6)
