"""Provenance: what each step did to a dataset, kept in ``adata.uns["cytoscore"]``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # anndata takes 0.5 s to import; jobs that only plot or log do not need it
    import anndata as ad

__all__ = ["dataset_provenance", "get_provenance", "record", "software_versions", "to_plain"]

KEY = "cytoscore"


def to_plain(value: Any) -> Any:
    """Convert numpy scalars/arrays and tuples to plain Python types (h5ad- and JSON-safe)."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if value is None:
        return "None"  # h5ad cannot store None
    return value


def record(adata: ad.AnnData, step: str, **info: Any) -> None:
    """Store ``info`` under ``adata.uns["cytoscore"][step]`` (replacing an earlier record).

    The record dict is replaced, not changed in place: a result built with ``uns=dict(input.uns)``
    (a shallow copy) shares its input's record dict, and a step written into the result must
    not appear in the input's provenance."""
    adata.uns[KEY] = {**adata.uns.get(KEY, {}), step: to_plain(info)}


def get_provenance(adata: ad.AnnData) -> dict[str, Any]:
    """Return the provenance dict as plain Python types (for JSON/YAML output)."""
    return _from_h5(adata.uns.get(KEY, {}))


def _from_h5(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _from_h5(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [_from_h5(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


SOFTWARE = (
    "anndata",
    "matplotlib",
    "numpy",
    "pandas",
    "scanpy",
    "scipy",
    "seaborn",
    "snakemake",
    "statsmodels",
)


def software_versions() -> dict[str, str]:
    """Versions of Python and of the packages the analysis depends on."""
    import platform
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name in SOFTWARE:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def dataset_provenance(adata: ad.AnnData, gene_sets: list | None = None) -> dict[str, Any]:
    """Everything needed to say how a dataset's results were made: steps, resources, software."""
    from . import __version__

    sets = {
        gs.name: {
            "collection": gs.collection,
            "version": gs.version,
            "source": gs.source,
            "n_genes": len(gs.genes),
            "reported": gs.reported,
        }
        for gs in gene_sets or []
    }
    return {
        "cytoscore_version": __version__,
        "software": software_versions(),
        "steps": get_provenance(adata),
        "gene_sets": sets,
    }
