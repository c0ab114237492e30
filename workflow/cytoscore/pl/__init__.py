"""Plots: functions that return a matplotlib Figure and the table of numbers drawn."""

from ._scores import format_p, score_heatmap, signature_boxplot
from ._style import FORMATS, STYLE, group_colors, save_figure, short_label

__all__ = [
    "FORMATS",
    "STYLE",
    "format_p",
    "group_colors",
    "save_figure",
    "score_heatmap",
    "short_label",
    "signature_boxplot",
]
