"""Independent computations of what the pipeline reports, from the public files themselves:
plain pandas / numpy / scipy readers and formulas written for these tests, not the package's
code. Each follows the method as published (GEO layouts, mean z-score of Lee et al. 2008,
scanpy's normalize_total + log1p), so agreement checks the pipeline end to end."""

from __future__ import annotations

import gzip
import io

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp


def _table_between(lines: list[str], begin: str, end: str, **kw) -> pd.DataFrame:
    b, e = lines.index(begin), lines.index(end)
    return pd.read_csv(io.StringIO("\n".join(lines[b + 1 : e])), sep="\t", **kw)


def series_matrix(path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GEO series matrix -> (probes x samples values, per-sample !Sample_* fields)."""
    lines = gzip.open(path, "rt").read().splitlines()
    values = _table_between(lines, "!series_matrix_table_begin", "!series_matrix_table_end", index_col=0)
    fields = {}
    for line in lines:
        if line.startswith("!Sample_") and not line.startswith("!Sample_characteristics"):
            key, *vals = line.split("\t")
            fields.setdefault(key[len("!Sample_") :], [v.strip('"') for v in vals])
    meta = pd.DataFrame(fields).set_index("geo_accession")
    values.columns = [c.strip('"') for c in values.columns]
    return values, meta


def platform_symbols(path) -> pd.Series:
    """GPL SOFT -> probe ID to 'Gene Symbol' (missing where empty)."""
    lines = gzip.open(path, "rt").read().splitlines()
    table = _table_between(
        lines, "!platform_table_begin", "!platform_table_end", usecols=["ID", "Gene Symbol"], dtype=str
    )
    return table.set_index("ID")["Gene Symbol"]


def geo_genes(matrix_path, soft_path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """MAS5 values -> probes of one gene each (multi-gene probes dropped) -> per gene the probe
    with the highest mean signal (WGCNA collapseRows MaxMean) -> log2, values <= 0 raised to
    the smallest positive value."""
    values, meta = series_matrix(matrix_path)
    symbols = platform_symbols(soft_path).reindex(values.index.astype(str))
    single = (symbols.notna() & ~symbols.fillna("").str.contains("///")).to_numpy()
    best = values[single].mean(axis=1).groupby(symbols[single].to_numpy()).idxmax()
    genes = values.loc[best.to_numpy()]
    genes.index = best.index
    return np.log2(np.maximum(genes, genes[genes > 0].min().min())), meta


def mean_z(expression: pd.DataFrame, genes) -> pd.Series:
    """Mean over the set's measured genes of each gene z-scored across samples (ddof 1)."""
    sub = expression.loc[[g for g in genes if g in expression.index]]
    z = sub.sub(sub.mean(axis=1), axis=0).div(sub.std(axis=1, ddof=1), axis=0)
    return z.mean(axis=0)


def read_gmt(path) -> dict[str, list[str]]:
    out = {}
    for line in open(path, encoding="utf-8"):
        name, _, *genes = line.rstrip("\r\n").split("\t")
        out[name] = [g for g in genes if g]
    return out


def cells_log_normalized(path, *, min_genes: int, max_mito: float, min_cells: int, target_sum: float):
    """Cell QC (genes detected, mitochondrial share, genes in >= min_cells cells), then counts
    scaled to target_sum per cell and log1p — scanpy's recipe, written out."""
    adata = ad.read_h5ad(path)
    x = sp.csr_matrix(adata.X).astype(np.float64)
    mito = adata.var_names.str.upper().str.startswith("MT-")
    keep = ((x > 0).sum(axis=1).A1 >= min_genes) & (x[:, mito].sum(axis=1).A1 / x.sum(axis=1).A1 <= max_mito)
    x, obs = x[keep], adata.obs[keep]
    genes = (x > 0).sum(axis=0).A1 >= min_cells
    x = sp.diags(target_sum / x[:, genes].sum(axis=1).A1) @ x[:, genes]
    x.data = np.log1p(x.data)
    return pd.DataFrame(x.toarray(), index=obs.index, columns=adata.var_names[genes]), obs
