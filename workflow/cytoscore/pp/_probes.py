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
    max_missing: float = 0.2,
    impute: str = "knn",
) -> ad.AnnData:
    """Turn a probe-level AnnData into a gene-level one indexed by gene symbol.

    Probes with an empty symbol are removed. A probe with missing values (GEO ``null``)
    in at most ``max_missing`` of the samples is kept and its missing values imputed
    (``impute``: ``"knn"``, the mean of the 10 most similar probes as R's
    ``impute.knn`` — scikit-learn's ``KNNImputer`` — or ``"mean"``, the probe's own mean);
    probes missing more often are removed, and the genes this loses are named in a
    WARNING. Probes with several symbols (joined by ``separator``) follow
    ``multi_gene``; genes with several probes follow ``collapse``. The counts of
    each kind of removal are stored in ``uns["cytoscore"]["probe_mapping"]``.

    Sparse ``X`` (single-cell counts) can only be summed (``collapse="sum"``) and stays
    sparse; ``multi_gene`` applies as for dense data. Counts have no missing values, so a
    NaN in sparse data is an error (``max_missing`` and ``impute`` are for arrays).

    Parameters
    ----------
    adata
        Samples × probes with ``var[symbol_key]``; missing values are NaN.
    symbol_key
        The var column of gene symbols (required; ``""``, ``---``, ``NA`` and the like mean none).
    multi_gene
        Probes of several genes: ``drop`` (default), ``first`` or ``expand`` (the probe
        counts for each of its genes) (:data:`MULTI_GENE_RULES`).
    collapse
        Several probes of one gene: a rule of :data:`COLLAPSE_RULES` (``max_mean`` by default).
    separator
        What joins several symbols in one probe's annotation.
    max_missing
        The share of samples (0 to 1) a probe may miss and still be kept (imputed).
    impute
        How the kept probes' missing values are filled: ``knn`` or ``mean``.

    Returns
    -------
    AnnData
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
        return _collapse_sparse_sum(adata, symbol_key=symbol_key, separator=separator, multi_gene=multi_gene)
    if impute not in ("knn", "mean"):
        raise InputError(f"impute must be 'knn' or 'mean', not {impute!r}")
    if not 0 <= max_missing <= 1:
        raise InputError(f"max_missing must be between 0 and 1, not {max_missing}")
    X = np.asarray(adata.X, dtype=np.float64)
    probes = adata.var_names.to_numpy(dtype=str)
    parts, n_symbols = _symbols_of(adata.var[symbol_key], separator)
    missing_share = np.isnan(X).mean(axis=0) if X.shape[0] else np.zeros(X.shape[1])
    has_nan = missing_share > max_missing
    imputable = (missing_share > 0) & ~has_nan & (n_symbols > 0)
    n_imputed_values = int(np.isnan(X[:, imputable]).sum())
    if imputable.any():
        X = X.copy()
        X[:, imputable] = _impute(X, imputable, method=impute)
    keep = (n_symbols > 0) & ~has_nan
    if multi_gene == "drop":
        keep &= n_symbols == 1
    stats = {
        "n_probes": int(len(probes)),
        "n_probes_no_symbol": int((n_symbols == 0).sum()),
        "n_probes_multi_gene": int((n_symbols > 1).sum()),
        "n_probes_missing_values": int((has_nan & (n_symbols > 0)).sum()),
        "max_missing": max_missing,
        "n_probes_imputed": int(imputable.sum()),
        "n_values_imputed": n_imputed_values,
        "impute": impute,
    }
    rows, genes = _probe_gene_pairs(parts, keep, multi_gene)
    if not rows:
        raise InputError(
            "no probe maps to a gene symbol: check the platform's symbol column "
            f"(probes: {stats['n_probes']}, without symbol: {stats['n_probes_no_symbol']}, "
            f"multi-gene: {stats['n_probes_multi_gene']}, multi_gene rule: {multi_gene!r})"
        )
    kept_genes = set(genes)
    lost = sorted({g for j in np.flatnonzero(has_nan & (n_symbols > 0)) for g in parts[j]} - kept_genes)
    if lost:
        log.warning(
            "%d genes dropped: all their probes have no value in more than %.0f%% of the samples "
            "(probes.max_missing): %s",
            len(lost),
            100 * max_missing,
            ", ".join(lost[:50]) + (" ..." if len(lost) > 50 else ""),
        )
    stats["genes_dropped_missing_values"] = lost
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


def _impute(X: np.ndarray, columns: np.ndarray, *, method: str) -> np.ndarray:
    """Missing values of the probes (columns of X, samples × probes) flagged in ``columns``."""
    if method == "mean":
        sub = X[:, columns]
        return np.where(np.isnan(sub), np.nanmean(sub, axis=0), sub)
    from sklearn.impute import KNNImputer

    # probes as rows, samples as features: a probe's gap is filled from the 10 probes most
    # similar over the samples both have (Troyanskaya et al. 2001); complete probes are the donors
    complete = ~np.isnan(X).any(axis=0)
    donors = X[:, complete].T
    targets = X[:, columns].T
    imputer = KNNImputer(n_neighbors=10).fit(donors)
    return imputer.transform(targets).T


def _symbols_of(annotation: pd.Series, separator: str) -> tuple[list[list[str]], np.ndarray]:
    """Each probe's symbols (``"IFI44 /// IFI44L"`` -> both; empty markers dropped) and how many
    distinct ones it has."""
    raw = annotation.astype(str).str.strip()
    parts = [[s.strip() for s in v.split(separator) if s.strip() not in _EMPTY_SYMBOLS] for v in raw]
    return parts, np.array([len(set(p)) for p in parts], dtype=int)


def _probe_gene_pairs(parts: list[list[str]], keep: np.ndarray, multi_gene: str) -> tuple[list[int], list[str]]:
    """(probe index, gene) for each kept probe: its first symbol, or each of them (``expand``)."""
    rows, genes = [], []
    for j in np.flatnonzero(keep):
        symbols = list(dict.fromkeys(parts[j]))
        for symbol in symbols if multi_gene == "expand" else symbols[:1]:
            rows.append(j)
            genes.append(symbol)
    return rows, genes


def _collapse_sparse_sum(adata: ad.AnnData, *, symbol_key: str, separator: str, multi_gene: str) -> ad.AnnData:
    """Sum the columns of IDs sharing one symbol, staying sparse; IDs of several symbols follow
    ``multi_gene`` as dense probes do."""
    if np.isnan(adata.X.data).any():
        raise InputError(
            f"sparse data has {int(np.isnan(adata.X.data).sum())} missing (NaN) values; counts have none "
            "(give arrays with missing values as a dense matrix, where probes.max_missing applies)"
        )
    parts, n_symbols = _symbols_of(adata.var[symbol_key], separator)
    keep = n_symbols > 0
    if multi_gene == "drop":
        keep &= n_symbols == 1
    rows, names = _probe_gene_pairs(parts, keep, multi_gene)
    if not rows:
        raise InputError(f"no ID maps to a gene symbol (IDs: {adata.n_vars}, multi_gene rule: {multi_gene!r})")
    genes = np.array(sorted(set(names)), dtype=object)
    col = pd.Index(genes).get_indexer(names)
    rows = np.asarray(rows)
    A = sp.csr_matrix((np.ones(len(rows)), (rows, col)), shape=(adata.n_vars, len(genes)))
    X = (adata.X @ A).tocsr().astype(adata.X.dtype)
    counts = np.bincount(col, minlength=len(genes))
    probe_ids = pd.Series(adata.var_names[rows]).groupby(col).agg(",".join).to_numpy(dtype=str)
    var = pd.DataFrame({"probe_id": probe_ids, "n_probes": counts}, index=pd.Index(genes.astype(str), name="gene"))
    out = ad.AnnData(X=X, obs=adata.obs.copy(), var=var, uns=dict(adata.uns))
    record(
        out,
        "probe_mapping",
        n_probes=int(adata.n_vars),
        n_probes_no_symbol=int((n_symbols == 0).sum()),
        n_probes_multi_gene=int((n_symbols > 1).sum()),
        n_probes_missing_values=0,
        n_probes_imputed=0,
        genes_dropped_missing_values=[],
        multi_gene_rule=multi_gene,
        collapse_rule="sum",
        n_genes=int(len(genes)),
        n_genes_multi_probe=int((counts > 1).sum()),
    )
    return out
