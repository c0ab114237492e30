"""Gene sets curated in this repository, each with its literature source.

Edit with care: these sets define results users publish. Each entry states what
the set measures, and its citation is written into every output that uses it.
"""

from __future__ import annotations

from ._genesets import GeneSet

__all__ = ["CURATED_VERSION", "curated_gene_sets"]

#: Bumped whenever a curated set changes; written into the outputs.
CURATED_VERSION = "2026.12.1"

_CURATED = (
    GeneSet(
        name="IFN_SCORE_RICE2017",
        genes=("IFI27", "IFI44L", "IFIT1", "ISG15", "RSAD2", "SIGLEC1"),
        collection="cytoscore_curated",
        version=CURATED_VERSION,
        licence="CC0-1.0 (gene list curated in cytoscore)",
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
        name="IFN_TYPE1_SPECIFIC",
        genes=(
            "IFI27", "IFI44L", "IFI44", "IFIT1", "ISG15", "HERC5", "USP18", "IFI6",
            "MX1", "MX2", "RSAD2", "OAS1", "LY6E", "SIGLEC1", "CMPK2",
        ),
        collection="cytoscore_curated",
        version=CURATED_VERSION,
        licence="CC0-1.0 (gene list curated in cytoscore)",
        description=(
            "Type I interferon-specific ISGs: genes driven through ISGF3 (STAT1/STAT2/IRF9) at "
            "ISRE promoters, strongly induced by IFN-alpha/beta but weakly or not by IFN-gamma "
            "(the IFN-alpha-specific module M1.2 genes; IFN-alpha-specific ISG cluster of "
            "Mostafavi et al.). Measures type I rather than type II signalling."
        ),
        source=(
            "Mostafavi S et al. Parsing the interferon transcriptional network and its disease "
            "associations. Cell 2016;164:564-578. doi:10.1016/j.cell.2015.12.032; Chiche L et al. "
            "Modular transcriptional repertoire analyses of adults with systemic lupus "
            "erythematosus reveal distinct type I and type II interferon signatures. Arthritis "
            "Rheumatol 2014;66:1583-1595. doi:10.1002/art.38628"
        ),
    ),
    GeneSet(
        name="IFN_GAMMA_SPECIFIC",
        genes=(
            "CIITA", "HLA-DRA", "HLA-DRB1", "HLA-DPA1", "HLA-DPB1", "HLA-DMA", "HLA-DMB",
            "CD74", "CXCL9", "IDO1", "UBD", "GBP5",
        ),
        collection="cytoscore_curated",
        version=CURATED_VERSION,
        licence="CC0-1.0 (gene list curated in cytoscore)",
        description=(
            "IFN-gamma-specific genes: the class II transactivator CIITA and the MHC class II "
            "genes it drives (induced by IFN-gamma, not by type I IFN), and the GAS/IRF1-driven "
            "CXCL9, IDO1, UBD and GBP5. Measures type II rather than type I signalling."
        ),
        source=(
            "Steimle V et al. Regulation of MHC class II expression by interferon-gamma mediated "
            "by the transactivator gene CIITA. Science 1994;265:106-109. "
            "doi:10.1126/science.8016643; Mostafavi S et al. Cell 2016;164:564-578. "
            "doi:10.1016/j.cell.2015.12.032; Schroder K et al. Interferon-gamma: an overview of "
            "signals, mechanisms and functions. J Leukoc Biol 2004;75:163-189. doi:10.1189/jlb.0603252"
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
        licence="CC0-1.0 (gene list curated in cytoscore)",
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
    GeneSet(
        name="TGFB_RESPONSE_SIGNED",
        genes=(
            # up with TGF-beta (weight +1)
            "LINC00312", "TSPAN2", "SMAD7", "NOX4", "COL4A1", "MURC", "ID4", "BMPR2",
            "SKIL", "RASL11B", "COMP", "LMCD1", "MRAS", "ID1", "SYT15", "CILP",
            "CNN1", "ADAM12", "ITGA11", "CARMN", "COL5A1", "MFAP4", "FSTL3", "IL11",
            "ID3",
            # down with TGF-beta (weight -1)
            "NOX1", "GDF5", "CLDN11", "AK5", "ABCA6", "MSR1", "LRRN4CL", "ABCA8",
            "RXFP1", "FRMPD4", "MRGPRF", "PDE7B", "SLC14A1", "ZCCHC5", "TSPAN8", "HSD11B1",
            "SLC8A1-AS1", "SDPR", "BMPER", "ANXA10", "KIT", "FOXA2", "OSR1", "JADE2",
            "GPR4",
        ),
        weights=(1.0,) * 25 + (-1.0,) * 25,
        collection="cytoscore_curated",
        version=CURATED_VERSION,
        licence="Apache-2.0 (derived from the PROGENy model, Bioconductor progeny package)",
        description=(
            "Signed TGF-beta response: the 25 genes most significantly induced and the 25 most "
            "significantly repressed by TGF-beta in PROGENy's human model (pathway TGFb, the "
            "smallest p-values of each sign; perturbation experiments across cell types). A "
            "signed signature: its down genes count against the score."
        ),
        source=(
            "Schubert M, Klinger B, Klünemann M, et al. Perturbation-response genes reveal "
            "signaling footprints in cancer gene expression. Nat Commun 2018;9:20. "
            "doi:10.1038/s41467-017-02391-6 (progeny 1.20, model_human_full)"
        ),
    ),
)


def curated_gene_sets() -> list[GeneSet]:
    """All curated gene sets of this cytoscore version."""
    return list(_CURATED)
