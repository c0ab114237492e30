"""Adapter for rule prepare: a bulk dataset's files -> AnnData by gene symbol (load), derived
columns and groups, its technology's normalization, and the sample table. One job, so
the dataset is read and written once (these were three jobs of about 1 s of start-up each)."""

from cytoscore import script_logging
from cytoscore.io import refetch_hint, write_h5ad, write_table
from cytoscore.pp import (
    assign_groups,
    check_contrast_units,
    derive_columns,
    load_genes,
    normalize_dataset,
    sample_table,
)

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    files = {k: v for k, v in sm.input.items() if k not in ("code", "table")}
    with refetch_hint(sm.input):
        adata = load_genes(sm.params.kind, files, sm.params.options)
    groups = sm.params.groups
    # groups first: the expression filter keeps a gene expressed in one group only (edgeR's
    # filterByExpr(group=)), and excluded samples take no part in the normalization
    adata = assign_groups(
        derive_columns(adata, sm.params.derive),
        column=groups["column"],
        patterns=groups["patterns"],
        table=groups["table"],
        exclude=groups["exclude"] or (),
        compared=sm.params.compared,
        dialect=groups["dialect"],
        others=groups["others"],
    )
    adata = normalize_dataset(adata, kind=sm.params.kind, options=sm.params.normalize)
    check_contrast_units(adata.obs, sm.params.contrasts)
    write_table(sample_table(adata), sm.output.samples)
    write_h5ad(adata, sm.output.adata)
