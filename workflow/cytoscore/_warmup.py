"""Compile the numba kernels once, at set-up, so that the first run of a new installation is
as fast as the second (issue 23: a cold 100,000-cell run took 44 s instead of 21 s).

    python -m cytoscore._warmup

The kernels are compiled with ``cache=True``: numba writes each compiled signature to
``__pycache__`` beside its source (or ``NUMBA_CACHE_DIR``) and later processes load it. This
runs the real entry points — the single-cell preparation stream, bulk and single-cell
scoring with every method, the summaries, the UMAP embedding — on a small seeded dataset of
the same types the workflow passes (CSR float32 counts, float64 dense expression, int32 indices), so the
signatures compiled are the ones a run needs. ``./cytoscore setup`` calls it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = ["compile_kernels", "kernels"]


def _gene_sets(genes: list[str]):
    from .resources import GeneSet

    return [
        GeneSet(name="SET_A", genes=tuple(genes[:30]), collection="warmup"),
        GeneSet(name="SET_B", genes=tuple(genes[20:60]), collection="warmup"),
        GeneSet(name="SIGNED", genes=tuple(genes[60:80]), weights=(1.0,) * 10 + (-1.0,) * 10, collection="warmup"),
        GeneSet(name="WEIGHTED", genes=tuple(genes[80:120]), weights=tuple(np.linspace(-2, 2, 40)), collection="warmup"),
    ]


def _cells(n_cells: int, n_genes: int, rng: np.random.Generator) -> ad.AnnData:
    counts = sp.random(n_cells, n_genes, density=0.2, format="csr", dtype=np.float32, random_state=rng)
    counts.data = np.ceil(counts.data * 20).astype(np.float32)
    counts.indices = counts.indices.astype(np.int32)
    counts.indptr = counts.indptr.astype(np.int32)
    obs = pd.DataFrame(
        {
            "sample": [f"{g}{d}" for g, d in zip(rng.choice(["ctrl", "stim"], n_cells), rng.integers(1, 4, n_cells), strict=True)],
            "cell_type": rng.choice(["A", "B"], n_cells),
        },
        index=[f"cell{i}" for i in range(n_cells)],
    )
    obs["group"] = obs["sample"].str[:4]
    genes = [f"GENE{i}" for i in range(n_genes - 3)] + ["MT-CO1", "MT-ND1", "MT-CYB"]
    return ad.AnnData(X=counts, obs=obs, var=pd.DataFrame(index=genes))


def compile_kernels(folder: str | Path | None = None) -> float:
    """Run every numba kernel once on small data (in ``folder``, else a temporary one);
    returns the seconds it took."""
    from .pp import embed_cells, prepare_single_cell
    from .tl import METHODS, score_gene_sets, summarize_scores

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="cytoscore_warmup_") as tmp:
        where = Path(folder or tmp)
        cells = _cells(400, 300, rng)
        sets = _gene_sets(list(cells.var_names))
        raw = where / "cells.h5ad"
        cells.write_h5ad(raw)
        meta = prepare_single_cell(
            {"h5ad": str(raw)},
            where / "normalized.h5ad",
            normalize={"qc": {"min_genes": 1, "min_cells": 1, "max_mito_fraction": 1.0}, "target_sum": 1e4},
            groups={"column": "group", "patterns": {"ctrl": "^ctrl$", "stim": "^stim$"}, "compared": {"ctrl": "warmup", "stim": "warmup"}},
            chunk_size=150,
        )
        methods = [m for m in METHODS if m != "cytosig"]  # CytoSig's ridge regression is numpy
        backed = ad.read_h5ad(where / "normalized.h5ad", backed="r")
        scores, _ = score_gene_sets(backed, sets, methods=methods, min_genes=3, wide=True, chunk_size=128)
        summarize_scores(scores, meta.obs, by=["sample", "cell_type"])
        embed_cells(backed)  # the UMAP graph and layout (cytoscore.pp._umap)
        backed.file.close()
        bulk = ad.AnnData(
            X=np.log2(1 + rng.gamma(2.0, 50.0, size=(24, 300))),
            obs=pd.DataFrame(index=[f"s{i}" for i in range(24)]),
            var=pd.DataFrame(index=cells.var_names),
        )
        score_gene_sets(bulk, sets, methods=methods, min_genes=3)
    return time.perf_counter() - start


def kernels() -> dict[str, object]:
    """Every numba dispatcher of the package, by module and name (for the cold-start test)."""
    import importlib

    from numba.core.registry import CPUDispatcher

    found = {}
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        module = ".".join(["cytoscore", *path.relative_to(root).with_suffix("").parts])
        if module.endswith("__init__") or "_warmup" in module:
            continue
        mod = importlib.import_module(module)
        for name, value in vars(mod).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == module:
                found[f"{module}.{name}"] = value
    return found


if __name__ == "__main__":
    print(f"cytoscore: numba kernels compiled and cached in {compile_kernels():.0f} s")
