# What all the rules use -- the package and its path, the config's names, its cross-checks,
# wildcard constraints, resources, code stamps and which datasets and contrasts are bulk or
# single cell. The other helpers, by what they are for:
#   inputs.smk   downloads, each dataset kind's input files, load / group / contrast options
#   figures.smk  figure files, report labels and captions' names, the key signatures
#   outputs.smk  the targets of a whole run, and the run's start / success / error hooks
# Named functions only (no lambdas), so the rule files stay readable and lint-clean.

import os
from pathlib import Path

import cytoscore  # noqa: E402

# Rules run the package the Snakefile imported (the one beside this workflow, else the
# installed one of the same version); scripts, run in their own Python process, see it
# through PYTHONPATH.
PACKAGE_ROOT = str(Path(cytoscore.__file__).resolve().parents[1])
# (Set, not required from the user, so no envvars directive.)
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        p for p in (PACKAGE_ROOT, os.getenv("PYTHONPATH", "")) if p
    )
)

import glob  # noqa: E402
import re  # noqa: E402


from cytoscore._config import check_config  # noqa: E402
from cytoscore.io import (  # noqa: E402
    KINDS,
    check_cached_downloads,
    geo_platform_annot_url,
    geo_platform_soft_url,
    geo_series_matrix_url,
    read_series_platforms,
    refetch_hint,
    url_to_relpath,
)

CACHE = config["cache_dir"]
RESULTS = "results"
LOGS = "logs"
BENCHMARKS = "benchmarks"
ENV = "../../envs/cytoscore.yaml"
DATASETS = config["datasets"]
CONTRASTS = config["contrasts"]
METHODS = config["scoring"]["methods"]
SHARDS = config["scoring"]["shards"]


# the cross-checks the schema cannot express (cytoscore/_config.py, unit-tested)
check_config(config)


def names_regex(names):
    """A regular expression matching exactly these names (nothing when there is none)."""
    return "|".join(map(re.escape, names)) or "(?!x)x"


BULK_PATTERN = names_regex(d for d in DATASETS if not KINDS[DATASETS[d]["kind"]].cells)
CELL_PATTERN = names_regex(d for d in DATASETS if KINDS[DATASETS[d]["kind"]].cells)


wildcard_constraints:
    method="|".join(map(re.escape, config["scoring"]["methods"])),
    dataset="|".join(map(re.escape, config["datasets"])),
    contrast="|".join(map(re.escape, config["contrasts"])) or "(?!x)x",


# a cached download edited or truncated since it was fetched stops the run, named (main
# process only: hashing at every job's parse would cost its time)
if workflow.is_main_process:
    check_cached_downloads(CACHE)


def shard_spec(wildcards):
    """(shard index, number of shards): the rows a score_shard job scores."""
    return [int(wildcards.shard), SHARDS]


def shard_files(prefix, ext):
    """Input function: the per-shard files of a dataset, in row order."""

    def files(wildcards):
        return [
            f"{RESULTS}/{wildcards.dataset}/shards/{prefix}_{i}.{ext}"
            for i in range(SHARDS)
        ]

    return files


def umap_enabled():
    return config["single_cell"]["embedding"]["umap"]


def embedding_options():
    emb = config["single_cell"]["embedding"]
    return {
        "max_cells": emb["max_cells"],
        "seed": emb["seed"],
        "chunk_size": config["single_cell"]["chunk_size"],
    }


# workflow/scripts as a Snakemake source file, wherever the workflow comes from (this folder,
# a git tag, GitHub); taken while this file is parsed (jobs have no current folder)
SCRIPTS = workflow.current_basedir.join("../scripts")


def script_source(script):
    """``workflow/scripts/<script>.py`` as a Snakemake source file."""
    return SCRIPTS.join(f"{script}.py")


def adapter(script):
    """The ``script:`` of a rule: relative to the rules, or, for a workflow used as a module
    from a git source, its full source URI (Snakemake 9.27 joins a relative script path to a
    git base folder with a type error: ``LocalGitFile.join`` of a ``LocalSourceFile``).
    """
    from snakemake.sourcecache import LocalGitFile

    source = script_source(script)
    if isinstance(source, LocalGitFile):
        return source.get_path_or_uri(secret_free=True)
    return f"../scripts/{script}.py"


def adapter_code(script):
    """One stamp file standing for the package source a step runs: every module its adapter
    (``workflow/scripts/<script>.py``) reaches through its imports, derived by
    :func:`cytoscore._code.reached_sources` (never listed by hand).

    Declared as an input named ``code`` so that a change to the analysis code reruns the
    step (Snakemake itself only tracks the adapter scripts). The stamp holds the SHA-256 of
    those sources and is rewritten only when it changes, so its date moves with the code;
    one file instead of ~25 keeps a failed job's message short.
    """
    from cytoscore._code import code_digest

    with workflow.sourcecache.open(script_source(script)) as source:
        text = f"{code_digest(source.read())}\n"
    stamp = Path(".snakemake", "cytoscore_code", f"{script}.sha256")
    if workflow.is_main_process and (not stamp.is_file() or stamp.read_text() != text):
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(text)
    return str(stamp)


def scaled(base, per_input_mb=0):
    """A resource (mem_mb, runtime) that grows with the input size and the retry attempt:
    max(base, per_input_mb × input size in MB) × attempt.

    A job killed for exceeding its memory or time is retried (profile ``retries``) with
    twice, then three times the amount.
    """

    def by_attempt(wildcards, input, attempt):
        return max(base, int(per_input_mb * input.size_mb)) * attempt

    return by_attempt


def bulk_datasets():
    return [d for d in DATASETS if not KINDS[DATASETS[d]["kind"]].cells]


def cell_datasets():
    return [d for d in DATASETS if KINDS[DATASETS[d]["kind"]].cells]


def bulk_contrasts():
    return [c for c in CONTRASTS if CONTRASTS[c]["dataset"] in bulk_datasets()]


def cell_contrasts():
    return [c for c in CONTRASTS if CONTRASTS[c]["dataset"] in cell_datasets()]


def set_methods():
    """Methods that score every signature: plots of named signatures are made for these.
    cytosig scores only weighted signatures, which are known after the gene_sets step.
    """
    return [m for m in METHODS if m != "cytosig"]
