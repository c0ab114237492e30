"""Adapter for rule load: any dataset kind -> AnnData indexed by gene symbol."""

from cytoscore import script_logging
from cytoscore.io import load_dataset, write_h5ad

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    files = {k: v for k, v in sm.input.items() if k != "code"}
    write_h5ad(load_dataset(sm.params.kind, files, sm.params.options), sm.output[0])
