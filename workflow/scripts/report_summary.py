"""Adapter for rule report_summary: the report's first page (the answer, the key contrasts,
the datasets and their provenance), included by workflow/report/workflow.rst."""

import json

import pandas as pd

from cytoscore import script_logging
from cytoscore._labels import use_labels
from cytoscore._report import landing_page
from cytoscore._utils import atomic_path

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    comparisons = pd.read_csv(sm.input.comparisons, sep="\t") if sm.input.get("comparisons") else None
    provenances = {
        name: json.loads(open(path).read()) for name, path in zip(sm.params.datasets, sm.input.provenance, strict=True)
    }
    text = landing_page(
        comparisons,
        provenances,
        method=sm.params.method,
        methods=sm.params.methods,
        signatures=sm.params.signatures,
        figure=sm.input.get("figure"),
    )
    with atomic_path(sm.output.rst) as tmp:
        tmp.write_text(text)
