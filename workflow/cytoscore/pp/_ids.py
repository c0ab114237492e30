"""Gene identifiers: detecting Ensembl / Entrez / symbol IDs and mapping them to symbols."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from .._provenance import record
from .._utils import InputError
from ..io._kinds import dataset_kind
from ..io._organisms import ortholog_pairs
from ._organisms import resolve_organism, to_human
from ._probes import collapse_probes

__all__ = [
    "detect_id_type", "map_gene_ids", "resolve_symbols", "read_gene_annotation", "to_genes", "load_genes",
    "ID_TYPES", "VAR_SYMBOL_COLUMNS",
]  # fmt: skip

log = logging.getLogger(__name__)

ID_TYPES = ("symbol", "ensembl", "entrez")
_ENSEMBL = re.compile(r"^ENS[A-Z]*G\d{11}(\.\d+)?(_PAR_Y)?$")
_ENTREZ = re.compile(r"^\d+$")
# var columns that carry gene symbols beside ID indexes: cytoscore's own, CELLxGENE's,
# scanpy's 10x reader's, and common others
VAR_SYMBOL_COLUMNS = ("symbol", "feature_name", "gene_symbols", "gene_symbol", "gene_name", "gene_names")


def symbol_column(var: pd.DataFrame, preferred: str = "symbol") -> str | None:
    """The column of ``var`` with gene symbols: ``preferred`` when present, else the first of
    :data:`VAR_SYMBOL_COLUMNS` (logged); None when there is none."""
    for column in dict.fromkeys((preferred, *VAR_SYMBOL_COLUMNS)):
        if column in var.columns:
            if column != preferred:
                log.info("gene symbols read from the var column %r", column)
            return column
    return None


def detect_id_type(ids) -> str:
    """``"ensembl"`` or ``"entrez"`` when at least 90 % of the IDs look like one, else ``"symbol"``.

    Parameters
    ----------
    ids
        Gene IDs (any sequence; compared as strings); an empty one is an error.

    Returns
    -------
    str
        ``ensembl``, ``entrez`` or ``symbol``.
    """
    ids = pd.Index(ids).astype(str)
    if len(ids) == 0:
        raise InputError("no gene IDs")
    for name, rx in (("ensembl", _ENSEMBL), ("entrez", _ENTREZ)):
        if np.mean([bool(rx.match(i)) for i in ids]) >= 0.9:
            return name
    return "symbol"


def read_gene_annotation(
    path: str | Path, *, id_column: str, symbol_column: str, dialect: Mapping | None = None
) -> pd.Series:
    """A gene annotation table (any dialect :func:`cytoscore.io.read_table` reads) as ID -> symbol.

    Parameters
    ----------
    path
        The table.
    id_column
        Its column of gene IDs.
    symbol_column
        Its column of symbols (an empty cell: no symbol, ``""``).
    dialect
        ``sep`` / ``decimal`` when detection is not wanted; ``None``: detected.

    Returns
    -------
    Series
        ID (version suffix dropped) -> symbol.
    """
    from ..io._table import read_table

    table = read_table(path, dialect=dialect, what="gene annotation")
    for col in (id_column, symbol_column):
        if col not in table.columns:
            raise InputError(f"{path}: no column {col!r}; columns are {list(table.columns)[:12]}")
    ids = table[id_column].astype(str).str.replace(r"\.\d+$", "", regex=True)
    return pd.Series(table[symbol_column].fillna("").astype(str).to_numpy(), index=ids)


def resolve_symbols(
    var: pd.DataFrame,
    *,
    id_type: str = "auto",
    annotation: pd.Series | None = None,
    symbol_key: str = "symbol",
    id_column: str | None = None,
) -> tuple[np.ndarray, str, float]:
    """The symbol of each gene of ``var`` (IDs: the index, or ``var[id_column]``); ``""``
    where none is known.

    Returns the symbols, the ID type (given or detected) and the share of IDs mapped.
    A given ``annotation`` (ID -> symbol; Ensembl version suffixes are ignored) maps every
    ID, whatever they look like (probe IDs too); else symbols come from ``var[symbol_key]``
    (or the first of :data:`VAR_SYMBOL_COLUMNS`, e.g. CELLxGENE's ``feature_name``) when the data
    brings them, or are the IDs when these look like symbols.

    Parameters
    ----------
    var
        The genes (features) of a dataset.
    id_type
        ``auto`` (detected, :func:`detect_id_type`), ``symbol``, ``ensembl`` or ``entrez``;
        ``symbol`` takes the IDs as the symbols, even with an ``annotation``.
    annotation
        ID -> symbol, which maps every ID when given.
    symbol_key
        The var column of symbols the data brings (else the first of :data:`VAR_SYMBOL_COLUMNS`).
    id_column
        The var column of IDs; ``None``: the index.

    Returns
    -------
    tuple
        ``(symbols, id_type, share_mapped)``: one symbol per gene (object array, ``""`` when
        unknown), the ID type (``"annotation"`` when an ``annotation`` maps IDs detected as
        symbols), and the share of genes with a symbol (none at all is an error).
    """
    if id_type not in ("auto", *ID_TYPES):
        raise InputError(f"id_type must be auto or one of {ID_TYPES}, not {id_type!r}")
    ids = pd.Index(var[id_column] if id_column else var.index).astype(str)
    detected = detect_id_type(ids) if id_type == "auto" else id_type
    if annotation is not None and detected == "symbol" and id_type == "auto":
        detected = "annotation"  # probe or other IDs that the user's table maps
    if detected == "symbol":
        symbols = pd.Series(ids, index=ids)
    elif annotation is not None:
        stripped = ids.str.replace(r"\.\d+$", "", regex=True)
        lookup = annotation[~annotation.index.duplicated()]
        symbols = pd.Series(lookup.reindex(stripped).fillna("").to_numpy(dtype=str), index=ids)
    elif (column := symbol_column(var, symbol_key)) is not None:
        # object first: h5ad files store string columns as categoricals, whose fillna("")
        # fails when "" is not a category
        symbols = var[column].astype(object).fillna("").astype(str)
    else:
        raise InputError(
            f"gene IDs look like {detected} IDs (e.g. {list(ids[:3])}) and the data brings "
            f"no symbols (no var column {', '.join(dict.fromkeys((symbol_key, *VAR_SYMBOL_COLUMNS)))}): "
            "set the dataset option 'gene_annotation' (a table with ID and symbol columns)"
        )
    symbols = symbols.astype(str).str.strip().to_numpy(dtype=object)
    mapped = float((symbols != "").mean())
    if mapped == 0:
        raise InputError(
            f"no gene ID could be mapped to a symbol (IDs look like {list(ids[:3])}, "
            f"detected as {detected}); check the dataset options 'gene_ids' and 'gene_annotation'"
        )
    return symbols, detected, mapped


def map_gene_ids(
    adata: ad.AnnData,
    *,
    id_type: str = "auto",
    annotation: pd.Series | None = None,
    symbol_key: str = "symbol",
    collapse: str = "sum",
    id_column: str | None = None,
    multi_gene: str = "drop",
) -> ad.AnnData:
    """Index genes by HGNC symbol, mapping Ensembl or Entrez IDs where needed.

    Symbols come from ``var[symbol_key]`` when the data brings them (10x features, NCBI
    annotation) or from ``annotation`` (ID -> symbol; Ensembl version suffixes are
    ignored). Several IDs with the same symbol are combined by ``collapse``
    (``"sum"`` for counts — the reads of one gene; ``"max_mean"`` for log data).
    Unmapped IDs are dropped; the share that mapped is logged and recorded. The
    original IDs (``var[id_column]`` when given) are kept in ``var["probe_id"]``.

    Parameters
    ----------
    adata
        Samples × gene IDs. When it has ``layers["counts"]``, those counts are what is
        collapsed, into both ``X`` and ``layers["counts"]`` of the result.
    id_type
        ``auto``, ``symbol``, ``ensembl`` or ``entrez`` (:func:`resolve_symbols`).
    annotation
        ID -> symbol (:func:`resolve_symbols`).
    symbol_key
        The var column of symbols the data brings; the resolved symbols are written to it.
    collapse
        The rule of :data:`COLLAPSE_RULES` for IDs of one symbol: ``sum`` for counts (the only
        rule for sparse data), ``max_mean`` for log data.
    id_column
        The var column of IDs; ``None``: the index.
    multi_gene
        IDs that name several genes (``A /// B``): ``drop``, ``first`` or ``expand``
        (:data:`MULTI_GENE_RULES`).

    Returns
    -------
    AnnData
        Samples × symbols, the mapping recorded in the provenance.
    """
    out = adata.copy()
    out.var[symbol_key], detected, mapped = resolve_symbols(
        adata.var, id_type=id_type, annotation=annotation, symbol_key=symbol_key, id_column=id_column
    )
    if id_column:  # var["probe_id"] names the IDs that were mapped, not the index beside them
        out.var.index = pd.Index(adata.var[id_column].astype(str), name=adata.var.index.name)
    layer_counts = "counts" in out.layers
    if layer_counts:
        out.X = out.layers["counts"]
    genes = collapse_probes(out, symbol_key=symbol_key, multi_gene=multi_gene, collapse=collapse)
    if layer_counts:
        genes.layers["counts"] = genes.X.copy()
    stats = dict(genes.uns["cytoscore"].pop("probe_mapping"))
    record(
        genes,
        "gene_id_mapping",
        id_type=detected,
        share_mapped=mapped,
        collapse_rule=collapse,
        n_ids=stats["n_probes"],
        n_genes=stats["n_genes"],
        n_symbols_with_several_ids=stats["n_genes_multi_probe"],
    )
    log.info(
        "gene IDs (%s): %.1f%% mapped to symbols; %d IDs -> %d genes (duplicates by %s)",
        detected,
        100 * mapped,
        stats["n_probes"],
        genes.n_vars,
        collapse,
    )
    return genes


def to_genes(adata: ad.AnnData, kind: str, files: Mapping[str, object], options: Mapping[str, object]) -> ad.AnnData:
    """A dataset read by :func:`cytoscore.io.load_dataset`, indexed by gene symbol: a GEO
    series' probes collapsed by the dataset's ``probes`` rules; other kinds' gene IDs mapped
    (``gene_ids``, the ``gene_annotation`` file, or the data's own symbol column), several
    IDs of one gene summed for counts and collapsed by the ``probes`` rule otherwise.
    Single-cell data already indexed by symbol, without a ``gene_annotation``, keeps the
    file's genes and their order; a ``gene_annotation`` maps every ID, whatever it looks like,
    as the workflow's streamed cells do (:func:`cytoscore.pp.symbol_matrix`).

    Parameters
    ----------
    adata
        A dataset as read.
    kind
        Its kind (:func:`cytoscore.io.dataset_kind`).
    files
        Its files by role (``gene_annotation`` is read when ``options`` names its columns).
    options
        Its config: ``probes`` (``multi_gene``, ``collapse``, ``max_missing``, ``impute``),
        ``gene_ids``, ``gene_annotation`` (``id_column``, ``symbol_column``), ``organism``,
        ``dialect``.

    Returns
    -------
    AnnData
        Samples × human gene symbols (a non-human organism's genes renamed to their
        one-to-one human orthologs).
    """
    probes = options.get("probes", {})
    registered = dataset_kind(kind)
    if registered.features == "probes":
        genes = collapse_probes(
            adata,
            multi_gene=probes.get("multi_gene", "drop"),
            collapse=probes.get("collapse", "max_mean"),
            max_missing=probes.get("max_missing", 0.2),
            impute=probes.get("impute", "knn"),
        )
        return _in_human_genes(genes, genes.var_names, options)
    annotation = None
    spec = options.get("gene_annotation")
    if spec:
        annotation = read_gene_annotation(
            files["gene_annotation"],
            id_column=spec.get("id_column", "id"),
            symbol_column=spec.get("symbol_column", "symbol"),
            dialect=options.get("dialect"),
        )
    id_type = options.get("gene_ids", "auto")
    if id_type == "auto":
        id_type = detect_id_type(adata.var_names)
    organism, evidence = resolve_organism(adata.var_names, options.get("organism", "auto"))
    if annotation is None and id_type == "ensembl" and organism != "human" and symbol_column(adata.var) is None:
        # the ortholog table knows the organism's Ensembl gene IDs: no annotation file needed
        pairs = ortholog_pairs(organism)
        annotation = pd.Series(pairs["symbol"].to_numpy(), index=pairs["ensembl_id"].to_numpy())
    if registered.cells and id_type == "symbol" and annotation is None:
        return _in_human_genes(adata, adata.var_names, options)
    genes = map_gene_ids(
        adata,
        id_type=options.get("gene_ids", "auto"),
        annotation=annotation,
        collapse="sum" if "counts" in adata.layers else probes.get("collapse", "max_mean"),
        id_column="gene_id" if "gene_id" in adata.var.columns else None,
        multi_gene=probes.get("multi_gene", "drop"),
    )
    return to_human(genes, organism, evidence=evidence)


def _in_human_genes(genes: ad.AnnData, ids, options: Mapping) -> ad.AnnData:
    organism, evidence = resolve_organism(ids, options.get("organism", "auto"))
    return to_human(genes, organism, evidence=evidence)


def load_genes(kind: str, files: Mapping[str, object], options: Mapping[str, object]) -> ad.AnnData:
    """Any configured dataset kind, read (:func:`cytoscore.io.load_dataset`) and indexed by
    gene symbol (:func:`to_genes`).

    Parameters
    ----------
    kind
        The dataset's kind (:func:`cytoscore.io.dataset_kind`).
    files
        Its files by role.
    options
        Its config (load options, and those of :func:`to_genes`).

    Returns
    -------
    AnnData
        Samples × human gene symbols.
    """
    from ..io import load_dataset

    return to_genes(load_dataset(kind, files, options), kind, files, options)
