"""Adapter for rule normalize: normalization chosen by the dataset's technology."""

from cytoscore import script_logging
from cytoscore.io import read_h5ad, write_h5ad
from cytoscore.pp import normalize_dataset

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    adata = normalize_dataset(read_h5ad(sm.input.adata), kind=sm.params.kind, options=sm.params.options)
    write_h5ad(adata, sm.output[0])
