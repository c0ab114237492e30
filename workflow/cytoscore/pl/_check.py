"""Checks of a drawn figure: text size, overlapping text, text outside the canvas.

Used by the tests on every figure the workflow draws and on stress cases; the measures are
the renderer's own extents of each text as drawn (the first format :func:`save_figure`
writes, or Agg), in pixels at the figure's dpi of that draw, and the sizes written in the SVG.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Tick
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text

from ._style import SMALL_SIZE, STYLE

__all__ = ["layout_problems", "svg_font_sizes", "svg_texts", "LABEL_SIZE"]

#: Axis labels, tick labels, titles and legend entries are at least this size (pt).
LABEL_SIZE = 7.0


def _texts(fig: Figure) -> list[Text]:
    seen: dict[int, Text] = {}
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip() and _shown(t):
            seen.setdefault(id(t), t)
    return list(seen.values())


def _shown(t: Text) -> bool:
    """Drawn: visible, in a visible axes, and inside the figure's drawn area (ticks whose
    locations fall outside the view are not drawn)."""
    if t.axes is not None and not t.axes.get_visible():
        return False
    owner = getattr(t, "_cytoscore_owner", None)
    if isinstance(owner, Tick):
        axis = owner.axes.xaxis if owner in owner.axes.xaxis.get_major_ticks() + owner.axes.xaxis.get_minor_ticks() else owner.axes.yaxis
        lo, hi = sorted(axis.get_view_interval())
        loc = owner.get_loc()
        return loc is not None and lo - 1e-9 <= loc <= hi + 1e-9
    return True


def _is_label(t: Text) -> bool:
    """A label a reader must read: tick labels, axis labels, titles, legend text."""
    parent = t.axes
    if parent is not None and (
        t in (parent.title, parent._left_title, parent._right_title)
        or t is parent.xaxis.label
        or t is parent.yaxis.label
    ):
        return True
    return isinstance(getattr(t, "_cytoscore_owner", None), (Tick, Legend))


def layout_problems(fig: Figure, *, tolerance_px: float = 0.5, renderer=None) -> list[str]:
    """Every text drawn under ``SMALL_SIZE`` pt, every label under ``LABEL_SIZE`` pt, every
    pair of texts whose drawn boxes overlap, and every text that leaves the canvas.

    ``tolerance_px`` is in pixels at 100 dpi. ``renderer``: the renderer of a draw in
    progress (the first file :func:`save_figure` writes), whose texts are measured as
    drawn, without drawing the figure once more; else the figure is drawn with Agg first."""
    if renderer is None:
        canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        with mpl.rc_context(STYLE):
            canvas.draw()
        renderer = canvas.get_renderer()
    tolerance_px *= fig.dpi / 100.0
    for ax in fig.findobj(Axes):  # mark tick labels, which findobj does not tell apart
        for axis in (ax.xaxis, ax.yaxis):
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                for t in (tick.label1, tick.label2):
                    t._cytoscore_owner = tick
        legend = ax.get_legend()
        if legend is not None:
            for t in [*legend.get_texts(), legend.get_title()]:
                t._cytoscore_owner = legend
    for legend in fig.findobj(Legend):
        for t in [*legend.get_texts(), legend.get_title()]:
            t._cytoscore_owner = legend
    problems = []
    width, height = fig.bbox.width, fig.bbox.height
    boxes = []
    for t in _texts(fig):
        size = t.get_fontsize()
        name = repr(t.get_text()[:40])
        if size < SMALL_SIZE - 1e-6:
            problems.append(f"text {name} at {size:g} pt (< {SMALL_SIZE} pt)")
        elif _is_label(t) and size < LABEL_SIZE - 1e-6:
            problems.append(f"label {name} at {size:g} pt (< {LABEL_SIZE:g} pt)")
        box = t.get_window_extent(renderer)
        if box.width <= 0 or box.height <= 0:
            continue
        if box.x0 < -tolerance_px or box.y0 < -tolerance_px or box.x1 > width + tolerance_px or box.y1 > height + tolerance_px:
            problems.append(f"text {name} leaves the canvas ({box.x0:.0f}, {box.y0:.0f}, {box.x1:.0f}, {box.y1:.0f} in {width:.0f} x {height:.0f} px)")
        boxes.append((name, box.expanded(1.0, 1.0).padded(-tolerance_px)))
    # every pair at once (Bbox.overlaps pair by pair took 0.3 s for a heatmap's 550 numbers)
    if len(boxes) > 1:
        x0, y0, x1, y1 = np.array([b.extents for _, b in boxes]).T
        i, j = np.triu_indices(len(boxes), k=1)
        hit = (x0[i] < x1[j]) & (x0[j] < x1[i]) & (y0[i] < y1[j]) & (y0[j] < y1[i])
        problems += [f"texts {boxes[a][0]} and {boxes[b][0]} overlap" for a, b in zip(i[hit], j[hit], strict=True)]
    return problems


_SVG_TEXT = re.compile(r'<text[^>]*style="([^"]*)"[^>]*>(.*?)</text>', re.S)
_SVG_SIZE = re.compile(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([0-9.]+)px")


def svg_texts(path: str | Path) -> list[tuple[float, str]]:
    """(font size in pt, text) of every text element of a Matplotlib SVG (``svg.fonttype``
    none: texts are ``<text>`` elements whose style gives the size in px = pt at 72 dpi)."""
    out = []
    for style, body in _SVG_TEXT.findall(Path(path).read_text()):
        m = _SVG_SIZE.search(style)
        if m:
            out.append((float(m.group(1)), re.sub(r"<[^>]+>", "", body)))
    return out


def svg_font_sizes(path: str | Path) -> set[float]:
    return {size for size, _ in svg_texts(path)}
