"""The pipeline through a real SLURM scheduler: a one-node cluster on this machine.

Needs root and Debian's slurm-wlm and munge (.ci/run installs them); elsewhere the test is
skipped, except in CI, where a missing SLURM is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import MIRROR, ROOT, default_config, digests

pytestmark = pytest.mark.workflow

CLUSTER = ROOT / "tests" / "slurm" / "cluster.sh"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    ready = all(shutil.which(t) for t in ("slurmctld", "slurmd", "munged", "sbatch")) and os.geteuid() == 0
    if not ready:
        if os.environ.get("CI") == "true":
            pytest.fail("SLURM is not installed or not root: ./cytoscore test installs slurm-wlm and munge as root")
        pytest.skip(
            "needs root and Debian's slurm-wlm and munge: sudo apt-get install slurm-wlm munge "
            "(./cytoscore test installs them when it may)"
        )
    folder = tmp_path_factory.mktemp("slurm")
    subprocess.run(["bash", str(CLUSTER), "start", str(folder)], check=True)
    yield folder
    subprocess.run(["bash", str(CLUSTER), "stop", str(folder)], check=False)


def test_default_study_runs_as_slurm_jobs_and_matches_a_local_run(cluster, default_run, tmp_path):
    env = {**os.environ, "SLURM_CONF": str(cluster / "slurm.conf")}
    sinfo = subprocess.run(["sinfo"], env=env, capture_output=True, text=True, check=True).stdout
    assert "idle" in sinfo
    import yaml

    config = default_config()
    config["mirror"] = str(MIRROR)
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(config, sort_keys=False))  # key order = group order
    cmd = [
        sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--configfile", "cfg.yaml",
        "--profile", str(ROOT / "profiles" / "slurm"),
        "--default-resources", "slurm_partition=debug", "mem_mb=2048", "runtime=30",
        "--slurm-no-account", "--slurm-status-command", "squeue", "--slurm-keep-successful-logs",
        "--seconds-between-status-checks", "2", "--slurm-init-seconds-before-status-checks", "1",
        "--latency-wait", "10", "--jobs", "4",
    ]  # fmt: skip
    start = time.time()
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True)
    wall = time.time() - start
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    submitted = re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (.+?)\)", log)
    rules = {
        Path(path).relative_to(tmp_path / ".snakemake/slurm_logs").parts[0].removeprefix("rule_")
        for _, _, path in submitted
    }
    expected = {
        "download", "prepare", "gene_sets", "score", "compare",
        "collect_comparisons", "omnibus", "plot_contrast", "plot_heatmaps", "plot_correlations", "provenance",
        "ifn_score",
        "plot_effect_sizes", "method_concordance", "preflight",
    }  # fmt: skip
    assert rules == expected, rules
    finished = re.findall(r"Finished jobid: (\d+) \(Rule: (\w+)\)", log)
    local = {"all", "default", "report_summary"}  # no action, or a local rule
    assert len(submitted) == len([f for f in finished if f[1] not in local]) == 19
    for _, slurm_id, path in submitted:  # each job's own SLURM log shows the rule ran inside the job
        assert (
            "Finished jobid: 0" in Path(path).read_text() or "Nothing to be done" in Path(path).read_text()
        ), slurm_id
    assert digests(tmp_path / "results") == digests(default_run / "results")
    print(f"\n{sinfo}SLURM job ids: {sorted(int(j) for _, j, _ in submitted)}; wall time {wall:.0f} s")
