"""Adapter for rules score, score_cells and score_shard: per-observation scores of every
gene set with each method. The matrix is read backed, in row chunks; single-cell scores go to
Parquet (one column per method × signature) with their summary per sample, group and cell
type; bulk scores to a tidy TSV. A shard scores its row range with the dataset-wide gene
statistics stored in the normalized file."""

from cytoscore import script_logging
from cytoscore.io import read_h5ad, write_cell_scores, write_table
from cytoscore.resources import read_gene_set_table
from cytoscore.tl import score_gene_sets, shard_rows, summarize_scores

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    cells = str(sm.output.scores).endswith(".parquet")
    adata = read_h5ad(sm.input.adata, backed=cells)
    shard = sm.params.get("shard")
    scores, coverage = score_gene_sets(
        adata,
        read_gene_set_table(sm.input.gene_sets),
        methods=list(sm.params.methods),
        min_genes=sm.params.min_genes,
        min_coverage=sm.params.min_coverage,
        method_params=sm.params.method_params,
        chunk_size=sm.params.chunk_size,
        rows=shard_rows(adata.n_obs, *shard) if shard else None,
        wide=cells,
        required=sm.params.required,
    )
    write_table(coverage, sm.output.coverage)
    if cells:
        write_cell_scores(sm.output.scores, scores)
        if "summary" in sm.output.keys():
            write_table(summarize_scores(scores, adata.obs, by=list(sm.params.by)), sm.output.summary)
    else:
        write_table(scores, sm.output.scores)
