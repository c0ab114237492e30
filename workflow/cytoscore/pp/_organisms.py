"""A non-human dataset's genes renamed to their human orthologs, one to one
(:mod:`cytoscore.io._organisms`), so that the human-defined signatures score it."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import anndata as ad
import numpy as np
import pandas as pd

from .._provenance import record
from .._utils import InputError
from ..io._organisms import ORGANISMS, detect_organism, ortholog_pairs, ortholog_record

__all__ = ["resolve_organism", "to_human", "orthologs", "translation_summary", "log_translation", "MHC_CLASS_II"]

log = logging.getLogger(__name__)

#: The MHC class II genes of each organism, whose mapping is always said (mouse I-A/I-E).
MHC_CLASS_II = {
    "mouse": ["H2-Aa", "H2-Ab1", "H2-Ea", "H2-Eb1", "H2-Eb2", "H2-DMa", "H2-DMb1", "H2-DMb2", "H2-Oa", "H2-Ob", "Cd74", "Ciita"],
}


def resolve_organism(ids: Sequence[str], option: str = "auto") -> tuple[str, str]:
    """The organism (``option``, or detected from the identifiers when ``"auto"``) and why.

    Parameters
    ----------
    ids
        The dataset's gene identifiers (Ensembl gene IDs or symbols).
    option
        ``auto`` or an organism of :data:`cytoscore.io._organisms.ORGANISMS` (``human``,
        ``mouse``); a configured organism the identifiers contradict is kept, with a WARNING.

    Returns
    -------
    tuple
        ``(organism, evidence)``: the organism's name and the reason, as text.
    """
    if option not in ("auto", *ORGANISMS):
        raise InputError(f"organism {option!r}: use auto or one of {sorted(ORGANISMS)}")
    detected, evidence = detect_organism(ids)
    if option == "auto":
        return detected, evidence
    if detected != option:
        log.warning("organism: %s is configured, but the identifiers look %s (%s)", option, detected, evidence)
    return option, f"configured (organism: {option}); the identifiers: {evidence}"


def orthologs(organism: str) -> dict[str, str] | None:
    """The organism's symbol -> human symbol map (one to one), or None for human.

    Parameters
    ----------
    organism
        ``human`` or another organism of :data:`cytoscore.io._organisms.ORGANISMS`.

    Returns
    -------
    dict or None
        The organism's symbol -> its human ortholog's symbol.
    """
    if organism == "human":
        return None
    pairs = ortholog_pairs(organism)
    return dict(zip(pairs["symbol"], pairs["human"], strict=True))


def translation_summary(organism: str, symbols: Sequence[str]) -> dict:
    """How ``symbols`` (the organism's) map: counts, the genes left out with tied orthologs,
    and the MHC class II genes' fate: recorded in provenance and said in a WARNING.

    Parameters
    ----------
    organism
        A non-human organism of :data:`cytoscore.io._organisms.ORGANISMS`.
    symbols
        The dataset's gene symbols in that organism (duplicates and empty ones ignored).

    Returns
    -------
    dict
        ``organism``, ``n_genes``, ``n_mapped``, ``share_mapped``, ``n_tied``,
        ``tied_examples``, ``mhc_class_ii``, ``rule`` and ``orthologs`` (the table's record).
    """
    pairs = ortholog_pairs(organism)
    mapping = dict(zip(pairs["symbol"], pairs["human"], strict=True))
    ambiguous = pairs.attrs["ambiguous"]
    symbols = [s for s in dict.fromkeys(str(s) for s in symbols) if s]
    mapped = [s for s in symbols if s in mapping]
    tied = [s for s in symbols if s not in mapping and s in ambiguous]
    present = set(symbols)
    mhc = {
        g: (mapping[g] if g in mapping else f"unmapped (no reciprocal best: {ambiguous[g]})" if g in ambiguous else "unmapped")
        for g in MHC_CLASS_II.get(organism, [])
        if g in present
    }
    return {
        "organism": organism,
        "n_genes": len(symbols),
        "n_mapped": len(mapped),
        "share_mapped": len(mapped) / max(len(symbols), 1),
        "n_tied": len(tied),
        "tied_examples": {g: ambiguous[g] for g in tied[:10]},
        "mhc_class_ii": mhc,
        "rule": "one to one: reciprocal best HCOP support (most databases), ties left out",
        "orthologs": ortholog_record(organism),
    }


def log_translation(summary: dict) -> None:
    """The WARNING that says what a translation to human genes kept and left out.

    Parameters
    ----------
    summary
        A :func:`translation_summary`.
    """
    log.warning(
        "%s genes renamed to their human orthologs: %d of %d mapped one to one (HCOP); %d left out, %d of them "
        "without a reciprocal best ortholog (best-supported candidates: %s). MHC class II: %s. Coverage of each set is counted on human genes.",
        summary["organism"], summary["n_mapped"], summary["n_genes"], summary["n_genes"] - summary["n_mapped"],
        summary["n_tied"], "; ".join(f"{g}: {h}" for g, h in list(summary["tied_examples"].items())[:3]) or "none",
        ", ".join(f"{g} -> {h}" for g, h in summary["mhc_class_ii"].items()) or "none in the data",
    )  # fmt: skip


def to_human(adata: ad.AnnData, organism: str, *, evidence: str = "") -> ad.AnnData:
    """``adata`` (genes indexed by the organism's symbols) with its genes renamed to their
    human orthologs; genes without a one-to-one ortholog are left out (counted and named in
    the provenance, ``uns["cytoscore"]["organism"]``). The organism's symbol stays in
    ``var["symbol_<organism>"]``. Human data is returned as it is, its organism recorded.

    Parameters
    ----------
    adata
        Samples × genes, indexed by the organism's gene symbols.
    organism
        ``human`` or another organism of :data:`cytoscore.io._organisms.ORGANISMS`
        (:func:`resolve_organism`).
    evidence
        Why the organism was chosen, recorded in the provenance.

    Returns
    -------
    AnnData
        A copy with human symbols (for human data, ``adata`` itself).
    """
    if organism == "human":
        record(adata, "organism", organism="human", evidence=evidence)
        return adata
    mapping = orthologs(organism)
    names = pd.Index(adata.var_names.astype(str))
    human = names.map(lambda s: mapping.get(s, ""))
    keep = np.asarray(human != "")
    if not keep.any():
        raise InputError(
            f"none of the dataset's {len(names)} genes has a one-to-one human ortholog in the {organism} table "
            f"(its genes look like {list(names[:5])}): are they {organism} gene symbols? Set the dataset's "
            "organism (or gene_ids / gene_annotation) to what they are"
        )
    summary = translation_summary(organism, names)
    log_translation(summary)
    out = adata[:, keep].copy()
    out.var[f"symbol_{organism}"] = names[keep].to_numpy()
    out.var_names = pd.Index(human[keep], name=adata.var_names.name)
    record(out, "organism", evidence=evidence, **summary)
    return out
