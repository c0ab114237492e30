"""The one rule for significance marks in every table, figure and report of the product.

A star, an "up"/"down", or a "both significant" may rest only on a primary test that could be
computed (``not_testable`` empty: the scores vary beyond rounding) on at least
:data:`MIN_MARKED_N` units per group, or pairs. Below that (a paired t with 1 df, a group of
2) a result is shown as its effect with its interval and an "n too small to test" mark, never
a star. :func:`cytoscore.tl.compare_groups` writes the rule's verdict as ``markable``.
"""

from __future__ import annotations

import pandas as pd

from ._utils import flag

__all__ = ["MIN_MARKED_N", "markable", "stars"]

#: Units per group (or pairs) below which no test result is marked as significant anywhere.
MIN_MARKED_N = 3


def markable(table: pd.DataFrame) -> pd.Series:
    """Rows of a comparison table whose test may carry a significance mark. Tables written
    before the ``markable`` column existed are judged by ``small_n`` and ``p_value``."""
    if "markable" in table:
        return flag(table["markable"])
    ok = table["p_value"].notna() if "p_value" in table else pd.Series(True, index=table.index)
    if "small_n" in table:
        ok &= ~flag(table["small_n"])
    return ok


def stars(fdr: float) -> str:
    """The mark of an FDR: ``*`` < 0.05, ``**`` < 0.01, ``***`` < 0.001. Give it the FDR only
    where :func:`markable` holds (NaN elsewhere)."""
    return "***" if fdr < 1e-3 else "**" if fdr < 1e-2 else "*" if fdr < 0.05 else ""
