"""Signature collections by format: GMT files, PROGENy, CytoSig, blood transcription
modules, user weight tables — and the record of what was used (version, source,
licence, SHA-256).

Every reader takes the file a collection points at (downloaded by the workflow's
mirror-aware downloader, or a local path) and returns :class:`GeneSet` objects whose
``collection``, ``version``, ``source`` and ``licence`` come from the config.
Resources that ship inside a PyPI package (CytoSig, BTM) are read from the package
archive itself (the sdist or wheel, pinned by its SHA-256), so that they come from
the same downloader and mirror as everything else and never need the package
installed: CytoSig's own dependency (``data_significance``) does not build against
numpy 2.
"""

from __future__ import annotations

import ast
import dataclasses
import io
import re
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .._utils import InputError, sha256_file
from ._curated import CURATED_VERSION
from ._genesets import GeneSet, pair_up_down, read_gmt

__all__ = ["FORMATS", "read_collection", "resource_record", "resource_table", "read_archive_member"]

#: Default member of a package archive for each format that ships in one.
ARCHIVE_MEMBERS = {"cytosig": "signature.centroid", "btm": "btm2013.py"}


def read_archive_member(path: str | Path, member: str) -> bytes:
    """Bytes of the member of a ``.tar.gz`` / ``.whl`` / ``.zip`` archive whose path is
    ``member`` or ends with ``/member``; a plain file is returned whole.

    Parameters
    ----------
    path
        The archive (or a plain file).
    member
        The member's path, or its end.

    Returns
    -------
    bytes
        The member's content.
    """
    path = Path(path)
    try:
        if tarfile.is_tarfile(path):
            with tarfile.open(path) as tar:
                names = [m for m in tar.getmembers() if m.isfile() and _matches(m.name, member)]
                _one(names, path, member, [m.name for m in tar.getmembers()])
                return tar.extractfile(names[0]).read()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if _matches(n, member)]
                _one(names, path, member, zf.namelist())
                return zf.read(names[0])
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputError(f"{path}: cannot read the archive ({exc})") from exc
    return path.read_bytes()


def _matches(name: str, member: str) -> bool:
    return name == member or name.endswith("/" + member)


def _one(found: list, path: Path, member: str, names: list[str]) -> None:
    if len(found) != 1:
        what = "no member" if not found else f"{len(found)} members"
        raise InputError(
            f"{path}: {what} named {member!r} in the archive (it holds e.g. {names[:5]})"
        )


def _meta(name: str, spec: Mapping) -> dict:
    return {
        "collection": name,
        "version": str(spec.get("version", "")),
        "source": spec.get("source") or spec.get("url") or str(spec.get("path", "")),
        "licence": spec.get("licence", ""),
    }


def _read_gmt(path: Path, name: str, spec: Mapping) -> list[GeneSet]:
    meta = _meta(name, spec)
    sets = read_gmt(path, collection=name, version=meta["version"], source=meta["source"])
    if spec.get("pair_up_down", False):
        sets = pair_up_down(sets)
    return [dataclasses.replace(gs, licence=meta["licence"]) for gs in sets]


def _weighted_sets(
    table: pd.DataFrame, *, path: Path, name: str, spec: Mapping, prefix: str, describe
) -> list[GeneSet]:
    """Signatures from a long table with columns signature, gene, weight."""
    meta = _meta(name, spec)
    bad = ~np.isfinite(pd.to_numeric(table["weight"], errors="coerce"))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{path}: weight {table['weight'].iloc[row]!r} on data row {row + 1} is not a number")
    table = table.assign(weight=pd.to_numeric(table["weight"]))
    dup = table.duplicated(["signature", "gene"])
    if dup.any():
        first = table[dup].iloc[0]
        raise InputError(f"{path}: gene {first['gene']} is listed twice for {first['signature']}")
    sets = []
    for sig, rows in table.groupby("signature", sort=False):
        rows = rows[rows["weight"] != 0]
        if rows.empty:
            continue
        sets.append(
            GeneSet(
                name=prefix + re.sub(r"[^0-9A-Za-z_.]+", "_", str(sig)).strip("_"),
                genes=tuple(rows["gene"].astype(str)),
                weights=tuple(float(w) for w in rows["weight"]),
                description=describe(sig, rows),
                **meta,
            )
        )
    if not sets:
        raise InputError(f"{path}: no signature with a non-zero weight")
    return sets


def _read_progeny(path: Path, name: str, spec: Mapping) -> list[GeneSet]:
    """PROGENy model (Schubert et al. 2018): the ``top`` genes per pathway by p-value."""
    table = _read_table(path, {"gene", "pathway", "weight", "p.value"})
    top = int(spec.get("top", 100))
    table = table.assign(p=pd.to_numeric(table["p.value"], errors="coerce"))
    if table["p"].isna().any():
        raise InputError(f"{path}: column p.value has values that are not numbers")
    # The usual selection (progeny::getModel(top=N), decoupler get_progeny): N smallest p-values.
    table = table.sort_values(["pathway", "p"], kind="stable").groupby("pathway", sort=False).head(top)
    table = table.rename(columns={"pathway": "signature"})
    return _weighted_sets(
        table,
        path=path,
        name=name,
        spec=spec,
        prefix="PROGENY_",
        describe=lambda sig, rows: f"PROGENy {sig} pathway responsive genes: top {len(rows)} by p-value, with their weights",
    )


def _read_cytosig(path: Path, name: str, spec: Mapping) -> list[GeneSet]:
    """CytoSig response signatures (Jiang et al. 2021): genes × cytokines log fold changes."""
    data = read_archive_member(path, spec.get("member") or ARCHIVE_MEMBERS["cytosig"])
    try:
        wide = pd.read_csv(io.BytesIO(data), sep="\t", index_col=0)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: the CytoSig signature matrix is not a tab-separated table ({exc})") from exc
    if wide.shape[1] < 1 or not all(np.issubdtype(t, np.number) for t in wide.dtypes):
        raise InputError(f"{path}: the CytoSig signature matrix must be genes × cytokines of numbers")
    long = wide.rename_axis(index="gene", columns="signature").stack().rename("weight").reset_index()
    return _weighted_sets(
        long,
        path=path,
        name=name,
        spec=spec,
        prefix="CYTOSIG_",
        describe=lambda sig, rows: f"CytoSig response to {sig}: mean log2 fold change of {len(rows)} genes across stimulation experiments",
    )


def _read_btm(path: Path, name: str, spec: Mapping) -> list[GeneSet]:
    """Blood transcription modules (Li et al. 2014) from the ``ModuleDict`` literal of the
    BTM package (read as data with ``ast.literal_eval``, never executed)."""
    source = read_archive_member(path, spec.get("member") or ARCHIVE_MEMBERS["btm"]).decode()
    modules = None
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "ModuleDict" for t in node.targets):
            modules = ast.literal_eval(node.value)
    if not isinstance(modules, dict):
        raise InputError(f"{path}: no ModuleDict of blood transcription modules in the file")
    meta = _meta(name, spec)
    sets = []
    for title, genes in modules.items():
        found = re.search(r"\(([MS][0-9.]+)\)\s*$", title)
        if not found:
            raise InputError(f"{path}: module {title!r} has no (M…) / (S…) identifier")
        sets.append(
            GeneSet(
                name=f"BTM_{found.group(1)}",
                genes=tuple(dict.fromkeys(g for g in genes if g)),
                description=title[: found.start()].strip(),
                **meta,
            )
        )
    return sets


def _read_weights(path: Path, name: str, spec: Mapping) -> list[GeneSet]:
    """A user weight table: columns signature (or source), gene (or target), weight."""
    table = _read_table(path, None)
    aliases = {"source": "signature", "target": "gene"}
    table = table.rename(columns={k: v for k, v in aliases.items() if k in table.columns})
    missing = {"signature", "gene", "weight"} - set(table.columns)
    if missing:
        raise InputError(
            f"{path}: a weight table needs columns signature (or source), gene (or target) and "
            f"weight; missing {sorted(missing)} (has {list(table.columns)})"
        )
    return _weighted_sets(
        table,
        path=path,
        name=name,
        spec=spec,
        prefix="",
        describe=lambda sig, rows: f"{len(rows)} weighted genes from {Path(path).name}",
    )


def _read_table(path: Path, required: set[str] | None) -> pd.DataFrame:
    from ..io._table import read_table

    table = read_table(path, what="weight table")
    if required and not required <= set(table.columns):
        raise InputError(
            f"{path}: missing column(s) {sorted(required - set(table.columns))}; has {list(table.columns)} "
            f"(read as {table.attrs['dialect'].describe()})"
        )
    return table


FORMATS = {
    "gmt": _read_gmt,
    "progeny": _read_progeny,
    "cytosig": _read_cytosig,
    "btm": _read_btm,
    "weights": _read_weights,
}


def read_collection(path: str | Path, *, name: str, spec: Mapping) -> list[GeneSet]:
    """The signatures of one configured collection (``spec["format"]``, default gmt).

    Parameters
    ----------
    path
        The collection's file (downloaded or local).
    name
        The collection's config name (the sets' ``collection``).
    spec
        The collection's config: ``format``, ``version``, ``source``, ``licence``, ``member``, ``top``, …

    Returns
    -------
    list[GeneSet]
        Its signatures, with version, source and licence.
    """
    fmt = spec.get("format", "gmt")
    if fmt not in FORMATS:
        raise InputError(f"collection {name}: unknown format {fmt!r}; available: {sorted(FORMATS)}")
    sets = [dataclasses.replace(gs, format=fmt) for gs in FORMATS[fmt](Path(path), name, spec)]
    organism = spec.get("organism", "human")
    return sets if organism == "human" else [_in_human_genes(gs, organism) for gs in sets]


def _in_human_genes(gs: GeneSet, organism: str) -> GeneSet:
    """A set of another organism's genes (MSigDB MH, PROGENy mouse) in their one-to-one human
    orthologs, as datasets of that organism are (:mod:`cytoscore.io._organisms`): genes
    without one are left out, and the set's ``extra`` says how many."""
    from ..io._organisms import ortholog_pairs

    pairs = ortholog_pairs(organism)
    mapping = dict(zip(pairs["symbol"], pairs["human"], strict=True))
    weights = gs.weights or (1.0,) * len(gs.genes)
    kept = [(mapping[g], w) for g, w in zip(gs.genes, weights, strict=True) if g in mapping]
    return dataclasses.replace(
        gs,
        genes=tuple(g for g, _ in kept),
        weights=tuple(w for _, w in kept) if gs.weights else (),
        extra={**gs.extra, "organism": organism, "n_genes_" + organism: len(gs.genes), "n_with_human_ortholog": len(kept)},
    )


def resource_record(path: str | Path, *, name: str, spec: Mapping, n_signatures: int) -> dict:
    """What a collection is and exactly which file was used: for the outputs and the report.

    Parameters
    ----------
    path
        The file read.
    name
        The collection's name.
    spec
        Its config.
    n_signatures
        Its signatures scored.

    Returns
    -------
    dict
        The row of :data:`RESOURCE_COLUMNS`.
    """
    return {
        "collection": name,
        "format": spec.get("format", "gmt"),
        "version": str(spec.get("version", "")),
        "source": spec.get("source", ""),
        "licence": spec.get("licence", ""),
        "location": spec.get("url") or str(spec.get("path", "")),
        "member": spec.get("member") or ARCHIVE_MEMBERS.get(spec.get("format", "gmt"), ""),
        "sha256": sha256_file(path),
        "n_signatures": n_signatures,
    }


RESOURCE_COLUMNS = [
    "collection", "format", "version", "source", "licence", "location", "member", "sha256", "n_signatures",
]


def resource_table(collections: Mapping[str, Mapping], files, sets) -> pd.DataFrame:
    """One row per resource behind the scored signatures: each configured collection (with
    the SHA-256 of the file read) and, if used, the curated sets (SHA-256 of their lists).

    Parameters
    ----------
    collections
        The configured collections by name.
    files
        Their files, in the same order.
    sets
        The signatures scored.

    Returns
    -------
    DataFrame
        Columns :data:`RESOURCE_COLUMNS`.
    """
    import hashlib

    used: dict[str, int] = {}
    for gs in sets:
        used[gs.collection] = used.get(gs.collection, 0) + 1
    rows = [
        resource_record(path, name=name, spec=spec, n_signatures=used.get(name, 0))
        for (name, spec), path in zip(collections.items(), files, strict=True)
    ]
    for organism in sorted({spec.get("organism", "human") for spec in collections.values()} - {"human"}):
        from ..io._organisms import ortholog_record

        rows.append(ortholog_record(organism))  # the orthologs that put the collection in human genes
    curated = [gs for gs in sets if gs.collection == "cytoscore_curated"]
    if curated:
        digest = hashlib.sha256(
            "\n".join(f"{gs.name}\t{','.join(gs.genes)}" for gs in curated).encode()
        ).hexdigest()
        rows.append(
            {
                "collection": "cytoscore_curated",
                "format": "curated",
                "version": CURATED_VERSION,
                "source": "cytoscore.resources (citation of each set in gene_sets.tsv)",
                "licence": curated[0].licence,
                "location": "cytoscore/resources/_curated.py",
                "member": "",
                "sha256": digest,
                "n_signatures": len(curated),
            }
        )
    return pd.DataFrame(rows, columns=RESOURCE_COLUMNS)
