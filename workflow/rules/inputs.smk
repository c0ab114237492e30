# Input functions: downloads and the cache, each dataset kind's input files (the kinds:
# cytoscore.io.KINDS), load, group and contrast options. Included after common.smk.


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
        f"inputs.smk KIND_INPUTS {sorted(KIND_INPUTS)} != the registered kinds {sorted(KINDS)}"
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
        k: ds["groups"].get(k)
        for k in ("column", "patterns", "table", "exclude", "others")
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


def therapy_user_tables(wildcards):
    """The user's therapy and axis tables (therapies.table, therapies.axes), when given."""
    given = {k: config["therapies"][k] for k in ("table", "axes")}
    return {k: v for k, v in given.items() if v}


def therapy_contrasts():
    """The contrasts that name a cytokine-targeted therapy (contrasts.<name>.therapy)."""
    return [c for c in CONTRASTS if CONTRASTS[c].get("therapy")]


def prediction_file(name):
    """An input function: a file of the dataset a prediction reads (predictions.<name>.dataset)."""

    def of(wildcards):
        return (
            f"{RESULTS}/{config['predictions'][wildcards.prediction]['dataset']}/{name}"
        )

    return of
