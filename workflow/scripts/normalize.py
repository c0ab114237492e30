"""Adapter for rule normalize: log2 decision and optional quantile normalization."""

from cytoscore import script_logging
from cytoscore.io import read_h5ad, write_h5ad
from cytoscore.pp import normalize_expression

with script_logging(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    adata = normalize_expression(read_h5ad(sm.input.adata), log2=sm.params.log2, quantile=sm.params.quantile)
    write_h5ad(adata, sm.output[0])
