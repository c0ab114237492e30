# Helpers shared by the rules: paths, config look-ups and input functions.
# Named functions only (no lambdas), so the rule files stay readable and lint-clean.

import os
import sys
from pathlib import Path

# Rules run the package beside this workflow, not whatever copy is installed:
# scripts (run in their own Python process) see it through PYTHONPATH.
PACKAGE_ROOT = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, PACKAGE_ROOT)
# (Set, not required from the user, so no envvars directive.)
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        p for p in (PACKAGE_ROOT, os.getenv("PYTHONPATH", "")) if p
    )
)

from cytoscore.io import (  # noqa: E402
    geo_platform_soft_url,
    geo_series_matrix_url,
    read_series_platforms,
    url_to_relpath,
)

CACHE = config["cache_dir"]
RESULTS = "results"
LOGS = "logs"
ENV = "../../envs/cytoscore.yaml"
DATASETS = config["datasets"]
CONTRASTS = config["contrasts"]
METHODS = config["scoring"]["methods"]


def _check_contrasts():
    """Fail at parse time, naming the key, when a contrast points at a missing dataset or group."""
    for name, contrast in CONTRASTS.items():
        dataset = contrast["dataset"]
        if dataset not in DATASETS:
            raise ValueError(
                f"config contrasts.{name}.dataset: unknown dataset {dataset!r}; "
                f"datasets are {sorted(DATASETS)}"
            )
        if contrast["target"] == contrast["reference"]:
            raise ValueError(
                f"config contrasts.{name}: target and reference are both {contrast['target']!r}"
            )
        groups = DATASETS[dataset]["groups"]
        if "patterns" in groups:
            known = list(groups["patterns"])
            for role in ("target", "reference"):
                if contrast[role] not in known:
                    raise ValueError(
                        f"config contrasts.{name}.{role}: group {contrast[role]!r} is not "
                        f"defined in datasets.{dataset}.groups.patterns {known}"
                    )


_check_contrasts()
if not (config["gene_sets"]["collections"] or config["gene_sets"]["curated"]):
    raise ValueError("config gene_sets: give at least one collection or curated set")


def package_files(*modules):
    """Source files of the package (sub)modules a step uses.

    They are declared as inputs so that a change to the analysis code reruns the
    step; Snakemake itself only tracks the adapter scripts.
    """
    root = Path(PACKAGE_ROOT) / "cytoscore"
    files = sorted(str(p) for p in root.glob("*.py"))
    for module in modules:
        files += sorted(str(p) for p in (root / module).rglob("*.py"))
    return files


def cached(url):
    """Cache path of a URL (same <host>/<path> layout as a mirror)."""
    return f"{CACHE}/downloads/{url_to_relpath(url)}"


def cache_record(url):
    """JSON record (url, sha256, source) written beside each download."""
    return f"{CACHE}/records/{url_to_relpath(url)}.json"


def download_url(wildcards):
    return f"https://{wildcards.path}"


def expected_sha256(wildcards):
    """Configured checksum of a download, or an empty string."""
    for collection in config["gene_sets"]["collections"].values():
        if url_to_relpath(collection["url"]) == wildcards.path:
            return collection.get("sha256", "")
    return ""


def mirror_folder():
    return config["mirror"] or ""


def series_matrix_url(dataset):
    return geo_series_matrix_url(DATASETS[dataset]["accession"])


def series_matrix_file(wildcards):
    return cached(series_matrix_url(wildcards.dataset))


def platform_url(wildcards):
    """Platform of a series, read from its series matrix once that is downloaded."""
    matrix = checkpoints.download.get(
        path=url_to_relpath(series_matrix_url(wildcards.dataset))
    ).output.file
    platforms = read_series_platforms(matrix)
    if len(platforms) != 1:
        raise ValueError(
            f"{matrix}: series {DATASETS[wildcards.dataset]['accession']} spans platforms "
            f"{platforms}; multi-platform series are not supported yet"
        )
    return geo_platform_soft_url(platforms[0])


def load_inputs(wildcards):
    url = platform_url(wildcards)
    matrix = series_matrix_url(wildcards.dataset)
    return {
        "matrix": cached(matrix),
        "platform": cached(url),
        "matrix_record": cache_record(matrix),
        "platform_record": cache_record(url),
    }


def dataset_option(section, key):
    """Input function returning datasets.<dataset>.<section>.<key> (schema defaults applied)."""

    def get(wildcards):
        return DATASETS[wildcards.dataset].get(section, {}).get(key)

    return get


def group_options(wildcards):
    groups = DATASETS[wildcards.dataset]["groups"]
    return {k: groups.get(k) for k in ("column", "patterns", "table", "exclude")}


def group_table(wildcards):
    table = DATASETS[wildcards.dataset]["groups"].get("table")
    return [table] if table else []


def group_order(dataset):
    groups = DATASETS[dataset]["groups"]
    if "patterns" in groups:
        return list(groups["patterns"])
    return []


def gene_set_collections():
    return {
        name: {k: c.get(k, "") for k in ("url", "version", "source")}
        for name, c in config["gene_sets"]["collections"].items()
    }


def collection_files(wildcards):
    return [cached(c["url"]) for c in config["gene_sets"]["collections"].values()]


def contrast_dataset(wildcards):
    return CONTRASTS[wildcards.contrast]["dataset"]


def contrast_scores(wildcards):
    return f"{RESULTS}/{contrast_dataset(wildcards)}/scores.tsv"


def contrast_samples(wildcards):
    return f"{RESULTS}/{contrast_dataset(wildcards)}/samples.tsv"


def contrast_option(key):
    def get(wildcards):
        return CONTRASTS[wildcards.contrast][key]

    return get


def contrast_group_order(wildcards):
    return group_order(contrast_dataset(wildcards))


def dataset_group_order(wildcards):
    return group_order(wildcards.dataset)


def figure_files(base):
    """The extra formats (besides SVG) of a figure."""
    return [f"{base}.{ext}" for ext in config["plots"]["formats"]]


def final_outputs():
    figures = ["svg"] + config["plots"]["formats"]
    out = [f"{RESULTS}/comparisons.tsv"]
    for dataset in DATASETS:
        out += [
            f"{RESULTS}/{dataset}/scores.tsv",
            f"{RESULTS}/{dataset}/gene_set_coverage.tsv",
            f"{RESULTS}/{dataset}/provenance.json",
        ]
        out += expand(
            f"{RESULTS}/{dataset}/figures/heatmap_{{method}}.{{ext}}",
            method=METHODS,
            ext=figures + ["source_data.tsv"],
        )
    for contrast in CONTRASTS:
        out.append(f"{RESULTS}/contrasts/{contrast}/comparison.tsv")
        out += expand(
            f"{RESULTS}/contrasts/{contrast}/boxplot_{{method}}.{{ext}}",
            method=METHODS,
            ext=figures + ["source_data.tsv"],
        )
    return out
