# Helpers shared by the rules: paths, config look-ups and input functions.
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
import hashlib  # noqa: E402
import re  # noqa: E402

import json  # noqa: E402

from cytoscore._utils import sha256_file  # noqa: E402
from cytoscore.io import (  # noqa: E402
    KINDS,
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
        ds = DATASETS[dataset]
        if KINDS[ds["kind"]].cells and not (
            contrast["replicate"] or ds["sample_column"]
        ):
            raise ValueError(
                f"config contrasts.{name}.replicate: single-cell contrasts test across replicates; "
                f"name the donor/sample column here or in datasets.{dataset}.sample_column"
            )
        groups = ds["groups"]
        if contrast["column"] == "group" and "patterns" in groups:
            known = list(groups["patterns"])
            for role in ("target", "reference"):
                if contrast[role] not in known:
                    raise ValueError(
                        f"config contrasts.{name}.{role}: group {contrast[role]!r} is not "
                        f"defined in datasets.{dataset}.groups.patterns {known}"
                    )
    for name, meta in config["meta_analyses"].items():
        unknown = [c for c in meta["contrasts"] if c not in CONTRASTS]
        if unknown:
            raise ValueError(
                f"config meta_analyses.{name}.contrasts: unknown contrasts {unknown}; "
                f"contrasts are {sorted(CONTRASTS)}"
            )
        datasets = [CONTRASTS[c]["dataset"] for c in meta["contrasts"]]
        if len(set(datasets)) != len(datasets):
            raise ValueError(
                f"config meta_analyses.{name}: contrasts must come from different datasets "
                f"(got {datasets}); effects of one dataset are not independent"
            )


_check_contrasts()


def _check_plot_signatures():
    """Signatures a figure draws must be scored: with a selection, among the selected."""
    select = config["gene_sets"]["select"]
    if select is None:
        return  # checked against the collections by the gene_sets job
    bulk = any(not KINDS[ds["kind"]].cells for ds in DATASETS.values())
    for key in ("signatures", "correlation") if bulk else ("signatures",):
        missing = [s for s in config["plots"][key] or [] if s not in select]
        if missing:
            raise ValueError(
                f"config plots.{key}: {missing} not in gene_sets.select, so not scored; "
                f"add them to gene_sets.select or choose among {select}"
            )


_check_plot_signatures()


def names_regex(names):
    """A regular expression matching exactly these names (nothing when there is none)."""
    return "|".join(map(re.escape, names)) or "(?!x)x"


BULK_PATTERN = names_regex(d for d in DATASETS if not KINDS[DATASETS[d]["kind"]].cells)
CELL_PATTERN = names_regex(d for d in DATASETS if KINDS[DATASETS[d]["kind"]].cells)


wildcard_constraints:
    method="|".join(map(re.escape, config["scoring"]["methods"])),
    dataset="|".join(map(re.escape, config["datasets"])),
    contrast="|".join(map(re.escape, config["contrasts"])) or "(?!x)x",


if not (config["gene_sets"]["collections"] or config["gene_sets"]["curated"]):
    raise ValueError("config gene_sets: give at least one collection or curated set")


def verify_cache():
    """Stop, naming the files, when a cached download no longer matches its record (an edited
    or truncated copy): its job must run again, which needs the copy and its record removed.
    Deletes nothing itself (this runs at every parse, dry runs and --lint included), and hashes
    only files changed after their record was written. Main Snakemake process only."""
    records = Path(CACHE) / "records"
    if not workflow.is_main_process or not records.is_dir():
        return
    bad = []
    for record in sorted(records.rglob("*.json")):
        cached_file = (
            Path(CACHE) / "downloads" / record.relative_to(records).with_suffix("")
        )
        if not cached_file.is_file():
            continue
        info = json.loads(record.read_text())
        stat = cached_file.stat()
        if stat.st_size == info["size"] and stat.st_mtime <= record.stat().st_mtime:
            continue
        if sha256_file(cached_file) != info["sha256"]:
            bad.append((cached_file, record))
    if bad:
        files = " ".join(f"{f} {r}" for f, r in bad)
        raise ValueError(
            f"cached download(s) changed since they were fetched: {', '.join(str(f) for f, _ in bad)} "
            f"(sha256 differs from the record). To fetch them again, remove them with their "
            f"records: rm {files}"
        )


verify_cache()


def _check_shards():
    """Sharded scoring needs methods whose scores of one cell use only that cell's values."""
    if SHARDS == 1:
        return
    from cytoscore.tl import get_method  # scipy and numba: 1.5 s, only when sharding

    whole = [m for m in METHODS if not get_method(m).per_observation]
    if (
        config["scoring"].get("ssgsea", {}).get("normalize", True)
        and "ssgsea" in METHODS
    ):
        whole.append("ssgsea (normalize: true)")
    if whole:
        raise ValueError(
            f"config scoring.shards: {SHARDS} shards, but {whole} score all observations together "
            "(their scores are not per cell); use shards: 1 or other methods"
        )


_check_shards()


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
        if "url" in collection and url_to_relpath(collection["url"]) == wildcards.path:
            return collection.get("sha256", "")
    return ""


def kept_copy(wildcards):
    """Where the download rule keeps the last verified copy of a file (not an output)."""
    return f"{CACHE}/kept/{wildcards.path}"


def all_downloads(wildcards):
    """Every cached download the configured run reads (series platforms found by checkpoint)."""
    files = [
        f
        for dataset in DATASETS
        for f in dataset_inputs(dataset).values()
        for f in ([f] if isinstance(f, str) else f)
        if f.startswith(f"{CACHE}/downloads/")
    ]
    files += [
        f for f in collection_files(wildcards) if f.startswith(f"{CACHE}/downloads/")
    ]
    return sorted(set(files))


def scaled(base, per_input_mb=0):
    """A resource (mem_mb, runtime) that grows with the input size and the retry attempt:
    max(base, per_input_mb × input size in MB) × attempt.

    A job killed for exceeding its memory or time is retried (profile ``retries``) with
    twice, then three times the amount.
    """

    def by_attempt(wildcards, input, attempt):
        return max(base, int(per_input_mb * input.size_mb)) * attempt

    return by_attempt


def is_url(value):
    return bool(re.match(r"^(https?|ftp)://", str(value)))


def local_or_cached(value):
    """A configured file: a URL is fetched into the cache by the download rule, a path used as is."""
    return cached(value) if is_url(value) else value


def series_matrix_url(dataset):
    ds = DATASETS[dataset]
    return geo_series_matrix_url(ds["accession"], ds["platform"])


def platform_url(dataset):
    """Platform annotation of a series; its platform is read from the downloaded series matrix."""
    ds = DATASETS[dataset]
    platform = ds["platform"]
    if platform is None:
        matrix = checkpoints.download.get(
            path=url_to_relpath(series_matrix_url(dataset))
        ).output.file
        with refetch_hint([matrix]):  # a damaged download: the rm that fetches it again
            platforms = read_series_platforms(matrix)
        if len(platforms) != 1:
            raise ValueError(
                f"{matrix}: series {ds['accession']} spans platforms {platforms}; set "
                f"datasets.{dataset}.platform to one of them (or add one dataset per platform)"
            )
        platform = platforms[0]
    if ds["annotation"] == "soft":
        return geo_platform_soft_url(platform)
    if ds["annotation"] == "annot":
        return geo_platform_annot_url(platform)
    return ds["annotation"]  # GEO's full table download, a path or URL


def _geo_inputs(dataset):
    matrix = series_matrix_url(dataset)
    annotation = platform_url(dataset)
    files = {"matrix": cached(matrix), "matrix_record": cache_record(matrix)}
    files["platform"] = local_or_cached(annotation)
    if is_url(annotation):
        files["platform_record"] = cache_record(annotation)
    return files


def _count_inputs(dataset):
    counts = DATASETS[dataset]["counts"]
    if "files" in counts:
        found = sorted(glob.glob(counts["files"]))
        if not found:
            raise ValueError(
                f"config datasets.{dataset}.counts.files: no file matches {counts['files']!r}"
            )
        return {"count_files": found}
    if "matrix" in counts:
        return {"matrix": local_or_cached(counts["matrix"])}
    return {
        "ncbi_counts": local_or_cached(counts["ncbi_counts"]),
        "ncbi_annotation": local_or_cached(counts["ncbi_annotation"]),
    }


def _cell_inputs(dataset):
    cells = DATASETS[dataset]["cells"]
    return {
        k: local_or_cached(cells[k])
        for k in ("h5ad", "tenx_mtx", "tenx_h5")
        if k in cells
    }


def load_inputs(wildcards):
    return dataset_inputs(wildcards.dataset)


def _table_inputs(dataset):
    return {"expression": local_or_cached(DATASETS[dataset]["expression"])}


#: Each dataset kind's input files (the kinds: cytoscore.io.KINDS).
KIND_INPUTS = {
    "geo_series_matrix": _geo_inputs,
    "rnaseq_counts": _count_inputs,
    "single_cell": _cell_inputs,
    "table": _table_inputs,
}
if set(KIND_INPUTS) != set(KINDS):
    raise ValueError(
        f"common.smk KIND_INPUTS {sorted(KIND_INPUTS)} != the registered kinds {sorted(KINDS)}"
    )


def dataset_inputs(dataset):
    """Input files of a dataset, by kind, plus its metadata sheet and gene annotation."""
    ds = DATASETS[dataset]
    files = KIND_INPUTS[ds["kind"]](dataset)
    if ds["metadata"]:
        files["metadata"] = local_or_cached(ds["metadata"])
    if ds["gene_annotation"]:
        files["gene_annotation"] = local_or_cached(ds["gene_annotation"]["file"])
    return files


LOAD_KEYS = (
    "probes",
    "counts",
    "cells",
    "metadata_id_column",
    "gene_ids",
    "gene_annotation",
    "dialect",
    "organism",
)


def load_options(wildcards):
    ds = DATASETS[wildcards.dataset]
    return {k: ds[k] for k in LOAD_KEYS if k in ds}


def cell_type_column(dataset):
    ds = DATASETS[dataset]
    if ds["cell_type_column"]:
        return ds["cell_type_column"]
    return "leiden" if ds["normalize"].get("cluster") else None


def summary_by(wildcards):
    """Columns single-cell scores are summarised by: sample/donor, group, cell type."""
    ds = DATASETS[wildcards.dataset]
    by = [
        c
        for c in (ds["sample_column"], "group", cell_type_column(wildcards.dataset))
        if c
    ]
    return list(dict.fromkeys(by))


def group_options(wildcards):
    ds = DATASETS[wildcards.dataset]
    groups = {
        k: ds["groups"].get(k) for k in ("column", "patterns", "table", "exclude")
    }
    return {**groups, "dialect": ds.get("dialect")}


def group_table(wildcards):
    table = DATASETS[wildcards.dataset]["groups"].get("table")
    return [table] if table else []


def group_order(dataset):
    """The dataset's groups in a fixed order, which fixes their colours in every figure:
    the patterns' order, or, for groups from a sample sheet, each contrast's reference then
    target in config order (groups in no contrast follow, sorted, in each figure)."""
    groups = DATASETS[dataset].get("groups") or {}
    if "patterns" in groups:
        return list(groups["patterns"])
    named = [
        g
        for c in CONTRASTS.values()
        if c["dataset"] == dataset and c.get("column", "group") == "group"
        for g in (c["reference"], c["target"])
    ]
    return list(dict.fromkeys(named))


def gene_set_collections():
    return {name: dict(c) for name, c in config["gene_sets"]["collections"].items()}


def collection_files(wildcards):
    return [
        cached(c["url"]) if "url" in c else c["path"]
        for c in config["gene_sets"]["collections"].values()
    ]


def required_sets():
    """Sets that must be scorable: the selected ones, unless gene_sets.allow_missing."""
    gs = config["gene_sets"]
    return [] if gs["allow_missing"] else list(gs["select"] or [])


def method_params():
    """Configured parameters of the scoring methods that are run."""
    scoring = config["scoring"]
    return {m: dict(scoring[m]) for m in METHODS if isinstance(scoring.get(m), dict)}


def contrast_dataset(wildcards):
    return CONTRASTS[wildcards.contrast]["dataset"]


def scores_file(dataset):
    """Per-observation scores: tidy TSV (bulk) or one Parquet column per method × signature (cells)."""
    ext = "parquet" if KINDS[DATASETS[dataset]["kind"]].cells else "tsv"
    return f"{RESULTS}/{dataset}/scores.{ext}"


def dataset_scores(wildcards):
    return scores_file(wildcards.dataset)


def contrast_scores(wildcards):
    return scores_file(contrast_dataset(wildcards))


def contrast_coverage(wildcards):
    return f"{RESULTS}/{contrast_dataset(wildcards)}/gene_set_coverage.tsv"


def pseudobulk_inputs(wildcards):
    """A pseudobulk contrast reads the dataset's raw counts again (its files), the genes QC
    kept (the normalized h5ad) and the gene sets; other contrasts read none of these."""
    contrast = CONTRASTS[wildcards.contrast]
    if contrast["level"] != "pseudobulk":
        return {}
    dataset = contrast["dataset"]
    return {
        **{f"raw_{k}": v for k, v in dataset_inputs(dataset).items()},
        "adata": f"{RESULTS}/{dataset}/annotated.h5ad",
        "gene_sets": f"{RESULTS}/gene_sets/gene_sets.tsv",
    }


ROUTE_KEYS = ("dataset", "column", "target", "reference", "split_by", "replicate")


def route_twins():
    """Each pseudobulk contrast whose score-averaging twin (the same dataset, groups, split
    and replicates at level replicate) is configured too: their tables go side by side.
    """
    twins = {}
    for name, contrast in CONTRASTS.items():
        if contrast["level"] != "pseudobulk":
            continue
        for other, candidate in CONTRASTS.items():
            if candidate["level"] == "replicate" and all(
                candidate[k] == contrast[k] for k in ROUTE_KEYS
            ):
                twins[name] = other
                break
    return twins


def route_tables(wildcards):
    return {
        "replicate": f"{RESULTS}/contrasts/{route_twins()[wildcards.contrast]}/comparison.tsv",
        "pseudobulk": f"{RESULTS}/contrasts/{wildcards.contrast}/comparison.tsv",
    }


def contrast_load_options(wildcards):
    ds = DATASETS[contrast_dataset(wildcards)]
    return {k: ds[k] for k in LOAD_KEYS if k in ds}


def contrast_samples(wildcards):
    return f"{RESULTS}/{contrast_dataset(wildcards)}/samples.tsv"


def contrast_options(wildcards):
    """Everything the compare step needs, with single-cell defaults taken from the dataset."""
    return resolved_contrast(wildcards.contrast)


def dataset_contrasts(wildcards):
    """The dataset's contrasts as compare reads them: prepare checks their units first."""
    return [
        {"name": name, **resolved_contrast(name)}
        for name, c in CONTRASTS.items()
        if c["dataset"] == wildcards.dataset
    ]


def dataset_columns(wildcards):
    """Config key -> the metadata columns it names, which the preflight checks exist (a
    cell-type column made by clustering, leiden, exists only later)."""
    ds, key = DATASETS[wildcards.dataset], f"datasets.{wildcards.dataset}"
    named = {f"{key}.plot_annotations": ds["plot_annotations"]}
    if KINDS[ds["kind"]].cells:
        named[f"{key}.sample_column"] = ds["sample_column"]
        if ds["cell_type_column"]:
            named[f"{key}.cell_type_column"] = ds["cell_type_column"]
    return named


def resolved_contrast(name):
    contrast = dict(CONTRASTS[name])
    ds = DATASETS[contrast["dataset"]]
    contrast["kind"] = ds["kind"]
    if KINDS[ds["kind"]].cells:
        contrast["split_by"] = contrast["split_by"] or cell_type_column(
            contrast["dataset"]
        )
        contrast["replicate"] = contrast["replicate"] or ds["sample_column"]
    return contrast


def meta_tables(wildcards):
    contrasts = config["meta_analyses"][wildcards.meta]["contrasts"]
    return [f"{RESULTS}/contrasts/{c}/comparison.tsv" for c in contrasts]


def contrast_group_order(wildcards):
    return group_order(contrast_dataset(wildcards))


def dataset_cell_type(wildcards):
    return cell_type_column(wildcards.dataset)


def dataset_group_order(wildcards):
    return group_order(wildcards.dataset)


def report_summary_input(wildcards):
    """The report's first page reads the comparisons, the study summary figure of the first
    method and every dataset's provenance."""
    out = {"provenance": [f"{RESULTS}/{d}/provenance.json" for d in DATASETS]}
    if CONTRASTS:
        out["comparisons"] = f"{RESULTS}/comparisons.tsv"
        out["figure"] = f"{RESULTS}/figures/effect_sizes_{METHODS[0]}.svg"
    return out


def figure_labels():
    """The label map and group colours of every figure (plots.labels, plots.group_colors)."""
    plots = config["plots"]
    return {"labels": plots["labels"], "group_colors": plots["group_colors"]}


def figure_files(base):
    """The extra formats (besides SVG) of a figure."""
    return [f"{base}.{ext}" for ext in config["plots"]["formats"]]


def bulk_datasets():
    return [d for d in DATASETS if not KINDS[DATASETS[d]["kind"]].cells]


def cell_datasets():
    return [d for d in DATASETS if KINDS[DATASETS[d]["kind"]].cells]


def bulk_contrasts():
    return [c for c in CONTRASTS if CONTRASTS[c]["dataset"] in bulk_datasets()]


def cell_contrasts():
    return [c for c in CONTRASTS if CONTRASTS[c]["dataset"] in cell_datasets()]


def _fill(pattern, item):
    from cytoscore._utils import file_stem

    for key, value in item.items():
        pattern = pattern.replace(f"{{{key}}}", file_stem(value))
    return pattern


def each_figure(pattern, items, *, labels, **options):
    """The SVG of one figure per item (a dict such as ``{"method": "mean_z"}`` whose keys
    are literal placeholders in ``pattern``), each in the report with the item as labels.
    (``snakemake.io.report`` is the ``report()`` of the rules; the name ``report`` is a
    keyword of the Snakefile grammar here.)"""
    from snakemake.io import report as in_report

    if options.get("subcategory") == "{contrast}":
        options["subcategory"] = shown_contrast
    return [
        in_report(
            _fill(pattern, item), labels=shown_labels({**labels, **item}), **options
        )
        for item in items
    ]


def shown_contrast(wildcards):
    """A contrast's report category: its label (plots.labels), not its config key."""
    return _label_map().contrast(wildcards.contrast)


def _label_map():
    from cytoscore._labels import LabelMap

    return LabelMap.from_plots(config["plots"])


def shown_labels(labels):
    """Report labels (a function of the wildcards) with contrast, method and signature names
    from the label map (plots.labels), not identifiers."""
    names = _label_map()
    show = {
        "contrast": names.contrast,
        "method": names.method,
        "signature": names.signature,
    }

    def resolve(wildcards):
        values = dict(wildcards.items())
        return {
            key: show.get(key, str)(value.format(**values) if "{" in value else value)
            for key, value in labels.items()
        }

    return resolve


def each_figure_files(pattern, items):
    """The other formats and the source data of one figure per item (``pattern``: the path
    without extension)."""
    out = []
    for item in items:
        base = _fill(pattern, item)
        out += [*figure_files(base), f"{base}.source_data.tsv"]
    return out


def per_method(methods):
    return [{"method": m} for m in methods]


def correlation_methods():
    """Methods whose scores are drawn against each other (plots.correlation; set methods)."""
    return set_methods() if config["plots"]["correlation"] else []


def figure_set(base):
    """All files of one figure: SVG, the configured extra formats, the source data."""
    return [f"{base}.svg", *figure_files(base), f"{base}.source_data.tsv"]


def figure_signatures():
    """Config key -> signatures the figures draw, checked by the gene_sets job."""
    plots = config["plots"]
    needed = {"plots.signatures": plots["signatures"]}
    if bulk_datasets():
        needed["plots.correlation"] = plots["correlation"]
    return {k: list(v) for k, v in needed.items() if v}


def contrast_groups(wildcards):
    """Group -> the config key of the contrast that compares it, for the contrasts of a
    dataset that compare its groups: the prepare job stops when one has no sample."""
    out = {}
    for name, contrast in CONTRASTS.items():
        if contrast["dataset"] == wildcards.dataset and contrast["column"] == "group":
            for role in ("target", "reference"):
                out.setdefault(contrast[role], f"contrasts.{name}.{role}")
    return out


def key_signatures():
    """Signatures of the box, donor, UMAP and dot plots: plots.signatures, else the selected
    sets, else the curated sets; None (every set: box plots take the 12 with the lowest FDR)
    when none of these is given."""
    gs = config["gene_sets"]
    return config["plots"]["signatures"] or gs["select"] or gs["curated"] or None


def all_comparison_tables(wildcards):
    return [f"{RESULTS}/contrasts/{c}/comparison.tsv" for c in CONTRASTS]


def dataset_comparison_tables(wildcards):
    return [
        f"{RESULTS}/contrasts/{c}/comparison.tsv"
        for c in CONTRASTS
        if CONTRASTS[c]["dataset"] == wildcards.dataset
    ]


def set_methods():
    """Methods that score every signature: plots of named signatures are made for these.
    cytosig scores only weighted signatures, which are known after the gene_sets step.
    """
    return [m for m in METHODS if m != "cytosig"]


def final_outputs():
    out = [f"{RESULTS}/report/summary.rst"]
    out += [f"{RESULTS}/comparisons.tsv"] if CONTRASTS else []
    for dataset in DATASETS:
        out += [
            scores_file(dataset),
            f"{RESULTS}/{dataset}/gene_set_coverage.tsv",
            f"{RESULTS}/{dataset}/provenance.json",
        ]
        if len(METHODS) > 1:
            out += [
                f"{RESULTS}/{dataset}/method_concordance.tsv",
                f"{RESULTS}/{dataset}/contrast_concordance.tsv",
            ]
    for dataset in cell_datasets():
        out.append(f"{RESULTS}/{dataset}/score_summary.tsv")
        for method in set_methods():
            if umap_enabled():
                out += figure_set(f"{RESULTS}/{dataset}/figures/umap_{method}")
            out += figure_set(f"{RESULTS}/{dataset}/figures/dotplot_{method}")
            out += figure_set(f"{RESULTS}/{dataset}/figures/violins_{method}")
    for dataset in bulk_datasets():
        out.append(f"{RESULTS}/{dataset}/omnibus.tsv")
        for method in METHODS:
            out += figure_set(f"{RESULTS}/{dataset}/figures/heatmap_{method}")
        for method in correlation_methods():
            out += figure_set(f"{RESULTS}/{dataset}/figures/correlation_{method}")
        if DATASETS[dataset]["ifn_score_control"]:
            out.append(f"{RESULTS}/{dataset}/ifn_score.tsv")
            out += figure_set(f"{RESULTS}/{dataset}/figures/ifn_score")
    for contrast in CONTRASTS:
        out.append(f"{RESULTS}/contrasts/{contrast}/comparison.tsv")
    for contrast in route_twins():
        out.append(f"{RESULTS}/contrasts/{contrast}/routes.tsv")
    for contrast in bulk_contrasts():
        for method in METHODS:
            out += figure_set(f"{RESULTS}/contrasts/{contrast}/boxplot_{method}")
        out += figure_set(f"{RESULTS}/contrasts/{contrast}/effects")
    for contrast in cell_contrasts():
        for method in set_methods():
            out += figure_set(f"{RESULTS}/contrasts/{contrast}/donors_{method}")
    if CONTRASTS:
        for method in METHODS:
            out += figure_set(f"{RESULTS}/figures/effect_sizes_{method}")
    for name in config["meta_analyses"]:
        out.append(f"{RESULTS}/meta/{name}.tsv")
        for method in METHODS:
            out += figure_set(f"{RESULTS}/meta/{name}_forest_{method}")
    return out


# A run that fails leaves results/RUN_INCOMPLETE.txt: Snakemake removes the outputs of the
# job that failed, but not those of jobs that finished before it, which may look finished.
# Written when a run starts (not for dry runs), removed when it succeeds.
RUN_MARKER = f"{RESULTS}/RUN_INCOMPLETE.txt"


def mark_run(state, log):
    from datetime import datetime

    marker = Path(RUN_MARKER)
    now = datetime.now().isoformat(timespec="seconds")
    log = ", ".join(map(str, log)) if isinstance(log, (list, tuple)) else log
    if state == "start":
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(
            f"A cytoscore run started at {now} and has not finished.\n"
            "Files in this folder may come from jobs that finished before a failure and are not a "
            "complete, consistent set of results. This file is removed when a run succeeds.\n"
        )
    elif state == "error":
        with marker.open("a") as out:
            out.write(
                f"The run FAILED at {now}: see {log} (the failed job's own log is named there). "
                "Fix the error and run again.\n"
            )
    else:
        marker.unlink(missing_ok=True)


onstart:
    mark_run("start", log)


onsuccess:
    mark_run("success", log)


onerror:
    mark_run("error", log)
