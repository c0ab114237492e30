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


def test_a_new_bulk_kind_is_one_registry_entry_for_the_package(tmp_path, monkeypatch):
    """The worked example of docs/pipeline.md: a toy kind (a genes x samples table of log2
    values in JSON) needs its registry entry and reader; loading, normalization and the route
    follow from it. The workflow needs two more places, each checked against the registry:
    the schema's enum (test above) and inputs.smk's KIND_INPUTS (the Snakefile stops on a
    mismatch): three files in all."""
    import anndata as ad

    from cytoscore.io import DatasetKind

    def read_json_table(files, options):
        table = pd.read_json(files["expression"])
        return ad.AnnData(X=table.T.to_numpy(), obs=pd.DataFrame(index=table.columns.astype(str)),
                          var=pd.DataFrame(index=table.index.astype(str)))  # fmt: skip

    toy = DatasetKind("json_table", "bulk", "expression", "samples", "genes", read_json_table,
                      "a genes x samples JSON table of log2 values")  # fmt: skip
    monkeypatch.setitem(KINDS, "json_table", toy)
    rng = np.random.default_rng(1)
    values = pd.DataFrame(rng.normal(8, 1, (30, 4)), index=[f"G{i}" for i in range(30)], columns=list("abcd"))
    path = tmp_path / "expression.json"
    values.to_json(path)
    adata = load_dataset("json_table", {"expression": path}, {})
    assert adata.shape == (4, 30) and list(adata.obs["sample"]) == list("abcd")  # bulk samples carry their ID
    out = normalize_dataset(adata, kind="json_table")  # scale "expression": already log2, kept
    np.testing.assert_allclose(out.X, values.T.to_numpy(), rtol=1e-6)
    assert not dataset_kind("json_table").cells


def test_no_code_outside_the_registry_compares_kind_names():
    kinds = "|".join(KINDS)
    compared = re.compile(rf"""(==|!=)\s*["']({kinds})["']|\bin\s*[(\[{{]\s*["']({kinds})["']\s*,\s*["']({kinds})["']""")
    assert compared.search('if ds["kind"] == "single_cell":') and compared.search('kind in ("table", "rnaseq_counts")')
    offenders = []
    for path in [*(ROOT / "workflow").rglob("*.py"), *(ROOT / "workflow" / "rules").glob("*.smk")]:
        if path.name == "_kinds.py":
            continue
        offenders += [f"{path.relative_to(ROOT)}:{i}" for i, line in enumerate(path.read_text().splitlines(), 1)
                      if compared.search(line)]  # fmt: skip
    assert not offenders, offenders
