"""The preflight: one screen per dataset of what a run will find, before anything heavy runs.

``./cytoscore check`` (the same options as ``run``) and every ``run`` (its first job per
dataset) read each dataset's tables, IDs and metadata (for single-cell data ``obs`` and
``var`` only, never the counts) and say: how each table was read (its dialect), the
identifiers and the share mapped to gene symbols, the scale decision, the samples (or cells
and replicates) per group and per contrast, each selected gene set's coverage, and every
error the run would meet on these inputs, all of them at once. The checks are the run's own
functions (:func:`cytoscore.pp.assign_groups`, :func:`cytoscore.pp.check_contrast_units`,
:func:`cytoscore.tl.gene_set_coverage`, ...), so the preflight cannot pass what the run
refuses.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ._utils import InputError
from .io._kinds import dataset_kind

__all__ = ["Preflight", "preflight_dataset"]

log = logging.getLogger(__name__)


@dataclass
class Preflight:
    """What the preflight found for one dataset: lines to show and errors to raise."""

    dataset: str
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def screen(self) -> str:
        head = f"── {self.dataset} " + "─" * max(3, 60 - len(self.dataset))
        out = [head, *(f"  {line}" for line in self.lines)]
        out += [f"  WARNING {w}" for w in self.warnings]
        out += [f"  FAILS   {e}" for e in self.errors]
        out.append(f"  {'ready to run' if not self.errors else f'{len(self.errors)} problem(s) to fix before a run'}")
        return "\n".join(out)


class _Collect(logging.Handler):
    """Records of the run's own functions while the preflight calls them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _step(report: Preflight, what: str, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except InputError as exc:
        report.errors.append(f"{what}: {exc}")
        return None


def _load(kind: str, files: Mapping, options: Mapping):
    """Bulk data read whole (tables are small); single-cell obs and var only."""
    if not dataset_kind(kind).cells:
        from .pp import load_genes

        return load_genes(kind, files, options)
    import anndata as ad

    from .io import CellSource, attach_metadata, read_sample_sheet
    from .pp._cellstream import _annotation, symbol_matrix

    sources = {k: files.get(k) for k in ("h5ad", "tenx_mtx", "tenx_h5")}
    with CellSource(**sources, layer=(options.get("cells") or {}).get("layer")) as source:
        cells = ad.AnnData(obs=source.obs.copy(), var=source.var.copy())
    _, var, info = symbol_matrix(cells.var, id_type=options.get("gene_ids", "auto"),
                                 annotation=_annotation(files, options), organism=options.get("organism", "auto"))  # fmt: skip
    cells.uns["preflight_symbols"] = list(var.index)
    cells.uns["cytoscore"] = {"organism": info.pop("organism"), "gene_id_mapping": info}
    if files.get("metadata"):
        sheet = read_sample_sheet(files["metadata"], id_column=options.get("metadata_id_column", "sample"),
                                  dialect=options.get("dialect"), ids=cells.obs_names)  # fmt: skip
        cells = attach_metadata(cells, sheet, source=str(files["metadata"]))
    return cells


def _describe_groups(obs: pd.DataFrame, contrasts: Sequence[Mapping]) -> list[str]:
    lines = []
    counts = obs["group"].value_counts(sort=False)
    lines.append("groups: " + ", ".join(f"{g} {n}" for g, n in counts.items()))
    for c in contrasts:
        unit = c.get("replicate") if "kind" in c and dataset_kind(c["kind"]).cells else None
        column = c.get("column") or "group"
        if column not in obs.columns:
            continue
        sides = []
        for role in ("target", "reference"):
            rows = obs[obs[column].astype(str) == c[role]]
            n = rows[unit].nunique() if unit and unit in rows else len(rows)
            sides.append(f"{c[role]} {n}")
        what = f"{unit} replicates" if unit else "samples"
        lines.append(f"contrast {c['name']}: {' vs '.join(sides)} {what}" + (f", paired by {c['pair_by']}" if c.get("pair_by") else ""))
    return lines


def _describe_data(report: Preflight, adata, kind: str, options: Mapping, normalize: Mapping) -> list[str]:
    """The lines on what was read: observations and genes, probes, organism, scale; returns
    the dataset's gene symbols (the ones the sets are matched against)."""
    from .pp import detect_log_scale

    info = adata.uns.get("cytoscore", {})
    ids = info.get("gene_id_mapping") or {}
    genes = adata.uns.get("preflight_symbols", list(adata.var_names))
    n_obs = f"{adata.n_obs:,} {dataset_kind(kind).observations}"
    detail = ""
    if "id_type" in ids:
        share = f"{100 * ids['share_mapped']:.0f}% of {ids['n_ids']:,} mapped to symbols" if "n_ids" in ids else (
            f"{100 * ids['share_mapped']:.0f}% mapped to symbols")  # fmt: skip
        # a mouse Ensembl table maps through the one-to-one orthologs: the rest (mostly non-coding) has none
        why = "; the others have no one-to-one human ortholog" if ids["id_type"] == "ensembl" and (
            (info.get("organism") or {}).get("organism", "human") != "human") and ids["share_mapped"] < 1 else ""  # fmt: skip
        detail = f", IDs: {ids['id_type']} ({share}{why})"
    report.lines.append(f"{n_obs} x {len(genes):,} genes{detail}")
    probes, source = info.get("probe_mapping") or {}, info.get("source") or {}
    if dataset_kind(kind).features == "probes" and probes:
        rules = options.get("probes", {})
        report.lines.append(
            f"{source.get('platform', 'platform')}: {probes['n_probes']:,} probes -> {len(genes):,} genes "
            f"({probes['n_probes_no_symbol']:,} without a symbol; probes.multi_gene {rules.get('multi_gene', 'drop')}, "
            f"probes.collapse {rules.get('collapse', 'max_mean')})"
        )
    org = info.get("organism") or {}
    if org:
        said = f"organism: {org.get('organism')} ({org.get('evidence')})"
        if "n_mapped" in org:
            said += f"; {org['n_mapped']:,} of {org['n_genes']:,} genes have a one-to-one human ortholog (HCOP) and are scored as those"
        report.lines.append(said)
        if org.get("mhc_class_ii"):
            report.lines.append("MHC class II: " + ", ".join(f"{g} -> {h}" for g, h in org["mhc_class_ii"].items()))
    if dataset_kind(kind).scale == "expression" and adata.n_obs:
        scale = _step(report, "scale", detect_log_scale, adata.X)
        if scale:
            q = list((scale.get("quantiles") or {}).values())
            evidence = f"; values {min(q):.3g} to {max(q):.3g}" if q else ""
            decision = "log2" if scale["needs_log2"] else "already log-scale"
            report.lines.append(f"scale: {decision} (GEO2R's rule{evidence}; normalize.log2: {normalize.get('log2', 'auto')})")
            if not scale["agree"]:
                report.warnings.append(f"scale evidence disagrees: {scale['conflicts']}")
    elif dataset_kind(kind).scale == "counts":
        report.lines.append(f"scale: raw counts -> {normalize.get('method', 'tmm').upper()} log2-CPM")
    return genes


def _check_groups(report, adata, collect, *, groups, derive, contrasts, columns):
    """Derived columns, groups, the columns the config names and each contrast's units; the
    samples with their groups (``None`` when they could not be assigned)."""
    from .pp import assign_groups, check_columns, check_contrast_units, derive_columns

    cells = _step(report, "derive", derive_columns, adata, list(derive or []))
    if cells is None:
        return None
    cells = _step(
        report, "groups", assign_groups, cells, column=groups.get("column"), patterns=groups.get("patterns"),
        table=groups.get("table"), exclude=groups.get("exclude") or (), compared=groups.get("compared"),
        dialect=groups.get("dialect"), others=groups.get("others", "error"),
    )  # fmt: skip
    if cells is None:
        return None
    report.lines += _describe_groups(cells.obs, contrasts)
    before = len(collect.records)
    _step(report, "columns", check_columns, cells.obs, dict(columns or {}))
    _step(report, "contrasts", check_contrast_units, cells.obs, contrasts)
    report.warnings += [r.getMessage() for r in collect.records[before:] if r.levelno >= logging.WARNING]
    return cells


def _filtered_genes(report: Preflight, adata, kind: str, normalize: Mapping, genes: list[str], *,
                    grouped: bool) -> list[str]:  # fmt: skip
    """Counts lose their lowly expressed genes to the expression filter before scoring (as the
    prepare step does it, on every sample): the sets are matched against the genes it keeps,
    so that "scorable" here means scorable in the run (a set of genes the cells do not
    express passed the preflight and stopped the run)."""
    if dataset_kind(kind).scale != "counts" or not normalize.get("filter", True):
        return genes
    from .pp import normalize_counts

    by = normalize.get("filter_group_column", "group")
    if by == "group" and not grouped:
        by = None  # the groups could not be assigned (a problem of its own, listed); not a sheet's "group"
    kept = _step(report, "expression filter", normalize_counts, adata, method=normalize.get("method", "tmm"),
                 filter_genes=True, group_column=by)  # fmt: skip
    if kept is None:
        return genes
    within = f"groups of {by!r}" if by else "all samples as one group"
    report.lines.append(f"expression filter (filterByExpr, {within}): {kept.n_vars:,} of {len(genes):,} genes kept; "
                        "the gene sets are matched against these")  # fmt: skip
    return list(kept.var_names)


def _check_sets(report, genes, gene_sets, *, select, min_genes, min_coverage, allow_missing) -> None:
    """Each selected set's coverage: flagged below min_coverage, an error (or, allowed, a
    skip) below min_genes."""
    from .tl import gene_set_coverage

    chosen = [gs for gs in gene_sets if select is None or gs.name in set(select)]
    coverage = gene_set_coverage(genes, chosen, min_genes=min_genes)
    if not len(coverage):
        return
    report.lines.append(
        f"gene sets: {int(coverage['scored'].sum())} of {len(coverage)} selected scorable; "
        f"coverage {coverage['coverage'].min():.0%}-{coverage['coverage'].max():.0%}"
    )
    for r in coverage[coverage["scored"] & (coverage["coverage"] < min_coverage)].itertuples():
        report.warnings.append(f"gene set {r.signature}: {r.n_found} of {r.n_genes} genes ({r.coverage:.0%}; flagged low_coverage)")
    for r in coverage[~coverage["scored"]].itertuples():
        text = f"gene set {r.signature}: {r.n_found} of {r.n_genes} genes, fewer than gene_sets.min_genes {min_genes}"
        if allow_missing:
            report.warnings.append(text + ": skipped (gene_sets.allow_missing), and named where it would be drawn")
            continue
        missing = r.missing_genes.split(",")[:10] if r.missing_genes else []
        shown = f" (missing {', '.join(missing)}{', ...' if r.n_genes - r.n_found > 10 else ''})" if missing else ""
        report.errors.append(text + shown + ". Remove it from gene_sets.select, or set gene_sets.allow_missing: true")
    if not coverage["scored"].any():
        report.errors.append(
            f"no selected gene set has {min_genes} of its genes in the data; the data's genes look like "
            f"{list(genes[:5])}: are they human gene symbols (or IDs that gene_ids / gene_annotation map)?"
        )


def preflight_dataset(
    dataset: str,
    *,
    kind: str,
    files: Mapping[str, object],
    options: Mapping,
    normalize: Mapping,
    groups: Mapping,
    derive: Sequence[Mapping],
    contrasts: Sequence[Mapping],
    gene_sets: Sequence,
    select: Sequence[str] | None,
    min_genes: int,
    min_coverage: float,
    allow_missing: bool,
    columns: Mapping[str, object] | None = None,
) -> Preflight:
    """Check one dataset as a run would, without its heavy steps; see the module's docstring.
    ``columns``: config key -> the metadata column(s) it names (cell types, samples, plot
    annotations), which must exist."""
    report = Preflight(dataset)
    collect = _Collect()
    package = logging.getLogger("cytoscore")
    package.addHandler(collect)
    propagate, package.propagate = package.propagate, False  # said once, on the screen
    level = package.level
    package.setLevel(logging.INFO)
    try:
        adata = _step(report, "reading", _load, kind, files, options)
        report.lines += [r.getMessage() for r in collect.records if r.name in ("cytoscore.io._table", "cytoscore.io._counts")]
        if adata is None:
            return report
        genes = _describe_data(report, adata, kind, options, normalize)
        grouped = _check_groups(report, adata, collect, groups=groups, derive=derive, contrasts=contrasts,
                                columns=columns)  # fmt: skip
        genes = _filtered_genes(report, adata if grouped is None else grouped, kind, normalize, genes,
                                grouped=grouped is not None)  # fmt: skip
        _check_sets(report, genes, gene_sets, select=select, min_genes=min_genes, min_coverage=min_coverage,
                    allow_missing=allow_missing)  # fmt: skip
    finally:
        package.removeHandler(collect)
        package.propagate = propagate
        package.setLevel(level)
        for record in collect.records:
            if record.levelno < logging.WARNING:
                log.info("%s", record.getMessage())
    return report
