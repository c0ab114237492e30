"""Scoring gene sets on an AnnData: gene matching, coverage, minimum size, tidy output."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import anndata as ad
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._moments import GENE_STATISTICS
from .._provenance import record
from .._utils import InputError, row_block
from ..resources import GeneSet
from ._matrix import column_moment_sums, merge_moments
from ._methods import get_method

__all__ = [
    "score_gene_sets",
    "gene_set_coverage",
    "gene_statistics",
    "merge_gene_statistics",
    "gene_moments",
    "shard_rows",
]

log = logging.getLogger(__name__)

SCORE_COLUMNS = ["observation", "signature", "method", "score"]


def gene_set_coverage(
    var_names: Sequence[str], gene_sets: Sequence[GeneSet], *, min_genes: int
) -> pd.DataFrame:
    """Per set: genes in the set, genes found in the data, share, and whether it is scored.

    Parameters
    ----------
    var_names
        The data's genes (exact, case-sensitive matches).
    gene_sets
        The signatures (:class:`~cytoscore.resources.GeneSet`).
    min_genes
        Genes a set needs in the data to be scored (its ``scored`` column).

    Returns
    -------
    DataFrame
        One row per set: ``signature, collection, version, n_genes, n_found, coverage, scored,
        missing_genes``.
    """
    present = set(var_names)
    rows = []
    for gs in gene_sets:
        found = [g for g in gs.genes if g in present]
        missing = [g for g in gs.genes if g not in present]
        rows.append(
            {
                "signature": gs.name,
                "collection": gs.collection,
                "version": gs.version,
                "n_genes": len(gs.genes),
                "n_found": len(found),
                "coverage": len(found) / len(gs.genes),
                "scored": len(found) >= min_genes,
                "missing_genes": ",".join(missing),
            }
        )
    return pd.DataFrame(rows)


def _floating(values: np.ndarray) -> np.ndarray:
    """float32 stays float32 (single-cell data usually is; sorting it is faster), else float64."""
    return values if values.dtype in (np.float32, np.float64) else values.astype(np.float64)


def _chunks(X, rows: int, span: slice | None = None):
    """Row blocks of an in-memory or backed (h5ad, ``backed="r"``) matrix, over the rows
    of ``span`` (default all): sparse blocks keep float32 values, dense ones are float64."""
    first, last, _ = (span or slice(None)).indices(X.shape[0])
    buffers: dict = {}  # a backed file's rows are read into the same arrays chunk after chunk
    for start in range(first, last, rows):
        stop = min(start + rows, last)
        block = row_block(X, start, stop, buffers=buffers)  # in memory: a view of the rows, no copy
        if sp.issparse(block):
            block = sp.csr_matrix(block)
            block.data = _floating(block.data)
            values = block.data
        else:
            block = np.asarray(block, dtype=np.float64)
            values = block
        if not np.isfinite(values).all():
            raise InputError(
                f"the expression matrix has missing or infinite values (rows {start}-{stop - 1}); cannot score"
            )
        yield block


def shard_rows(n_obs: int, shard: int, n_shards: int) -> slice:
    """The rows of shard ``shard`` (0-based) of ``n_shards`` near-equal consecutive ranges.

    Parameters
    ----------
    n_obs
        Rows in all.
    shard
        The shard's index (0-based; outside ``0..n_shards - 1`` is an error).
    n_shards
        Shards in all.

    Returns
    -------
    slice
        The shard's rows (consecutive; the shards together cover every row once).
    """
    if not 0 <= shard < n_shards:
        raise InputError(f"shard {shard} is not one of 0..{n_shards - 1}")
    return slice(shard * n_obs // n_shards, (shard + 1) * n_obs // n_shards)


def gene_statistics(X, *, chunk_size: int = 4096, span: slice | None = None) -> pd.DataFrame:
    """Per gene (column of ``X``, in memory or backed), over the rows of ``span``: ``n``,
    ``mean`` and ``m2`` (sum of squared deviations), float64, from one chunked pass.

    Parts computed separately (shards) merge exactly with :func:`merge_gene_statistics`;
    :func:`gene_moments` turns them into the mean and SD the methods use.

    Parameters
    ----------
    X
        Observations × genes, dense or sparse, in memory or backed (missing or infinite values
        are an error).
    chunk_size
        Rows read at a time.
    span
        The rows counted; ``None``: all.

    Returns
    -------
    DataFrame
        Per gene: ``n``, ``mean``, ``m2``.
    """
    n, mean, m2 = column_moment_sums(_chunks(X, chunk_size, span))
    return pd.DataFrame({"n": n, "mean": mean, "m2": m2})


def merge_gene_statistics(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The statistics of the union of the parts' rows (Chan et al.'s merge).

    Parameters
    ----------
    parts
        :func:`gene_statistics` of disjoint row sets, over the same genes (1 or more).

    Returns
    -------
    DataFrame
        The statistics of all their rows: ``n``, ``mean``, ``m2`` per gene.
    """
    total: tuple = (0, 0.0, 0.0)
    for part in parts:
        total = merge_moments(total, (int(part["n"].iloc[0]), part["mean"].to_numpy(), part["m2"].to_numpy()))
    return pd.DataFrame({"n": total[0], "mean": total[1], "m2": total[2]})


def stored_gene_statistics(adata: ad.AnnData) -> pd.DataFrame | None:
    """The gene statistics of ``X`` written with a normalized single-cell file
    (:func:`cytoscore.pp.prepare_cells`: ``var`` columns ``cytoscore_mean``,
    ``cytoscore_m2``), as :func:`gene_statistics` returns them; ``None`` unless ``adata`` is
    such a file opened backed and whole (in memory, ``X`` or its rows may have changed)."""
    if not adata.isbacked or adata.is_view or not all(c in adata.var for c in GENE_STATISTICS):
        return None
    mean, m2 = (adata.var[c].to_numpy(np.float64) for c in GENE_STATISTICS)
    log.info("gene statistics of %d cells read from %s", adata.n_obs, adata.filename)
    return pd.DataFrame({"n": adata.n_obs, "mean": mean, "m2": m2})


def gene_moments(stats: pd.DataFrame) -> dict[str, np.ndarray]:
    """``gene_mean`` and ``gene_sd`` (ddof=1) from :func:`gene_statistics`.

    Parameters
    ----------
    stats
        :func:`gene_statistics` (or merged ones).

    Returns
    -------
    dict
        ``gene_mean`` and ``gene_sd`` arrays, one value per gene (SD 0 with fewer than 2 rows).
    """
    n = int(stats["n"].iloc[0])
    var = stats["m2"].to_numpy() / (n - 1) if n > 1 else np.zeros(len(stats))
    return {"gene_mean": stats["mean"].to_numpy(), "gene_sd": np.sqrt(np.clip(var, 0, None))}


def _call(method, block, W, kwargs) -> np.ndarray:
    try:
        return method.kernel(block, W, **kwargs)
    except InputError:
        raise
    except ValueError as exc:
        raise InputError(f"scoring with {method.name}: {exc}") from exc


def _whole(span: slice | None, n_obs: int) -> bool:
    return span is None or span.indices(n_obs)[:2] == (0, n_obs)


def _run_methods(jobs: list, X, chunk_size: int, span: slice | None) -> dict[str, np.ndarray]:
    """Scores of each job ``(method, W, params)`` over the observations of ``span``.

    Methods whose scores are per observation share one pass over ``chunk_size``-row
    chunks (a backed matrix is read once, not once per method); dense kernels get the
    chunk in dense sub-blocks of at most 2²⁴ values. Other methods see the whole matrix.
    """
    dense_rows = max(1, min(chunk_size, 2**24 // max(1, X.shape[1])))
    out: dict[str, np.ndarray] = {}
    chunked = []
    for method, W, params in jobs:
        if method.per_observation:
            kwargs = dict(params)
            finish = False
            if method.chunk_param:
                finish = kwargs.get(method.chunk_param, True)
                kwargs[method.chunk_param] = False
            if finish and method.finish and not _whole(span, X.shape[0]):
                raise InputError(f"{method.name} scores are normalized over all observations; it cannot score a shard")
            chunked.append((method, W, kwargs, finish, []))
            continue
        if not _whole(span, X.shape[0]):
            raise InputError(f"{method.name} scores need all observations at once; it cannot score a shard")
        block = next(_chunks(X, X.shape[0]))
        if sp.issparse(block) and not method.sparse:
            block = block.toarray()
        out[method.name] = _call(method, block, W, params)
    if chunked:
        for block in _chunks(X, chunk_size, span):
            for method, W, kwargs, _, parts in chunked:
                if method.sparse or not sp.issparse(block):
                    parts.append(_call(method, block, W, kwargs))
                    continue
                for lo in range(0, block.shape[0], dense_rows):
                    parts.append(_call(method, block[lo : lo + dense_rows].toarray(), W, kwargs))
        for method, W, _, finish, parts in chunked:
            scores = np.vstack(parts) if parts else np.empty((0, W.shape[1]))
            out[method.name] = method.finish(scores) if finish and method.finish else scores
    return out


def _fitted_columns(method, sets: Sequence[GeneSet], n_reported: int, fit: str) -> list[int]:
    """The signatures (positions in ``sets``; the first ``n_reported`` are reported) that a
    method scores. CytoSig fits its own signatures jointly, as the original does: with
    ``fit="cytosig"`` (default) every signature of a CytoSig collection, the cytokines
    outside the selection too (fitted, not reported), and nothing else; with
    ``fit="selected"``, all selected weighted signatures (PROGENy too) in one model."""
    if method.name == "cytosig":
        if fit == "cytosig":
            others = [gs.name for gs in sets[:n_reported] if gs.weighted and gs.format != "cytosig"]
            if others:
                log.warning(
                    "cytosig fits the CytoSig signatures alone, as CytoSig does; not scored by it: %s "
                    "(scoring.cytosig.fit: selected fits them jointly with CytoSig's)",
                    others,
                )
            return [j for j, gs in enumerate(sets) if gs.format == "cytosig" and gs.weighted]
        if fit != "selected":
            raise InputError(f"cytosig fit must be 'cytosig' or 'selected', not {fit!r}")
    wanted = {"sets": (False,), "weighted": (True,), "all": (False, True)}[method.signatures]
    return [j for j, gs in enumerate(sets[:n_reported]) if gs.weighted in wanted]


def _signed_arms(W: np.ndarray, method, names: Sequence[str]) -> tuple[np.ndarray, list[tuple[int, int | None]]]:
    """The membership columns a set method scores: each signed set (weights +1 / -1) becomes
    its up genes' and its down genes' columns. Returns them and, per set, the positions of
    its up (or only) and down columns. Weighted methods take the weights as they are."""
    if method.signatures != "sets" or not (W < 0).any():
        return W, [(j, None) for j in range(W.shape[1])]
    columns, plan = [], []
    for j in range(W.shape[1]):
        up, down = (W[:, j] > 0).astype(np.float64), (W[:, j] < 0).astype(np.float64)
        if not down.any():
            plan.append((len(columns), None))
            columns.append(up)
        elif not up.any():
            log.warning("signed set %s: none of its up genes is in the data; scored on its down genes alone", names[j])
            plan.append((len(columns), len(columns)))  # combined below as 0 - down
            columns.append(down)
        else:
            plan.append((len(columns), len(columns) + 1))
            columns += [up, down]
    return np.column_stack(columns), plan


def _combine_arms(scores: np.ndarray, plan: list[tuple[int, int | None]], method) -> np.ndarray:
    """Each set's score from its columns (:func:`_signed_arms`): up − down for a signed set
    (UCell: clipped at 0, as UCell scores signed signatures), the column itself otherwise."""
    out = np.empty((scores.shape[0], len(plan)))
    for k, (up, down) in enumerate(plan):
        if down is None:
            out[:, k] = scores[:, up]
            continue
        value = (scores[:, up] if up != down else 0.0) - scores[:, down]
        out[:, k] = np.maximum(value, 0.0) if method.signed == "clipped_difference" else value
    return out


def score_gene_sets(
    adata: ad.AnnData,
    gene_sets: Sequence[GeneSet],
    *,
    methods: Sequence[str] = ("mean_z", "ssgsea"),
    min_genes: int = 5,
    min_coverage: float = 0.0,
    layer: str | None = None,
    method_params: Mapping[str, Mapping] | None = None,
    chunk_size: int = 4096,
    rows: slice | None = None,
    statistics: pd.DataFrame | None = None,
    wide: bool = False,
    required: Sequence[str] = (),
) -> tuple[pd.DataFrame | dict[str, pd.DataFrame], pd.DataFrame]:
    """Score every signature in every observation with each method.

    Sets with fewer than ``min_genes`` of their genes in the data are skipped with
    a logged warning (they appear in the coverage table with ``scored = False``); scored
    sets with less than ``min_coverage`` of their genes present are flagged
    (``low_coverage``) and warned about: their score rests on a part of the set.

    Sparse data stays sparse; per-observation methods run over ``chunk_size`` rows at a
    time, so ``adata`` may be opened with ``backed="r"`` and larger than memory. Methods
    that need dataset-wide gene statistics (mean z, CytoSig) get them from one chunked pass.
    Set-based methods score the unweighted signatures (gene sets); ``ulm`` scores every
    signature with its weights (1 for a gene set); CytoSig's ridge regression fits the
    signatures of CytoSig collections jointly, all of them (sets with ``reported`` False are
    fitted, not reported), or with ``method_params["cytosig"]["fit"] = "selected"`` every
    selected weighted signature jointly (see :func:`_fitted_columns`).

    Sets named in ``required`` (the ones a user selected) must be scorable: one that is not
    is an error naming its missing genes, not a silent gap in the results.

    ``rows`` scores only those observations (a shard); ``statistics`` gives the dataset-wide
    gene statistics (:func:`gene_statistics`) instead of computing them from the rows scored,
    so that shards score exactly as one run does. By default they are the ones stored with a
    backed normalized single-cell file (:func:`stored_gene_statistics`), else one chunked pass.

    Each method's observations × sets matrix is also stored in
    ``adata.obsm["cytoscore_<method>"]`` unless ``adata`` is backed or ``rows`` or ``wide`` is given.

    Parameters
    ----------
    adata
        Observations × genes, log-normalized (in memory, or ``backed="r"``).
    gene_sets
        The signatures (gene sets and weighted signatures).
    methods
        Scoring methods of :data:`METHODS` (default ``mean_z`` and ``ssgsea``).
    min_genes
        Genes a set needs in the data to be scored (at least 1).
    min_coverage
        The share of a set's genes below which it is flagged ``low_coverage`` (0: none flagged).
    layer
        Score ``layers[layer]`` instead of ``X``; ``None``: ``X``.
    method_params
        Method -> its kernel's options (e.g. ``{"ucell": {"max_rank": 1500}}``; for ``cytosig``
        also ``fit``); options for a method not run are an error.
    chunk_size
        Observations scored (and gene statistics summed) at a time (at least 1).
    rows
        Score only these observations (a shard, see :func:`shard_rows`); ``None``: all. Methods
        that need every observation (e.g. ``gsva``, normalized ``ssgsea``) then raise.
    statistics
        Dataset-wide gene statistics (:func:`gene_statistics`) for the methods that need them;
        ``None``: the stored ones of a backed file (without ``layer``), else one pass over ``X``.
    wide
        Return method -> observations × signatures tables instead of the tidy one.
    required
        Signatures that must be scorable (an error naming their missing genes otherwise).

    Returns
    -------
    scores : DataFrame or dict
        Tidy table with columns ``observation, signature, method, score``; with ``wide``,
        a dict method -> observations × signatures table instead.
    coverage : DataFrame
        See :func:`gene_set_coverage`; with ``low_coverage`` and ``status``, for the reported sets.
    """
    if min_genes < 1:
        raise InputError(f"min_genes must be at least 1, not {min_genes}")
    if chunk_size < 1:
        raise InputError(f"chunk_size must be at least 1, not {chunk_size}")
    resolved = [get_method(m) for m in methods]
    params = {k: dict(v) for k, v in (method_params or {}).items()}
    unknown = sorted(set(params) - {m.name for m in resolved})
    if unknown:
        raise InputError(f"parameters given for methods that are not run: {unknown}")
    reported = [gs for gs in gene_sets if gs.reported]
    coverage = _coverage_status(adata.var_names, reported, min_genes=min_genes, min_coverage=min_coverage,
                                required=required)  # fmt: skip
    scored = [gs for gs, ok in zip(reported, coverage["scored"], strict=True) if ok]
    n_reported = len(scored)
    present = set(adata.var_names)
    scored += [gs for gs in gene_sets if not gs.reported and sum(g in present for g in gs.genes) >= min_genes]
    W = _weights(adata.var_names, scored)
    X = adata.layers[layer] if layer else adata.X
    if sp.issparse(X) and not sp.isspmatrix_csr(X):
        X = X.tocsr()
    moments = {}
    if any(m.needs for m in resolved):
        if statistics is None:
            statistics = stored_gene_statistics(adata) if layer is None else None
        if statistics is None:
            statistics = gene_statistics(X, chunk_size=chunk_size)
        if len(statistics) != X.shape[1]:
            raise InputError(f"gene statistics are given for {len(statistics)} genes, the data has {X.shape[1]}")
        moments = gene_moments(statistics)
    plans = [p for m in resolved if (p := _plan(m, scored, n_reported, W, params.get(m.name, {}), moments))]
    results = _run_methods([(p.method, p.W, p.kwargs) for p in plans], X, chunk_size, rows)
    obs_names = adata.obs_names[rows] if rows is not None else adata.obs_names
    whole = not adata.isbacked and rows is None
    matrices = {}
    for plan in plans:
        scores = _combine_arms(results[plan.method.name], plan.arms, plan.method)[:, plan.shown]
        unscored = [name for name, col in zip(plan.names, scores.T, strict=True) if col.size and np.isnan(col).all()]
        if unscored:
            log.warning("%s could not score %s (no score for any observation; e.g. weights that are the same "
                        "on every gene cannot be standardized)", plan.method.name, unscored)  # fmt: skip
        matrices[plan.method.name] = pd.DataFrame(scores, index=obs_names, columns=plan.names)
        log.info("scored %d sets × %d observations with %s", len(plan.names), len(obs_names), plan.method.name)
        if whole and not wide:
            adata.obsm[f"cytoscore_{plan.method.name}"] = matrices[plan.method.name]
    if whole:
        record(adata, "scoring", methods=[m.name for m in resolved], method_params=params, min_genes=min_genes,
               chunk_size=chunk_size, n_sets_scored=len(scored), n_sets_skipped=int((~coverage["scored"]).sum()))  # fmt: skip
    return (matrices if wide else _tidy(matrices)), coverage


def _coverage_status(
    var_names: pd.Index, gene_sets: Sequence[GeneSet], *, min_genes: int, min_coverage: float, required: Sequence[str]
) -> pd.DataFrame:
    """:func:`gene_set_coverage` with ``low_coverage`` and a ``status`` that says why a set is
    skipped or flagged (and when its genes match only if letter case is ignored: mouse
    symbols, a lower-cased file); each such set is warned about, and a ``required`` set that
    cannot be scored, or no scorable set at all, is an error."""
    coverage = gene_set_coverage(var_names, gene_sets, min_genes=min_genes)
    coverage["low_coverage"] = coverage["coverage"] < min_coverage
    coverage["status"] = np.where(
        ~coverage["scored"],
        f"skipped: fewer than {min_genes} genes in the data",
        np.where(coverage["low_coverage"], "scored, low coverage", "scored"),
    )
    upper: dict[str, str] = {}
    for g in var_names:
        upper.setdefault(str(g).upper(), str(g))
    present = set(var_names)
    hint = {}
    for gs, row in zip(gene_sets, coverage.itertuples(), strict=True):
        if row.scored and not row.low_coverage:
            continue
        only_case = [(g, upper[g.upper()]) for g in gs.genes if g not in present and g.upper() in upper]
        if len(only_case) >= max(3, row.n_found):
            example = ", ".join(f"{a!r} vs {b!r}" for a, b in only_case[:2])
            hint[row.signature] = (
                f"; {len(only_case)} more match when letter case is ignored (e.g. {example}): the set and "
                "the data write symbols in different case (mouse symbols, or a lower-cased file?)"
            )
    coverage["status"] = [st + hint.get(sig, "") for sig, st in zip(coverage["signature"], coverage["status"], strict=True)]
    for row in coverage.itertuples():
        if row.low_coverage and row.scored:
            log.warning("gene set %s: only %d of its %d genes (%.0f%%) are in the data (min_coverage %.0f%%)%s",
                        row.signature, row.n_found, row.n_genes, 100 * row.coverage, 100 * min_coverage,
                        hint.get(row.signature, ""))  # fmt: skip
        if not row.scored:
            log.warning("gene set %s skipped: %d of its %d genes are in the data (minimum %d)%s",
                        row.signature, row.n_found, row.n_genes, min_genes, hint.get(row.signature, ""))  # fmt: skip
    unscorable = coverage.loc[coverage["signature"].isin(list(required)) & ~coverage["scored"]]
    if len(unscorable):
        detail = "; ".join(
            f"{r.signature} ({r.n_found} of {r.n_genes} genes in the data; missing {r.missing_genes[:200]}"
            f"{hint.get(r.signature, '')})"
            for r in unscorable.itertuples()
        )
        raise InputError(
            f"selected gene sets cannot be scored (fewer than min_genes {min_genes} of their genes are in "
            f"the data): {detail}. Set gene_sets.allow_missing: true to go on without them"
        )
    if not coverage["scored"].any():
        raise InputError(
            f"no gene set has at least {min_genes} genes in the data; the data's genes look like "
            f"{list(var_names[:5])} — are they gene symbols?"
        )
    return coverage


def _weights(var_names: pd.Index, sets: Sequence[GeneSet]) -> np.ndarray:
    """Genes × sets weights (1 for a member of an unweighted set, 0 outside)."""
    index = {g: i for i, g in enumerate(var_names)}
    W = np.zeros((len(var_names), len(sets)))
    for j, gs in enumerate(sets):
        for gene, weight in gs.weight_of().items():
            if gene in index:
                W[index[gene], j] = weight
    return W


@dataclass
class _Plan:
    """What one method scores: its weights (signed sets split in arms), keyword arguments,
    the arms' plan, and which of its columns are reported under which names."""

    method: object
    W: np.ndarray
    kwargs: dict
    arms: list
    shown: list[int]
    names: list[str]


def _plan(method, sets: Sequence[GeneSet], n_reported: int, W: np.ndarray, params: Mapping, moments: dict):
    """The :class:`_Plan` of ``method`` over ``sets`` (the first ``n_reported`` reported), or
    ``None`` (warned) when it scores none of the selected signatures."""
    kwargs = dict(params)
    columns = _fitted_columns(method, sets, n_reported, kwargs.pop("fit", "cytosig"))
    shown = [i for i, j in enumerate(columns) if j < n_reported]
    if not shown:
        what = "CytoSig" if method.name == "cytosig" else method.signatures
        log.warning("%s scores %s signatures only, and none is selected: skipped", method.name, what)
        return None
    kwargs.update({k: moments[k] for k in method.needs})
    block, arms = _signed_arms(W[:, columns], method, [sets[j].name for j in columns])
    return _Plan(method, block, kwargs, arms, shown, [sets[columns[i]].name for i in shown])


def _tidy(matrices: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Each method's observations × signatures scores as one table in SCORE_COLUMNS order."""
    frames = [
        pd.DataFrame(
            {
                # object arrays of shared str objects: np.tile of a str list would make
                # fixed-width unicode, then one new str per row (3 GB at 50M rows)
                "observation": np.repeat(np.asarray(m.index, dtype=object), m.shape[1]),
                "signature": np.tile(np.array(list(m.columns), dtype=object), m.shape[0]),
                "method": name,
                "score": m.to_numpy().ravel(),
            }
        )
        for name, m in matrices.items()
    ]
    if not frames:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    # no extra copy when there is one method (1M cells × 50 sets is 50M rows)
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
