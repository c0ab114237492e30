"""Adapter for rule load_geo: series matrix + platform table -> gene-level AnnData."""

import json

from cytoscore import script_logging
from cytoscore.io import read_geo_series, write_h5ad
from cytoscore.pp import collapse_probes

with script_logging(snakemake.log[0]):  # noqa: F821
    sm = snakemake  # noqa: F821
    records = {}
    for name, path in (("series_matrix", sm.input.matrix_record), ("platform", sm.input.platform_record)):
        with open(path) as handle:
            records[name] = json.load(handle)
    probes = read_geo_series(
        sm.input.matrix, sm.input.platform, symbol_column=sm.params.symbol_column, sources=records
    )
    genes = collapse_probes(probes, multi_gene=sm.params.multi_gene, collapse=sm.params.collapse)
    write_h5ad(genes, sm.output[0])
