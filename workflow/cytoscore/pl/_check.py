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
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text

from ._style import SMALL_SIZE, STYLE

__all__ = ["layout_problems", "svg_font_sizes", "svg_texts", "LABEL_SIZE"]

#: Axis labels, tick labels, titles and legend entries are at least this size (pt).
LABEL_SIZE = 7.0


def _drawn_texts(fig: Figure) -> tuple[list[Text], set[int], list]:
    """The texts a draw of ``fig`` draws, the ids of those that are labels a reader must read
    (tick labels, axis labels, titles, legend text), and the artists that draw texts of their
    own (a ``text_boxes(renderer)`` method: the heatmaps' cell numbers).

    One walk of the artist tree that skips what a draw skips: invisible artists, the axis
    objects of an axes whose axis is off, and ticks outside the view. It asks an axis for its
    drawn ticks only, so measuring creates no tick (``findobj`` made the ticks of hidden axes:
    0.1 s a heatmap)."""
    texts: dict[int, Text] = {}
    labels: set[int] = set()
    drawers = []
    stack: list[Artist] = [fig]
    while stack:
        artist = stack.pop()
        if not artist.get_visible():
            continue
        if isinstance(artist, Text):
            if artist.get_text().strip():
                texts.setdefault(id(artist), artist)
        if hasattr(artist, "text_boxes"):
            drawers.append(artist)
        if isinstance(artist, Axes):
            labels.update(id(t) for t in (artist.title, artist._left_title, artist._right_title))
            children = [c for c in artist.get_children() if artist.axison or not isinstance(c, Axis)]
        elif isinstance(artist, Axis):
            labels.add(id(artist.label))
            lo, hi = sorted(artist.get_view_interval())
            ticks = [
                tick for tick in [*artist.get_major_ticks(), *artist.get_minor_ticks()]
                if tick.get_loc() is not None and lo - 1e-9 <= tick.get_loc() <= hi + 1e-9
            ]  # fmt: skip
            labels.update(id(t) for tick in ticks for t in (tick.label1, tick.label2))
            children = [artist.label, artist.offsetText, *ticks]
        else:
            if isinstance(artist, Legend):
                labels.update(id(t) for t in [*artist.get_texts(), artist.get_title()])
            children = artist.get_children()
        stack.extend(reversed(children))
    return list(texts.values()), labels, drawers


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
    texts, labels, drawers = _drawn_texts(fig)
    problems = []
    width, height = fig.bbox.width, fig.bbox.height
    boxes = []
    measured = [(t.get_text(), t.get_fontsize(), id(t) in labels, t.get_window_extent(renderer)) for t in texts]
    measured += [(text, size, False, box) for drawer in drawers for text, size, box in drawer.text_boxes(renderer)]
    for text, size, label, box in measured:
        name = repr(text[:40])
        if size < SMALL_SIZE - 1e-6:
            problems.append(f"text {name} at {size:g} pt (< {SMALL_SIZE} pt)")
        elif label and size < LABEL_SIZE - 1e-6:
            problems.append(f"label {name} at {size:g} pt (< {LABEL_SIZE:g} pt)")
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
