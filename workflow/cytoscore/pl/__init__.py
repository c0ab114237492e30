"""Plots: functions that return a matplotlib Figure and the table of numbers drawn."""

from .._labels import use_labels
from ._cells import donor_plot, embedding_plot, score_dotplot, score_violins
from ._roc import roc_plot
from ._scores import format_p, score_heatmap, signature_boxplot
from ._style import FORMATS, STYLE, group_colors, save_figure, short_label
from ._summary import (
    contrast_effects_plot,
    effect_dot_plot,
    effect_heatmap,
    forest_plot,
    ifn_score_plot,
    score_correlation,
    volcano_plot,
)
from ._therapy import axis_profile_plot, therapy_plot

__all__ = [
    "FORMATS",
    "axis_profile_plot",
    "STYLE",
    "contrast_effects_plot",
    "donor_plot",
    "effect_dot_plot",
    "effect_heatmap",
    "embedding_plot",
    "forest_plot",
    "format_p",
    "group_colors",
    "ifn_score_plot",
    "roc_plot",
    "save_figure",
    "score_correlation",
    "score_dotplot",
    "score_heatmap",
    "score_violins",
    "short_label",
    "signature_boxplot",
    "therapy_plot",
    "use_labels",
    "volcano_plot",
]
