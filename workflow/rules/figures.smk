# Figures and the report: each figure's files, report labels from the label map, the key
# signatures the figures draw. Included after common.smk.


def figure_labels():
    """The label map and group colours of every figure (plots.labels, plots.group_colors)."""
    plots = config["plots"]
    return {"labels": plots["labels"], "group_colors": plots["group_colors"]}


def figure_files(base):
    """The extra formats (besides SVG) of a figure."""
    return [f"{base}.{ext}" for ext in config["plots"]["formats"]]


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
