"""Preprocessing: probe collapse, expression scale and normalization, sample groups."""

from ._groups import assign_groups, read_group_table, sample_table
from ._probes import COLLAPSE_RULES, MULTI_GENE_RULES, collapse_probes
from ._scale import detect_log_scale, normalize_expression, quantile_normalize

__all__ = [
    "COLLAPSE_RULES",
    "MULTI_GENE_RULES",
    "assign_groups",
    "collapse_probes",
    "detect_log_scale",
    "normalize_expression",
    "quantile_normalize",
    "read_group_table",
    "sample_table",
]
