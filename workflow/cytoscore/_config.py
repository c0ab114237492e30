"""Validation of the workflow config against its JSON schema, with defaults filled in and
errors a person reads in one line: the key path, what is wrong, and "did you mean" for a
misspelled key (Snakemake's own ``validate`` prints the whole schema and config instead)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from ._utils import InputError

__all__ = ["validate_config", "ConfigError", "check_package", "check_config"]


class ConfigError(InputError):
    """The config does not follow its schema."""


def _with_defaults(validator_class):
    """A validator class that fills in ``default`` values of ``properties`` as it validates
    (the jsonschema FAQ recipe, as snakemake.utils.validate uses it)."""
    from jsonschema import validators

    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema) -> Iterator:
        if isinstance(instance, dict):
            for name, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(name, sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": set_defaults})


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(error) -> str:
    """One line for a jsonschema error: key path, problem, and a suggestion where one helps."""
    where = _key(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        parts = []
        for key in unknown:
            hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            full = f"{where}.{key}" if error.absolute_path else str(key)
            parts.append(f"config key {full}: unknown key" + (f"; did you mean {hint[0]!r}?" if hint else ""))
        return "; ".join(parts) + f" (allowed here: {', '.join(allowed)})"
    if error.validator == "required":
        return f"config key {where}: {error.message}"
    if error.validator == "enum":
        options = ", ".join(map(repr, error.validator_value))
        hint = difflib.get_close_matches(str(error.instance), [str(v) for v in error.validator_value], n=1)
        return (
            f"config key {where}: {_short(error.instance)} is not one of {options}"
            + (f"; did you mean {hint[0]!r}?" if hint else "")
        )
    if error.validator == "type":
        want = error.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return f"config key {where}: {_short(error.instance)} is not of type {want}"
    message = error.message
    if len(message) > 200:  # messages that embed a whole sub-config
        message = f"{_short(error.instance)} does not satisfy '{error.validator}: {_short(error.validator_value, 60)}'"
    return f"config key {where}: {message}"


def validate_config(config: dict, schema_path: str | Path) -> dict:
    """Validate ``config`` in place against the YAML/JSON schema at ``schema_path``, filling
    in defaults. Raises :class:`ConfigError` with one line per problem (at most 5), each
    naming the key path."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match, relevance

    schema = yaml.safe_load(Path(schema_path).read_text())
    Validator = _with_defaults(Draft202012Validator)
    errors = list(Validator(schema).iter_errors(config))
    if not errors:
        return config
    # one error per place, the most relevant (descending into oneOf/anyOf branches)
    lines = []
    for error in sorted(errors, key=relevance):
        best = best_match([error])
        line = _describe(best)
        if line not in lines:
            lines.append(line)
    more = f" (and {len(lines) - 5} more)" if len(lines) > 5 else ""
    raise ConfigError("invalid config" + more + ":\n" + "\n".join(f"  - {line}" for line in lines[:5]))


def default_gene_sets(config: dict, default_config: str | Path) -> str | None:
    """Give a config that names no ``gene_sets`` those of the default study
    (``default_config``, config/config.yaml), with ``allow_missing`` (a set these data cannot
    score, e.g. one without mouse orthologs, is skipped with a warning): a study of one's own
    written from the docs' example scores what the default study scores instead of stopping.
    Returns the warning that says so (the Snakefile prints it), ``None`` when the config
    names its own sets."""
    if "gene_sets" in config:
        return None
    gene_sets = yaml.safe_load(Path(default_config).read_text())["gene_sets"]
    # sets nobody chose for these data: one the data cannot score is skipped with a warning
    # (and a figure saying why) rather than stopping the run
    gene_sets["allow_missing"] = True
    config["gene_sets"] = gene_sets
    names = gene_sets.get("select") or [*gene_sets.get("collections", {}), *gene_sets.get("curated", [])]
    return (
        "config gene_sets: none given; scoring the default study's sets (config/config.yaml), skipping any "
        f"the data cannot score (allow_missing): {', '.join(names)}"
    )


def check_package(init_file: str) -> None:
    """Stop when the imported cytoscore is not the version of the workflow's rules
    (``init_file``: the workflow's own ``cytoscore/__init__.py``, read through Snakemake's
    source cache when the workflow comes from a remote source)."""
    import re

    from . import __version__

    match = re.search(r'^__version__ = "([^"]+)"', Path(init_file).read_text(), flags=re.M)
    if match and match.group(1) != __version__:
        raise ConfigError(
            f"the workflow's rules are cytoscore {match.group(1)} but the installed package is {__version__} "
            f"({Path(__file__).parent}); install the same version: pip install "
            f"'cytoscore @ git+<this repository>@v{match.group(1)}'"
        )


def check_config(config: Mapping) -> None:
    """The cross-checks a schema cannot express, on a validated config: contrasts name a
    dataset and its groups, single-cell contrasts have replicates, meta-analyses combine
    contrasts of different datasets, figures draw scored signatures, there is a gene set to
    score, sharded scoring uses per-cell methods, normalize options are the dataset kind's, and treatment contrasts name a known
    therapy, and predictions and axis profiles read a bulk dataset. Raises :class:`ConfigError` naming the
    key."""
    from .io._kinds import dataset_kind
    from .pp._options import check_normalize_options

    datasets, contrasts = config["datasets"], config["contrasts"]
    for name, contrast in contrasts.items():
        dataset = contrast["dataset"]
        if dataset not in datasets:
            raise ConfigError(f"config contrasts.{name}.dataset: unknown dataset {dataset!r}; datasets are {sorted(datasets)}")
        if contrast["target"] == contrast["reference"]:
            raise ConfigError(f"config contrasts.{name}: target and reference are both {contrast['target']!r}")
        ds = datasets[dataset]
        if dataset_kind(ds["kind"]).cells and not (contrast.get("replicate") or ds.get("sample_column")):
            raise ConfigError(
                f"config contrasts.{name}.replicate: single-cell contrasts test across replicates; "
                f"name the donor/sample column here or in datasets.{dataset}.sample_column"
            )
        groups = ds["groups"]
        if contrast.get("column", "group") == "group" and "patterns" in groups:
            known = list(groups["patterns"])
            for role in ("target", "reference"):
                if contrast[role] not in known:
                    raise ConfigError(
                        f"config contrasts.{name}.{role}: group {contrast[role]!r} is not "
                        f"defined in datasets.{dataset}.groups.patterns {known}"
                    )
    for name, meta in config.get("meta_analyses", {}).items():
        unknown = [c for c in meta["contrasts"] if c not in contrasts]
        if unknown:
            raise ConfigError(f"config meta_analyses.{name}.contrasts: unknown contrasts {unknown}; contrasts are {sorted(contrasts)}")
        used = [contrasts[c]["dataset"] for c in meta["contrasts"]]
        if len(set(used)) != len(used):
            raise ConfigError(
                f"config meta_analyses.{name}: contrasts must come from different datasets "
                f"(got {used}); effects of one dataset are not independent"
            )
    gene_sets = config["gene_sets"]
    if not (gene_sets["collections"] or gene_sets["curated"]):
        raise ConfigError("config gene_sets: give at least one collection or curated set")
    select = gene_sets["select"]
    if select is not None:  # else checked against the collections by the gene_sets job
        bulk = any(not dataset_kind(ds["kind"]).cells for ds in datasets.values())
        for key in ("signatures", "correlation") if bulk else ("signatures",):
            missing = [s for s in config["plots"][key] or [] if s not in select]
            if missing:
                raise ConfigError(
                    f"config plots.{key}: {missing} not in gene_sets.select, so not scored; "
                    f"add them to gene_sets.select or choose among {select}"
                )
    _check_shards(config["scoring"])
    _check_therapies(config)
    for name, ds in datasets.items():
        try:
            check_normalize_options(dataset_kind(ds["kind"]).scale, ds.get("normalize"), where=f"datasets.{name}.normalize")
        except InputError as exc:
            raise ConfigError(f"config {exc}") from exc
        profile = ds.get("axis_profile")
        if profile and dataset_kind(ds["kind"]).cells:
            raise ConfigError(f"config datasets.{name}.axis_profile: per-sample axis profiles are for bulk datasets")
        patterns = ds["groups"].get("patterns")
        if profile and patterns and profile["reference"] not in patterns:
            raise ConfigError(
                f"config datasets.{name}.axis_profile.reference: group {profile['reference']!r} is not defined in "
                f"datasets.{name}.groups.patterns {list(patterns)}"
            )
    for name, spec in config.get("predictions", {}).items():
        dataset = spec["dataset"]
        if dataset not in datasets:
            raise ConfigError(f"config predictions.{name}.dataset: unknown dataset {dataset!r}; datasets are {sorted(datasets)}")
        if dataset_kind(datasets[dataset]["kind"]).cells:
            raise ConfigError(
                f"config predictions.{name}.dataset: {dataset!r} is single-cell; prediction reads one baseline "
                "sample per patient (a bulk dataset, or the pseudobulk profiles as a counts dataset)"
            )


def _check_therapies(config: Mapping) -> None:
    """A treatment contrast names a drug, brand, target or axis of the therapy table."""
    named = {name: c["therapy"] for name, c in config["contrasts"].items() if c.get("therapy")}
    if not named:
        return
    from .resources._therapies import find_therapy, therapy_table

    extra = (config.get("therapies") or {}).get("table")
    try:
        table = therapy_table(extra if extra and Path(extra).is_file() else None)
    except InputError as exc:
        raise ConfigError(f"config therapies.table: {exc}") from exc
    for name, therapy in named.items():
        try:
            find_therapy(table, therapy)
        except InputError as exc:
            raise ConfigError(f"config contrasts.{name}.therapy: {exc}") from exc


def _check_shards(scoring: Mapping) -> None:
    """Sharded scoring needs methods whose scores of one cell use only that cell's values."""
    if scoring["shards"] == 1:
        return
    from .tl import get_method  # scipy and numba: 1.5 s, only when sharding

    whole = [m for m in scoring["methods"] if not get_method(m).per_observation]
    if "ssgsea" in scoring["methods"] and scoring.get("ssgsea", {}).get("normalize", True):
        whole.append("ssgsea (normalize: true)")
    if whole:
        raise ConfigError(
            f"config scoring.shards: {scoring['shards']} shards, but {whole} score all observations together "
            "(their scores are not per cell); use shards: 1 or other methods"
        )
