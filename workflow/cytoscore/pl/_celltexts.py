"""Short texts centred on the cells of a heatmap, drawn as one artist."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.transforms import Bbox

__all__ = ["CellTexts"]


class CellTexts(Artist):
    """Texts centred on points in an axes' data coordinates (a heatmap's cell numbers and
    marks), each in its own colour, drawn by one artist.

    A matplotlib ``Text`` lays out, measures and draws itself on its own: the 552 numbers of a
    69 × 8 effect heatmap took 0.46 s of its SVG and PDF draws and 0.07 s of the layout check.
    Here each distinct string is measured once per renderer (the layout check reuses the
    first draw's). The texts sit where a ``Text`` with ``ha="center", va="center"`` sits in
    matplotlib 3.11: centred on its width, and vertically on the font's typographic ascent
    and descent, so the numbers of a row share their baseline
    (``tests/unit/test_figure_layout.py`` compares the two on Agg and in the SVG).

    They are drawn above the image (``zorder`` 3, as a ``Text``), are not measured by the
    constrained layout (they stay inside their cells), and give their boxes to the layout
    check (:meth:`text_boxes`).

    Parameters
    ----------
    ax
        The axes whose data coordinates place the texts; the artist is added to it.
    xy
        The centre of each text, ``(n, 2)``.
    texts
        The strings.
    colors
        Each text's colour.
    fontsize
        In points; the font family is the one in effect when the artist is made.
    """

    zorder = 3

    def __init__(self, ax: Axes, xy, texts: Sequence[str], colors: Sequence, *, fontsize: float):
        super().__init__()
        self.texts = list(texts)
        self._xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        self._colors = list(colors)
        if not len(self.texts) == len(self._xy) == len(self._colors):
            raise ValueError("CellTexts: as many positions, texts and colours are needed")
        self._prop = FontProperties(size=fontsize)
        self._measured: tuple[weakref.ref, dict] = (lambda: None, {})
        self.set_transform(ax.transData)
        self.set_in_layout(False)
        ax.add_artist(self)

    def get_fontsize(self) -> float:
        return self._prop.get_size_in_points()

    def _layout(self, renderer) -> list[tuple[float, float, float, float, float]]:
        """Each text's (left, baseline, width, descent, ascent) in display units: its box runs from
        ``baseline - descent`` to ``baseline + ascent``, centred on its point."""
        font = get_font(findfont(self._prop))
        scale = renderer.points_to_pixels(self._prop.get_size_in_points()) / font.get_sfnt_table("head")["unitsPerEm"]
        os2 = font.get_sfnt_table("OS/2")
        if os2 is not None:
            min_ascent, min_descent = os2["sTypoAscender"] * scale, -os2["sTypoDescender"] * scale
        else:
            hhea = font.get_sfnt_table("hhea")
            min_ascent, min_descent = hhea["ascent"] * scale, -hhea["descent"] * scale
        renderer_ref, metrics = self._measured
        if renderer_ref() is not renderer:  # measured once per renderer: its draw, then the check
            metrics = {}
            self._measured = (weakref.ref(renderer), metrics)
        for text in self.texts:
            if text not in metrics:
                width, height, descent = renderer.get_text_width_height_descent(text, self._prop, ismath=False)
                metrics[text] = (width, max(height - descent, min_ascent), max(descent, min_descent))
        out = []
        for (x, y), text in zip(self.get_transform().transform(self._xy), self.texts, strict=True):
            width, ascent, descent = metrics[text]
            out.append((x - width / 2, y - (ascent + descent) / 2 + descent, width, descent, ascent))
        return out

    def draw(self, renderer) -> None:
        if not self.get_visible() or not self.texts:
            return
        renderer.open_group("celltexts", self.get_gid())
        gc = renderer.new_gc()
        gc.set_alpha(self.get_alpha())
        flip = renderer.flipy()
        canvas_height = renderer.get_canvas_width_height()[1]
        for (left, baseline, *_), text, color in zip(self._layout(renderer), self.texts, self._colors, strict=True):
            if np.isfinite(left) and np.isfinite(baseline):
                gc.set_foreground(color)
                renderer.draw_text(gc, left, canvas_height - baseline if flip else baseline, text, self._prop, 0.0)
        gc.restore()
        renderer.close_group("celltexts")
        self.stale = False

    def text_boxes(self, renderer) -> list[tuple[str, float, Bbox]]:
        """(text, size in pt, drawn box in display units) of each text, for the layout check."""
        return [
            (text, self.get_fontsize(), Bbox.from_bounds(left, baseline - descent, width, ascent + descent))
            for (left, baseline, width, descent, ascent), text in zip(self._layout(renderer), self.texts, strict=True)
        ]

    def get_window_extent(self, renderer=None) -> Bbox:
        if renderer is None:
            renderer = self.get_figure(root=True)._get_renderer()
        boxes = [box for _, _, box in self.text_boxes(renderer)]
        return Bbox.union(boxes) if boxes else Bbox.null()
