"""Test helpers: paths to ../shared, writers of small files in real GEO layouts, and the
default study's matrix rebuilt from the mirror."""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
#: The default study's files shipped with the workflow (a mirror): tests of GEO loading and of
#: the default study need nothing beside the clone.
MIRROR = ROOT / "workflow" / "resources" / "mirror"
#: Tests of the other example studies read public datasets from ../shared (see its README);
#: without it they are skipped, except in CI, where ../shared is always given.
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir() and os.environ.get("CI") != "true",
    reason=f"needs the public datasets of {SHARED} (the other example studies); not in this clone",
)
GSE55235_MATRIX = (
    MIRROR / "ftp.ncbi.nlm.nih.gov/geo/series/GSE55nnn/GSE55235/matrix/GSE55235_series_matrix.txt.gz"
)
GPL96_SOFT = MIRROR / "ftp.ncbi.nlm.nih.gov/geo/platforms/GPLnnn/GPL96/soft/GPL96_family.soft.gz"
HALLMARK_GMT = MIRROR / "data.broadinstitute.org/gsea-msigdb/msigdb/release/7.0/h.all.v7.0.symbols.gmt"

DEFAULT_SETS = [
    "HALLMARK_INTERFERON_ALPHA_RESPONSE",
    "HALLMARK_INTERFERON_GAMMA_RESPONSE",
    "HALLMARK_IL6_JAK_STAT3_SIGNALING",
    "HALLMARK_TNFA_SIGNALING_VIA_NFKB",
    "HALLMARK_INFLAMMATORY_RESPONSE",
    "HALLMARK_IL2_STAT5_SIGNALING",
    "IFN_SCORE_RICE2017",
    "JAKSTAT_CORE",
]


def write_series_matrix(
    path: Path,
    values: pd.DataFrame,
    *,
    sample_meta: dict[str, list[str]] | None = None,
    characteristics: list[list[str]] | None = None,
    platform: str = "GPL96",
    accession: str = "GSE1",
    truncate: bool = False,
) -> Path:
    """Write a series matrix in GEO's layout (quoted fields, tab-separated, gzip if .gz).

    ``values``: probes x samples (columns are GSM IDs).
    """
    samples = list(values.columns)
    q = lambda v: f'"{v}"'  # noqa: E731
    lines = [
        f"!Series_title\t{q('A test series')}",
        f"!Series_geo_accession\t{q(accession)}",
        f"!Series_platform_id\t{q(platform)}",
        "",
        "!Sample_title\t" + "\t".join(q(f"title {s}") for s in samples),
        "!Sample_geo_accession\t" + "\t".join(q(s) for s in samples),
    ]
    for key, vals in (sample_meta or {}).items():
        lines.append(f"!Sample_{key}\t" + "\t".join(q(v) for v in vals))
    for vals in characteristics or []:
        lines.append("!Sample_characteristics_ch1\t" + "\t".join(q(v) for v in vals))
    lines.append("!series_matrix_table_begin")
    lines.append("\t".join([q("ID_REF"), *(q(s) for s in samples)]))
    for probe, row in values.iterrows():
        lines.append("\t".join([q(probe), *("" if pd.isna(v) else f"{v:g}" for v in row)]))
    if not truncate:
        lines.append("!series_matrix_table_end")
    text = "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        data = gzip.compress(text.encode())
        if truncate:
            data = data[: len(data) // 2]
        path.write_bytes(data)
    else:
        path.write_text(text)
    return path


def write_platform_soft(path: Path, table: pd.DataFrame, *, platform: str = "GPL96") -> Path:
    """Write a platform family SOFT file with ``table`` (first column ID) between the markers."""
    header = [
        "^DATABASE = GeoMiame",
        f"^PLATFORM = {platform}",
        f"!Platform_geo_accession = {platform}",
        "#ID = Probe ID",
        "!platform_table_begin",
        "\t".join(table.columns),
    ]
    rows = ["\t".join(str(v) for v in r) for r in table.itertuples(index=False)]
    text = "\n".join([*header, *rows, "!platform_table_end"]) + "\n"
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def default_study_matrix() -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """GSE55235 as the default config prepares it (samples x genes, log2) and the default sets."""
    import cytoscore as cs

    probes = cs.io.read_geo_series(GSE55235_MATRIX, GPL96_SOFT)
    genes = cs.pp.normalize_expression(cs.pp.collapse_probes(probes))
    sets = cs.resources.read_gmt(HALLMARK_GMT, collection="hallmark") + cs.resources.curated_gene_sets()
    chosen = cs.resources.select_gene_sets(sets, DEFAULT_SETS)
    present = set(genes.var_names)
    matrix = pd.DataFrame(np.asarray(genes.X), index=genes.obs_names, columns=genes.var_names)
    return matrix, {gs.name: [g for g in gs.genes if g in present] for gs in chosen}


# --- running the workflow -------------------------------------------------------

SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def default_config() -> dict:
    return yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def example(name: str) -> dict:
    """An example config of config/examples/, with ../shared resolved."""
    text = (ROOT / "config" / "examples" / f"{name}.yaml").read_text()
    return yaml.safe_load(text.replace("../shared", str(SHARED)))


#: Signatures of the genes in R edgeR's reference log-CPM of GSE161664
#: (tests/reference/edger), so tests/biology can recompute their scores from R's numbers.
EDGER_CORE_SETS = {
    "R_TYPE1_CORE": ["IFIT1", "RSAD2", "MX1", "ISG15", "IFI27", "IFI44L", "OAS1", "MX2"],
    "R_GAMMA_CORE": ["CIITA", "IDO1", "GBP1", "IRF1", "HLA-DRA"],
}


def run_workflow(
    workdir: Path,
    config: dict | None = None,
    *args: str,
    mirror: Path = MIRROR,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run the repository's Snakefile in ``workdir`` with ``config`` (default: the default config)."""
    workdir.mkdir(parents=True, exist_ok=True)
    cfg = dict(config if config is not None else default_config())
    cfg["mirror"] = str(mirror)
    cfg_path = workdir / "test_config.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    cmd = [*SNAKEMAKE, "-s", str(ROOT / "Snakefile"), "--configfile", str(cfg_path), "--cores", "2", *args]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
        )
    return proc


def make_mirror(root: Path, replace: dict[str, bytes] | None = None) -> Path:
    """A mirror with links to the shared mirror's files, some replaced by given bytes."""
    replace = replace or {}
    for line in (MIRROR / "index.tsv").read_text().splitlines()[1:]:
        _, rel, _ = line.split("\t")
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel in replace:
            target.write_bytes(replace[rel])
        else:
            target.symlink_to(MIRROR / rel)
    for rel, data in replace.items():
        if not (root / rel).exists():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
    return root


def platform_without_symbols() -> bytes:
    """GPL96 SOFT with its symbol column renamed, as a platform table without one."""
    text = gzip.decompress(GPL96_SOFT.read_bytes()).decode("utf-8", errors="replace")
    return gzip.compress(text.replace("\tGene Symbol\t", "\tGene Title 2\t", 1).encode())


# --- writers of small files in the exact layouts of real formats -----------------------

SAEC_DIR = SHARED / "data" / "GSE161664_SAEC_interferons"
KANG_H5AD = SHARED / "data" / "kang2018_pbmc_ifnb" / "kang2018_pbmc_ifnb_subset.h5ad"
SAEC_PATTERN = r"(?P<sample>GSM\d+)_SAEC_(?P<condition>[A-Za-z0-9]+)_rep(?P<replicate>\d+)"


def write_10x_mtx(folder: Path, counts, gene_ids, symbols, barcodes, *, skip: str | None = None) -> Path:
    """A Cell Ranger v3 matrix folder: matrix.mtx.gz (genes x cells), features.tsv.gz, barcodes.tsv.gz."""
    import scipy.io
    import scipy.sparse as sp

    folder.mkdir(parents=True, exist_ok=True)
    mat = sp.coo_matrix(np.asarray(counts).T)  # genes x cells
    tmp = folder / "matrix.mtx"
    scipy.io.mmwrite(tmp, mat, field="integer")
    files = {
        "matrix.mtx.gz": tmp.read_bytes(),
        "features.tsv.gz": "".join(
            f"{i}\t{s}\tGene Expression\n" for i, s in zip(gene_ids, symbols, strict=True)
        ).encode(),
        "barcodes.tsv.gz": "".join(f"{b}\n" for b in barcodes).encode(),
    }
    tmp.unlink()
    for name, data in files.items():
        if name != skip:
            (folder / name).write_bytes(gzip.compress(data))
    return folder


def write_10x_h5(path: Path, counts, gene_ids, symbols, barcodes) -> Path:
    """A Cell Ranger v3 HDF5 matrix (group /matrix, CSC over cells, /matrix/features)."""
    import h5py
    import scipy.sparse as sp

    csc = sp.csc_matrix(np.asarray(counts).T.astype(np.int32))  # genes x cells
    with h5py.File(path, "w") as h5:
        m = h5.create_group("matrix")
        m.create_dataset("barcodes", data=np.array(barcodes, dtype="S"))
        m.create_dataset("data", data=csc.data)
        m.create_dataset("indices", data=csc.indices.astype(np.int64))
        m.create_dataset("indptr", data=csc.indptr.astype(np.int64))
        m.create_dataset("shape", data=np.array(csc.shape, dtype=np.int32))
        f = m.create_group("features")
        f.create_dataset("_all_tag_keys", data=np.array([b"genome"]))
        f.create_dataset("feature_type", data=np.array([b"Gene Expression"] * len(gene_ids)))
        f.create_dataset("genome", data=np.array([b"GRCh38"] * len(gene_ids)))
        f.create_dataset("id", data=np.array(gene_ids, dtype="S"))
        f.create_dataset("name", data=np.array(symbols, dtype="S"))
    return path


def digests(results: Path) -> dict[str, str]:
    """SHA-256 of every result table, figure and provenance file (not the intermediate .h5ad)."""
    return {
        str(p.relative_to(results)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(results.rglob("*"))
        if p.is_file() and p.suffix in {".tsv", ".json", ".svg", ".pdf", ".png", ".gmt", ".rst"}
    }


def tidy(values: pd.DataFrame, method: str = "m") -> pd.DataFrame:
    """observations x signatures -> tidy scores (observation, signature, method, score)."""
    long = values.rename_axis(index="observation", columns="signature").stack().rename("score").reset_index()
    long.insert(2, "method", method)
    return long


def simulated_cells() -> tuple[ad.AnnData, dict[str, list[str]], pd.DataFrame]:
    """Seeded single-cell data for the method reference tests (tests/reference/singlecell).

    200 cells × 1,000 genes of Poisson counts (half the cells with genes 0-49 induced
    four-fold), scanpy's normalize_total(1e4) + log1p, sparse; six gene sets and a
    weighted network of three signatures (decoupler's source/target/weight layout).
    """
    import scipy.sparse as sp

    rng = np.random.default_rng(20261129)
    n_cells, n_genes = 200, 1000
    base = rng.gamma(0.6, 1.5, size=n_genes)
    factor = np.ones((n_cells, n_genes))
    factor[100:, :50] = 4.0
    depth = rng.uniform(0.5, 2.0, size=(n_cells, 1))
    counts = rng.poisson(base * factor * depth).astype(np.float64)
    counts[np.arange(n_genes) % n_cells, np.arange(n_genes)] += 1  # no all-zero gene
    X = counts / counts.sum(axis=1, keepdims=True) * 1e4
    X = sp.csr_matrix(np.log1p(X))
    genes = [f"G{i:04d}" for i in range(n_genes)]
    adata = ad.AnnData(X, obs=pd.DataFrame(index=[f"C{i:03d}" for i in range(n_cells)]))
    adata.var_names = genes
    sets = {
        "UP50": genes[:50],
        "RANDOM30": sorted(rng.choice(genes, 30, replace=False).tolist()),
        "SMALL5": genes[45:50],
        "LARGE150": genes[300:450],
        "MIXED20": genes[40:60],
        "LOW25": [genes[i] for i in np.argsort(base)[:25]],
    }
    rows = []
    for name, members in {
        "W_UP": genes[:60],
        "W_MIX": genes[30:130],
        "W_RANDOM": sorted(rng.choice(genes, 80, replace=False).tolist()),
    }.items():
        weights = rng.normal(1.0 if name == "W_UP" else 0.0, 1.0, size=len(members))
        rows += [
            {"source": name, "target": g, "weight": float(w)} for g, w in zip(members, weights, strict=True)
        ]
    return adata, sets, pd.DataFrame(rows)


def scanpy_qc_normalize(
    adata: ad.AnnData,
    *,
    min_genes: int = 200,
    max_mito_fraction: float = 0.2,
    min_cells: int = 3,
    mito_prefix: str = "MT-",
    target_sum: float = 1e4,
) -> ad.AnnData:
    """The reference the package's single-cell QC and normalization must equal: scanpy's
    calculate_qc_metrics → cell filter → filter_genes → normalize_total → log1p, in memory."""
    import scanpy as sc

    out = adata.copy()
    out.var["mt"] = out.var_names.str.upper().str.startswith(mito_prefix.upper())
    sc.pp.calculate_qc_metrics(out, qc_vars=["mt"], percent_top=None, log1p=False, inplace=True)
    frac = out.obs["pct_counts_mt"].to_numpy() / 100
    out = out[(out.obs["n_genes_by_counts"].to_numpy() >= min_genes) & (frac <= max_mito_fraction)].copy()
    sc.pp.filter_genes(out, min_cells=min_cells)
    sc.pp.normalize_total(out, target_sum=target_sum)
    sc.pp.log1p(out)
    return out
