"""Adapter for rule provenance: what was done to a dataset, with software versions."""

from cytoscore import dataset_provenance, script_logging
from cytoscore.io import read_h5ad, write_json
from cytoscore.resources import read_gene_set_table

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    write_json(
        dataset_provenance(read_h5ad(sm.input.adata, backed=True), read_gene_set_table(sm.input.gene_sets)),
        sm.output[0],
    )
