"""Mapping array probes to gene symbols and collapsing several probes per gene."""

from __future__ import annotations

import logging

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._provenance import record
from .._utils import InputError

__all__ = ["collapse_probes", "MULTI_GENE_RULES", "COLLAPSE_RULES"]

log = logging.getLogger(__name__)

#: How probes annotated to several genes ("IFI44 /// IFI44L") are treated.
#: drop: discard them (default; their signal cannot be attributed to one gene).
#: first: keep the first listed symbol. expand: the probe counts for each of its genes.
MULTI_GENE_RULES = ("drop", "first", "expand")

#: How several probes of one gene become one value per sample.
#: max_mean: keep the probe with the highest mean over samples (default; WGCNA
#: collapseRows "MaxMean", Miller et al. 2011, BMC Bioinformatics 12:322 — the
#: best-measured probe, and a real measurement rather than an average).
#: max_variance: the probe with the highest variance. mean / median: per-sample
#: mean / median of the gene's probes, on the scale the values are given in. sum:
#: per-sample sum (for counts of several IDs of one gene).
COLLAPSE_RULES = ("max_mean", "max_variance", "mean", "median", "sum")

_EMPTY_SYMBOLS = {"", "---", "--", "-", "NA", "nan"}


def collapse_probes(
    adata: ad.AnnData,
    *,
    symbol_key: str = "symbol",
    multi_gene: str = "drop",
    collapse: str = "max_mean",
    separator: str = "///",
) -> ad.AnnData:
    """Turn a probe-level AnnData into a gene-level one indexed by gene symbol.

    Probes with an empty symbol and probes with a missing value in any sample are
    removed; probes with several symbols (joined by ``separator``) follow
    ``multi_gene``; genes with several probes follow ``collapse``. The counts of
    each kind of removal are stored in ``uns["cytoscore"]["probe_mapping"]``.

    Returns
    -------
    A new AnnData, genes sorted by symbol; ``var`` has ``probe_id`` (the probe(s)
    behind each gene) and ``n_probes``.
    """
    if multi_gene not in MULTI_GENE_RULES:
        raise InputError(f"multi_gene must be one of {MULTI_GENE_RULES}, not {multi_gene!r}")
    if collapse not in COLLAPSE_RULES:
        raise InputError(f"collapse must be one of {COLLAPSE_RULES}, not {collapse!r}")
    if symbol_key not in adata.var.columns:
        raise InputError(f"var has no column {symbol_key!r} with gene symbols")
    if sp.issparse(adata.X):
        if collapse != "sum":
            raise InputError("sparse (single-cell) data can only be collapsed by 'sum'")
        return _collapse_sparse_sum(adata, symbol_key=symbol_key, separator=separator)
    X = np.asarray(adata.X, dtype=np.float64)
    probes = adata.var_names.to_numpy(dtype=str)
    raw = adata.var[symbol_key].astype(str).str.strip()
    parts = [[s.strip() for s in v.split(separator) if s.strip() not in _EMPTY_SYMBOLS] for v in raw]
    n_symbols = np.array([len(set(p)) for p in parts])
    has_nan = np.isnan(X).any(axis=0)
    keep = (n_symbols > 0) & ~has_nan
    if multi_gene == "drop":
        keep &= n_symbols == 1
    stats = {
        "n_probes": int(len(probes)),
        "n_probes_no_symbol": int((n_symbols == 0).sum()),
        "n_probes_multi_gene": int((n_symbols > 1).sum()),
        "n_probes_missing_values": int((has_nan & (n_symbols > 0)).sum()),
    }
    rows, genes = [], []
    for j in np.flatnonzero(keep):
        symbols = list(dict.fromkeys(parts[j]))
        for symbol in symbols if multi_gene == "expand" else symbols[:1]:
            rows.append(j)
            genes.append(symbol)
    if not rows:
        raise InputError(
            "no probe maps to a gene symbol: check the platform's symbol column "
            f"(probes: {stats['n_probes']}, without symbol: {stats['n_probes_no_symbol']}, "
            f"multi-gene: {stats['n_probes_multi_gene']}, multi_gene rule: {multi_gene!r})"
        )
    rows_arr = np.asarray(rows)
    table = pd.DataFrame({"gene": genes, "row": rows_arr, "probe": probes[rows_arr]})
    sub = X[:, rows_arr]
    if collapse in ("max_mean", "max_variance"):
        stat = sub.mean(axis=0) if collapse == "max_mean" else sub.var(axis=0, ddof=1)
        table["stat"] = stat
        table["order"] = np.arange(len(table))
        counts = table.groupby("gene", sort=True).size()
        best = table.sort_values(["gene", "stat", "order"], ascending=[True, False, True])
        best = best.drop_duplicates("gene", keep="first").set_index("gene").loc[counts.index]
        values = X[:, best["row"].to_numpy()]
        probe_ids = best["probe"].to_numpy(dtype=str)
    else:
        frame = pd.DataFrame(sub.T)
        grouped = frame.groupby(table["gene"].to_numpy(), sort=True)
        agg = {"mean": grouped.mean, "median": grouped.median, "sum": grouped.sum}[collapse]
        values = agg().to_numpy().T
        counts = table.groupby("gene", sort=True).size()
        probe_ids = table.groupby("gene", sort=True)["probe"].agg(",".join).to_numpy(dtype=str)
    var = pd.DataFrame(
        {"probe_id": probe_ids, "n_probes": counts.to_numpy()},
        index=pd.Index(counts.index.astype(str), name="gene"),
    )
    out = ad.AnnData(X=np.ascontiguousarray(values), obs=adata.obs.copy(), var=var, uns=dict(adata.uns))
    stats.update(
        multi_gene_rule=multi_gene,
        collapse_rule=collapse,
        n_genes=int(out.n_vars),
        n_genes_multi_probe=int((counts > 1).sum()),
    )
    record(out, "probe_mapping", **stats)
    log.info(
        "mapped %d probes to %d genes (no symbol: %d, multi-gene %s: %d, missing values: %d; "
        "%d genes had several probes, collapsed by %s)",
        stats["n_probes"],
        out.n_vars,
        stats["n_probes_no_symbol"],
        multi_gene,
        stats["n_probes_multi_gene"],
        stats["n_probes_missing_values"],
        stats["n_genes_multi_probe"],
        collapse,
    )
    return out


def _collapse_sparse_sum(adata: ad.AnnData, *, symbol_key: str, separator: str) -> ad.AnnData:
    """Sum the columns of IDs sharing one symbol, staying sparse (IDs with several symbols dropped)."""
    raw = adata.var[symbol_key].astype(str).str.strip()
    ok = ~raw.isin(list(_EMPTY_SYMBOLS)) & ~raw.str.contains(separator, regex=False)
    genes = np.sort(raw[ok].unique())
    col = pd.Index(genes).get_indexer(raw[ok])
    rows = np.flatnonzero(ok.to_numpy())
    A = sp.csr_matrix((np.ones(len(rows)), (rows, col)), shape=(adata.n_vars, len(genes)))
    X = (adata.X @ A).tocsr().astype(adata.X.dtype)
    counts = np.asarray(A.sum(axis=0)).ravel().astype(int)
    probe_ids = pd.Series(adata.var_names[rows]).groupby(col).agg(",".join).to_numpy(dtype=str)
    var = pd.DataFrame({"probe_id": probe_ids, "n_probes": counts}, index=pd.Index(genes, name="gene"))
    out = ad.AnnData(X=X, obs=adata.obs.copy(), var=var, uns=dict(adata.uns))
    record(
        out,
        "probe_mapping",
        n_probes=int(adata.n_vars),
        n_probes_no_symbol=int((~ok).sum()),
        n_probes_multi_gene=0,
        n_probes_missing_values=0,
        multi_gene_rule="drop",
        collapse_rule="sum",
        n_genes=int(len(genes)),
        n_genes_multi_probe=int((counts > 1).sum()),
    )
    return out
