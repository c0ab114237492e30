"""``./cytoscore setup`` compiles every numba kernel of the package (cytoscore._warmup), the
UMAP graph and layout among them (cytoscore.pp._umap), so the first run of a new installation
loads them from numba's cache instead of compiling them."""

import json
import os
import subprocess
import sys

from helpers import ROOT

PROBE = """
import json
from cytoscore._warmup import compile_kernels, kernels
compile_kernels()
found = kernels()
print(json.dumps({name: [sum(d.stats.cache_hits.values()), sum(d.stats.cache_misses.values())]
                  for name, d in found.items()}))
"""


def _run(cache):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT / "workflow")}
    proc = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_kernel_is_compiled_by_the_warmup_and_loaded_from_the_cache_afterwards(tmp_path):
    first, second = _run(tmp_path), _run(tmp_path)
    assert {"cytoscore.pp._umap._epoch", "cytoscore.pp._umap._smooth_knn_dist"} <= set(first)
    assert len(first) >= 15  # the package's kernels, found by type, not listed by hand
    cold = {name for name, (hits, misses) in first.items() if misses == 0}
    assert not cold, f"kernels the warm-up never runs (add them to cytoscore/_warmup.py): {sorted(cold)}"
    warm = {name: counts for name, counts in second.items() if counts[1] or not counts[0]}
    assert not warm, f"compiled again although cached: {warm}"
