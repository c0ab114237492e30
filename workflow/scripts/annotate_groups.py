"""Adapter for rule annotate_groups: derived columns, samples -> groups, and the sample table."""

from cytoscore import script_logging
from cytoscore.io import read_h5ad, write_h5ad, write_table
from cytoscore.pp import assign_groups, derive_columns, sample_table

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    options = sm.params.groups
    adata = derive_columns(read_h5ad(sm.input.adata), sm.params.derive)
    adata = assign_groups(
        adata,
        column=options["column"],
        patterns=options["patterns"],
        table=options["table"],
        exclude=options["exclude"] or (),
        compared=sm.params.compared,
    )
    write_table(sample_table(adata), sm.output.samples)
    write_h5ad(adata, sm.output.adata)
