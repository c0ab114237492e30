"""The label map: every name a figure shows (signature, method, group, contrast, column) comes
from here, never a raw identifier; the config's ``plots.labels`` overrides any of them and
``plots.group_colors`` fixes group colours.

Figures drawn inside ``with use_labels(plots):`` use the ``plots`` config's names and colours
(the figure scripts draw inside one); outside, the defaults. The labels in use are a context
variable, not a global that one caller changes for the next: a block restores the previous
labels when it ends.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

__all__ = [
    "LabelMap",
    "use_labels",
    "get_labels",
    "short_label",
    "method_label",
    "group_label",
    "contrast_label",
    "column_label",
    "group_colors",
    "ordered_groups",
    "method_style",
    "OKABE_ITO",
    "MORE_GROUP_COLOURS",
    "METHOD_LABELS",
]

#: Okabe & Ito (2008) colour-blind-safe palette (black moved last): group colours.
OKABE_ITO = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)

#: Group colours past Okabe–Ito's 8 (a stimulation panel of 8 cytokines and its control has 9
#: groups): from Paul Tol's qualitative schemes, taken in turn when at least 25 CIELAB ΔE from
#: every colour before (Okabe–Ito's closest pair: 26.4), no grey (the methods' fills). Beyond
#: these 16, colours repeat, with a WARNING.
MORE_GROUP_COLOURS = ("#882255", "#DDCC77", "#332288", "#AA4499", "#EE3377", "#997700", "#225555", "#663333")

#: Labels of the scoring methods, the one place they are written (``cytoscore.tl.METHODS``
#: entries read theirs from here; the figures do without importing the scoring kernels).
METHOD_LABELS = {
    "mean_z": "mean z-score",
    "ssgsea": "ssGSEA",
    "gsva": "GSVA",
    "singscore": "singscore",
    "ucell": "UCell",
    "aucell": "AUCell",
    "ulm": "ulm (weighted)",
    "cytosig": "CytoSig ridge",
    "score_genes": "scanpy score_genes",
}

#: Method encodings: markers and shades of grey, never a group colour.
_METHOD_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">")
_METHOD_FILLS = ("#FFFFFF", "#BBBBBB", "#555555")

#: Column names shown on axes.
_COLUMNS = {
    "sample_id": "sample",
    "observation": "sample",
    "cluster_id": "cell type",
    "cell_type": "cell type",
    "group_id": "condition",
    "donor": "donor",
    "ind": "donor",
}

_WORDS = {
    "INTERFERON": "IFN",
    "ALPHA": "α",
    "GAMMA": "γ",
    "BETA": "β",
    "LAMBDA": "λ",
    "RESPONSE": "response",
    "SIGNALING": "signalling",
    "INFLAMMATORY": "inflammatory",
    "VIA": "via",
    "NFKB": "NF-κB",
    "TNFA": "TNF-α",
    "TYPE1": "type I",
    "TYPE2": "type II",
    "SPECIFIC": "specific",
    "CORE": "core",
    "UP": "up",
    "DN": "down",
}

#: Curated sets (cytoscore.resources) whose names do not read well word by word.
_SIGNATURES = {
    "IFN_SCORE_RICE2017": "IFN score (Rice 2017)",
    "JAKSTAT_CORE": "JAK/STAT core",
    "IFN_TYPE1_SPECIFIC": "type I IFN-specific",
    "IFN_GAMMA_SPECIFIC": "IFN-γ-specific",
    "HALLMARK_IL6_JAK_STAT3_SIGNALING": "IL-6/JAK/STAT3 signalling",
    "HALLMARK_IL2_STAT5_SIGNALING": "IL-2/STAT5 signalling",
    "HALLMARK_PI3K_AKT_MTOR_SIGNALING": "PI3K/AKT/mTOR signalling",
    "HALLMARK_WNT_BETA_CATENIN_SIGNALING": "WNT/β-catenin signalling",
    "HALLMARK_EPITHELIAL_MESENCHYMAL_TRANSITION": "EMT",
}

MAX_LABEL = 28


#: Short upper-case words that are plain words, not gene or complex names.
_PLAIN = {"UP", "DOWN", "DN", "LATE", "HEME", "BILE", "ACID", "TO", "OF", "BY", "AND", "THE", "IN", "VIA", "CELL", "CELLS"}


def _word(w: str) -> str:
    """An upper-case word in lower case unless it reads as a symbol: a gene, complex or
    acronym (a digit in it, or 4 letters or fewer)."""
    if not w.isupper() or any(ch.isdigit() for ch in w) or (len(w) <= 4 and w not in _PLAIN):
        return w
    return w.lower()


#: Collections whose members are named after one pathway or cytokine each.
_SOURCES = {"PROGENY": "PROGENy", "CYTOSIG": "CytoSig"}


def _auto_signature(name: str) -> str:
    source = next((label for prefix, label in _SOURCES.items() if name.startswith(prefix + "_")), None)
    if source:
        return f"{name.split('_', 1)[1].replace('_', '-')} ({source})"
    stem = re.sub(r"^(HALLMARK|KEGG|REACTOME|GO|BIOCARTA)_", "", name)
    out: list[str] = []
    for w in (w for w in stem.split("_") if w):
        mapped = _WORDS.get(w.upper())
        if mapped in ("α", "β", "γ", "λ") and out and out[-1] in ("IFN", "TGF", "TNF", "IL1"):
            out[-1] = f"{out[-1]}-{mapped}"
        elif mapped in ("α", "β", "γ", "λ") and out and out[-1].startswith("IFN-"):
            out[-1] = f"{out[-1]}/{mapped}"
        elif mapped is not None:
            out.append(mapped)
        else:
            out.append(_word(w))
    return " ".join(out)


def _clip(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


@dataclass
class LabelMap:
    """Names shown in figures; each mapping overrides the defaults for its kind."""

    signatures: dict[str, str] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    contrasts: dict[str, str] = field(default_factory=dict)
    colors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_plots(cls, plots: Mapping | None) -> LabelMap:
        """The label map of a ``plots`` config (its ``labels`` and ``group_colors``)."""
        plots = plots or {}
        labels = plots.get("labels") or {}
        return cls(
            **{k: dict(labels.get(k) or {}) for k in ("signatures", "methods", "groups", "contrasts")},
            colors=dict(plots.get("group_colors") or {}),
        )

    def signature(self, name: str) -> str:
        name = str(name)
        if name in self.signatures:
            return self.signatures[name]
        return _clip(_SIGNATURES.get(name) or _auto_signature(name))

    def method(self, name: str) -> str:
        return self.methods.get(name) or METHOD_LABELS.get(name, str(name))

    def group(self, name: str) -> str:
        return self.groups.get(str(name), str(name))

    def contrast(self, name: str) -> str:
        name = str(name)
        if name in self.contrasts:
            return self.contrasts[name]
        parts = name.split("_vs_")
        return " vs ".join(self.group(p) for p in parts).replace("_", " ")

    def column(self, name: str) -> str:
        return _COLUMNS.get(str(name), str(name).replace("_", " "))


_DEFAULT = LabelMap()
_ACTIVE: ContextVar[LabelMap | None] = ContextVar("cytoscore_labels", default=None)


@contextmanager
def use_labels(plots: Mapping | LabelMap | None) -> Iterator[LabelMap]:
    """Figures drawn in the block use the ``plots`` config's ``labels`` and ``group_colors``
    (or a :class:`LabelMap`); the labels in use before are back when the block ends.

    Parameters
    ----------
    plots
        The ``plots`` config (its ``labels`` and ``group_colors`` are read), a :class:`LabelMap`, or
        ``None`` for the defaults.

    Returns
    -------
    Iterator[LabelMap]
        The labels in use inside the block (a context manager).
    """
    token = _ACTIVE.set(plots if isinstance(plots, LabelMap) else LabelMap.from_plots(plots))
    try:
        yield get_labels()
    finally:
        _ACTIVE.reset(token)


def get_labels() -> LabelMap:
    """The labels in use (:func:`use_labels`), else the defaults.

    Returns
    -------
    LabelMap
        The labels of the innermost :func:`use_labels` block, else the default (empty) map.
    """
    return _ACTIVE.get() or _DEFAULT


def short_label(name: str) -> str:
    """Readable signature label: ``HALLMARK_INTERFERON_ALPHA_RESPONSE`` -> ``IFN-α response``.

    Parameters
    ----------
    name
        A signature name, e.g. ``HALLMARK_INTERFERON_ALPHA_RESPONSE``.

    Returns
    -------
    str
        The configured label (``plots.labels.signatures``, as written), else the curated one, else a
        readable form of the name; the latter two clipped to 28 characters (``MAX_LABEL``).
    """
    return get_labels().signature(name)


def method_label(name: str) -> str:
    """Readable label of a scoring method: ``mean_z`` -> ``mean z-score``.

    Parameters
    ----------
    name
        A method name (``cytoscore.tl.METHODS`` key).

    Returns
    -------
    str
        The configured label (``plots.labels.methods``), else the one in :data:`METHOD_LABELS`, else ``name``.
    """
    return get_labels().method(name)


def group_label(name: str) -> str:
    """Label of a group (a condition) as figures show it.

    Parameters
    ----------
    name
        A group name (converted with ``str``).

    Returns
    -------
    str
        The configured label (``plots.labels.groups``), else the name unchanged.
    """
    return get_labels().group(name)


def contrast_label(name: str) -> str:
    """Label of a contrast: ``IFN_vs_control`` -> ``IFN vs control``.

    Parameters
    ----------
    name
        A contrast name, groups joined by ``_vs_`` (converted with ``str``).

    Returns
    -------
    str
        The configured label (``plots.labels.contrasts``), else the groups' labels (:func:`group_label`)
        joined with ``vs`` between them, every ``_`` then written as a space.
    """
    return get_labels().contrast(name)


def column_label(name: str) -> str:
    """Label of a table column shown on an axis: ``cluster_id`` -> ``cell type``.

    Parameters
    ----------
    name
        A column name (converted with ``str``).

    Returns
    -------
    str
        The fixed label of a known column (``sample_id``, ``group_id``, ...), else the name with each
        ``_`` written as a space; the config does not override these.
    """
    return get_labels().column(name)


def ordered_groups(order: Sequence[str] | None, present) -> list[str]:
    """The groups present, in ``order`` (the dataset's group order) and then sorted.

    Parameters
    ----------
    order
        The dataset's group order; groups in it but not present are left out. ``None``: no order.
    present
        The groups present (any iterable; values converted with ``str``, duplicates ignored).

    Returns
    -------
    list[str]
        The present groups listed in ``order`` first, in that order, then the others sorted.
    """
    present = set(map(str, present))
    first = list(dict.fromkeys(str(g) for g in (order or []) if str(g) in present))
    return first + sorted(present - set(first))


def group_colors(groups: Sequence[str]) -> dict[str, str]:
    """One colour per group: the configured ``plots.group_colors``, else the dataset's group
    order (passed by every figure of a dataset, so a group keeps its colour across figures).

    Parameters
    ----------
    groups
        The groups in the dataset's order; each keeps the colour of its position, so a contrast of 2 of 3
        groups colours them as the other figures do.

    Returns
    -------
    dict
        Group -> hex colour: the configured ``plots.group_colors``, else the Okabe–Ito palette in order
        and then :data:`MORE_GROUP_COLOURS`, skipping configured colours.
    """
    out: dict[str, str] = {}
    fixed = get_labels().colors
    palette = OKABE_ITO + MORE_GROUP_COLOURS
    # every palette colour configured for some group: the others reuse the palette in order
    free = [c for c in palette if c not in set(fixed.values())] or list(palette)
    for g in dict.fromkeys(map(str, groups)):
        out[g] = fixed.get(g) or free[len([k for k in out if k not in fixed]) % len(free)]
    unconfigured = [g for g in out if g not in fixed]
    if len(unconfigured) > len(free):
        _warn_shared_colours(tuple(unconfigured[len(free) :]), len(free))
    return out


@functools.cache
def _warn_shared_colours(groups: tuple[str, ...], n: int) -> None:
    """Once per process for the same groups (every figure of a dataset asks)."""
    log.warning(
        "%d groups share a colour with another: more groups than the %d distinguishable colours "
        "(name each group's colour in plots.group_colors, or merge groups): %s",
        len(groups), n, ", ".join(groups),
    )  # fmt: skip


def method_style(methods: Sequence[str]) -> dict[str, dict]:
    """Marker and grey fill per method (never a group colour), in the order given.

    Parameters
    ----------
    methods
        The methods, in the order that assigns styles (markers repeat after 9, fills after 3).

    Returns
    -------
    dict
        Method -> ``{"marker": ..., "facecolor": ...}``, keyword arguments for matplotlib.
    """
    return {
        m: {"marker": _METHOD_MARKERS[i % len(_METHOD_MARKERS)], "facecolor": _METHOD_FILLS[i % len(_METHOD_FILLS)]}
        for i, m in enumerate(methods)
    }
