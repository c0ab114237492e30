"""Tools: signature scoring methods and group comparisons.

Names load lazily (PEP 562, :mod:`cytoscore._lazy`): importing one imports only its module."""

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "_clinical": [
            "RICE_GENES",
            "clinical_ifn_score",
        ],
        "_compare": [
            "CELL_COLUMNS",
            "COMPARISON_COLUMNS",
            "DEGENERATE_TOL",
            "PSEUDOREPLICATION_WARNING",
            "add_coverage",
            "bh_fdr",
            "compare_cells",
            "compare_groups",
            "hedges_g",
            "mean_difference_ci",
            "omnibus_tests",
            "paired_g",
        ],
        "_concordance": [
            "contrast_concordance",
            "method_concordance",
        ],
        "_design": [
            "Design",
        ],
        "_pseudobulk": [
            "aggregate_counts",
            "compare_profiles",
            "compare_pseudobulk",
            "compare_routes",
        ],
        "_meta": [
            "meta_analysis",
        ],
        "_methods": [
            "METHODS",
            "ScoringMethod",
            "aucell_kernel",
            "cytosig_kernel",
            "get_method",
            "gsva_kernel",
            "mean_z_kernel",
            "score_genes_kernel",
            "singscore_kernel",
            "ssgsea_kernel",
            "ucell_kernel",
            "ulm_kernel",
        ],
        "_profile": [
            "ADVICE_NOTE",
            "ANTI_INFLAMMATORY",
            "BALANCE_REFERENCE",
            "PRO_INFLAMMATORY",
            "axis_profile",
        ],
        "_roc": [
            "AUC_COLUMNS",
            "cross_validated_auc",
            "delong_auc",
            "response_auc",
        ],
        "_score": [
            "gene_moments",
            "gene_set_coverage",
            "gene_statistics",
            "merge_gene_statistics",
            "score_gene_sets",
            "shard_rows",
        ],
        "_therapy": [
            "AXIS_VERDICTS",
            "THERAPY_EFFECT_COLUMNS",
            "therapy_effects",
        ],
        "_summary": [
            "summarize_scores",
        ],
    },
)
