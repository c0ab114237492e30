"""Many points drawn as one image: the cells of an embedding.

matplotlib draws a scatter of N points marker by marker, once per output format (and the
layout check draws the PNG again): 100,000 cells in 12 panels and three formats took 15 of
the UMAP figure job's 20 s (profiled 2026-12-05, bench/bench_workflow.py --cells 100000).
Here the points are painted once into an RGBA image at the output's resolution, in order
(a later point covers an earlier one, as in a scatter), and every format embeds that image:
the same picture, as a rasterized scatter gives it, in well under a second.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

__all__ = ["point_image", "draw_points", "POINTS_DPI"]

#: Resolution of the painted points (pixels per inch of the printed panel): the figures' default dpi.
POINTS_DPI = 300


def point_image(
    x: np.ndarray,
    y: np.ndarray,
    colors: np.ndarray,
    *,
    extent: tuple[float, float, float, float],
    shape: tuple[int, int],
    radius: float | np.ndarray,
) -> np.ndarray:
    """An RGBA image (rows from the bottom, as ``imshow(origin="lower")``) of discs of
    ``radius`` pixels at the points, each in its colour, later points on top.

    Parameters
    ----------
    x, y
        The points' coordinates.
    colors
        One RGBA colour (floats 0-1) per point, or one for all (shape ``(4,)``).
    extent
        ``(x0, x1, y0, y1)``: the data range the image covers.
    shape
        ``(height, width)`` in pixels.
    radius
        The discs' radius in pixels, one for all or one per point (a pixel is covered when
        its centre is within it).

    Returns
    -------
    ndarray
        ``height × width × 4`` floats; uncovered pixels are transparent.
    """
    height, width = shape
    x0, x1, y0, y1 = extent
    colors = np.broadcast_to(np.asarray(colors, dtype=np.float64), (len(x), 4))
    # the point's position in pixel units (pixel centres at k + 0.5)
    px = (np.asarray(x, dtype=np.float64) - x0) / (x1 - x0) * width
    py = (np.asarray(y, dtype=np.float64) - y0) / (y1 - y0) * height
    radius = np.broadcast_to(np.asarray(radius, dtype=np.float64), px.shape)
    reach = int(np.ceil(radius.max())) if len(px) else 0
    top = np.full(height * width, -1, dtype=np.int64)  # the last point covering each pixel
    order = np.arange(len(px))
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            col = np.floor(px).astype(np.int64) + dx
            row = np.floor(py).astype(np.int64) + dy
            inside = (col >= 0) & (col < width) & (row >= 0) & (row < height)
            inside &= (col + 0.5 - px) ** 2 + (row + 0.5 - py) ** 2 <= radius**2
            np.maximum.at(top, row[inside] * width + col[inside], order[inside])
    image = np.zeros((height * width, 4))
    covered = top >= 0
    image[covered] = colors[top[covered]]
    return image.reshape(height, width, 4)


def draw_points(
    ax: Axes, x: np.ndarray, y: np.ndarray, colors, *, size, panel_mm: float, pad: float = 0.03
) -> AxesImage:
    """Draw points as one image on ``ax``, with equal axis scales; the axis limits are the
    points' range plus ``pad`` of it on each side. Call it once per axes, with all its points
    in drawing order.

    Parameters
    ----------
    ax
        The axes.
    x, y
        The points' coordinates.
    colors
        One RGBA colour per point (``(n, 4)``), or one for all.
    size
        Marker area in points², as ``scatter``'s ``s`` (diameter ``sqrt(size)`` points); one
        for all or one per point.
    panel_mm
        The panel's printed size (its longer side), which sets the image's pixels at
        :data:`POINTS_DPI`.
    pad
        The margin around the points, as a share of their range.

    Returns
    -------
    AxesImage
        The image drawn.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    (xa, xb), (ya, yb) = (x.min(), x.max()), (y.min(), y.max())
    span = max(xb - xa, yb - ya, 1e-12)
    xa, xb, ya, yb = xa - pad * span, xb + pad * span, ya - pad * span, yb + pad * span
    longest = max(xb - xa, yb - ya)
    pixels = panel_mm / 25.4 * POINTS_DPI
    shape = (max(1, round(pixels * (yb - ya) / longest)), max(1, round(pixels * (xb - xa) / longest)))
    radius = np.sqrt(np.asarray(size, dtype=np.float64)) / 2 / 72 * POINTS_DPI  # points -> pixels
    image = point_image(x, y, colors, extent=(xa, xb, ya, yb), shape=shape, radius=radius)
    art = ax.imshow(image, extent=(xa, xb, ya, yb), origin="lower", interpolation="antialiased", zorder=1)
    ax.set_xlim(xa, xb)
    ax.set_ylim(ya, yb)
    ax.set_aspect("equal", adjustable="datalim")  # the axes keep their box; the limits grow
    return art
