import hashlib

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT

from cytoscore import InputError
from cytoscore.pl import format_p, group_colors, save_figure, score_heatmap, short_label, signature_boxplot
from cytoscore.tl import Design, compare_groups


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    obs = [f"GSM{i}" for i in range(12)]
    groups = pd.Series(["healthy"] * 5 + ["RA"] * 4 + ["OA"] * 3, index=obs)
    rows = []
    for sig in ("HALLMARK_INTERFERON_ALPHA_RESPONSE", "IFN_SCORE_RICE2017", "JAKSTAT_CORE"):
        values = rng.normal(size=12) + np.where(groups == "RA", 2.0, 0.0)
        rows += [
            {"observation": o, "signature": sig, "method": "mean_z", "score": v}
            for o, v in zip(obs, values, strict=True)
        ]
    scores = pd.DataFrame(rows)
    comparison = compare_groups(
        scores, groups, Design(target="RA", reference="healthy", name="RA_vs_healthy")
    )
    return scores, groups, comparison


def test_labels_and_colours():
    assert short_label("HALLMARK_INTERFERON_ALPHA_RESPONSE") == "IFN-α response"
    assert short_label("HALLMARK_TNFA_SIGNALING_VIA_NFKB") == "TNF-α signalling via NF-κB"
    assert short_label("IFN_SCORE_RICE2017") == "IFN score (Rice 2017)"
    assert group_colors(["healthy", "RA"]) == {"healthy": "#0072B2", "RA": "#E69F00"}
    assert format_p(0.0123) == "0.012" and format_p(3.2e-7) == "3.2e-07" and format_p(np.nan) == "NA"


def test_boxplot_content(data):
    scores, groups, comparison = data
    fig, source = signature_boxplot(
        scores, groups, comparison, method="mean_z", group_order=["healthy", "RA", "OA"]
    )
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["IFN-α response", "IFN score (Rice 2017)", "JAK/STAT core"]
    ticks = [t.get_text() for t in axes[0].get_xticklabels()]
    assert ticks == ["healthy\n(n=5)", "RA\n(n=4)"]
    row = comparison.set_index("signature").loc["IFN_SCORE_RICE2017"]
    annotation = [t.get_text() for t in axes[1].texts][0]
    # the difference of means the effects figures draw, and the primary test's FDR with its stars
    from cytoscore._significance import stars

    diff = f"{row.mean_difference:.2f}".replace("-", "−")
    assert annotation == f"Δ = {diff}, FDR = {format_p(row.fdr)}{stars(row.fdr)}"
    # two samples per group: the difference is shown, the test is not marked
    small = comparison.assign(small_n=True, markable=False)
    fig, _ = signature_boxplot(scores, groups, small, method="mean_z", group_order=["healthy", "RA", "OA"])
    assert [t.get_text() for t in fig.axes[1].texts][0] == f"Δ = {diff}; n too small to test"
    # one point per sample of the two groups in each panel; OA is not drawn
    assert len(source) == 3 * 9 and set(source["group"]) == {"healthy", "RA"}
    points = axes[0].collections[0].get_offsets()[:, 1]
    expected = scores[(scores.signature == "HALLMARK_INTERFERON_ALPHA_RESPONSE")].set_index("observation")[
        "score"
    ]
    np.testing.assert_allclose(sorted(points), sorted(expected[groups == "healthy"]))
    assert fig._suptitle.get_text() == "RA vs healthy"
    with pytest.raises(InputError, match="is in the comparison"):
        signature_boxplot(scores, groups, comparison, method="mean_z", signatures=["NOPE"])


def test_heatmap_content(data):
    scores, groups, _ = data
    fig, source = score_heatmap(
        scores, groups, method="mean_z", group_order=["healthy", "RA", "OA"], cluster=False
    )
    heat = fig.axes[0]
    image = heat.images[0].get_array()
    assert image.shape == (3, 12)  # signatures x samples
    assert [t.get_text() for t in heat.get_yticklabels()] == [
        "IFN-α response",
        "IFN score (Rice 2017)",
        "JAK/STAT core",
    ]
    # columns ordered by group: 5 healthy, then RA, then OA
    assert (
        source.drop_duplicates("observation")["group"].tolist() == ["healthy"] * 5 + ["RA"] * 4 + ["OA"] * 3
    )
    np.testing.assert_allclose(source.groupby("signature")["zscore"].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(image).T.ravel(), source["zscore"].to_numpy())
    legend = [t.get_text().strip() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert legend == ["group", "healthy", "RA", "OA"]
    from matplotlib.collections import LineCollection

    def links(ax):  # a dendrogram's links: one U (4 points) per merge, in one collection
        segments = [s for c in ax.collections if isinstance(c, LineCollection) for s in c.get_segments()]
        assert all(len(s) == 4 for s in segments)
        return len(segments)

    assert not any(ax.get_lines() or links(ax) for ax in fig.axes[2:])  # not clustered: no dendrogram
    # clustered: samples stay in their group blocks, every cell is still drawn once, and the
    # dendrograms are scipy's: one U per merge, 4 + 3 + 2 within the groups, 2 for the signatures
    obs = pd.DataFrame({"group": groups, "sex": ["F", "M"] * 6})
    fig, clustered = score_heatmap(
        scores, obs, method="mean_z", group_order=["healthy", "RA", "OA"], annotations=["sex"]
    )
    assert (
        clustered.drop_duplicates("observation")["group"].tolist()
        == ["healthy"] * 5 + ["RA"] * 4 + ["OA"] * 3
    )
    assert sorted(map(tuple, clustered[["observation", "signature"]].to_numpy())) == sorted(
        map(tuple, source[["observation", "signature"]].to_numpy())
    )
    heat, bars, top, left = fig.axes[:4]
    assert [t.get_text() for t in bars.get_yticklabels()] == ["group", "sex"]  # the annotation bars
    assert links(top) == 4 + 3 + 2 and links(left) == 2
    legend = [t.get_text().strip() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert legend == ["group", "healthy", "RA", "OA", "sex", "F", "M"]


def test_covariates_with_many_levels_keep_the_most_frequent_and_other():
    from cytoscore.pl._scores import _covariate_palette

    values = pd.Series([f"batch{i % 17:02d}" for i in range(100)] + ["batch00"] * 20)
    colours, legend = _covariate_palette(values)
    assert len(legend) == 8 and list(legend)[-1] == "other (10 levels)"
    assert "batch00" in legend  # the most frequent level keeps its colour
    assert (colours[values == "batch16"] == legend["other (10 levels)"]).all()
    numbers, legend = _covariate_palette(pd.Series([str(a) for a in range(20, 70)]))
    assert list(legend) == ["20", "69"] and numbers.nunique() > 40  # age: a continuous scale


def test_saved_figures_are_byte_identical(tmp_path, data):
    scores, groups, comparison = data
    digests = []
    for run in ("a", "b"):
        fig, _ = signature_boxplot(scores, groups, comparison, method="mean_z")
        paths = save_figure(fig, tmp_path / run / "box", dpi=100)
        digests.append([hashlib.sha256(p.read_bytes()).hexdigest() for p in paths])
        assert [p.suffix for p in paths] == [".svg", ".pdf", ".png"]
    assert digests[0] == digests[1]
    svg = (tmp_path / "a" / "box.svg").read_text()
    assert "<dc:date>" not in svg and "IFN score (Rice 2017)" in svg  # editable text, no date


def test_svg_is_identical_across_processes(tmp_path):
    """Matplotlib's clip-path IDs can depend on object addresses; save_figure renumbers them."""
    import subprocess
    import sys

    script = f"""
import sys
sys.path.insert(0, {str(ROOT / "workflow")!r})
import numpy as np, pandas as pd
from cytoscore.pl import save_figure, score_heatmap
rng = np.random.default_rng(1)
obs = [f"s{{i}}" for i in range(8)]
groups = pd.Series(["a"] * 4 + ["b"] * 4, index=obs)
rows = [{{"observation": o, "signature": s, "method": "m", "score": rng.normal()}} for s in ("X", "Y") for o in obs]
fig, _ = score_heatmap(pd.DataFrame(rows), groups, method="m")
save_figure(fig, sys.argv[1], formats=["svg"])
"""
    for name in ("one", "two"):
        subprocess.run([sys.executable, "-c", script, str(tmp_path / name)], check=True)
    assert (tmp_path / "one.svg").read_bytes() == (tmp_path / "two.svg").read_bytes()
    assert 'clip-path="url(#clip0)"' in (tmp_path / "one.svg").read_text()


def _pdf_fonts(path):
    """Each embedded font of a matplotlib PDF: {font name: (TTFont, {CID: glyph name})}."""
    import io
    import re
    import zlib

    from fontTools.ttLib import TTFont

    objects = {}
    for m in re.finditer(rb"(\d+) 0 obj\n(.*?)endobj", path.read_bytes(), re.S):
        head, _, body = m[2].partition(b"stream\n")
        objects[int(m[1])] = (head, body.rsplit(b"\nendstream", 1)[0])

    def stream(ref):
        head, body = objects[int(ref)]
        return zlib.decompress(body) if b"FlateDecode" in head else body

    fonts = {}
    for head, _ in objects.values():
        if b"/CIDFontType2" not in head:
            continue
        name = re.search(rb"/BaseFont /(\S+)", head)[1].decode()
        descriptor = objects[int(re.search(rb"/FontDescriptor (\d+) 0 R", head)[1])][0]
        font = TTFont(io.BytesIO(stream(re.search(rb"/FontFile2 (\d+) 0 R", descriptor)[1])))
        cid_to_gid = stream(re.search(rb"/CIDToGIDMap (\d+) 0 R", head)[1])
        order = font.getGlyphOrder()
        gids = [int.from_bytes(cid_to_gid[i : i + 2], "big") for i in range(0, len(cid_to_gid), 2)]
        fonts[name] = (font, {cid: order[gid] for cid, gid in enumerate(gids) if gid})
    return fonts


def test_pdf_embeds_the_glyphs_matplotlib_does_without_its_layout_tables(tmp_path, data, monkeypatch):
    """save_figure subsets the PDF's fonts without their substitution/positioning tables (faster):
    every character maps to the same glyph, with the same outline and advance, as with matplotlib's
    own subsetter; the page is drawn by the same operators."""
    import contextlib
    import re
    import zlib

    from cytoscore.pl import _style

    scores, groups, comparison = data
    fig, _ = signature_boxplot(scores, groups, comparison, method="mean_z")
    fig.suptitle("IFN-α/β, TNF-κB: fi fl ffi")  # Greek, and ligatures the substitution rules would add
    save_figure(fig, tmp_path / "lean", formats=["pdf"])
    monkeypatch.setattr(_style, "_lean_pdf_fonts", contextlib.nullcontext)
    fig, _ = signature_boxplot(scores, groups, comparison, method="mean_z")
    fig.suptitle("IFN-α/β, TNF-κB: fi fl ffi")
    save_figure(fig, tmp_path / "mpl", formats=["pdf"])
    lean, full = _pdf_fonts(tmp_path / "lean.pdf"), _pdf_fonts(tmp_path / "mpl.pdf")
    # regular and bold, each with a second subset for its non-ASCII glyphs
    assert lean.keys() == full.keys() and len(lean) >= 2
    assert sum(len(cids) for _, cids in lean.values()) > 30
    for name, (font, cids) in lean.items():
        ref_font, ref_cids = full[name]
        assert cids == ref_cids  # every character: the same glyph
        assert "GSUB" in ref_font and not {"GSUB", "GPOS", "GDEF"} & set(font.keys())
        assert len(font.getGlyphOrder()) <= len(ref_font.getGlyphOrder())
        for glyph in cids.values():
            assert font["glyf"][glyph].getCoordinates(font["glyf"]) == ref_font["glyf"][glyph].getCoordinates(
                ref_font["glyf"]
            )
            assert font["hmtx"][glyph] == ref_font["hmtx"][glyph]

    glyphs = [sum(len(f.getGlyphOrder()) for f, _ in fonts.values()) for fonts in (lean, full)]
    assert glyphs[0] < glyphs[1]  # no closure over the ligatures (fi, fl, ffi) of the substitution rules

    def pages(path):  # the drawing operators: the streams that show text
        streams = re.findall(rb"stream\n(.*?)\nendstream", path.read_bytes(), re.S)
        return [text for text in map(zlib.decompress, streams) if b" Tj" in text or b"TJ" in text]

    assert pages(tmp_path / "lean.pdf") == pages(tmp_path / "mpl.pdf") != []


def test_a_pdf_font_subset_from_the_working_cut_is_the_subset_of_the_whole_font():
    """Each PDF's font subset is taken from a per-process cut of the font to its common
    characters: the same bytes and glyph map as the subset of the whole font file, for sets of
    1 to 120 characters; a character outside the cut (Cyrillic) is read from the whole font."""
    import io
    import random

    from matplotlib import font_manager

    from cytoscore.pl import _style

    path = font_manager.findfont("DejaVu Sans")
    cmap = font_manager.get_font(path).get_charmap()
    inside = [c for c in _style._WORKING_CHARS if c in cmap]
    rng = random.Random(0)
    sets = [rng.sample(inside, k) for k in (1, 5, 40, 120)] + [[ord("Ж"), ord("a")]]
    assert cmap[ord("Ж")] not in _style._working_cut(path, 0)[1]

    def saved(font):  # as matplotlib embeds it (_backend_pdf_ps.font_as_file)
        buffer = io.BytesIO()
        font.save(buffer, reorderTables=False)
        return buffer.getvalue()

    for chars in sets:
        gids = {cmap[c] for c in chars}
        with _style._subset_for_pdf(path, gids) as subset:
            got, index = saved(subset.font), subset.glyph_index_map
        font, expected = _style._subset(path, 0, gids)
        assert got == saved(font) and index == expected and gids <= index.keys()


def test_a_figure_pdf_reads_no_whole_font(tmp_path, monkeypatch):
    """The text of a figure, ligatures included (matplotlib draws "fi" as one glyph), is cut
    from the working cut: no PDF reads the 6,000-glyph font file again."""
    import io

    from cytoscore.pl import _style

    read = []  # per subset: from the cut (True) or the font file (False); the cut itself is not counted
    subset = _style._subset

    def counted(fontfile, *args, **kwargs):
        if not kwargs.get("unicodes"):
            read.append(isinstance(fontfile, io.BytesIO))
        return subset(fontfile, *args, **kwargs)

    monkeypatch.setattr(_style, "_subset", counted)
    fig = _style.figure("single", height_mm=40)
    fig.suptitle("Specificity of the fi/fl ligatures: IFN-α/β, ρ ≥ 0.5, −log10 FDR", fontweight="bold")
    fig.text(0.5, 0.5, "fi fl ffi ffl × ± ≤ → é ü µ")
    save_figure(fig, tmp_path / "f", formats=["pdf"])
    assert read and all(read)


def test_an_empty_axis_label_is_not_placed_and_the_files_do_not_change(tmp_path, monkeypatch):
    """save_figure leaves an axis label without text where it is (matplotlib measures every
    tick label again to move it, at each layout pass and draw): the same SVG and PDF bytes as
    with matplotlib placing it, the labelled axis still placed, and placing restored after."""
    import contextlib

    from matplotlib.axis import Axis

    from cytoscore.pl import _style

    def make():
        fig = _style.figure("single", height_mm=50)
        ax = fig.add_subplot()
        ax.plot(range(12), range(12))
        ax.set_yticks(range(12), [f"signature {i}" for i in range(12)])
        ax.set_xlabel("samples")  # the y axis has no label
        return fig, ax

    placed = []
    siblings = Axis._get_tick_boxes_siblings
    monkeypatch.setattr(Axis, "_get_tick_boxes_siblings", lambda self, *a, **k: placed.append(self.axis_name) or siblings(self, *a, **k))
    fig, ax = make()
    save_figure(fig, tmp_path / "kept", formats=["svg", "pdf"])
    assert placed and set(placed) == {"x"} and ax.yaxis._autolabelpos
    placed.clear()
    monkeypatch.setattr(_style, "_empty_labels_kept", lambda fig: contextlib.nullcontext())
    save_figure(make()[0], tmp_path / "placed", formats=["svg", "pdf"])
    assert set(placed) == {"x", "y"}
    for fmt in ("svg", "pdf"):
        assert (tmp_path / f"kept.{fmt}").read_bytes() == (tmp_path / f"placed.{fmt}").read_bytes()


def test_heatmap_pdf_does_not_depend_on_the_last_bits_of_its_image_transform(tmp_path, monkeypatch):
    """An unsampled image (the heatmaps) is placed by a composed transform whose last bits
    varied between processes (a zero as -7e-15, printed "-0"): with such noise added, the
    PDF is the same bytes."""
    import matplotlib as mpl
    from matplotlib.image import AxesImage
    from matplotlib.transforms import Affine2D

    def heatmap():
        fig = mpl.figure.Figure(figsize=(2, 2))
        fig.add_axes((0.1, 0.1, 0.8, 0.8)).imshow(np.arange(12.0).reshape(3, 4), aspect="auto", interpolation="none")
        return fig

    make_image = AxesImage.make_image
    pdfs = []
    for shift in (-7e-15, 7e-15):  # a zero either side of 0: printed "-0" or "0" unless rounded

        def noisy(self, renderer, magnification=1.0, unsampled=False, shift=shift):
            im, x, y, trans = make_image(self, renderer, magnification, unsampled)
            return im, x, y, (trans + Affine2D().translate(shift, shift) if unsampled else trans)

        monkeypatch.setattr(AxesImage, "make_image", noisy)
        (pdf,) = save_figure(heatmap(), tmp_path / f"heatmap{len(pdfs)}", formats=["pdf"])
        pdfs.append(pdf.read_bytes())
    assert pdfs[0] == pdfs[1]


def test_png_is_the_pdf_rasterized_with_matplotlibs_size_and_picture(tmp_path, data):
    """save_figure's PNG is its PDF rasterized by PDFium: matplotlib's pixel size and
    resolution, its picture (the same dark pixels, colours within a few levels), and a
    filled area keeps its exact colour; a PNG alone leaves no PDF behind."""
    import matplotlib as mpl
    from PIL import Image

    from cytoscore.pl import STYLE

    scores, groups, comparison = data
    fig, _ = signature_boxplot(scores, groups, comparison, method="mean_z")
    (png,) = save_figure(fig, tmp_path / "box", formats=["png"], dpi=300)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["box.png"]
    with mpl.rc_context(STYLE):
        fig.savefig(tmp_path / "mpl.png", dpi=300)  # the layout save_figure computed (engine off)
    ours, theirs = Image.open(png), Image.open(tmp_path / "mpl.png")
    assert ours.mode == "RGB" and ours.size == theirs.size
    assert np.allclose(ours.info["dpi"], theirs.info["dpi"], atol=0.01) and "PDFium" in ours.info["Software"]
    a = np.asarray(ours).astype(int)
    b = np.asarray(theirs.convert("RGB")).astype(int)
    dark_a, dark_b = a.mean(axis=2) < 128, b.mean(axis=2) < 128
    # the same strokes and glyphs, within a pixel: the two rasterizers place pixel centres
    # half a pixel apart and hint glyphs differently (0.77 of the dark pixels shared, measured)
    shared = max(
        (np.roll(dark_a, (dy, dx), axis=(0, 1)) & dark_b).sum() / (np.roll(dark_a, (dy, dx), axis=(0, 1)) | dark_b).sum()
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )
    assert dark_a.sum() > 10_000 and shared > 0.7
    assert np.abs(a - b).mean() < 6.0  # 4.2 levels of 255, measured

    Image.open(png).verify()  # every chunk's CRC
    fig, _ = signature_boxplot(scores, groups, comparison, method="mean_z")
    pdf, png = save_figure(fig, tmp_path / "both", formats=["pdf", "png"], dpi=150)
    import pypdfium2  # the PNG holds PDFium's pixels of the PDF, all of them, losslessly

    bitmap = pypdfium2.PdfDocument(pdf)[0].render(scale=150 / 72, fill_color=(255, 255, 255, 255), rev_byteorder=True)
    pixels = np.asarray(Image.open(png))
    assert np.array_equal(pixels, bitmap.to_numpy()[: pixels.shape[0], : pixels.shape[1]])
    assert pixels.shape[:2] == (int(fig.get_figheight() * 150), int(fig.get_figwidth() * 150))

    fill = mpl.figure.Figure(figsize=(2, 1))
    ax = fill.add_axes((0, 0, 1, 1))
    ax.add_patch(mpl.patches.Rectangle((0.25, 0.25), 0.5, 0.5, color=(0.2, 0.4, 0.6)))
    (png,) = save_figure(fill, tmp_path / "fill", formats=["png"], dpi=100)
    pixels = np.asarray(Image.open(png))
    assert pixels.shape == (100, 200, 3)
    assert tuple(pixels[50, 100]) == (51, 102, 153) and tuple(pixels[5, 5]) == (255, 255, 255)
