"""Gene sets curated in this repository, each with its literature source.

Edit with care: these sets define results users publish. Each entry states what
the set measures, and its citation is written into every output that uses it.
"""

from __future__ import annotations

from ._genesets import GeneSet

__all__ = ["CURATED_VERSION", "curated_gene_sets"]

#: Bumped whenever a curated set changes; written into the outputs.
CURATED_VERSION = "2026.11"

_CURATED = (
    GeneSet(
        name="IFN_SCORE_RICE2017",
        genes=("IFI27", "IFI44L", "IFIT1", "ISG15", "RSAD2", "SIGLEC1"),
        collection="cytoscore_curated",
        version=CURATED_VERSION,
        description=(
            "The six interferon-stimulated genes of the clinical type I interferon score "
            "(median fold change over healthy controls)."
        ),
        source=(
            "Rice GI et al. Assessment of type I interferon signaling in pediatric inflammatory "
            "disease. J Clin Immunol 2017;37:123-132. doi:10.1007/s10875-016-0359-1"
        ),
    ),
    GeneSet(
        name="JAKSTAT_CORE",
        genes=(
            "JAK1", "JAK2", "JAK3", "TYK2",
            "STAT1", "STAT2", "STAT3", "STAT4", "STAT5A", "STAT5B", "STAT6", "IRF9",
            "SOCS1", "SOCS2", "SOCS3", "CISH",
            "PIAS1", "PIAS2", "PIAS3", "PIAS4",
            "PTPN2", "PTPN6", "PTPN11",
        ),
        collection="cytoscore_curated",
        version=CURATED_VERSION,
        description=(
            "Core JAK/STAT machinery: the four JAK kinases, the seven STATs and IRF9, and the "
            "negative regulators SOCS/CISH, PIAS and the phosphatases PTPN2/6/11. Several "
            "members (STAT1, IRF9, SOCS1, SOCS3, CISH) are themselves induced by the pathway."
        ),
        source=(
            "Villarino AV, Kanno Y, O'Shea JJ. Mechanisms and consequences of Jak-STAT signaling "
            "in the immune system. Nat Immunol 2017;18:374-384. doi:10.1038/ni.3691; "
            "KEGG pathway hsa04630"
        ),
    ),
)


def curated_gene_sets() -> list[GeneSet]:
    """All curated gene sets of this cytoscore version."""
    return list(_CURATED)
