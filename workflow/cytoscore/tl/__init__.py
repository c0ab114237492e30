"""Tools: signature scoring methods and group comparisons."""

from ._clinical import RICE_GENES, clinical_ifn_score
from ._compare import (
    COMPARISON_COLUMNS,
    PSEUDOREPLICATION_WARNING,
    add_coverage,
    bh_fdr,
    compare_cells,
    compare_groups,
    hedges_g,
    mean_difference_ci,
    omnibus_tests,
    paired_g,
)
from ._concordance import contrast_concordance, method_concordance
from ._meta import meta_analysis
from ._methods import (
    METHODS,
    ScoringMethod,
    aucell_kernel,
    cytosig_kernel,
    get_method,
    gsva_kernel,
    mean_z_kernel,
    score_genes_kernel,
    singscore_kernel,
    ssgsea_kernel,
    ucell_kernel,
    ulm_kernel,
)
from ._score import (
    gene_moments,
    gene_set_coverage,
    gene_statistics,
    merge_gene_statistics,
    score_gene_sets,
    shard_rows,
)
from ._summary import summarize_scores

__all__ = [
    "paired_g",
    "mean_difference_ci",
    "add_coverage",
    "contrast_concordance",
    "method_concordance",
    "RICE_GENES",
    "clinical_ifn_score",
    "PSEUDOREPLICATION_WARNING",
    "compare_cells",
    "meta_analysis",
    "omnibus_tests",
    "COMPARISON_COLUMNS",
    "METHODS",
    "ScoringMethod",
    "bh_fdr",
    "compare_groups",
    "gene_set_coverage",
    "gene_statistics",
    "gene_moments",
    "merge_gene_statistics",
    "shard_rows",
    "get_method",
    "hedges_g",
    "mean_z_kernel",
    "aucell_kernel",
    "cytosig_kernel",
    "gsva_kernel",
    "score_genes_kernel",
    "singscore_kernel",
    "ucell_kernel",
    "ulm_kernel",
    "score_gene_sets",
    "ssgsea_kernel",
    "summarize_scores",
]
