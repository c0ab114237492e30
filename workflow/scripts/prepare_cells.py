"""Adapter for rule prepare_cells: single-cell counts -> groups, QC, normalized h5ad, cell table.

The counts are streamed in row chunks (cytoscore.pp.prepare_single_cell); only obs is held whole.
"""

from cytoscore import script_logging
from cytoscore.io import write_table
from cytoscore.pp import prepare_single_cell, sample_table

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    meta = prepare_single_cell(
        {k: v for k, v in sm.input.items() if k not in ("code", "preflight")},
        sm.output.adata,
        options=sm.params.options,
        normalize=sm.params.normalize,
        groups={**sm.params.groups, "compared": sm.params.compared, "contrasts": sm.params.contrasts},
        derive=sm.params.derive,
        chunk_size=sm.params.chunk_size,
        max_cells=sm.params.max_cells,
    )
    write_table(sample_table(meta), sm.output.samples)
