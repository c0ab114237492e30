"""Adapter for rule gene_sets: collections + curated sets -> the sets to score, and the
record of every resource used."""

from cytoscore import script_logging
from cytoscore.io import write_table
from cytoscore.resources import build_gene_sets, gene_set_table, resource_table, write_gmt

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    files = list(sm.input.collections)
    sets = build_gene_sets(
        collections=sm.params.collections,
        files=files,
        curated=sm.params.curated,
        select=sm.params.select,
        needed=sm.params.needed,
    )
    write_table(gene_set_table(sets), sm.output.table)
    write_gmt([gs for gs in sets if gs.reported], sm.output.gmt)  # fitted-only CytoSig sets left out
    write_table(resource_table(sm.params.collections, files, sets), sm.output.resources)
