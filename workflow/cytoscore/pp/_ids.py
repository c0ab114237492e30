"""Gene identifiers: detecting Ensembl / Entrez / symbol IDs and mapping them to symbols."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd

from .._provenance import record
from .._utils import InputError
from ._probes import collapse_probes

__all__ = ["detect_id_type", "map_gene_ids", "read_gene_annotation", "ID_TYPES"]

log = logging.getLogger(__name__)

ID_TYPES = ("symbol", "ensembl", "entrez")
_ENSEMBL = re.compile(r"^ENS[A-Z]*G\d{11}(\.\d+)?(_PAR_Y)?$")
_ENTREZ = re.compile(r"^\d+$")


def detect_id_type(ids) -> str:
    """``"ensembl"`` or ``"entrez"`` when at least 90 % of the IDs look like one, else ``"symbol"``."""
    ids = pd.Index(ids).astype(str)
    if len(ids) == 0:
        raise InputError("no gene IDs")
    for name, rx in (("ensembl", _ENSEMBL), ("entrez", _ENTREZ)):
        if np.mean([bool(rx.match(i)) for i in ids]) >= 0.9:
            return name
    return "symbol"


def read_gene_annotation(path: str | Path, *, id_column: str, symbol_column: str) -> pd.Series:
    """A gene annotation table (TSV/CSV, gz or not) as ID -> symbol."""
    from ..io._counts import _read_table

    table = _read_table(Path(path), index_col=None)
    for col in (id_column, symbol_column):
        if col not in table.columns:
            raise InputError(f"{path}: no column {col!r}; columns are {list(table.columns)[:12]}")
    ids = table[id_column].astype(str).str.replace(r"\.\d+$", "", regex=True)
    return pd.Series(table[symbol_column].fillna("").astype(str).to_numpy(), index=ids)


def map_gene_ids(
    adata: ad.AnnData,
    *,
    id_type: str = "auto",
    annotation: pd.Series | None = None,
    symbol_key: str = "symbol",
    collapse: str = "sum",
) -> ad.AnnData:
    """Index genes by HGNC symbol, mapping Ensembl or Entrez IDs where needed.

    Symbols come from ``var[symbol_key]`` when the data brings them (10x features, NCBI
    annotation) or from ``annotation`` (ID -> symbol; Ensembl version suffixes are
    ignored). Several IDs with the same symbol are combined by ``collapse``
    (``"sum"`` for counts — the reads of one gene; ``"max_mean"`` for log data).
    Unmapped IDs are dropped; the share that mapped is logged and recorded. The
    original IDs are kept in ``var["probe_id"]``.
    """
    if id_type not in ("auto", *ID_TYPES):
        raise InputError(f"id_type must be auto or one of {ID_TYPES}, not {id_type!r}")
    detected = detect_id_type(adata.var_names) if id_type == "auto" else id_type
    out = adata.copy()
    if detected == "symbol":
        out.var[symbol_key] = out.var_names.astype(str)
    elif annotation is not None:
        stripped = out.var_names.astype(str).str.replace(r"\.\d+$", "", regex=True)
        lookup = annotation[~annotation.index.duplicated()]
        out.var[symbol_key] = lookup.reindex(stripped).fillna("").to_numpy(dtype=str)
    elif symbol_key not in out.var.columns:
        raise InputError(
            f"gene IDs look like {detected} IDs (e.g. {list(adata.var_names[:3])}) and the data brings "
            "no symbols: set the dataset option 'gene_annotation' (a table with ID and symbol columns)"
        )
    symbols = out.var[symbol_key].astype(str).str.strip()
    mapped = float((symbols != "").mean())
    if mapped == 0:
        raise InputError(
            f"no gene ID could be mapped to a symbol (IDs look like {list(adata.var_names[:3])}, "
            f"detected as {detected}); check the dataset options 'gene_ids' and 'gene_annotation'"
        )
    layer_counts = "counts" in out.layers
    if layer_counts:
        out.X = out.layers["counts"]
    genes = collapse_probes(out, symbol_key=symbol_key, multi_gene="drop", collapse=collapse)
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
