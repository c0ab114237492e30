"""Expression-level pseudobulk: sum the raw counts of each replicate × cell type, normalize
the profiles as bulk RNA-seq (filterByExpr, TMM log-CPM), score them with the bulk methods
and compare groups across replicates, as for bulk samples.

The published alternative to averaging per-cell scores per replicate (:func:`compare_cells`):
both test across replicates, not cells (Squair et al. 2021, Nat Commun 12:5692; Crowell et
al. 2020, Nat Commun 11:6077, muscat's aggregateData + edgeR).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._significance import markable
from .._utils import InputError, flag
from ._compare import CELL_COLUMNS, _finish, compare_groups
from ._design import Design

__all__ = ["aggregate_counts", "compare_pseudobulk", "compare_profiles", "compare_routes"]

log = logging.getLogger(__name__)


def aggregate_counts(X, obs: pd.DataFrame, by: Sequence[str], *, chunk_size: int = 65536) -> tuple[np.ndarray, pd.DataFrame]:
    """Sum of the rows of ``X`` (cells × genes, raw counts; dense, sparse or a backed h5ad
    matrix) per combination of the ``by`` columns of ``obs``, ``chunk_size`` cells at a time
    (memory grows with the profiles, not the cells). Equal to ``scanpy.get.aggregate(...,
    func="sum")`` (tested); scanpy's needs the whole matrix in memory.

    Returns the profiles × genes sums and a table of the profiles: the ``by`` values and
    ``n_cells``.

    Parameters
    ----------
    X
        Cells × genes raw counts (dense, sparse or a backed h5ad matrix).
    obs
        The cells' metadata, one row per row of ``X`` in the same order.
    by
        The columns whose combinations (compared as strings) are the profiles.
    chunk_size
        Cells summed at a time (bounds the memory of a chunk).

    Returns
    -------
    tuple
        ``(sums, profiles)``: profiles × genes sums, and the profiles' ``by`` values with ``n_cells``.
    """
    missing = [c for c in by if c not in obs.columns]
    if missing:
        raise InputError(f"cannot aggregate by {missing}: not in the cell metadata {list(obs.columns)[:15]}")
    keys = obs[list(by)].astype(str)
    codes, uniques = pd.MultiIndex.from_frame(keys).factorize()
    n_groups = len(uniques)
    sums = np.zeros((n_groups, X.shape[1]))
    for lo in range(0, X.shape[0], chunk_size):
        hi = min(lo + chunk_size, X.shape[0])
        block = X[lo:hi]
        indicator = sp.csr_matrix((np.ones(hi - lo), (codes[lo:hi], np.arange(hi - lo))), shape=(n_groups, hi - lo))
        part = indicator @ block
        sums += part.toarray() if sp.issparse(part) else np.asarray(part)
    profiles = pd.DataFrame(list(uniques), columns=list(by))
    profiles["n_cells"] = np.bincount(codes, minlength=n_groups)
    return sums, profiles


def compare_pseudobulk(
    counts,
    obs: pd.DataFrame,
    gene_sets,
    design: Design,
    *,
    genes: Sequence[str],
    replicate: str,
    split_by: str | None = None,
    **options,
) -> pd.DataFrame:
    """Compare groups on pseudobulk profiles of the raw ``counts`` (cells × ``genes``): their
    sums per ``replicate`` × ``split_by`` (:func:`aggregate_counts`), then
    :func:`compare_profiles` (which see for ``options``).

    Parameters
    ----------
    counts
        Cells × genes raw counts (dense, sparse or a backed h5ad matrix).
    obs
        The cells' metadata, one row per row of ``counts`` in the same order.
    gene_sets
        The signatures to score (:class:`~cytoscore.resources.GeneSet`).
    design
        The groups compared (:class:`Design`); only cells of its two groups are summed.
    genes
        The genes of ``counts``' columns, in order.
    replicate
        The replicate (sample) column of ``obs``.
    split_by
        The cell-type column of ``obs``; ``None``: all cells only.
    **options
        Passed to :func:`compare_profiles` (``min_cells``, ``normalization``, ``scoring``,
        ``with_units``).

    Returns
    -------
    DataFrame
        As :func:`compare_profiles`.
    """
    obs = obs.copy()
    obs.index = obs.index.astype(str)
    split = split_by or "__all__"
    if split_by is None:
        obs[split] = "all cells"
    design.require(obs, replicate=replicate, column=design.column)
    keep = design.in_groups(obs)
    sums, profiles = aggregate_counts(counts[np.flatnonzero(keep)], obs[keep], [replicate, split])
    return compare_profiles(
        sums, profiles, obs[keep], gene_sets, design, genes=genes, replicate=replicate,
        split_by=split if split_by else None, **options,
    )  # fmt: skip


def compare_profiles(
    sums: np.ndarray,
    profiles: pd.DataFrame,
    cells: pd.DataFrame,
    gene_sets,
    design: Design,
    *,
    genes: Sequence[str],
    replicate: str,
    split_by: str | None = None,
    min_cells: int = 10,
    normalization: str = "tmm",
    scoring: Mapping | None = None,
    with_units: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Compare groups on pseudobulk profiles, scored as bulk samples.

    Per cell type (and over all cells), profiles of fewer than ``min_cells`` cells are dropped
    (logged), the rest normalized as bulk counts (:func:`cytoscore.pp.normalize_counts`:
    filterByExpr by the smaller group, TMM log-CPM), scored (:func:`score_gene_sets` with the
    ``scoring`` options) and compared with :func:`compare_groups` across replicates (paired
    tests with the design's ``pair_by``, a linear model with covariates, a mixed model with a
    ``random_effect``). The FDR is computed over the signatures × cell types of one method,
    as :func:`compare_cells` does.

    Parameters
    ----------
    sums
        Profiles × ``genes`` raw counts, one row per row of ``profiles`` (as
        :func:`aggregate_counts` returns them).
    profiles
        One row per profile: ``replicate``, ``split_by`` and ``n_cells``.
    cells
        The cells' metadata, from which each replicate's group, covariates and pairs are read.
    gene_sets
        The signatures to score (:class:`~cytoscore.resources.GeneSet`).
    design
        The groups compared (:class:`Design`).
    genes
        The genes of ``sums``' columns.
    replicate
        The replicate column of ``profiles`` and ``cells``.
    split_by
        The cell-type column of ``profiles``; ``None``: all cells only.
    min_cells
        Profiles of fewer cells are dropped.
    normalization
        ``tmm`` (the default) or ``median_of_ratios`` (:func:`cytoscore.pp.normalize_counts`).
    scoring
        Keyword options of :func:`score_gene_sets` (``methods``, ``min_genes``,
        ``min_coverage``, ``method_params``); ``None``: its defaults.
    with_units
        Also return the units (as :func:`compare_cells` does), ``score`` being each profile's.

    Returns
    -------
    DataFrame or (DataFrame, DataFrame)
        The columns of :data:`CELL_COLUMNS` with ``level = "pseudobulk"``, plus each set's
        coverage among the genes filterByExpr kept in that cell type's profiles
        (``n_genes_found``, ``coverage``, ``low_coverage``; a set under ``min_genes`` there is
        not scored, and the log says so); with ``with_units``, the units too.
    """
    cells = cells.copy()
    cells.index = cells.index.astype(str)
    design.require(cells, replicate=replicate, column=design.column, pair_by=design.pair_by)
    cells = cells[design.in_groups(cells)]
    design.check_replicates(cells, replicate)
    first = cells.drop_duplicates(replicate).set_index(replicate)[[c for c in design.metadata if c != replicate]]
    first.index = first.index.astype(str)
    profiles = profiles.reset_index(drop=True).copy()
    profiles[replicate] = profiles[replicate].astype(str)
    inside = profiles[replicate].isin(first.index).to_numpy()
    sums, profiles = sums[inside], profiles[inside].reset_index(drop=True)
    tables, unit_parts = [], []
    for cell_type, block, part in _strata(sums, profiles, replicate, split_by):
        small = (part["n_cells"] < min_cells).to_numpy()
        if small.any():
            log.info("contrast %s, %s: pseudobulk profiles with < %d cells dropped: %s", design.name, cell_type,
                     min_cells, part.loc[small, replicate].tolist())  # fmt: skip
        block, part = block[~small], part[~small].reset_index(drop=True).join(first, on=replicate)
        n_groups = part[design.column].astype(str).value_counts()
        if min(n_groups.get(design.target, 0), n_groups.get(design.reference, 0)) < 2:
            log.info("contrast %s, %s: fewer than 2 pseudobulk profiles in a group; not compared", design.name, cell_type)
            continue
        bulk, scores, coverage = _score_profiles(block, part, replicate, genes, gene_sets, design, normalization, scoring)
        table = compare_groups(scores, bulk.obs, design)
        n_cells = part.groupby(part[design.column].astype(str))["n_cells"].sum()
        table.insert(3, "cell_type", cell_type)
        table.insert(4, "level", "pseudobulk")
        table["n_cells_target"] = int(n_cells.get(design.target, 0))
        table["n_cells_reference"] = int(n_cells.get(design.reference, 0))
        tables.append(_with_coverage(table, coverage))
        if with_units:
            kept = [replicate, design.column, *(c for c in (design.pair_by,) if c and c != replicate)]
            info = bulk.obs[[*kept, "n_cells"]].rename_axis("observation").reset_index()
            unit_parts.append(
                scores.merge(info, on="observation")[[*kept, "signature", "method", "score", "n_cells"]]
                .assign(cell_type=cell_type)
            )
    if not tables:
        raise design.error(f"no cell type has 2 pseudobulk profiles of {min_cells}+ cells per group")
    table = pd.concat(tables, ignore_index=True)
    refined = _finish(table.drop(columns=["fdr", "fdr_welch", "fdr_mannwhitney", "fdr_family", "small_n"]).to_dict("records"),
                      ["method"], "signatures x cell types of one method within the contrast")  # fmt: skip
    columns = CELL_COLUMNS + ["n_genes_found", "coverage", "low_coverage"]
    if with_units:
        units = pd.concat(unit_parts, ignore_index=True)
        return refined[columns], units[["cell_type", *units.columns.drop("cell_type")]]
    return refined[columns]


def _strata(sums: np.ndarray, profiles: pd.DataFrame, replicate: str, split_by: str | None):
    """``(cell type, profiles × genes sums, profiles' replicate and n_cells)``: all cells (a
    replicate's profiles summed), then each value of ``split_by``."""
    frame = pd.DataFrame(sums).groupby(profiles[replicate].to_numpy(), sort=False).sum()
    part = profiles.groupby(replicate, sort=False)["n_cells"].sum().reindex(frame.index).reset_index()
    part.columns = [replicate, "n_cells"]
    yield "all cells", frame.to_numpy(), part
    if not split_by:
        return
    for value in sorted(profiles[split_by].astype(str).unique()):
        mask = (profiles[split_by].astype(str) == value).to_numpy()
        yield value, sums[mask], profiles.loc[mask, [replicate, "n_cells"]].reset_index(drop=True)


def _score_profiles(block, part, replicate, genes, gene_sets, design, normalization, scoring):
    """One stratum's profiles as a bulk dataset: normalized (filterByExpr by the smaller
    group, then ``normalization``) and scored. Returns the dataset, scores and coverage."""
    from ..pp import normalize_counts
    from ._score import score_gene_sets

    bulk = ad.AnnData(
        X=block.copy(),
        obs=part.set_index(pd.Index(part[replicate].astype(str), name="observation")),
        var=pd.DataFrame(index=pd.Index([str(g) for g in genes])),
    )
    bulk.layers["counts"] = block
    bulk = normalize_counts(bulk, method=normalization, group_column=design.column)
    scores, coverage = score_gene_sets(bulk, gene_sets, **dict(scoring or {}))
    return bulk, scores, coverage


def _with_coverage(table: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """Each row's set coverage among the genes this stratum's profiles kept."""
    cov = coverage.set_index("signature")
    table["n_genes_found"] = table["signature"].map(cov["n_found"]).to_numpy()
    table["coverage"] = table["signature"].map(cov["coverage"]).to_numpy()
    table["low_coverage"] = table["signature"].map(cov["low_coverage"]).astype(bool).to_numpy()
    return table


def _route_columns(table: pd.DataFrame, route: str) -> pd.DataFrame:
    """One route's effect and primary test per signature × method × cell type: the difference
    of means (in that route's score units), the standardized effect of its design (paired g
    when the primary test is paired, else Hedges' g), the primary test, its p and FDR."""
    paired = table["test"].astype(str).str.startswith("paired")
    out = pd.DataFrame({
        "signature": table["signature"], "method": table["method"], "cell_type": table["cell_type"].astype(str),
        "n_replicates": table["n_target"] + table["n_reference"],
        "mean_difference": table["mean_difference"],
        "g": table["paired_g"].where(paired, table["hedges_g"]),
        "test": table["test"], "p_value": table["p_value"], "fdr": table["fdr"],
        "markable": markable(table).to_numpy(),
    })  # fmt: skip
    return out.set_index(["signature", "method", "cell_type"]).add_suffix(f"_{route}")


def compare_routes(replicate: pd.DataFrame, pseudobulk: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """The same single-cell contrast by its two published routes, side by side: per-cell scores
    averaged per replicate (``replicate``: a :func:`compare_cells` table) and counts summed per
    replicate then scored as bulk (``pseudobulk``: a :func:`compare_profiles` table).

    One row per signature × method × cell type of either table, with each route's difference
    of means, standardized effect (``g``), primary test, p and FDR; ``same_direction``
    (the differences have the same sign; empty when either is missing or 0),
    ``both_significant`` (FDR < ``alpha`` in both, each on a test that may carry a mark:
    :func:`cytoscore._significance.markable`) and ``note`` for a row only one route
    has (a cell type whose profiles were too small, a set not scored). Differences are in each
    route's own score units (scores of cells vs scores of TMM log-CPM profiles): compare their
    signs and tests, not their sizes.

    Parameters
    ----------
    replicate
        The contrast's :func:`compare_cells` table (level ``replicate``).
    pseudobulk
        The same contrast's :func:`compare_profiles` table.
    alpha
        The FDR threshold of ``both_significant`` (FDR < ``alpha`` in both routes).

    Returns
    -------
    DataFrame
        One row per signature × method × cell type, the routes side by side.
    """
    for name, table in (("replicate", replicate), ("pseudobulk", pseudobulk)):
        level = set(table["level"].astype(str)) if "level" in table else set()
        if level != {name}:
            raise InputError(f"compare_routes: the {name} table has level {sorted(level)}, expected [{name!r}]")
    left, right = _route_columns(replicate, "replicate"), _route_columns(pseudobulk, "pseudobulk")
    both = left.join(right, how="outer")
    rep, pb = both["mean_difference_replicate"], both["mean_difference_pseudobulk"]
    defined = rep.notna() & pb.notna() & (rep != 0) & (pb != 0)
    both["same_direction"] = pd.array(np.where(defined, np.sign(rep) == np.sign(pb), pd.NA), dtype="boolean")
    both["both_significant"] = (
        (both["fdr_replicate"] < alpha) & flag(both["markable_replicate"])
        & (both["fdr_pseudobulk"] < alpha) & flag(both["markable_pseudobulk"])
    )  # fmt: skip
    in_left, in_right = both.index.isin(left.index), both.index.isin(right.index)
    both["note"] = np.where(in_left & in_right, "", np.where(in_left, "only in the replicate route", "only in the pseudobulk route"))
    both = both.reset_index()
    if defined.any():
        agree = int(both["same_direction"].sum())
        log.info("the two single-cell routes agree in direction on %d of %d signature x method x cell type rows; "
                 "both FDR < %g on %d", agree, int(defined.sum()), alpha, int(both["both_significant"].sum()))  # fmt: skip
    disagree = both[both["same_direction"].eq(False).fillna(False)]
    if len(disagree):
        log.warning("the two single-cell routes disagree in direction on %d rows (see routes.tsv), e.g. %s",
                    len(disagree), "; ".join(disagree[["signature", "method", "cell_type"]].head(3).astype(str).agg(" / ".join, axis=1)))  # fmt: skip
    return both
