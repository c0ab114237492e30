"""Benchmark: pseudobulk counts (``level: pseudobulk``) next to scanpy's ``get.aggregate``.

    python bench/bench_pseudobulk.py --cells 100000 300000 1000000 [--data-dir DIR] [--scanpy-max N]

For each size, the seeded raw-count ``.h5ad`` of ``bench/bench_pipeline.py``
(tests/synthetic.py: 20,000 genes, ~2,100 detected per cell, 8 donors × ctrl/stim, 5 cell
types; cached in ``--data-dir``) is summed per sample × cell type (80 profiles), each way in
a fresh process, after one read of the file so that both find it in the page cache:

- cytoscore: ``cytoscore.pp.pseudobulk_counts`` as the compare job calls it, streaming the
  file ``chunk_size`` (20,000) cells at a time;
- scanpy: ``anndata.read_h5ad`` then ``scanpy.get.aggregate(..., func="sum")`` — the usual
  notebook, which holds the whole matrix in memory (up to ``--scanpy-max`` cells).

Printed per size: wall time (process, imports included) and peak RSS of each, the ratios
scanpy / cytoscore (above 1: cytoscore faster or smaller), and the largest difference
between the two sums (they must be equal).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "workflow"))

from tests.synthetic import write_pbmc_counts  # noqa: E402

BY = ["sample_id", "cell_type"]

CYTOSCORE = """
import sys
import anndata as ad, numpy as np, pandas as pd
from cytoscore.pp import pseudobulk_counts
adata = ad.read_h5ad(sys.argv[1], backed="r")
obs, genes = adata.obs.copy(), list(adata.var_names)
adata.file.close()
sums, profiles = pseudobulk_counts({"h5ad": sys.argv[1]}, obs, ["sample_id", "cell_type"], genes, chunk_size=20000)
order = np.lexsort((profiles["cell_type"].to_numpy(), profiles["sample_id"].to_numpy()))
np.save(sys.argv[2], sums[order])
print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024**2)
"""

SCANPY = """
import sys
import anndata as ad, numpy as np, scanpy as sc, scipy.sparse as sp
adata = ad.read_h5ad(sys.argv[1])
agg = sc.get.aggregate(adata, by=["sample_id", "cell_type"], func="sum")
sums = agg.layers["sum"]
sums = sums.toarray() if sp.issparse(sums) else np.asarray(sums)
keys = agg.obs[["sample_id", "cell_type"]].astype(str)
order = np.lexsort((keys["cell_type"].to_numpy(), keys["sample_id"].to_numpy()))
np.save(sys.argv[2], sums[order])
print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024**2)
"""


def timed(code: str, h5ad: Path, out: Path) -> tuple[float, float]:
    """Wall time and peak RSS (GB) of ``code`` in a fresh Python process. The peak is the
    process's own VmHWM: ``ru_maxrss`` would carry over the peak of this (forking) process,
    which can be large after writing the data."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "workflow")}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(h5ad), str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return wall, float(proc.stdout.split()[-1])


def warm_cache(path: Path) -> None:
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, nargs="+", default=[100_000])
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "cytoscore-bench")
    parser.add_argument("--scanpy-max", type=int, default=300_000, help="largest size given to scanpy (its X in memory)")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    print(f"{'cells':>9} {'file GB':>8} {'cytoscore s':>12} {'GB':>6} {'scanpy s':>9} {'GB':>6} {'time ratio':>11} {'memory ratio':>13} {'max |diff|':>11}")
    for n in args.cells:
        h5ad = args.data_dir / f"pbmc_{n}.h5ad"
        if not h5ad.exists():
            write_pbmc_counts(h5ad, n)
        warm_cache(h5ad)
        with tempfile.TemporaryDirectory() as tmp:
            ours = Path(tmp) / "cytoscore.npy"
            t_ours, m_ours = timed(CYTOSCORE, h5ad, ours)
            line = f"{n:>9,} {h5ad.stat().st_size / 1e9:>8.1f} {t_ours:>12.1f} {m_ours:>6.2f}"
            if n <= args.scanpy_max:
                theirs = Path(tmp) / "scanpy.npy"
                t_sc, m_sc = timed(SCANPY, h5ad, theirs)
                diff = float(np.abs(np.load(ours) - np.load(theirs)).max())
                line += f" {t_sc:>9.1f} {m_sc:>6.2f} {t_sc / t_ours:>11.2f} {m_sc / m_ours:>13.2f} {diff:>11.3g}"
            else:
                line += f" {'not run':>9} {'':>6} {'':>11} {'':>13} {'':>11}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
