"""Gene sets: reading and writing GMT files, curated sets, selection by name."""

from __future__ import annotations

import difflib
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from .._utils import InputError, atomic_path
from ..io._text import read_text_lines

__all__ = [
    "GeneSet",
    "build_gene_sets",
    "gene_set_table",
    "pair_up_down",
    "read_gene_set_table",
    "read_gmt",
    "select_gene_sets",
    "write_gmt",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeneSet:
    """A named signature: gene symbols, optionally with a weight each, and where it comes from.

    Unweighted sets (``weights`` empty) count every gene with weight 1. Set-based
    methods use the genes only; weighted methods (``ulm``, ``cytosig``) use the weights.
    A *signed* set has weights +1 (genes that go up) and -1 (genes that go down): the set
    methods score its up and down genes and combine them as each method's reference does
    (:mod:`cytoscore.tl`), ``ulm`` regresses on the ±1 weights.
    """

    name: str
    genes: tuple[str, ...]
    collection: str = ""
    version: str = ""
    description: str = ""
    source: str = ""  # citation or URL
    weights: tuple[float, ...] = ()
    licence: str = ""
    extra: dict = field(default_factory=dict, compare=False)
    format: str = ""  # of the collection it was read from (gmt, progeny, cytosig, ...)
    # False for a signature that is fitted but not reported: CytoSig's cytokines outside the
    # selection, because CytoSig fits all of its signatures together (build_gene_sets)
    reported: bool = True

    def __post_init__(self) -> None:
        if not self.name or any(c in self.name for c in "\t\n,"):
            raise InputError(f"invalid gene set name {self.name!r}")
        if not self.genes:
            raise InputError(f"gene set {self.name!r} has no gene")
        if self.weights and len(self.weights) != len(self.genes):
            raise InputError(
                f"gene set {self.name!r}: {len(self.weights)} weights for {len(self.genes)} genes"
            )
        if self.weights and not all(math.isfinite(w) for w in self.weights):
            raise InputError(f"gene set {self.name!r}: weights must be finite numbers")

    @property
    def signed(self) -> bool:
        """Up (+1) and down (-1) genes, no other weights."""
        return bool(self.weights) and set(self.weights) <= {1.0, -1.0} and -1.0 in self.weights

    @property
    def weighted(self) -> bool:
        """Real-valued weights (a signed set is not weighted: the set methods score it)."""
        return bool(self.weights) and not self.signed

    @property
    def up_genes(self) -> tuple[str, ...]:
        return tuple(g for g, w in self.weight_of().items() if w > 0)

    @property
    def down_genes(self) -> tuple[str, ...]:
        return tuple(g for g, w in self.weight_of().items() if w < 0)

    def weight_of(self) -> dict[str, float]:
        """Gene -> weight (1 for every gene of an unweighted set)."""
        return dict(zip(self.genes, self.weights or (1.0,) * len(self.genes), strict=True))


def read_gmt(
    path: str | Path, *, collection: str = "", version: str = "", source: str = ""
) -> list[GeneSet]:
    """Read a GMT file: one set per line, ``name<TAB>description<TAB>gene<TAB>gene…``.

    LF and CRLF line endings are accepted; empty gene fields and repeated genes
    within a set are dropped (keeping first occurrence). A line with fewer than
    three fields or a set name used twice is an error naming the file and line.

    Parameters
    ----------
    path
        The GMT file.
    collection
        The sets' collection name.
    version
        The collection's version.
    source
        Its citation.

    Returns
    -------
    list[GeneSet]
        The sets, in file order.
    """
    path = Path(path)
    sets: list[GeneSet] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(read_text_lines(path), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        name = fields[0].strip()
        signs = _signs(g.strip() for g in fields[2:] if g.strip())
        genes = tuple(signs)
        if len(fields) < 3 or not name or not genes:
            raise InputError(
                f"{path}, line {lineno}: a GMT line needs a name, a description and at least "
                "one gene, separated by tabs"
            )
        if name in seen:
            raise InputError(f"{path}, line {lineno}: gene set {name!r} already defined on line {seen[name]}")
        seen[name] = lineno
        sets.append(
            GeneSet(
                name=name,
                genes=genes,
                collection=collection,
                version=version,
                description=fields[1].strip(),
                source=source,
                weights=tuple(signs.values()) if -1.0 in signs.values() else (),
            )
        )
    if not sets:
        raise InputError(f"{path}: no gene set in the file")
    return sets


def _signs(fields: Iterable[str]) -> dict[str, float]:
    """Gene -> +1 or -1 from UCell's convention: a trailing ``-`` marks a gene that goes down,
    a trailing ``+`` (or none) one that goes up. The first mention of a gene counts."""
    out: dict[str, float] = {}
    for field in fields:
        gene, sign = (field[:-1], -1.0) if field.endswith("-") else (field.rstrip("+"), 1.0)
        if gene:
            out.setdefault(gene, sign)
    return out


#: Suffixes of the two halves of a signed signature in collections that pair them.
UP_SUFFIXES = ("_UP",)
DOWN_SUFFIXES = ("_DN", "_DOWN")


def pair_up_down(sets: Sequence[GeneSet]) -> list[GeneSet]:
    """Merge each ``<NAME>_UP`` / ``<NAME>_DN`` (or ``_DOWN``) pair into one signed set
    ``<NAME>`` (its up genes +1, down genes -1; a gene in both halves is dropped, with a
    WARNING). Sets without a partner stay as they are.

    Parameters
    ----------
    sets
        Gene sets, e.g. of one GMT.

    Returns
    -------
    list[GeneSet]
        The sets with each pair merged into one signed set.
    """
    by_name = {gs.name: gs for gs in sets}
    out, used = [], set()
    for gs in sets:
        if gs.name in used:
            continue
        stem = next((gs.name[: -len(s)] for s in UP_SUFFIXES if gs.name.endswith(s)), None)
        down = next((by_name[stem + s] for s in DOWN_SUFFIXES if stem and stem + s in by_name), None)
        if stem is None or down is None or gs.weights or down.weights:
            out.append(gs)
            continue
        both = set(gs.genes) & set(down.genes)
        if both:
            log.warning("signed set %s: %d genes in both %s and %s dropped: %s", stem, len(both), gs.name, down.name, sorted(both)[:10])
        up_genes = [g for g in gs.genes if g not in both]
        down_genes = [g for g in down.genes if g not in both]
        out.append(
            replace(
                gs,
                name=stem,
                genes=(*up_genes, *down_genes),
                weights=(1.0,) * len(up_genes) + (-1.0,) * len(down_genes),
                description=f"signed: {gs.name} up, {down.name} down",
            )
        )
        used |= {gs.name, down.name}
    return out


def write_gmt(sets: Iterable[GeneSet], path: str | Path) -> None:
    """Write gene sets as GMT (LF line endings), atomically.

    Parameters
    ----------
    sets
        The sets (weights are not written).
    path
        The file.
    """
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="\n") as out:
            for gs in sets:
                genes = [g + ("-" if w < 0 else "+") for g, w in gs.weight_of().items()] if gs.signed else gs.genes
                out.write("\t".join([gs.name, gs.description or gs.source or "-", *genes]) + "\n")


def select_gene_sets(sets: Sequence[GeneSet], names: Sequence[str] | None) -> list[GeneSet]:
    """Return the sets called ``names``, in that order (all sets when ``names`` is None).

    Unknown names are an error that suggests the closest existing names.

    Parameters
    ----------
    sets
        The available sets.
    names
        The names wanted; ``None``: all.

    Returns
    -------
    list[GeneSet]
        The selected sets.
    """
    by_name: dict[str, GeneSet] = {}
    for gs in sets:
        if gs.name in by_name:
            raise InputError(
                f"gene set {gs.name!r} is defined in both {by_name[gs.name].collection!r} "
                f"and {gs.collection!r}"
            )
        by_name[gs.name] = gs
    if names is None:
        return list(sets)
    missing = [n for n in names if n not in by_name]
    if missing:
        hints = {n: difflib.get_close_matches(n, list(by_name), n=3) for n in missing}
        detail = "; ".join(f"{n!r} (did you mean {h}?)" if h else repr(n) for n, h in hints.items())
        raise InputError(f"unknown gene set name(s): {detail}")
    return [by_name[n] for n in dict.fromkeys(names)]


GENE_SET_COLUMNS = [
    "signature", "collection", "version", "n_genes", "description", "source", "licence", "genes", "weights",
    "format", "reported",
]


def gene_set_table(sets: Iterable[GeneSet]) -> pd.DataFrame:
    """One row per set: name, collection, version, size, description, source, licence,
    genes and (weighted signatures) their weights, comma-separated in the same order; the
    collection's format, and whether the set is reported or only fitted (``reported``).

    Parameters
    ----------
    sets
        The sets.

    Returns
    -------
    DataFrame
        One row per set.
    """
    return pd.DataFrame(
        [
            {
                "signature": gs.name,
                "collection": gs.collection,
                "version": gs.version,
                "n_genes": len(gs.genes),
                "description": gs.description,
                "source": gs.source,
                "licence": gs.licence,
                "genes": ",".join(gs.genes),
                "weights": ",".join(repr(float(w)) for w in gs.weights),
                "format": gs.format,
                "reported": gs.reported,
            }
            for gs in sets
        ],
        columns=GENE_SET_COLUMNS,
    )


def read_gene_set_table(path: str | Path) -> list[GeneSet]:
    """Read the table written from :func:`gene_set_table` back into gene sets.

    Parameters
    ----------
    path
        A ``gene_sets.tsv``.

    Returns
    -------
    list[GeneSet]
        The sets, with weights and provenance.
    """
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: cannot read the gene set table ({exc})") from exc
    missing = {"signature", "genes"} - set(table.columns)
    if missing:
        raise InputError(f"{path}: missing column(s) {sorted(missing)}")
    return [
        GeneSet(
            name=row["signature"],
            genes=tuple(g for g in row["genes"].split(",") if g),
            collection=row.get("collection", ""),
            version=row.get("version", ""),
            description=row.get("description", ""),
            source=row.get("source", ""),
            licence=row.get("licence", ""),
            weights=tuple(float(w) for w in row.get("weights", "").split(",") if w),
            format=row.get("format", ""),
            reported=str(row.get("reported", "True")).strip().lower() not in ("false", "0", "no"),
        )
        for _, row in table.iterrows()
    ]
