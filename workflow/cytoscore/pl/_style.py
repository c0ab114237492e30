"""Shared figure style: journal sizes, colour-blind-safe group colours, labels, saving."""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import re
import struct
import textwrap
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backend_bases import get_registered_canvas_class
from matplotlib.figure import Figure

from .._labels import group_colors, short_label
from .._utils import atomic_path, flag, write_table

__all__ = ["STYLE", "MM", "NOTE_SIZE", "SMALL_SIZE", "group_colors", "short_label", "save_figure", "FORMATS"]

log = logging.getLogger(__name__)

MM = 1 / 25.4  # inches per millimetre
#: Journal column widths in mm.
WIDTHS = {"single": 85.0, "double": 180.0}

#: The smallest text drawn (notes, numbers in cells), in pt; labels are 7 pt (STYLE).
SMALL_SIZE = 6
NOTE_SIZE = 6

#: Matplotlib settings applied while a figure is built and saved (never globally).
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 7,
    "axes.titlesize": 7,
    "axes.labelsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "figure.titlesize": 7,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "lines.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",  # text stays editable text in SVG
    "svg.hashsalt": "cytoscore",  # stable element IDs
    "pdf.fonttype": 42,  # TrueType, editable in Illustrator
    # heatmap cells stay cells: a vector file holds one pixel per cell, drawn unsmoothed (the
    # PNG's pixels are the same as "nearest"; resampling to 300 dpi cost 2.6 s in the 15 files
    # of a 60-signature study's effect-size heatmaps)
    "image.interpolation": "none",
    # titles sit just above their panel: matplotlib's automatic placement measures every y
    # tick label of every panel in each draw, to clear an offset text no figure here has
    "axes.titley": 1.0,
    "axes.formatter.useoffset": False,  # tick labels show their whole value
    "figure.autolayout": False,  # set_layout_engine(None) then means no engine (save_figure)
    "figure.constrained_layout.use": False,
}

FORMATS = ("svg", "pdf", "png")
_METADATA = {
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
    "png": {},
}

LOW_COVERAGE_MARK = "†"
LOW_COVERAGE_NOTE = (
    "† fewer of the set's genes in the data than gene_sets.min_coverage (gene_set_coverage.tsv)"
)


def low_coverage_signatures(table: pd.DataFrame) -> set[str]:
    """Signatures flagged ``low_coverage`` in any row of a comparison or meta table."""
    if "low_coverage" not in table.columns:
        return set()
    low = flag(table["low_coverage"])
    return set(table.loc[low, "signature"].astype(str))


def coverage_label(name: str, low: set[str]) -> str:
    """:func:`short_label`, marked with † when the signature rests on part of its genes."""
    return short_label(name) + (LOW_COVERAGE_MARK if name in low else "")


def figure(width: str | float = "double", height_mm: float = 60.0) -> Figure:
    """A new Figure (not registered with pyplot) of a journal width."""
    width_mm = WIDTHS[width] if isinstance(width, str) else float(width)
    return Figure(figsize=(width_mm * MM, height_mm * MM), layout="constrained")


def figure_note(fig: Figure, lines: Sequence[str] | str, *, fontsize: float = NOTE_SIZE) -> None:
    """Notes under a figure (marks, thresholds), left-aligned, in the space the constrained
    layout keeps for them, so they never overlap an axis label; each line is wrapped to the
    figure's width."""
    lines = [lines] if isinstance(lines, str) else list(lines)
    # DejaVu Sans averages about 0.6 em per character
    chars = max(20, int(fig.get_figwidth() * 72 / (0.6 * fontsize)) - 4)
    text = "\n".join(textwrap.fill(line, chars) for line in lines if line)
    if text:
        fig.supxlabel(text, x=0.01, ha="left", fontsize=fontsize, linespacing=1.3)


def not_scored_figure(
    missing: Sequence[str], coverage: pd.DataFrame | None, *, what: str, width: str | float = "single"
) -> tuple[Figure, pd.DataFrame]:
    """The figure that stands where ``what`` would be drawn when a set it needs was skipped
    (``gene_sets.allow_missing``): it names each set and why (its genes found of all, the
    minimum), so that the skip is read where the answer was expected, not only in a log."""
    cov = coverage.set_index("signature") if coverage is not None and "signature" in coverage else None
    rows = []
    for name in missing:
        if cov is not None and name in cov.index:
            r = cov.loc[name]
            why = f"{int(r['n_found'])} of its {int(r['n_genes'])} genes are in the data"
        else:
            why = "not scored in this dataset"
        rows.append({"signature": name, "reason": why})
    source = pd.DataFrame(rows, columns=["signature", "reason"])
    with mpl.rc_context(STYLE):
        fig = figure(width, height_mm=40.0)
        fig.suptitle(f"{what}: not drawn")
        text = "\n".join(
            textwrap.fill(f"{short_label(r.signature)} was skipped: {r.reason}", 60) for r in source.itertuples()
        )
        fig.text(0.5, 0.45, text + "\n(gene_sets.allow_missing: true)", ha="center", va="center", fontsize=7)
    return fig, source


def save_figure(
    fig: Figure,
    base: str | Path,
    *,
    formats: Sequence[str] = FORMATS,
    dpi: int = 300,
    source_data: pd.DataFrame | None = None,
) -> list[Path]:
    """Save ``fig`` as ``base.<fmt>`` for each format, atomically and byte-reproducibly,
    and ``source_data`` (the numbers drawn) as ``base.source_data.tsv``.

    Dates are left out of the SVG/PDF metadata and SVG IDs are salted with a fixed
    string, so the same figure gives the same bytes on every run. The layout is computed
    once, for the first format, and kept for the others (the same positions in every file,
    and one draw per format instead of two). The PNG is the PDF rasterized (PDFium), so a
    PNG costs no draw of its own and shows exactly the vector file; the layout check
    (:func:`~cytoscore.pl._check.layout_problems`) measures the texts of the first draw.

    Parameters
    ----------
    fig
        The figure.
    base
        The path without extension.
    formats
        Extensions written (``svg``, ``pdf``, ``png``).
    dpi
        Resolution of the PNG (and of any raster part of the PDF).
    source_data
        The numbers drawn, written beside the figure.

    Returns
    -------
    list[Path]
        The files written.
    """
    written = []
    if source_data is not None:
        write_table(source_data, f"{base}.source_data.tsv")
        written.append(Path(f"{base}.source_data.tsv"))
    from ._check import layout_problems  # _check reads this module's sizes

    unknown = [fmt for fmt in formats if fmt not in _METADATA]
    if unknown:
        raise ValueError(f"unsupported figure format {unknown[0]!r}; use {sorted(_METADATA)}")
    engine = fig.get_layout_engine()
    checked: list[list[str]] = []

    def check(event) -> None:  # the layout check measures the first draw (no extra draw)
        if not checked:
            checked.append(layout_problems(fig, renderer=event.renderer))

    # the PNG is the PDF rasterized: one draw for both, and the pixels of the vector file
    drawn = [fmt for fmt in formats if fmt != "png"]
    if "png" in formats and "pdf" not in drawn:
        drawn.append("pdf")
    hook = fig.canvas.mpl_connect("draw_event", check)
    pdf = b""
    try:
        with mpl.rc_context(STYLE), _empty_labels_kept(fig):
            if engine is not None:
                _lay_out(fig, engine, drawn[0])
            for fmt in drawn:
                buffer = io.BytesIO()
                with _pdf_writing() if fmt == "pdf" else contextlib.nullcontext():
                    fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
                data = buffer.getvalue()
                if fmt == "svg":
                    data = _stable_svg_ids(data.decode()).encode()
                if fmt == "pdf":
                    pdf = data
                    if fmt not in formats:
                        continue
                with atomic_path(Path(f"{base}.{fmt}")) as tmp:
                    tmp.write_bytes(data)
    finally:
        fig.canvas.mpl_disconnect(hook)
    if "png" in formats:
        with atomic_path(Path(f"{base}.png")) as tmp:
            _png_from_pdf(pdf, tmp, dpi, (int(fig.get_figwidth() * dpi), int(fig.get_figheight() * dpi)))
    problems = checked[0] if checked else layout_problems(fig)
    if problems:
        log.warning(
            "figure %s: %d layout problem(s) (text too small, overlapping or off the canvas): %s",
            Path(f"{base}.svg").name,
            len(problems),
            "; ".join(problems[:6]),
        )
    if engine is not None:
        fig.set_layout_engine(engine)
    return written + [Path(f"{base}.{fmt}") for fmt in formats]


@contextlib.contextmanager
def _empty_labels_kept(fig: Figure) -> Iterator[None]:
    """Axis labels without text stay where they are while the figure is laid out and drawn.

    matplotlib moves every axis label clear of its axis' tick labels at each layout pass and
    each draw, measuring all of those again, whether the label has text or not: 0.3 s of a
    69-signature dataset's ten figures went to labels that draw nothing (the files are the same
    bytes). A matplotlib without the flag keeps placing them."""
    kept = [axis for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
            if not axis.label.get_text() and getattr(axis, "_autolabelpos", False)]  # fmt: skip
    for axis in kept:
        axis._autolabelpos = False
    try:
        yield
    finally:
        for axis in kept:
            axis._autolabelpos = True


def _lay_out(fig: Figure, engine, fmt: str) -> None:
    """Run ``engine`` (the figure's layout) once, measuring texts as the renderer of ``fmt``
    does, and keep its positions for every file: no engine is left on the figure.

    matplotlib's ``savefig`` with an engine draws the whole figure twice (a dry draw around
    the layout, then the file); with its ``"none"`` placeholder every later file too. The dry
    draw's artists were 0.1 s of a 69-signature heatmap's 0.8 s; the files are the same bytes."""
    if fig.axes:  # as Figure.draw: an engine lays out axes
        canvas, figure_dpi = fig.canvas, fig.dpi
        get_registered_canvas_class(fmt)(fig)  # the format's canvas: its renderer measures the texts
        try:
            engine.execute(fig)
        finally:
            fig.set_canvas(canvas)
            fig.dpi = figure_dpi  # a vector renderer sets 72
    fig.set_layout_engine(None)


def _png_from_pdf(pdf: bytes, path: Path, dpi: int, size: tuple[int, int]) -> None:
    """The PNG of a figure: its PDF rasterized by PDFium (Chrome's PDF engine) at ``dpi`` on
    white, cut to matplotlib's pixel size, written as RGB by :func:`_write_png`.

    Drawing the figure once more with matplotlib's Agg cost 0.15-0.8 s a figure (matplotlib
    3.11 draws text glyph by glyph in Python); PDFium rasterizes the PDF in 20-60 ms, and the
    PNG shows exactly the publication file."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=dpi / 72, fill_color=(255, 255, 255, 255), rev_byteorder=True)
        rgb = bitmap.to_numpy()[: size[1], : size[0], :3]
    finally:
        document.close()
    software = f"Matplotlib version{mpl.__version__}, https://matplotlib.org/ (rasterized by PDFium)"
    path.write_bytes(_write_png(rgb, dpi, software))


def _write_png(rgb: np.ndarray, dpi: int, software: str) -> bytes:
    """An 8-bit RGB PNG of ``rgb`` (rows, columns, 3): every row unfiltered, deflated at zlib
    level 1, with its resolution (pHYs) and ``software`` (tEXt).

    Written here, not by Pillow: Pillow filters every row adaptively (no option turns that
    off), which made a 300 dpi heatmap 0.11 s to encode against 0.06 s here; over the 46 PNGs
    of a 69-signature, 8-contrast study 3.3 s against 1.2 s, the files 18.3 against 18.2 MB
    (figures are flat colours, where filters gain nothing). Tested: it decodes to the same
    pixels, resolution and text."""
    height, width, _ = rgb.shape
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type 0 (none) on every row
    rows[:, 1:] = rgb.reshape(height, -1)
    per_metre = int(dpi / 0.0254 + 0.5)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    return b"".join([
        b"\x89PNG\r\n\x1a\n",
        chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),  # 8-bit RGB, not interlaced
        chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
        chunk(b"tEXt", b"Software\0" + software.encode("latin-1")),
        chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)),
        chunk(b"IEND", b""),
    ])  # fmt: skip


#: Tables of a TrueType font a PDF does not read: the glyph substitution and positioning rules
#: of text shaping (matplotlib places every glyph itself, by its index), and kerning.
_LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "kern")


#: Characters a figure's text is drawn from: ASCII, Latin-1 and Latin Extended-A, Greek,
#: punctuation, super- and subscripts, arrows, mathematical operators, and the Latin ligatures
#: (matplotlib draws "fi" and "fl" as one glyph): 975 of DejaVu Sans' 6,000 glyphs. Each font
#: is cut to their glyphs once per process (:func:`_working_cut`).
_WORKING_CHARS = (*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x370, 0x400), *range(0x2000, 0x20A0),
                  *range(0x2190, 0x2300), *range(0xFB00, 0xFB07))  # fmt: skip


def _subset_for_pdf(fontfile, glyphs):
    """matplotlib's ``_backend_pdf_ps.get_glyphs_subset`` (as in matplotlib 3.11) without the
    layout tables, and cut from a per-process cut of the font to its common characters.

    matplotlib subsets each font of a PDF with fontTools; reading and subsetting DejaVu Sans'
    substitution and positioning rules took 38 of the 62 ms of every embedding (1.2 s of the
    six figures of a contrast; 0.5 s without them, measured here). Of the 24 ms left, reading
    the whole font's glyph and character tables took two thirds: a subset of the working cut
    takes 5 ms, gives the same bytes and glyph map (checked on 200 random sets of characters,
    and in ``tests/unit/test_plots.py``), and a glyph outside the cut reads the whole font.
    Every character keeps its glyph, outline and advance, and the page the same operators
    (``tests/unit/test_plots.py`` compares the PDFs)."""
    from matplotlib.backends import _backend_pdf_ps

    face = getattr(fontfile, "face_index", 0)
    cut, to_cut = _working_cut(os.fspath(fontfile), face)
    if set(glyphs) <= to_cut.keys():
        font, in_cut = _subset(io.BytesIO(cut), 0, {to_cut[g] for g in glyphs})
        index = {g: in_cut[c] for g, c in to_cut.items() if c in in_cut}
    else:
        font, index = _subset(fontfile, face, glyphs)
    return _backend_pdf_ps.SubsetResults(font, index)._as_cm()


@functools.cache
def _working_cut(path: str, face: int) -> tuple[bytes, dict[int, int]]:
    """The font at ``path`` cut to the glyphs of :data:`_WORKING_CHARS` (and the glyphs they are
    built of), as font file bytes, and the map from the font's glyph indices to the cut's."""
    font, index = _subset(path, face, unicodes=_WORKING_CHARS)
    buffer = io.BytesIO()
    font.save(buffer, reorderTables=False)  # the file's order of tables, kept in every subset's file
    font.close()
    return buffer.getvalue(), index


def _subset(fontfile, face: int, gids=(), *, unicodes=()):
    """fontTools' subset of ``fontfile`` to ``gids`` or ``unicodes`` with matplotlib's options
    (glyph names, the recommended glyphs) and no layout tables; the font and its glyph map."""
    from fontTools import subset

    options = subset.Options(glyph_names=True, recommended_glyphs=True, layout_features=[])
    options.drop_tables += ["FFTM", "PfEd", "BDF", "meta", *_LAYOUT_TABLES]
    options.font_number = face
    font = subset.load_font(fontfile, options)
    for tag in _LAYOUT_TABLES:  # unread: else saving decompiles GSUB/GPOS to check their formats
        if tag in font:
            del font[tag]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(gids=gids, unicodes=unicodes)
    subsetter.subset(font)
    return font, subsetter.glyph_index_map


@contextlib.contextmanager
def _lean_pdf_fonts() -> Iterator[None]:
    """:func:`_subset_for_pdf` in place of matplotlib's subsetter while a PDF is written; a
    matplotlib without that function (or its result type) keeps its own."""
    from matplotlib.backends import _backend_pdf_ps

    original = getattr(_backend_pdf_ps, "get_glyphs_subset", None)
    if original is None or not hasattr(_backend_pdf_ps, "SubsetResults"):
        yield
        return
    _backend_pdf_ps.get_glyphs_subset = _subset_for_pdf
    try:
        yield
    finally:
        _backend_pdf_ps.get_glyphs_subset = original


@contextlib.contextmanager
def _pdf_writing() -> Iterator[None]:
    """While a PDF is written: lean font subsets, images placed reproducibly."""
    with _lean_pdf_fonts(), _stable_pdf_images():
        yield


@contextlib.contextmanager
def _stable_pdf_images() -> Iterator[None]:
    """PDF images placed by their transform rounded to 1e-9 pt (the PDF prints 10 decimals).

    An unsampled image (``image.interpolation: none``: the heatmaps) is placed by a
    transform composed with numpy's matrix products, whose last bits vary between processes
    (a zero came out as -7e-15 in one run of five, printed "-0"), so the same figure gave
    different PDF bytes."""
    from matplotlib.backends.backend_pdf import RendererPdf
    from matplotlib.transforms import Affine2D

    original = RendererPdf.draw_image

    def draw_image(self, gc, x, y, im, transform=None):
        if transform is not None:
            transform = Affine2D(transform.get_matrix().round(9) + 0.0)  # + 0.0: no negative zero
        return original(self, gc, x, y, im, transform)

    RendererPdf.draw_image = draw_image
    try:
        yield
    finally:
        RendererPdf.draw_image = original


def _stable_svg_ids(svg: str) -> str:
    """Renumber clip-path IDs in order of appearance.

    Matplotlib derives them from a hash that, for some clip paths, includes the repr of a
    Python object (its memory address), so they differ between processes even with
    ``svg.hashsalt`` fixed.
    """
    ids: dict[str, str] = {}
    for match in re.finditer(r'<clipPath id="([^"]+)"', svg):
        ids.setdefault(match.group(1), f"clip{len(ids)}")
    if not ids:
        return svg
    pattern = re.compile(r"(?<=[\"#])(" + "|".join(map(re.escape, ids)) + r")(?=[\")])")
    return pattern.sub(lambda m: ids[m.group(1)], svg)


def spread_labels(xs, ys, *, min_dy: float, x_window: float) -> list[float]:
    """Label heights that keep labels apart: from the lowest up, a label closer than
    ``min_dy`` (data units) to an already placed label within ``x_window`` is moved up.

    Deterministic and renderer-free, so labels do not overlap and figures stay reproducible.
    """
    order = sorted(range(len(ys)), key=lambda i: (ys[i], xs[i]))
    placed: list[tuple[float, float]] = []
    out = list(map(float, ys))
    for i in order:
        y = float(ys[i])
        moved = True
        while moved:
            moved = False
            for px, py in placed:
                if abs(px - xs[i]) < x_window and abs(py - y) < min_dy * (1 - 1e-9):
                    y = py + min_dy  # always upwards, so the loop ends
                    moved = True
        out[i] = y
        placed.append((float(xs[i]), y))
    return out
