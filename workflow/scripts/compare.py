"""Adapter for rule compare: one contrast, every signature and method (and cell type)."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import dataset_kind, iter_scores, read_observations, read_scores, write_table
from cytoscore.tl import Design, add_coverage, compare_cells, compare_groups

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    c = sm.params.contrast
    obs = read_observations(sm.input.samples)
    design = Design.from_config(c, name=sm.wildcards.contrast)
    cells = dataset_kind(c["kind"]).cells
    pseudobulk = cells and c["level"] == "pseudobulk"
    if pseudobulk:
        import anndata as ad

        from cytoscore.pp import pseudobulk_counts
        from cytoscore.resources import read_gene_set_table
        from cytoscore.tl import compare_profiles

        genes = list(ad.read_h5ad(sm.input.adata, backed="r").var_names)  # the genes QC kept
        raw = {k[len("raw_"):]: v for k, v in sm.input.items() if k.startswith("raw_")}
        cells = obs[design.in_groups(obs)]
        sums, profiles = pseudobulk_counts(
            raw, cells, [c["replicate"], c["split_by"]], genes, options=sm.params.load, chunk_size=sm.params.chunk_size
        )
        table = compare_profiles(
            sums,
            profiles,
            cells,
            read_gene_set_table(sm.input.gene_sets),
            design,
            genes=genes,
            split_by=c["split_by"],
            replicate=c["replicate"],
            min_cells=c["min_cells"],
            scoring=dict(methods=sm.params.methods, min_genes=sm.params.min_genes, min_coverage=sm.params.min_coverage),
            with_units=True,
        )
    elif cells:
        table = compare_cells(
            iter_scores(sm.input.scores, by="signature"),  # one signature of every cell at a time
            obs,
            design,
            replicate=c["replicate"],
            split_by=c["split_by"],
            level=c["level"],
            min_cells=c["min_cells"],
            with_units=True,
        )
    else:
        scores = read_scores(sm.input.scores)
        table = compare_groups(scores, obs, design)
        kept = [k for k in dict.fromkeys([design.column, design.pair_by]) if k]
        units = scores.join(obs[kept], on="observation")  # the samples' scores: the bulk tests' units
        units = units[design.in_groups(units)]
    if isinstance(table, tuple):
        table, units = table
    table.insert(1, "dataset", c["dataset"])
    if not pseudobulk:  # pseudobulk tables carry each cell type's own coverage
        coverage = pd.read_csv(sm.input.coverage, sep="\t", keep_default_na=False)
        table = add_coverage(table, coverage)
    write_table(units, sm.output.units)
    write_table(table, sm.output.table)
