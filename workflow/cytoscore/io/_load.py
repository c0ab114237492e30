"""One entry point that reads any configured dataset kind into AnnData (samples or cells × the
file's features, as the files hold them; :mod:`cytoscore.pp` maps them to genes)."""

from __future__ import annotations

from collections.abc import Mapping

import anndata as ad

from ._counts import attach_metadata, read_sample_sheet
from ._kinds import KINDS, dataset_kind

__all__ = ["load_dataset", "DATASET_KINDS"]

DATASET_KINDS = tuple(KINDS)  # the registry's names (cytoscore.io._kinds)


def load_dataset(kind: str, files: Mapping[str, object], options: Mapping[str, object]) -> ad.AnnData:
    """Read a dataset of ``kind`` from ``files`` (named paths) as the files hold it, with the
    dataset's reading ``options``: samples (or cells) × the file's features, probes or gene
    IDs as they are. :func:`cytoscore.pp.to_genes` then indexes it by gene symbol (probe
    collapse, ID mapping); :func:`cytoscore.pp.load_genes` does both.

    Each kind's reader and files are in the registry (:data:`cytoscore.io.KINDS`).

    ``metadata`` (a sample or cell sheet) is joined when given. Bulk samples also carry their
    ID as the column ``sample`` (unless a sheet has one), so that groups and derived columns
    can be read from names like ``IFNL.24h.Rep.1`` when there is no sheet.

    Parameters
    ----------
    kind
        The dataset's kind (:func:`dataset_kind`).
    files
        The dataset's files by role (``matrix``, ``platform``, ``count_files``, ``h5ad``, ``expression``,
        ``metadata``, …), as the workflow's inputs name them.
    options
        The dataset's config: ``dialect``, ``metadata_id_column`` (default ``sample``),
        ``probes.symbol_column``, ``counts.sample_pattern``, ``cells.layer``, …

    Returns
    -------
    AnnData
        Samples (or cells) × features as read, the provenance of the files in ``uns``.
    """
    spec = dataset_kind(kind)
    adata = spec.read(files, options)
    if files.get("metadata"):
        id_column = options.get("metadata_id_column", "sample")
        adata = attach_metadata(
            adata,
            read_sample_sheet(files["metadata"], id_column=id_column, dialect=options.get("dialect"),
                              ids=adata.obs_names),  # fmt: skip
            source=str(files["metadata"]),
        )
    if not spec.cells and "sample" not in adata.obs.columns:
        adata.obs.insert(0, "sample", adata.obs_names.astype(str))
    return adata
