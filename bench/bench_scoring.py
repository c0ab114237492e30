"""Benchmark: cytoscore's scoring methods next to their peers on the same seeded data.

    python bench/bench_scoring.py                      # 20,000 cells and 200 bulk samples
    python bench/bench_scoring.py --cells 20000 100000 1000000 --bulk-samples 1000

Peers (install with ``pip install -e ".[bench]"``; R GSVA from Debian r-bioc-gsva):
scanpy ``score_genes``, decoupler ``zscore``/``ulm``/``aucell``/``gsva``, pyUCell, and R
GSVA ``gsva``/``ssgsea`` for bulk. Each (tool, method) runs in a fresh process on data
written once to disk (single cell: a sparse .h5ad, ~1,500 expressed genes per cell, read
``backed`` by cytoscore above 200,000 cells); reading the data is not timed. Printed per
run: wall time, peak memory above the loaded data, the ratio of cytoscore to the fastest
peer doing the same computation, and the ratio to the one-pass floor (one sparse product
X @ gene-set indicator). A peer that fails or exceeds ``--timeout`` is reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

N_GENES = 20_000
N_SETS = 50
SET_SIZES = (20, 200)

# computation -> cytoscore method, peers (tool:method)
CELL_TASKS = {
    "linear set score": ("mean_z", ["scanpy:score_genes", "decoupler:zscore"]),
    "weighted linear model": ("ulm", ["decoupler:ulm"]),
    "UCell": ("ucell", ["pyucell:ucell"]),
    "AUCell": ("aucell", ["decoupler:aucell"]),
}
BULK_TASKS = {
    "GSVA": ("gsva", ["R:gsva", "decoupler:gsva"]),
    "ssGSEA": ("ssgsea", ["R:ssgsea"]),
}


def gene_sets(rng: np.random.Generator, genes: list[str]) -> dict[str, list[str]]:
    return {
        f"SET{j:02d}": sorted(rng.choice(genes, int(rng.integers(*SET_SIZES)), replace=False).tolist())
        for j in range(N_SETS)
    }


def make_cells(n_cells: int, path: Path) -> None:
    """Seeded log-normalized sparse data written in chunks (1M cells never in memory as a whole)."""
    import anndata as ad
    import h5py
    import scipy.sparse as sp
    from anndata.io import write_elem

    rng = np.random.default_rng(0)
    genes = [f"G{i:05d}" for i in range(N_GENES)]
    popularity = rng.gamma(0.3, 1.0, N_GENES)
    popularity /= popularity.sum()
    chunk = 50_000
    obs = ad.AnnData(
        obs={"cell": [f"c{i}" for i in range(n_cells)]},
        var={"gene": genes},
    )
    obs.obs_names = obs.obs["cell"].astype(str)
    obs.var_names = genes
    with h5py.File(path, "w") as f:
        write_elem(f, "obs", obs.obs)
        write_elem(f, "var", obs.var)
        for key in ("obsm", "varm", "obsp", "varp", "layers", "uns"):
            write_elem(f, key, {})
        for start in range(0, n_cells, chunk):
            n = min(chunk, n_cells - start)
            nnz = rng.integers(1200, 1800, size=n)
            rows = np.repeat(np.arange(n), nnz)
            cols = rng.choice(N_GENES, size=nnz.sum(), p=popularity)
            vals = np.log1p(rng.gamma(1.0, 2.0, size=nnz.sum())).astype(np.float32)
            block = sp.csr_matrix((vals, (rows, cols)), shape=(n, N_GENES))
            block.sum_duplicates()
            if start == 0:
                write_elem(f, "X", block)
            else:
                ad.io.sparse_dataset(f["X"]).append(block)
    (path.with_suffix(".sets.json")).write_text(json.dumps(gene_sets(np.random.default_rng(1), genes)))


def make_bulk(n_samples: int, path: Path) -> None:
    rng = np.random.default_rng(2)
    genes = [f"G{i:05d}" for i in range(N_GENES)]
    base = rng.normal(7, 2, size=(N_GENES, 1))
    X = base + rng.normal(0, 1, size=(N_GENES, n_samples))
    import pandas as pd

    pd.DataFrame(X, index=genes, columns=[f"S{j:04d}" for j in range(n_samples)]).to_csv(
        path, sep="\t", float_format="%.5f", index_label="gene"
    )
    sets = gene_sets(np.random.default_rng(1), genes)
    path.with_suffix(".sets.json").write_text(json.dumps(sets))
    with open(path.with_suffix(".gmt"), "w") as out:
        for name, members in sets.items():
            out.write("\t".join([name, "-", *members]) + "\n")


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (VmRSS) or its peak (VmHWM), MB. The peak is read from
    /proc, not ru_maxrss: a child started by fork + exec inherits the parent's RSS at the
    fork as its ru_maxrss, which overstated peaks after data was generated in the parent."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return 0.0


R_SCRIPT = """
suppressPackageStartupMessages(library(GSVA))
args <- commandArgs(trailingOnly = TRUE)
expr <- as.matrix(read.delim(args[1], row.names = 1, check.names = FALSE))
lines <- readLines(args[2])
sets <- lapply(strsplit(lines, "\\t"), function(f) f[-(1:2)])
names(sets) <- vapply(strsplit(lines, "\\t"), `[`, "", 1)
t <- system.time(es <- gsva(expr, sets, method = args[3], min.sz = 1, verbose = FALSE))[["elapsed"]]
hwm <- grep("^VmHWM", readLines("/proc/self/status"), value = TRUE)
cat(as.numeric(gsub("[^0-9]", "", hwm)) / 1024, t, "\\n")  # own peak MB (not the forking parent's), seconds
"""


def worker(tool: str, method: str, data: str) -> dict:
    """Run one (tool, method) on the data; returns wall seconds and peak MB above the loaded data."""
    import anndata as ad
    import pandas as pd

    sets = json.loads(Path(data).with_suffix(".sets.json").read_text())
    if tool == "R":
        script = Path(tempfile.mkstemp(suffix=".R")[1])
        script.write_text(R_SCRIPT)
        out = subprocess.run(
            ["Rscript", str(script), data, str(Path(data).with_suffix(".gmt")), method],
            capture_output=True,
            text=True,
            check=True,
        )
        peak, seconds = (float(v) for v in out.stdout.split()[-2:])
        return {"seconds": seconds, "peak_mb": peak}
    if data.endswith(".tsv"):
        frame = pd.read_csv(data, sep="\t", index_col=0)
        adata = ad.AnnData(frame.T.to_numpy())
        adata.obs_names, adata.var_names = list(frame.columns), list(frame.index)
    else:
        backed = tool == "cytoscore" and ad.read_h5ad(data, backed="r").n_obs > 200_000
        adata = ad.read_h5ad(data, backed="r") if backed else ad.read_h5ad(data)
    # imports and a warm-up call on 50 observations are not timed, for any tool
    if tool == "cytoscore":
        from cytoscore.resources import GeneSet
        from cytoscore.tl import score_gene_sets

        signatures = [GeneSet(n, tuple(g)) for n, g in sets.items()]

        def call(adata):
            score_gene_sets(adata, signatures, methods=[method], min_genes=1)

    elif tool == "floor":
        import scipy.sparse as sp

        index = {g: i for i, g in enumerate(adata.var_names)}
        members = [index[g] for genes in sets.values() for g in genes]
        columns = np.repeat(np.arange(len(sets)), [len(v) for v in sets.values()])
        S = sp.csr_matrix(
            (np.ones(len(members), dtype=adata.X.dtype), (members, columns)), shape=(adata.n_vars, len(sets))
        )  # same dtype as X: no upcast copy of the data

        def call(adata):
            _ = adata.X @ S

    elif tool == "scanpy":
        import scanpy as sc

        def call(adata):
            for name, genes in sets.items():
                sc.tl.score_genes(adata, genes, score_name=name, random_state=0)

    elif tool == "decoupler":
        import decoupler as dc

        net = pd.DataFrame([{"source": s, "target": g, "weight": 1.0} for s, gs in sets.items() for g in gs])

        def call(adata):
            getattr(dc.mt, method)(adata, net, tmin=1, verbose=False)

    elif tool == "pyucell":
        import pyucell

        def call(adata):
            pyucell.compute_ucell_scores(adata, signatures=sets, max_rank=1500, n_jobs=1)

    else:
        raise ValueError(tool)
    if tool != "R" and not adata.isbacked:
        call(adata[:50].copy())  # warm-up: numba compilation / cache loading, any tool
    base = rss_mb()
    start = time.perf_counter()
    call(adata)
    seconds = time.perf_counter() - start
    peak = rss_mb("VmHWM") - base
    return {"seconds": seconds, "peak_mb": max(peak, 0.0)}


def run(tool: str, method: str, data: Path, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--worker", tool, method, str(data)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ})
    except subprocess.TimeoutExpired:
        return {"error": f"> {timeout:.0f} s"}
    if out.returncode < 0:
        return {"error": f"killed (signal {-out.returncode}; out of memory?)"}
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1][:80]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(
    label: str, tasks: dict, data: Path, timeout: float, floor: dict | None, peers: bool = True
) -> None:
    print(f"\n## {label}")
    print(
        f"{'computation':24} {'tool:method':22} {'wall s':>9} {'peak MB':>9} {'vs fastest peer':>16} {'vs floor':>9}"
    )
    if floor:
        print(f"{'one-pass floor':24} {'X @ S':22} {floor['seconds']:9.3f} {floor['peak_mb']:9.0f}")
    for computation, (ours, others) in tasks.items():
        results = {f"cytoscore:{ours}": run("cytoscore", ours, data, timeout)}
        for peer in others if peers else []:
            results[peer] = run(*peer.split(":"), data, timeout)
        times = [r["seconds"] for k, r in results.items() if not k.startswith("cytoscore") and "seconds" in r]
        fastest = min(times) if times else None
        for name, r in results.items():
            if "error" in r:
                print(f"{computation:24} {name:22} {r['error']}")
                continue
            ratio = (
                f"{fastest / r['seconds']:.1f}x faster" if name.startswith("cytoscore") and fastest else ""
            )
            over = f"{r['seconds'] / floor['seconds']:.0f}x" if floor and name.startswith("cytoscore") else ""
            print(f"{computation:24} {name:22} {r['seconds']:9.3f} {r['peak_mb']:9.0f} {ratio:>16} {over:>9}")
        sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cells", type=int, nargs="*", default=[20_000])
    parser.add_argument("--bulk-samples", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--peers", action=argparse.BooleanOptionalAction, default=True, help="run the peers too"
    )
    parser.add_argument("--worker", nargs=3, metavar=("TOOL", "METHOD", "DATA"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cytoscore-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"# cytoscore scoring benchmark ({os.cpu_count()} cores); data in {workdir}")
    for n in args.cells:
        data = workdir / f"cells_{n}.h5ad"
        if not data.exists():
            make_cells(n, data)
        floor = run("floor", "-", data, args.timeout)
        report(
            f"{n:,} cells × {N_GENES:,} genes × {N_SETS} sets (sparse)",
            CELL_TASKS,
            data,
            args.timeout,
            floor,
            args.peers,
        )
    if args.bulk_samples:
        data = workdir / f"bulk_{args.bulk_samples}.tsv"
        if not data.exists():
            make_bulk(args.bulk_samples, data)
        report(
            f"bulk: {args.bulk_samples:,} samples × {N_GENES:,} genes × {N_SETS} sets",
            BULK_TASKS,
            data,
            args.timeout,
            None,
            args.peers,
        )


if __name__ == "__main__":
    main()
