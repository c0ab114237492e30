"""Assembling the signatures a study scores: its collections, the curated sets, a selection,
and the names later steps draw checked against them. Above the readers (:mod:`._genesets`,
:mod:`._collections`, :mod:`._curated`), so that none of them imports another's caller."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from .._utils import InputError
from ._collections import read_collection
from ._curated import curated_gene_sets
from ._genesets import GeneSet, select_gene_sets

__all__ = ["build_gene_sets"]

log = logging.getLogger(__name__)


def build_gene_sets(
    *,
    collections: dict[str, dict],
    files: Sequence[str | Path],
    curated: Sequence[str] = (),
    select: Sequence[str] | None = None,
    needed: Mapping[str, Sequence[str]] | None = None,
) -> list[GeneSet]:
    """Assemble the signatures to score: collections, then curated sets, then a selection.

    Parameters
    ----------
    collections
        Collection name -> its config (``format``, ``version``, ``source``, …; see
        :func:`cytoscore.resources.read_collection`), in the order of ``files``.
    files
        The file of each collection (downloaded or local).
    curated
        Names of curated sets (:func:`cytoscore.resources.curated_gene_sets`) to add.
    select
        Names to keep, in this order; None keeps all.
    needed
        Config key -> names that later steps draw (``plots.signatures``, ``plots.correlation``):
        a name not among the chosen sets is an error naming the key, here in the first job
        rather than in a figure after scoring.
    """
    if len(files) != len(collections):
        raise InputError(f"{len(collections)} collections but {len(files)} files")
    sets: list[GeneSet] = []
    for (name, spec), path in zip(collections.items(), files):
        sets += read_collection(path, name=name, spec=spec)
    available = {gs.name: gs for gs in curated_gene_sets()}
    unknown = [n for n in curated if n not in available]
    if unknown:
        raise InputError(f"unknown curated gene set(s) {unknown}; available: {sorted(available)}")
    sets += [available[n] for n in curated]
    chosen = select_gene_sets(sets, select)
    names = {gs.name for gs in chosen}
    for key, wanted in (needed or {}).items():
        missing = [n for n in wanted or () if n not in names]
        if missing:
            hints = {n: difflib.get_close_matches(n, sorted(names), n=2) for n in missing}
            detail = "; ".join(f"{n!r} (did you mean {h}?)" if h else repr(n) for n, h in hints.items())
            where = "gene_sets.select" if select is not None else "the collections and curated sets"
            raise InputError(f"config {key}: not among {where}: {detail}")
    # CytoSig fits all its cytokines jointly, whatever is shown: a selection that names some of
    # them carries the others along as fitted-only (reported False) for the cytosig method
    names = {gs.name for gs in chosen}
    for collection in dict.fromkeys(gs.collection for gs in chosen if gs.format == "cytosig"):
        rest = [gs for gs in sets if gs.collection == collection and gs.name not in names]
        if rest:
            log.info(
                "collection %s: %d CytoSig signatures fitted with the %d selected, not reported",
                collection,
                len(rest),
                sum(gs.collection == collection for gs in chosen),
            )
            chosen += [replace(gs, reported=False) for gs in rest]
    return chosen
