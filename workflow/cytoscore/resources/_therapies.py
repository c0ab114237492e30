"""Cytokine-targeted therapies, curated in this repository: what each drug blocks, and which
shipped signatures read that axis.

Edit with care: treatment contrasts judge "did the drug lower its axis" from these rows. Each
drug cites its prescribing information (the labels state target, mechanism and approved
indications); each axis says why its signatures read it. The table is research annotation:
approval status and indications are those of the first approvals and main labels as of the
version below, not prescribing advice.

Users add or replace rows with a table of the same columns (``therapies.table`` in the
config; :func:`therapy_table`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .._utils import InputError

__all__ = [
    "THERAPY_VERSION", "THERAPY_COLUMNS", "AXIS_COLUMNS", "therapy_table", "therapy_axes", "therapy_record",
    "find_therapy", "axis_signatures",
]  # fmt: skip

#: Bumped whenever a row changes; written into every therapy output.
THERAPY_VERSION = "2026.12.1"

#: Columns of the drug table.
THERAPY_COLUMNS = ["drug", "brand", "target", "mechanism", "axes", "approval", "indications", "reference"]
#: Columns of the axis table.
AXIS_COLUMNS = ["axis", "signatures", "rationale"]

def _label(brand: str, drug: str, approval: str) -> str:
    what = "US prescribing information" if "FDA" in approval else "EU summary of product characteristics"
    return f"{brand} ({drug}) {what}"

# drug (INN), brand, target molecule(s), mechanism, axes blocked (';'), first approval,
# main approved indications, reference
_DRUGS = (
    ("infliximab", "Remicade", "TNF", "chimeric monoclonal antibody neutralizing soluble and membrane TNF", "TNF",
     "FDA 1998", "Crohn's disease; ulcerative colitis; rheumatoid arthritis; ankylosing spondylitis; psoriatic arthritis; plaque psoriasis"),
    ("adalimumab", "Humira", "TNF", "human monoclonal antibody neutralizing TNF", "TNF",
     "FDA 2002", "rheumatoid arthritis; psoriatic arthritis; ankylosing spondylitis; Crohn's disease; ulcerative colitis; plaque psoriasis; hidradenitis suppurativa; uveitis; JIA"),
    ("etanercept", "Enbrel", "TNF; lymphotoxin-alpha", "TNFR2-Fc fusion protein (soluble decoy receptor)", "TNF",
     "FDA 1998", "rheumatoid arthritis; JIA; psoriatic arthritis; ankylosing spondylitis; plaque psoriasis"),
    ("golimumab", "Simponi", "TNF", "human monoclonal antibody neutralizing TNF", "TNF",
     "FDA 2009", "rheumatoid arthritis; psoriatic arthritis; ankylosing spondylitis; ulcerative colitis"),
    ("certolizumab pegol", "Cimzia", "TNF", "PEGylated humanized Fab' fragment neutralizing TNF", "TNF",
     "FDA 2008", "Crohn's disease; rheumatoid arthritis; psoriatic arthritis; axial spondyloarthritis; plaque psoriasis"),
    ("anakinra", "Kineret", "IL-1R1", "recombinant IL-1 receptor antagonist (blocks IL-1alpha and IL-1beta)", "IL-1",
     "FDA 2001", "rheumatoid arthritis; CAPS (NOMID); DIRA"),
    ("canakinumab", "Ilaris", "IL-1beta", "human monoclonal antibody neutralizing IL-1beta", "IL-1",
     "FDA 2009", "CAPS; TRAPS; HIDS/MKD; FMF; Still's disease; gout flares"),
    ("rilonacept", "Arcalyst", "IL-1alpha; IL-1beta", "IL-1 trap (IL-1R1/IL-1RAcP-Fc fusion protein)", "IL-1",
     "FDA 2008", "CAPS; DIRA; recurrent pericarditis"),
    ("tocilizumab", "Actemra", "IL-6R", "humanized monoclonal antibody blocking soluble and membrane IL-6R", "IL-6",
     "FDA 2010", "rheumatoid arthritis; giant cell arteritis; systemic and polyarticular JIA; cytokine release syndrome; SSc-ILD"),
    ("sarilumab", "Kevzara", "IL-6R", "human monoclonal antibody blocking IL-6R", "IL-6",
     "FDA 2017", "rheumatoid arthritis; polymyalgia rheumatica"),
    ("siltuximab", "Sylvant", "IL-6", "chimeric monoclonal antibody neutralizing IL-6", "IL-6",
     "FDA 2014", "multicentric Castleman disease"),
    ("ustekinumab", "Stelara", "IL-12/IL-23 p40", "human monoclonal antibody against the p40 subunit shared by IL-12 and IL-23",
     "IL-12; IL-23", "FDA 2009", "plaque psoriasis; psoriatic arthritis; Crohn's disease; ulcerative colitis"),
    ("guselkumab", "Tremfya", "IL-23 p19", "human monoclonal antibody against IL-23 p19", "IL-23",
     "FDA 2017", "plaque psoriasis; psoriatic arthritis; ulcerative colitis; Crohn's disease"),
    ("risankizumab", "Skyrizi", "IL-23 p19", "humanized monoclonal antibody against IL-23 p19", "IL-23",
     "FDA 2019", "plaque psoriasis; psoriatic arthritis; Crohn's disease; ulcerative colitis"),
    ("tildrakizumab", "Ilumya", "IL-23 p19", "humanized monoclonal antibody against IL-23 p19", "IL-23",
     "FDA 2018", "plaque psoriasis"),
    ("mirikizumab", "Omvoh", "IL-23 p19", "humanized monoclonal antibody against IL-23 p19", "IL-23",
     "FDA 2023", "ulcerative colitis; Crohn's disease"),
    ("secukinumab", "Cosentyx", "IL-17A", "human monoclonal antibody neutralizing IL-17A", "IL-17",
     "FDA 2015", "plaque psoriasis; psoriatic arthritis; ankylosing spondylitis; nr-axSpA; hidradenitis suppurativa"),
    ("ixekizumab", "Taltz", "IL-17A", "humanized monoclonal antibody neutralizing IL-17A", "IL-17",
     "FDA 2016", "plaque psoriasis; psoriatic arthritis; ankylosing spondylitis; nr-axSpA"),
    ("brodalumab", "Siliq", "IL-17RA", "human monoclonal antibody blocking IL-17 receptor A", "IL-17",
     "FDA 2017", "plaque psoriasis"),
    ("bimekizumab", "Bimzelx", "IL-17A; IL-17F", "humanized monoclonal antibody neutralizing IL-17A and IL-17F", "IL-17",
     "EMA 2021; FDA 2023", "plaque psoriasis; psoriatic arthritis; axial spondyloarthritis; hidradenitis suppurativa"),
    ("dupilumab", "Dupixent", "IL-4Ralpha", "human monoclonal antibody blocking IL-4Ralpha (IL-4 and IL-13 signalling)", "IL-4/IL-13",
     "FDA 2017", "atopic dermatitis; asthma; CRSwNP; eosinophilic esophagitis; prurigo nodularis; COPD"),
    ("tralokinumab", "Adbry", "IL-13", "human monoclonal antibody neutralizing IL-13", "IL-4/IL-13",
     "FDA 2021", "atopic dermatitis"),
    ("lebrikizumab", "Ebglyss", "IL-13", "humanized monoclonal antibody neutralizing IL-13", "IL-4/IL-13",
     "FDA 2024", "atopic dermatitis"),
    ("mepolizumab", "Nucala", "IL-5", "humanized monoclonal antibody neutralizing IL-5", "IL-5",
     "FDA 2015", "severe eosinophilic asthma; EGPA; hypereosinophilic syndrome; CRSwNP"),
    ("reslizumab", "Cinqair", "IL-5", "humanized monoclonal antibody neutralizing IL-5", "IL-5",
     "FDA 2016", "severe eosinophilic asthma"),
    ("benralizumab", "Fasenra", "IL-5Ralpha", "humanized monoclonal antibody against IL-5Ralpha (eosinophil depletion by ADCC)", "IL-5",
     "FDA 2017", "severe eosinophilic asthma; EGPA"),
    ("anifrolumab", "Saphnelo", "IFNAR1", "human monoclonal antibody blocking type I interferon receptor subunit 1", "type I IFN",
     "FDA 2021", "systemic lupus erythematosus"),
    ("emapalumab", "Gamifant", "IFN-gamma", "human monoclonal antibody neutralizing IFN-gamma", "IFN-gamma",
     "FDA 2018", "primary hemophagocytic lymphohistiocytosis"),
    ("belimumab", "Benlysta", "BAFF (BLyS)", "human monoclonal antibody neutralizing soluble BAFF", "BAFF",
     "FDA 2011", "systemic lupus erythematosus; lupus nephritis"),
    ("spesolimab", "Spevigo", "IL-36R", "humanized monoclonal antibody blocking the IL-36 receptor", "IL-36",
     "FDA 2022", "generalized pustular psoriasis"),
    ("tezepelumab", "Tezspire", "TSLP", "human monoclonal antibody neutralizing TSLP", "TSLP",
     "FDA 2021", "severe asthma"),
    ("tofacitinib", "Xeljanz", "JAK1; JAK3 (JAK2 less)", "small-molecule JAK inhibitor", "JAK-STAT",
     "FDA 2012", "rheumatoid arthritis; psoriatic arthritis; ulcerative colitis; polyarticular JIA; ankylosing spondylitis"),
    ("baricitinib", "Olumiant", "JAK1; JAK2", "small-molecule JAK inhibitor", "JAK-STAT",
     "EMA 2017; FDA 2018", "rheumatoid arthritis; alopecia areata; COVID-19"),
    ("upadacitinib", "Rinvoq", "JAK1", "small-molecule JAK1-selective inhibitor", "JAK-STAT",
     "FDA 2019", "rheumatoid arthritis; psoriatic arthritis; atopic dermatitis; ulcerative colitis; Crohn's disease; axial spondyloarthritis"),
    ("filgotinib", "Jyseleca", "JAK1", "small-molecule JAK1-preferential inhibitor", "JAK-STAT",
     "EMA 2020", "rheumatoid arthritis; ulcerative colitis"),
    ("abrocitinib", "Cibinqo", "JAK1", "small-molecule JAK1-selective inhibitor", "JAK-STAT",
     "FDA 2022", "atopic dermatitis"),
    ("ruxolitinib", "Jakafi", "JAK1; JAK2", "small-molecule JAK1/JAK2 inhibitor", "JAK-STAT",
     "FDA 2011", "myelofibrosis; polycythemia vera; graft-versus-host disease"),
    ("ritlecitinib", "Litfulo", "JAK3; TEC kinases", "small-molecule covalent JAK3/TEC inhibitor", "JAK-STAT",
     "FDA 2023", "alopecia areata"),
    ("deucravacitinib", "Sotyktu", "TYK2", "small-molecule allosteric TYK2 inhibitor (pseudokinase domain)",
     "IL-23; IL-12; type I IFN", "FDA 2022", "plaque psoriasis"),
)  # fmt: skip

# axis, the shipped signatures that read it (CytoSig cytokine responses, PROGENy pathways,
# MSigDB Hallmark and curated sets; absent ones are skipped), why
_AXES = (
    ("TNF", "CYTOSIG_TNFA; PROGENY_TNFa; PROGENY_NFkB; HALLMARK_TNFA_SIGNALING_VIA_NFKB",
     "TNF acts through TNFR1/NF-kB: CytoSig's TNF response, PROGENy's TNFa and NFkB pathways, Hallmark TNF-alpha via NF-kB"),
    ("IL-1", "CYTOSIG_IL1B; CYTOSIG_IL1A; PROGENY_NFkB; HALLMARK_INFLAMMATORY_RESPONSE",
     "IL-1 signals through IL-1R1/MyD88 to NF-kB: CytoSig's IL-1beta and IL-1alpha responses, PROGENy NFkB"),
    ("IL-6", "CYTOSIG_IL6; HALLMARK_IL6_JAK_STAT3_SIGNALING; PROGENY_JAK_STAT",
     "IL-6 signals through gp130/JAK1/STAT3: CytoSig's IL-6 response, Hallmark IL-6/JAK/STAT3, PROGENy JAK-STAT"),
    ("IL-12", "CYTOSIG_IL12; CYTOSIG_IFNG; HALLMARK_INTERFERON_GAMMA_RESPONSE",
     "IL-12 drives Th1 cells and IFN-gamma (STAT4): CytoSig's IL-12 response and the IFN-gamma it induces"),
    ("IL-23", "CYTOSIG_IL17A; CYTOSIG_IL22",
     "IL-23 sustains Th17/Tc17 and ILC3 cells, read through their IL-17A and IL-22 (CytoSig has no IL-23 signature)"),
    ("IL-17", "CYTOSIG_IL17A",
     "IL-17A acts on epithelium and stroma through IL-17RA/RC: CytoSig's IL-17A response"),
    ("IL-4/IL-13", "CYTOSIG_IL4; CYTOSIG_IL13",
     "IL-4 and IL-13 share IL-4Ralpha and STAT6: CytoSig's IL-4 and IL-13 responses"),
    ("IL-5", "",
     "no shipped signature reads IL-5 (eosinophil survival): add one with therapies.table, or the axis is not testable"),
    ("type I IFN", "CYTOSIG_IFN1; HALLMARK_INTERFERON_ALPHA_RESPONSE; IFN_TYPE1_SPECIFIC; IFN_SCORE_RICE2017",
     "IFN-alpha/beta signal through IFNAR/ISGF3: CytoSig's IFN1, Hallmark IFN-alpha, the type I-specific ISGs, the clinical IFN score"),
    ("IFN-gamma", "CYTOSIG_IFNG; HALLMARK_INTERFERON_GAMMA_RESPONSE; IFN_GAMMA_SPECIFIC",
     "IFN-gamma signals through IFNGR/STAT1 homodimers (GAS, CIITA): CytoSig's IFNG, Hallmark IFN-gamma, the IFN-gamma-specific set"),
    ("BAFF", "",
     "no shipped signature reads BAFF (B-cell survival): add one with therapies.table, or the axis is not testable"),
    ("IL-36", "CYTOSIG_IL36",
     "IL-36 signals through IL-36R/IL-1RAcP to NF-kB: CytoSig's IL-36 response"),
    ("TSLP", "",
     "no shipped signature reads TSLP: add one with therapies.table, or the axis is not testable"),
    ("IL-10", "CYTOSIG_IL10",
     "IL-10 signals through IL-10R/JAK1/STAT3 and restrains inflammation: CytoSig's IL-10 response (no drug blocks it)"),
    ("TGF-beta", "CYTOSIG_TGFB1; PROGENY_TGFb; HALLMARK_TGF_BETA_SIGNALING; TGFB_RESPONSE_SIGNED",
     "TGF-beta signals through TGFBR/SMAD2/3: CytoSig's TGF-beta1, PROGENy TGFb, Hallmark TGF-beta, the signed TGF-beta set"),
    ("JAK-STAT", "JAKSTAT_CORE; PROGENY_JAK_STAT; HALLMARK_IL6_JAK_STAT3_SIGNALING; HALLMARK_INTERFERON_ALPHA_RESPONSE; HALLMARK_INTERFERON_GAMMA_RESPONSE; HALLMARK_IL2_STAT5_SIGNALING",
     "JAK inhibitors block the cytokines that signal through JAK1/2/3 and TYK2: interferons, IL-6 and the gamma-chain cytokines"),
)  # fmt: skip


def _split(value) -> list[str]:
    return [v.strip() for v in str(value or "").split(";") if v.strip()]


def therapy_axes(extra: str | Path | None = None) -> pd.DataFrame:
    """The axes a therapy can block, with the signatures that read each (``;``-separated).

    Parameters
    ----------
    extra
        A tab-separated table with the columns :data:`AXIS_COLUMNS` (``rationale`` optional):
        new axes, or curated ones given other signatures (e.g. the user's own IL-5 set).

    Returns
    -------
    DataFrame
        Columns :data:`AXIS_COLUMNS` plus ``source``.
    """
    table = pd.DataFrame(_AXES, columns=AXIS_COLUMNS).assign(source="cytoscore_curated")
    if extra is None:
        return table
    user = _read_user(extra, ["axis", "signatures"], AXIS_COLUMNS, key="axis")
    return pd.concat([table[~table["axis"].str.lower().isin(user["axis"].str.lower())], user], ignore_index=True)


def _read_user(path: str | Path, required: list[str], columns: list[str], *, key: str) -> pd.DataFrame:
    path = Path(path)
    try:
        user = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the table ({exc})") from exc
    missing = [c for c in required if c not in user.columns]
    if missing:
        raise InputError(f"{path}: the table lacks the columns {missing} (its columns may be {columns})")
    empty = user.index[user[key].str.strip() == ""].tolist()
    if empty:
        raise InputError(f"{path}: line {empty[0] + 2}: no {key}")
    return user.reindex(columns=columns, fill_value="").assign(source=str(path))


def therapy_table(extra: str | Path | None = None) -> pd.DataFrame:
    """The curated cytokine-targeted therapies, with the user's rows added (or replacing a
    curated drug of the same name).

    Parameters
    ----------
    extra
        A tab-separated table with the columns :data:`THERAPY_COLUMNS` (``drug``, ``target`` and
        ``axes`` required; ``axes`` names axes of :func:`therapy_axes`, ``;``-separated).

    Returns
    -------
    DataFrame
        Columns :data:`THERAPY_COLUMNS` plus ``source`` (``cytoscore_curated`` or the file).
    """
    table = pd.DataFrame([(*row, _label(row[1], row[0], row[5])) for row in _DRUGS], columns=THERAPY_COLUMNS)
    table["source"] = "cytoscore_curated"
    if extra is None:
        return table
    user = _read_user(extra, ["drug", "target", "axes"], THERAPY_COLUMNS, key="drug")
    kept = table[~table["drug"].str.lower().isin(user["drug"].str.lower())]
    return pd.concat([kept, user], ignore_index=True)


def find_therapy(table: pd.DataFrame, name: str) -> pd.Series:
    """The row of a drug (INN or brand, any case) or, given a target or axis name, a row
    standing for every drug that blocks it.

    Parameters
    ----------
    table
        A :func:`therapy_table`.
    name
        A drug (``"infliximab"``, ``"Remicade"``), a target (``"IL-6R"``) or an axis (``"TNF"``).

    Returns
    -------
    Series
        The drug's row; for a target or axis, ``drug`` is the name given and ``axes`` the axes
        of the drugs that block it.
    """
    key = str(name).strip().lower()
    for column in ("drug", "brand"):
        hit = table[table[column].str.lower() == key]
        if len(hit):
            return hit.iloc[0]
    hits = table[
        table["target"].map(lambda t: key in [x.lower() for x in _split(t)])
        | table["axes"].map(lambda a: key in [x.lower() for x in _split(a)])
    ]
    if not len(hits):
        raise InputError(
            f"therapy {name!r} is not a drug, brand, target or axis of the therapy table; drugs are "
            f"{sorted(table['drug'])[:12]}…, axes {sorted({a for v in table['axes'] for a in _split(v)})}"
        )
    axes = list(dict.fromkeys(a for v in hits["axes"] for a in _split(v)))
    if key in [a.lower() for a in axes]:
        axes = [a for a in axes if a.lower() == key]
    return pd.Series({"drug": name, "brand": "", "target": name, "mechanism": f"any drug blocking {name}",
                      "axes": "; ".join(axes), "approval": "", "indications": "", "reference": "", "source": "axis"})  # fmt: skip


def therapy_record(table: pd.DataFrame, axes: pd.DataFrame) -> dict:
    """Provenance of the therapy table: version, licence, source and the SHA-256 of its rows.

    Parameters
    ----------
    table
        The :func:`therapy_table` used.
    axes
        The :func:`therapy_axes` used.

    Returns
    -------
    dict
        ``collection``, ``format``, ``version``, ``source``, ``licence``, ``sha256`` and ``n_drugs``.
    """
    text = table.to_csv(sep="\t", index=False) + axes.to_csv(sep="\t", index=False)
    return {
        "collection": "cytoscore_therapies",
        "format": "curated",
        "version": THERAPY_VERSION,
        "source": "curated in cytoscore from each drug's US prescribing information (EU SmPC where not FDA-approved)",
        "licence": "CC0-1.0 (table curated in cytoscore)",
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "n_drugs": int(len(table)),
    }


def axis_signatures(axes: pd.DataFrame, axis_names, available) -> Mapping[str, list[str]]:
    """The signatures of each named axis that were scored, in the axis table's order.

    Parameters
    ----------
    axes
        A :func:`therapy_axes` table.
    axis_names
        The axes wanted; one not in the table is an error naming the known ones.
    available
        The signatures scored.

    Returns
    -------
    dict
        Axis -> its scored signatures (empty when none was scored).
    """
    unknown = [a for a in axis_names if a not in set(axes["axis"])]
    if unknown:
        raise InputError(f"therapy axes {unknown} are not in the axis table; axes are {sorted(axes['axis'])}")
    index = axes.set_index("axis")["signatures"]
    have = set(available)
    return {a: [s for s in _split(index.get(a, "")) if s in have] for a in axis_names}
