"""Scoring methods: a registry of pure kernels (decoupler's shape).

Each kernel takes ``X`` (observations × genes, log-scale expression; dense, or
sparse for the methods that say so) and ``W`` (genes × signatures: the weight of
each gene, 0 outside the signature; set-based methods use only which entries are
non-zero) and returns observations × signatures scores. Gene matching, minimum set
size, chunking over observations and AnnData handling live in
:func:`cytoscore.tl.score_gene_sets`, not in the kernels.

Where the kernels come from: decoupler's ``ulm``, ``aucell`` and ``zscore``, pyUCell
and scanpy's ``score_genes`` take 2–7 s for 5,000 cells × 50 sets (measured, see
``bench/``) because they rank or densify every cell; the kernels here reduce each
method to one sparse product and are tested to give the same numbers as those
libraries and as R GSVA (``tests/reference``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import anndata as ad
import numpy as np
import scipy.sparse as sp

from .._labels import METHOD_LABELS
from .._utils import InputError
from ._linear import cytosig_kernel, mean_z_kernel, ulm_kernel
from ._rank import aucell_kernel, gsva_kernel, singscore_kernel, ssgsea_kernel, ssgsea_normalize, ucell_kernel

__all__ = [
    "ScoringMethod",
    "METHODS",
    "get_method",
    "mean_z_kernel",
    "ssgsea_kernel",
    "gsva_kernel",
    "singscore_kernel",
    "ucell_kernel",
    "aucell_kernel",
    "ulm_kernel",
    "cytosig_kernel",
    "score_genes_kernel",
]


def score_genes_kernel(X, W, *, ctrl_size: int = 50, n_bins: int = 25, random_state: int = 0) -> np.ndarray:
    """scanpy's ``tl.score_genes`` (Satija et al. 2015 / Tirosh et al. 2016), per set:
    mean expression of the set minus that of ``ctrl_size`` random genes from the same
    expression bins. Run through scanpy itself, for comparison with the other methods.

    Parameters
    ----------
    X
        Observations × genes log expression (dense or sparse).
    W
        Genes × signatures weights; only which are non-zero counts (set membership).
    ctrl_size
        Control genes drawn per expression bin of the set's genes (scanpy's ``ctrl_size``).
    n_bins
        Expression bins the genes are cut into by mean expression (scanpy's ``n_bins``).
    random_state
        Seed of the control genes' draw.

    Returns
    -------
    ndarray
        Observations × sets scores.
    """
    import scanpy as sc

    S = np.asarray(W) != 0
    genes = np.array([f"g{i}" for i in range(S.shape[0])])
    adata = ad.AnnData(X if sp.issparse(X) else np.asarray(X, dtype=np.float64))
    adata.var_names = genes
    out = np.empty((adata.n_obs, S.shape[1]))
    for j in range(S.shape[1]):
        sc.tl.score_genes(
            adata,
            list(genes[S[:, j]]),
            ctrl_size=ctrl_size,
            n_bins=n_bins,
            random_state=random_state,
            score_name="_score",
            use_raw=False,
        )
        out[:, j] = adata.obs["_score"].to_numpy()
    return out


@dataclass(frozen=True)
class ScoringMethod:
    """A scoring kernel and what a user (and the chunking driver) needs to know about it."""

    name: str
    kernel: Callable[..., np.ndarray]
    reference: str
    input: str  # what X must be
    rank_based: bool
    set_dependent: bool  # scores of one set depend on which other sets are scored
    per_observation: bool = True  # an observation's score needs only its own values (chunkable)
    sparse: bool = True  # takes sparse X as it is
    needs: tuple[str, ...] = ()  # dataset-wide gene statistics: gene_mean, gene_sd
    signatures: str = "sets"  # which it scores: "sets" (unweighted), "weighted", or "all"
    finish: Callable[[np.ndarray], np.ndarray] | None = None  # applied to all chunks' scores
    chunk_param: str = ""  # a parameter the driver passes as False for chunks (then finish)
    # a signed set's score from its up and down genes' scores: "difference" (up - down) or
    # "clipped_difference" (max(0, up - down), UCell's)
    signed: str = "difference"

    @property
    def label(self) -> str:
        """The name figures and tables show (one truth: :data:`cytoscore._labels.METHOD_LABELS`,
        which the figures read without importing the kernels)."""
        return METHOD_LABELS[self.name]


METHODS: dict[str, ScoringMethod] = {
    m.name: m
    for m in (
        ScoringMethod(
            name="mean_z",
            kernel=mean_z_kernel,
            reference="Mean of per-gene z-scores across the dataset's samples (Lee et al. 2008, PLoS Comput Biol 4:e1000217)",
            input="log-scale expression",
            rank_based=False,
            set_dependent=False,
            needs=("gene_mean", "gene_sd"),
        ),
        ScoringMethod(
            name="ssgsea",
            kernel=ssgsea_kernel,
            reference="Barbie et al. 2009, Nature 462:108; as implemented in R GSVA 1.46 (Hänzelmann et al. 2013, BMC Bioinformatics 14:7)",
            input="log-scale expression",
            rank_based=True,
            set_dependent=True,
            sparse=False,
            finish=ssgsea_normalize,
            chunk_param="normalize",
        ),
        ScoringMethod(
            name="gsva",
            kernel=gsva_kernel,
            reference="Hänzelmann S, Castelo R, Guinney J. GSVA. BMC Bioinformatics 2013;14:7; as R GSVA 1.46 method='gsva'",
            input="log-scale expression (kcdf gaussian) or counts (kcdf poisson)",
            rank_based=True,
            set_dependent=False,
            per_observation=False,
            sparse=False,
        ),
        ScoringMethod(
            name="singscore",
            kernel=singscore_kernel,
            reference="Foroutan M et al. Single sample scoring of molecular phenotypes. BMC Bioinformatics 2018;19:404",
            input="expression (any monotone scale)",
            rank_based=True,
            set_dependent=False,
        ),
        ScoringMethod(
            name="ucell",
            kernel=ucell_kernel,
            reference="Andreatta M, Carmona SJ. UCell: robust and scalable single-cell gene signature scoring. Comput Struct Biotechnol J 2021;19:3796",
            input="expression (any monotone scale)",
            rank_based=True,
            set_dependent=False,
            signed="clipped_difference",
        ),
        ScoringMethod(
            name="aucell",
            kernel=aucell_kernel,
            reference="Aibar S et al. SCENIC. Nat Methods 2017;14:1083; as decoupler's aucell (Badia-i-Mompel et al. 2022, Bioinform Adv 2:vbac016)",
            input="expression (any monotone scale)",
            rank_based=True,
            set_dependent=False,
        ),
        ScoringMethod(
            name="ulm",
            kernel=ulm_kernel,
            reference="Univariate linear model of decoupler (Badia-i-Mompel et al. 2022, Bioinform Adv 2:vbac016); with PROGENy weights as Schubert et al. 2018",
            input="log-scale expression",
            rank_based=False,
            set_dependent=False,
            signatures="all",
        ),
        ScoringMethod(
            name="cytosig",
            kernel=cytosig_kernel,
            reference="Jiang P et al. Systematic investigation of cytokine signaling activity at the tissue and single-cell levels. Nat Methods 2021;18:1181",
            input="log-scale expression",
            rank_based=False,
            set_dependent=True,
            needs=("gene_mean",),
            signatures="weighted",
        ),
        ScoringMethod(
            name="score_genes",
            kernel=score_genes_kernel,
            reference="scanpy tl.score_genes (Wolf et al. 2018, Genome Biol 19:15), after Satija et al. 2015",
            input="log-scale expression",
            rank_based=False,
            set_dependent=False,
            per_observation=False,
        ),
    )
}


def get_method(name: str) -> ScoringMethod:
    """The registered scoring method called ``name``.

    Parameters
    ----------
    name
        A method of :data:`METHODS` (``mean_z``, ``ssgsea``, ``ucell``, …).

    Returns
    -------
    ScoringMethod
        Its kernel, reference, input and what it needs; an unknown name raises :class:`InputError`
        listing the methods.
    """
    try:
        return METHODS[name]
    except KeyError:
        raise InputError(f"unknown scoring method {name!r}; available: {sorted(METHODS)}") from None
