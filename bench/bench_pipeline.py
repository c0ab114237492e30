"""Benchmark: the whole single-cell pipeline (snakemake) next to a plain scanpy notebook.

    python bench/bench_pipeline.py --cells 20000 100000 300000 1000000 [--data-dir DIR]

For each size, a seeded raw-count ``.h5ad`` (tests/synthetic.py: real gene symbols, 20,000
genes, ~2,100 detected per cell, 8 donors × control/stimulated, 5 cell types; written in
chunks, cached in ``--data-dir``; read once before each run, so that both find it in the page
cache) goes through ``snakemake --cores 2`` with the default
single-cell settings: QC, normalization, ``mean_z`` and ``ucell`` on the Hallmark IFN-α/γ
and curated interferon sets, the donor-level paired contrast, every figure (UMAP of a
100,000-cell subsample). Printed per rule: wall time and peak RSS from Snakemake's
``benchmark:`` files; then the total wall time and the largest peak.

The same question answered the way a plain scanpy notebook does it, in a fresh process:
``read_h5ad``, ``normalize_total``, ``log1p``, ``score_genes`` per set, a pandas groupby per
donor (its "answer" time, timed after the imports, and peak RSS; ``scanpy_process_s``: the
same notebook's whole process, with Python start-up and imports, as each Snakemake job is
timed); in a second process the same followed by HVG, PCA, kNN graph and UMAP of all cells
(its total, up to ``--scanpy-umap-max`` cells). Ratios are scanpy / cytoscore: answer jobs
(prepare_cells with QC, score with two methods and the per-donor summary; summed job wall
times, each with its start-up) against the notebook's answer without its imports, the whole
run against the notebook with UMAP; above 1 means cytoscore is faster or smaller.
``with_contrast_s`` adds the donor-level paired contrast (compare), which the notebook lacks.
``--pseudobulk`` adds the same contrast at ``level: pseudobulk`` (its compare job re-reads the
raw counts and sums them per sample × cell type): ``pseudobulk_compare_s`` and its peak.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "workflow"))

from tests.synthetic import HALLMARK_GMT, STUDY_SETS, study_config, write_pbmc_counts  # noqa: E402

SETS = STUDY_SETS


# the jobs that give the notebook's answer (scores per cell, their means per donor and cell
# type, from QC'd and normalized counts), then the donor-level contrast, which the notebook
# does not do; the others draw figures (UMAP included) and write provenance
ANSWER_RULES = ["prepare_cells", "score"]
CONTRAST_RULES = ["compare"]


SCANPY = """
import sys, time
import anndata as ad, numpy as np, pandas as pd, scanpy as sc
sets = {name: genes.split(",") for name, genes in (a.split("=") for a in sys.argv[3:])}
t = time.time()
adata = ad.read_h5ad(sys.argv[1])
sc.pp.normalize_total(adata, target_sum=1e4)
sc.pp.log1p(adata)
for name, genes in sets.items():
    sc.tl.score_genes(adata, [g for g in genes if g in adata.var_names], score_name=name, random_state=0)
means = adata.obs.groupby(["sample_id", "cell_type"], observed=True)[list(sets)].mean()
peak = lambda: next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024**2  # own peak, GB (ru_maxrss would include the forking parent's RSS)
answer = time.time() - t, peak()
if sys.argv[2] == "answer":
    print(*answer, "nan", "nan")
    raise SystemExit
sc.pp.highly_variable_genes(adata, n_top_genes=2000, flavor="seurat")
sc.pp.pca(adata, n_comps=30, mask_var="highly_variable", random_state=0)
sc.pp.neighbors(adata, random_state=0)
sc.tl.umap(adata, random_state=0)
print(*answer, time.time() - t, peak())
"""


def warm_cache(path: Path) -> None:
    """Read a file once, so that the pipeline and the notebook both find it in the page cache
    (the first reader of a 2 GB file otherwise pays the disk for both)."""
    with open(path, "rb") as fh:
        while fh.read(1 << 26):
            pass


PSEUDOBULK = "stim_vs_ctrl_pseudobulk"


def run_pipeline(h5ad: Path, workdir: Path, *, pseudobulk: bool = False) -> tuple[float, pd.DataFrame]:
    workdir.mkdir(parents=True, exist_ok=True)
    config = study_config(h5ad)
    if pseudobulk:  # the same contrast from counts summed per sample x cell type, beside it
        config["contrasts"][PSEUDOBULK] = {**config["contrasts"]["stim_vs_ctrl"], "level": "pseudobulk"}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--configfile", "config.yaml",
           "--cores", "2", "--quiet", "rules"]  # fmt: skip
    start = time.time()
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    wall = time.time() - start
    if proc.returncode != 0:
        raise SystemExit(f"snakemake failed in {workdir}:\n{proc.stderr[-3000:]}")
    rows = []
    for path in sorted((workdir / "benchmarks").rglob("*.tsv")):
        b = pd.read_csv(path, sep="\t")
        rows.append({"rule": path.stem, "of": path.parent.name, "wall_s": float(b["s"].iloc[0]),
                     "max_rss_gb": float(b["max_rss"].iloc[0]) / 1024})  # fmt: skip
    return wall, pd.DataFrame(rows)


def run_scanpy(h5ad: Path, umap: bool) -> list[float] | None:
    sys.path.insert(0, str(ROOT / "workflow"))
    from cytoscore.resources import curated_gene_sets, read_gmt

    sets = {gs.name: gs.genes for gs in read_gmt(HALLMARK_GMT) + curated_gene_sets() if gs.name in SETS}
    args = [f"{k}={','.join(v)}" for k, v in sets.items()]
    mode = "umap" if umap else "answer"
    start = time.time()
    proc = subprocess.run([sys.executable, "-c", SCANPY, str(h5ad), mode, *args], capture_output=True, text=True)
    wall = time.time() - start
    if proc.returncode != 0:
        return None  # e.g. killed for memory
    # answer s, GB; with UMAP s, GB (timed inside, after the imports; NaN without UMAP); the
    # process's wall time
    return [float(v) for v in proc.stdout.split()[-4:]] + [wall]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, nargs="+", default=[20_000])
    parser.add_argument("--data-dir", type=Path, default=Path("bench_data"))
    parser.add_argument("--work-dir", type=Path, default=Path("bench_runs"))
    parser.add_argument("--no-scanpy", action="store_true", help="skip the plain scanpy comparison")
    parser.add_argument("--pseudobulk", action="store_true", help=f"add the contrast at level pseudobulk ({PSEUDOBULK})")
    parser.add_argument(
        "--scanpy-umap-max", type=int, default=100_000,
        help="the notebook also computes a UMAP of all cells up to this many cells",
    )  # fmt: skip
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    summary = []
    for n in args.cells:
        h5ad = args.data_dir / f"pbmc_{n}.h5ad"
        if not h5ad.exists():
            write_pbmc_counts(h5ad, n)
        warm_cache(h5ad)
        wall, rules = run_pipeline(h5ad, args.work_dir / f"cells_{n}", pseudobulk=args.pseudobulk)
        print(f"\n## {n:,} cells ({h5ad.stat().st_size / 1e9:.1f} GB .h5ad): pipeline {wall:.0f} s")
        print(rules.sort_values("wall_s", ascending=False).to_string(index=False, float_format="%.2f"))
        answer = rules[rules["rule"].isin(ANSWER_RULES)]
        row = {
            "cells": n,
            "answer_s": round(answer["wall_s"].sum()),
            "answer_peak_gb": round(answer["max_rss_gb"].max(), 2),
            "with_contrast_s": round(
                rules[rules["rule"].isin(ANSWER_RULES + CONTRAST_RULES) & (rules["of"] != PSEUDOBULK)]["wall_s"].sum()
            ),
            "pipeline_s": round(wall),
            "pipeline_peak_gb": round(rules["max_rss_gb"].max(), 2),
        }
        if args.pseudobulk:
            job = rules[(rules["rule"] == "compare") & (rules["of"] == PSEUDOBULK)].iloc[0]
            row.update(pseudobulk_compare_s=round(job["wall_s"], 1), pseudobulk_compare_peak_gb=round(job["max_rss_gb"], 2))
        if not args.no_scanpy:
            warm_cache(h5ad)
            sc = run_scanpy(h5ad, umap=False)  # the notebook that stops at the answer
            if sc is None:
                row.update(scanpy_answer_s="failed")
            else:
                row.update(
                    scanpy_answer_s=round(sc[0]),
                    scanpy_process_s=round(sc[4]),
                    scanpy_answer_peak_gb=round(sc[1], 2),
                    answer_time_ratio=round(sc[0] / row["answer_s"], 2),
                    answer_memory_ratio=round(sc[1] / row["answer_peak_gb"], 2),
                )
            full = run_scanpy(h5ad, umap=True) if n <= args.scanpy_umap_max else None
            if full is not None:
                row.update(
                    scanpy_umap_s=round(full[2]),
                    scanpy_umap_peak_gb=round(full[3], 2),
                    total_time_ratio=round(full[2] / wall, 2),
                    total_memory_ratio=round(full[3] / row["pipeline_peak_gb"], 2),
                )
        summary.append(row)
        print(json.dumps(row))
    print("\n" + pd.DataFrame(summary).to_string(index=False))


if __name__ == "__main__":
    main()
