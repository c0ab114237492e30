"""Adapter for rule preflight: one screen per dataset of what a run will find (cytoscore._preflight)."""

import logging
import sys

from cytoscore import InputError, script_logging
from cytoscore._preflight import preflight_dataset
from cytoscore.io import refetch_advice
from cytoscore.resources import read_gene_set_table

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    files = {k: v for k, v in sm.input.items() if k not in ("code", "table", "gene_sets")}
    p = sm.params
    report = preflight_dataset(
        sm.wildcards.dataset, kind=p.kind, files=files, options=p.options, normalize=p.normalize,
        groups={**p.groups, "compared": p.compared}, derive=p.derive, contrasts=p.contrasts,
        gene_sets=read_gene_set_table(sm.input.gene_sets), select=p.select, min_genes=p.min_genes,
        min_coverage=p.min_coverage, allow_missing=p.allow_missing, columns=p.columns,
    )  # fmt: skip
    # a damaged download is named with the rm that fetches it again
    report.errors = [e + (f" {a}" if (a := refetch_advice(sm.input, e)) else "") for e in report.errors]
    screen = report.screen()
    print("\n".join(f"preflight: {line}" for line in screen.splitlines()), file=sys.stderr, flush=True)
    logging.getLogger("cytoscore").info("preflight:\n%s", screen)
    if report.errors:
        raise InputError(f"the preflight of {sm.wildcards.dataset} found {len(report.errors)} problem(s), listed above")
    with open(sm.output[0], "w") as out:
        out.write(screen + "\n")
