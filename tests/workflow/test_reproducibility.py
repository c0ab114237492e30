"""Reruns are byte-identical; an interrupted run resumes; a corrupted cached download is fetched again."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import MIRROR, ROOT, default_config, digests, run_workflow

pytestmark = pytest.mark.workflow

MATRIX_REL = "ftp.ncbi.nlm.nih.gov/geo/series/GSE55nnn/GSE55235/matrix/GSE55235_series_matrix.txt.gz"


def test_two_runs_are_byte_identical(default_run, tmp_path):
    run_workflow(tmp_path)
    first, second = digests(default_run / "results"), digests(tmp_path / "results")
    # 13 figures x 4 files (box plots, heatmaps, correlations, effect sizes per method; 2
    # contrast effects; the IFN score) + 13 tables (each contrast's comparison and units among
    # them) + gene sets (tsv, gmt) + the resources record + the report's first page
    assert len(first) == 69
    differing = [name for name in first if first[name] != second.get(name)]
    assert set(first) == set(second) and not differing, differing


def test_interrupted_run_resumes_without_half_written_outputs(default_run, tmp_path):
    config = default_config()
    config["mirror"] = str(MIRROR)
    (tmp_path / "cfg.yaml").write_text(json.dumps(config))
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(ROOT / "Snakefile"),
        "--configfile",
        "cfg.yaml",
        "--cores",
        "1",
    ]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    marker = tmp_path / "logs/GSE55235/score.log"
    deadline = time.time() + 300
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert marker.exists(), "the run never reached the score step"
    os.killpg(proc.pid, signal.SIGKILL)  # kill snakemake and the running job mid-way
    proc.wait()
    scores = tmp_path / "results/GSE55235/scores.tsv"
    assert not scores.exists()  # written atomically: absent, never half-written
    for table in (tmp_path / "results").rglob("*.tsv"):  # whatever exists is complete
        assert table.read_text().endswith("\n")
    subprocess.run([*cmd, "--unlock"], cwd=tmp_path, check=True, capture_output=True)
    resumed = subprocess.run([*cmd, "--rerun-incomplete"], cwd=tmp_path, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert not list((tmp_path / "results").rglob("*.part*"))
    assert digests(tmp_path / "results") == digests(default_run / "results")


def test_corrupted_cached_download_is_named_never_deleted_and_fetched_again(tmp_path):
    run_workflow(tmp_path, None, "results/GSE55235/annotated.h5ad")
    cached = tmp_path / "resources/downloads" / MATRIX_REL
    record = tmp_path / "resources/records" / f"{MATRIX_REL}.json"
    good = hashlib.sha256(cached.read_bytes()).hexdigest()
    data = bytearray(cached.read_bytes())
    data[1000] ^= 0xFF  # one flipped byte, same size, written in place
    cached.write_bytes(bytes(data))
    for args in (("-n",), ("--lint",), ("--forcerun", "prepare")):  # nothing is deleted, not even by a dry run
        proc = run_workflow(tmp_path, None, "results/GSE55235/annotated.h5ad", *args, check=False)
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0 and f"rm resources/downloads/{MATRIX_REL} resources/records/{MATRIX_REL}.json" in out
        assert cached.exists() and record.exists()
    cached.unlink()
    record.unlink()
    # the load step is redone (e.g. after a config change); the kept hard link was corrupted
    # with the copy, so it no longer matches its record and the file comes from the mirror again
    run_workflow(tmp_path, None, "results/GSE55235/annotated.h5ad", "--forcerun", "prepare")
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == good


def test_changing_or_dropping_the_mirror_keeps_the_cache(tmp_path):
    """A changed mirror (or none, offline) is no reason to fetch again; and a download job that
    does rerun (here: forced) restores the verified kept copy without any mirror or network."""
    run_workflow(tmp_path, None, "results/GSE55235/annotated.h5ad")
    cached = tmp_path / "resources/downloads" / MATRIX_REL
    original = cached.read_bytes()
    nowhere = tmp_path / "empty_mirror"
    nowhere.mkdir()
    proc = run_workflow(tmp_path, None, "results/GSE55235/annotated.h5ad", "-n", mirror=nowhere)
    assert "Nothing to be done" in proc.stdout + proc.stderr
    proc = run_workflow(tmp_path, None, "results/GSE55235/annotated.h5ad", "--forcerun", "download", mirror=nowhere)
    assert cached.read_bytes() == original  # the same bytes, back from resources/kept/
    log = (tmp_path / "logs/download" / f"{MATRIX_REL}.log").read_text()
    assert "the verified copy kept at" in log
