"""Wall time of the README's commands in a fresh clone, from an empty cache.

    python bench/bench_workflow.py [--suite] [--repeat N]

Clones this repository's HEAD into a temporary folder (so nothing cached here helps), gives
it an empty numba cache and compiles the kernels as ``./cytoscore setup`` does (untimed;
``cytoscore._warmup``), then times, with the interpreter running this script (the
project's environment) importing the clone's package (``PYTHONPATH``):

- the default study: ``snakemake --cores 2`` (its inputs come from the shipped mirror);
- the single-cell example ``config/examples/kang2018_single_cell.yaml`` (needs ../shared);
- the single-cell example again without the set-up compile (the cold start it removes);
- the many-contrast bulk study of issue 23 (``tests/synthetic.py``), and the same analysis as
  a notebook does it with pandas, scipy and matplotlib (``bench/notebook_bulk.py``), as a ratio;
- with ``--cells N``, the single-cell whole run on N synthetic cells (``tests/synthetic.py``:
  QC, two methods, the donor contrast, every figure with the UMAP of a 100,000-cell subsample)
  against the scanpy notebook that reads, normalizes, scores and embeds all cells
  (``bench/bench_pipeline.py``'s; its process wall time, imports included), as a ratio; this
  one runs in this checkout (its numba cache warm), not a fresh clone;
- with ``--suite``, the test suite (``python -m pytest -q``; about 20 minutes).

Each row gives wall seconds, CPU seconds of all processes (user + system) and the number of
jobs. Quote this output in the README, not a warm-machine impression.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float, str]:
    cpu0, t0 = children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return wall, cpu, proc.stdout + proc.stderr


def fresh_clone(where: Path) -> Path:
    clone = where / "cytoscore"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    if (SHARED).is_dir():  # the examples read ../shared: give the clone the same neighbour
        (where / "shared").symlink_to(SHARED)
    return clone


def many_contrasts(clone: Path) -> tuple[list[str], list[str]]:
    """The many-contrast bulk study (tests/synthetic.py: 30 samples, 8 stimulations against
    control, 69 signatures with PROGENy, 5 methods): the Snakemake options of its run and
    the notebook's command on the same files (bench/notebook_bulk.py)."""
    import importlib.util

    import yaml

    # this clone's tests/synthetic.py (each repeat has its own clone; its paths point into it)
    spec = importlib.util.spec_from_file_location("synthetic_of_clone", clone / "tests" / "synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    HALLMARK_GMT, bulk_study_config, write_bulk_study = (synthetic.HALLMARK_GMT, synthetic.bulk_study_config,
                                                         synthetic.write_bulk_study)  # fmt: skip

    progeny = SHARED / "resources" / "progeny_model_human_full.csv.gz"
    matrix, sheet = write_bulk_study(clone / "many_contrasts")
    config = clone / "many_contrasts" / "config.yaml"
    config.write_text(yaml.safe_dump(bulk_study_config(matrix, sheet, progeny=progeny if progeny.is_file() else None)))
    notebook = [sys.executable, str(clone / "bench" / "notebook_bulk.py"), str(matrix), str(sheet), str(HALLMARK_GMT),
                str(clone / "many_contrasts" / "notebook")]  # fmt: skip
    return ["--configfile", str(config)], notebook


def run_study(name: str, args, repeat: int, *, warm: bool = True) -> tuple[list[tuple[float, float, int]], list[float]]:
    """Timed runs of a study (``args``: Snakemake options, or a function of the clone that
    writes the study and returns them with its notebook's command); the notebook's times."""
    out, notebook_walls = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench_workflow_") as tmp:
            clone = fresh_clone(Path(tmp))
            notebook = None
            if callable(args):
                options, notebook = args(clone)
            else:
                options = args
            # a new machine's empty numba cache; the clone's own package (as its ./cytoscore
            # setup installs it), not this checkout's: numba keys its cache by the kernels'
            # file paths, so kernels compiled from the clone are found only by the clone's code
            env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(tmp) / "numba"), "PYTHONPATH": str(clone / "workflow")}
            # Python writes the clone's bytecode at its first import, as on a user's machine
            # (this sandbox sets PYTHONDONTWRITEBYTECODE: every job compiled every module again)
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            if warm:  # what ./cytoscore setup does: the kernels compile there, not in the run
                timed([sys.executable, "-m", "cytoscore._warmup"], clone, env)
            wall, cpu, log = timed([sys.executable, "-m", "snakemake", "--cores", "2", *options], clone, env)
            jobs = re.findall(r"(\d+) of (\d+) steps \(100%\) done", log)
            out.append((wall, cpu, int(jobs[-1][1]) if jobs else -1))
            if notebook:
                notebook_walls.append(timed(notebook, clone, env)[0])
    return out, notebook_walls


def single_cell_run(n: int, repeat: int) -> None:
    """The whole single-cell run on ``n`` synthetic cells against the scanpy notebook with UMAP."""
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_pipeline as bp

    with tempfile.TemporaryDirectory(prefix="bench_cells_") as tmp:
        h5ad = Path(tmp) / f"pbmc_{n}.h5ad"
        bp.write_pbmc_counts(h5ad, n)
        walls, notebook = [], []
        for r in range(repeat):
            bp.warm_cache(h5ad)
            walls.append(bp.run_pipeline(h5ad, Path(tmp) / f"run{r}")[0])
            bp.warm_cache(h5ad)
            full = bp.run_scanpy(h5ad, umap=True)
            notebook.append(full[4] if full else float("nan"))
    wall, nb = statistics.median(walls), statistics.median(notebook)
    name = f"single cell, {n:,} cells: whole run with UMAP"
    print(f"{name:<52} {wall:8.1f} {'':>8} {'':>5}   (runs: {', '.join(f'{w:.1f}' for w in walls)})")
    print(f"{'  its scanpy notebook (UMAP of all cells)':<52} {nb:8.1f} {'':>8} {'':>5}   "
          f"(runs: {', '.join(f'{w:.1f}' for w in notebook)}; notebook / cytoscore: {nb / wall:.2f}x)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", action="store_true", help="also time the test suite (about 20 minutes)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per study (median reported)")
    parser.add_argument("--only", help="time only the studies whose name contains this")
    parser.add_argument("--cells", type=int, default=0, help="also the single-cell whole run on this many cells")
    opts = parser.parse_args()
    studies = {"default study (GSE55235, from an empty cache)": []}
    if SHARED.is_dir():
        studies["single-cell example (Kang 2018, 1,556 cells)"] = [
            "--configfile",
            "config/examples/kang2018_single_cell.yaml",
        ]
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; {opts.repeat} runs each, median")
    print(f"{'what':<52} {'wall s':>8} {'CPU s':>8} {'jobs':>5}")
    if SHARED.is_dir():  # the first run of a new installation without ./cytoscore setup's compile
        studies["single-cell example, kernels not compiled at set-up"] = [*studies["single-cell example (Kang 2018, 1,556 cells)"], "cold"]
    studies["many contrasts: 30 samples, 8 contrasts, 69 sets, 5 methods"] = many_contrasts
    for name, args in studies.items():
        if opts.only and opts.only not in name:
            continue
        cold = not callable(args) and args[-1:] == ["cold"]
        runs, notebook = run_study(name, args[:-1] if cold else args, opts.repeat, warm=not cold)
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        print(f"{name:<52} {wall:8.1f} {cpu:8.1f} {runs[0][2]:5d}   (runs: {', '.join(f'{r[0]:.1f}' for r in runs)})")
        if notebook:
            nb = statistics.median(notebook)
            print(f"{'  its notebook (pandas+scipy+matplotlib, 1 method)':<52} {nb:8.1f} {'':>8} {'':>5}   "
                  f"(runs: {', '.join(f'{w:.1f}' for w in notebook)}; cytoscore / notebook: {wall / nb:.1f}x)")  # fmt: skip
    if opts.cells:
        single_cell_run(opts.cells, opts.repeat)
    if opts.suite:
        with tempfile.TemporaryDirectory(prefix="bench_suite_") as tmp:
            clone = fresh_clone(Path(tmp))
            wall, cpu, log = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], clone, dict(os.environ))
            summary = log.strip().splitlines()[-1]
            print(f"{'test suite':<52} {wall:8.1f} {cpu:8.1f} {'':>5}   ({summary})")


if __name__ == "__main__":
    main()
