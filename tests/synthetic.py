"""Seeded raw-count single-cell data at any size, written in chunks.

A PBMC-like design: donors × (control, stimulated) samples, 5 cell types with marker
genes, real gene symbols (Hallmark, the curated sets and GPL96's symbols, padded to
``n_genes``), and an interferon response in stimulated cells (the Hallmark IFN-α / IFN-γ
genes and the curated ISGs at ``ifn_fold`` × their base rate). Each cell detects about
``genes_per_cell`` genes. Used by the tests (5,000–10,000 cells) and by
``bench/bench_pipeline.py`` (up to 1,000,000 cells: the matrix is never held whole).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
MIRROR = ROOT / "workflow" / "resources" / "mirror"  # the default study's files, shipped
HALLMARK_GMT = MIRROR / "data.broadinstitute.org/gsea-msigdb/msigdb/release/7.0/h.all.v7.0.symbols.gmt"
GPL96_SOFT = MIRROR / "ftp.ncbi.nlm.nih.gov/geo/platforms/GPLnnn/GPL96/soft/GPL96_family.soft.gz"

CELL_TYPES = {  # cell type: (share of cells, marker genes)
    "B cells": (0.15, ["MS4A1", "CD79A", "CD79B", "CD19", "IGHM", "BANK1", "PAX5", "CD22"]),
    "CD4 T cells": (0.35, ["CD3D", "CD3E", "IL7R", "CD4", "LEF1", "TCF7", "CCR7", "MAL"]),
    "CD8 T cells": (0.15, ["CD3D", "CD3E", "CD8A", "CD8B", "GZMK", "CCL5", "NKG7", "CST7"]),
    "NK cells": (0.10, ["GNLY", "NKG7", "KLRD1", "KLRF1", "PRF1", "GZMB", "FCGR3A", "NCAM1"]),
    "CD14 monocytes": (0.25, ["CD14", "LYZ", "S100A8", "S100A9", "FCN1", "VCAN", "CSF1R", "CD68"]),
}
MITO = ["MT-ND1", "MT-ND2", "MT-CO1", "MT-CO2", "MT-ATP8", "MT-ATP6", "MT-CO3", "MT-ND3", "MT-ND4L",
        "MT-ND4", "MT-ND5", "MT-ND6", "MT-CYB"]  # fmt: skip
IFN_SETS = ("HALLMARK_INTERFERON_ALPHA_RESPONSE", "HALLMARK_INTERFERON_GAMMA_RESPONSE")


def _symbols(n_genes: int) -> tuple[list[str], list[str]]:
    """Gene symbols (real ones first) and the interferon-response genes among them."""
    import sys

    sys.path.insert(0, str(ROOT / "workflow"))
    from cytoscore.resources import curated_gene_sets

    curated = curated_gene_sets()
    ifn = [g for gs in curated if gs.name.startswith(("IFN_", "JAKSTAT")) for g in gs.genes]
    real = [g for _, (_, markers) in CELL_TYPES.items() for g in markers] + MITO + ifn
    if HALLMARK_GMT.is_file():
        for line in HALLMARK_GMT.read_text().splitlines():
            fields = line.strip().split("\t")
            real += fields[2:]
            if fields[0] in IFN_SETS:
                ifn += fields[2:]
    if GPL96_SOFT.is_file():
        text = gzip.decompress(GPL96_SOFT.read_bytes()).decode("utf-8", errors="replace")
        table = re.split(r"!platform_table_begin\r?\n", text, maxsplit=1)[1]
        lines = table.split("!platform_table_end", 1)[0].splitlines()
        col = lines[0].split("\t").index("Gene Symbol")
        for row in lines[1:]:
            fields = row.split("\t")
            if len(fields) > col and re.fullmatch(r"[A-Z][A-Z0-9-]{1,14}", fields[col]):
                real.append(fields[col])
    symbols = list(dict.fromkeys(real))[:n_genes]
    symbols += [f"LOC{100000 + i}" for i in range(n_genes - len(symbols))]
    return symbols, sorted(set(ifn) & set(symbols))


def pbmc_design(n_cells: int, *, n_donors: int = 8, seed: int = 0) -> pd.DataFrame:
    """Cell metadata: sample_id (ctrl<d> / stim<d>), group_id, donor, cell_type."""
    rng = np.random.default_rng(seed)
    donor = rng.integers(0, n_donors, n_cells)
    stim = rng.integers(0, 2, n_cells).astype(bool)
    shares = np.array([s for s, _ in CELL_TYPES.values()])
    ct = rng.choice(len(CELL_TYPES), n_cells, p=shares / shares.sum())
    group = np.where(stim, "stim", "ctrl")
    donors = np.char.add("D", (101 + donor).astype(str))
    return pd.DataFrame(
        {
            "sample_id": np.char.add(group.astype(str), donors.astype(str)),
            "group_id": group,
            "donor": donors,
            "cell_type": np.asarray(list(CELL_TYPES))[ct],
        },
        index=pd.Index([f"cell{i:07d}" for i in range(n_cells)], name="cell"),
    )


def write_pbmc_counts(
    path: Path,
    n_cells: int,
    *,
    n_genes: int = 20_000,
    genes_per_cell: int = 2_100,
    ifn_fold: float = 4.0,
    n_donors: int = 8,
    seed: int = 0,
    chunk: int = 20_000,
) -> Path:
    """Write a raw-count ``.h5ad`` (CSR float32 counts in ``X``) ``chunk`` cells at a time."""
    import anndata as ad
    import scipy.sparse as sp

    from cytoscore.io import H5adRowWriter

    rng = np.random.default_rng(seed)
    symbols, ifn = _symbols(n_genes)
    index = {g: i for i, g in enumerate(symbols)}
    obs = pbmc_design(n_cells, n_donors=n_donors, seed=seed)
    base = rng.gamma(0.25, 1.0, n_genes) + 1e-4
    base[[index[g] for g in MITO]] *= 20  # a few % of counts are mitochondrial
    profiles = {}
    for name, (_, markers) in CELL_TYPES.items():
        for stim in (False, True):
            p = base.copy()
            at = [index[g] for g in markers]
            p[at] = np.maximum(p[at], 0.25) * 30  # at least the mean gene's: markers that mark
            if stim:
                p[[index[g] for g in ifn]] *= ifn_fold
            profiles[name, stim] = np.cumsum(p / p.sum())
    donor_depth = dict(zip(sorted(obs["donor"].unique()), rng.lognormal(0, 0.2, n_donors), strict=True))
    with H5adRowWriter(path, n_vars=n_genes) as writer:
        for start in range(0, n_cells, chunk):
            part = obs.iloc[start : start + chunk]
            # UMIs drawn from each cell's profile; draws ≈ 1.6 × genes detected
            depth = part["donor"].map(donor_depth).to_numpy() * rng.lognormal(0, 0.35, len(part))
            draws = np.maximum(50, (1.6 * genes_per_cell * depth).astype(np.int64))
            rows = np.repeat(np.arange(len(part)), draws)
            cols = np.empty(len(rows), dtype=np.int64)
            offsets = np.concatenate([[0], np.cumsum(draws)])
            keys = list(zip(part["cell_type"], part["group_id"] == "stim", strict=True))
            for key in sorted(set(keys)):  # not set order: it follows PYTHONHASHSEED
                cells = np.flatnonzero([k == key for k in keys])
                sel = np.concatenate([np.arange(offsets[c], offsets[c + 1]) for c in cells])
                cols[sel] = np.searchsorted(profiles[key], rng.random(len(sel)))
            cols = np.minimum(cols, n_genes - 1)
            block = sp.csr_matrix(
                (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(part), n_genes)
            )
            block.sum_duplicates()
            writer.append(block)
        meta = ad.AnnData(obs=obs, var=pd.DataFrame(index=pd.Index(symbols, name="gene")))
        meta.uns["synthetic"] = f"tests/synthetic.py seed {seed}"
        writer.finish(meta)
    return path


STUDY_SETS = ["HALLMARK_INTERFERON_ALPHA_RESPONSE", "HALLMARK_INTERFERON_GAMMA_RESPONSE",
              "IFN_SCORE_RICE2017", "IFN_TYPE1_SPECIFIC", "IFN_GAMMA_SPECIFIC"]  # fmt: skip


def study_config(h5ad: Path, *, scoring: dict | None = None, **dataset) -> dict:
    """The single-cell study of the tests and the pipeline benchmark on a file of
    :func:`write_pbmc_counts`: ``mean_z`` and ``ucell`` on the Hallmark IFN-α/γ and three
    curated interferon sets, stimulated vs control paired by donor. ``scoring`` and the
    dataset keys given (e.g. ``normalize``) are added to the defaults."""
    return {
        "gene_sets": {
            "collections": {"hallmark": {"path": str(HALLMARK_GMT), "version": "7.0"}},
            "curated": ["IFN_SCORE_RICE2017", "IFN_TYPE1_SPECIFIC", "IFN_GAMMA_SPECIFIC"],
            "select": STUDY_SETS,
        },
        "scoring": {"methods": ["mean_z", "ucell"], **(scoring or {})},
        "datasets": {
            "pbmc": {
                "kind": "single_cell",
                "cells": {"h5ad": str(h5ad)},
                "cell_type_column": "cell_type",
                "sample_column": "sample_id",
                "groups": {"column": "group_id", "patterns": {"ctrl": "^ctrl$", "stim": "^stim$"}},
                **dataset,
            }
        },
        "contrasts": {
            "stim_vs_ctrl": {"dataset": "pbmc", "target": "stim", "reference": "ctrl", "pair_by": "donor"}
        },
    }


#: The many-contrast bulk study of issue 23: a control and 8 stimulations, 30 samples.
BULK_GROUPS = {"control": 6, "IFNa": 3, "IFNb": 3, "IFNg": 3, "IL6": 3, "TNF": 3, "IL4": 3, "IL17": 3, "TGFb": 3}


def write_bulk_study(folder: Path, *, n_genes: int = 15_000, seed: int = 0) -> tuple[Path, Path]:
    """A seeded bulk RNA-seq count matrix (genes × 30 samples, negative binomial, real
    symbols) and its sample sheet: 6 controls and 3 samples of each of 8 stimulations; the
    interferon groups raise the interferon genes 4-fold. Returns (counts.tsv, samples.tsv)."""
    rng = np.random.default_rng(seed)
    symbols, ifn = _symbols(n_genes)
    index = np.array([symbols.index(g) for g in ifn])
    groups = [g for g, n in BULK_GROUPS.items() for _ in range(n)]
    names = [f"S{i + 1:02d}_{g}" for i, g in enumerate(groups)]
    mean = rng.gamma(0.4, 400.0, n_genes) + 0.5
    counts = np.empty((n_genes, len(names)), dtype=np.int64)
    for j, g in enumerate(groups):
        mu = mean * rng.lognormal(0, 0.15)
        if g.startswith("IFN"):
            mu = mu.copy()
            mu[index] *= 4.0
        counts[:, j] = rng.negative_binomial(5, 5 / (5 + mu))
    folder.mkdir(parents=True, exist_ok=True)
    matrix = folder / "counts.tsv"
    pd.DataFrame(counts, index=pd.Index(symbols, name="gene"), columns=names).to_csv(matrix, sep="\t")
    sheet = folder / "samples.tsv"
    pd.DataFrame({"sample": names, "stimulus": groups}).to_csv(sheet, sep="\t", index=False)
    return matrix, sheet


def bulk_study_config(matrix: Path, sheet: Path, *, progeny: Path | None = None) -> dict:
    """The many-contrast bulk study on :func:`write_bulk_study`'s files: every stimulation
    against control (8 contrasts), the 50 Hallmark sets and the curated ones (55 signatures;
    PROGENy's 14 pathways too when its model is given: 69), 5 scoring methods."""
    collections = {"hallmark": {"path": str(HALLMARK_GMT), "version": "7.0"}}
    methods = ["mean_z", "ssgsea", "ucell", "aucell", "ulm"]
    if progeny is not None:
        collections["progeny"] = {"format": "progeny", "path": str(progeny), "version": "progeny 1.20"}
    from cytoscore.resources import curated_gene_sets

    return {
        "gene_sets": {"collections": collections, "curated": [gs.name for gs in curated_gene_sets()]},
        "scoring": {"methods": methods},
        "datasets": {
            "stim": {
                "kind": "rnaseq_counts",
                "counts": {"matrix": str(matrix)},
                "metadata": str(sheet),
                "groups": {"column": "stimulus", "patterns": {g: f"^{g}$" for g in BULK_GROUPS}},
            }
        },
        "contrasts": {
            f"{g}_vs_control": {"dataset": "stim", "target": g, "reference": "control"} for g in BULK_GROUPS if g != "control"
        },
    }


def write_treatment_study(folder: Path, *, n_patients: int = 8, n_genes: int = 4_000, seed: int = 0) -> tuple[Path, Path]:
    """A seeded anti-TNF trial as bulk RNA-seq counts: each patient before and after the drug
    (paired), the Hallmark TNF-alpha/NF-kB genes 3-fold lower after treatment in every
    patient, all else unchanged apart from noise; half the patients (``R``) respond, and
    their baseline TNF genes are 2-fold higher. Returns (counts.tsv, samples.tsv)."""
    rng = np.random.default_rng(seed)
    symbols, _ = _symbols(n_genes)
    tnf = set()
    for line in HALLMARK_GMT.read_text().splitlines():
        fields = line.strip().split("\t")
        if fields[0] == "HALLMARK_TNFA_SIGNALING_VIA_NFKB":
            tnf = set(fields[2:])
    index = np.array([i for i, g in enumerate(symbols) if g in tnf])
    mean = rng.gamma(0.4, 400.0, n_genes) + 0.5
    names, rows = [], []
    counts = np.empty((n_genes, 2 * n_patients), dtype=np.int64)
    for p in range(n_patients):
        patient_mu = mean * rng.lognormal(0, 0.2, n_genes)
        outcome = "R" if p % 2 == 0 else "NR"
        for k, visit in enumerate(("baseline", "week14")):
            mu = patient_mu * rng.lognormal(0, 0.1)
            if outcome == "R":
                mu[index] *= 2.0
            if visit == "week14":
                mu[index] /= 3.0
            j = 2 * p + k
            counts[:, j] = rng.negative_binomial(10, 10 / (10 + mu))
            names.append(f"P{p + 1:02d}_{visit}")
            rows.append({"sample": names[-1], "patient": f"P{p + 1:02d}", "visit": visit, "response": outcome})
    folder.mkdir(parents=True, exist_ok=True)
    matrix = folder / "counts.tsv"
    pd.DataFrame(counts, index=pd.Index(symbols, name="gene"), columns=names).to_csv(matrix, sep="\t")
    sheet = folder / "samples.tsv"
    pd.DataFrame(rows).to_csv(sheet, sep="\t", index=False)
    return matrix, sheet
