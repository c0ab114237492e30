"""Scoring kernels: known answers, the literal algorithm, and R GSVA 1.46 reference outputs."""

from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from helpers import default_study_matrix

from cytoscore import InputError
from cytoscore.resources import GeneSet
from cytoscore.tl import mean_z_kernel, score_gene_sets, ssgsea_kernel

REF = Path(__file__).resolve().parents[1] / "reference" / "gsva"


def test_mean_z_known_answer():
    # gene g0: [1, 2, 3] -> z [-1, 0, 1]; g1: [2, 2, 8] -> mean 4, sd sqrt(12) ; g2 constant -> 0
    X = np.array([[1.0, 2.0, 5.0], [2.0, 2.0, 5.0], [3.0, 8.0, 5.0]])
    S = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    z1 = (np.array([2.0, 2.0, 8.0]) - 4.0) / np.sqrt(12.0)
    expected = np.column_stack([(np.array([-1.0, 0.0, 1.0]) + z1) / 2, (z1 + 0.0) / 2])
    np.testing.assert_allclose(mean_z_kernel(X, S), expected)


def literal_ssgsea(X, sets, alpha=0.25):
    """Transliteration of GSVA 1.46's R code (.rndWalk): walk, cumulative sums, sum."""
    n_obs, n = X.shape
    out = np.zeros((n_obs, len(sets)))
    for j in range(n_obs):
        # R: as.integer(rank(x, ties="average")); order(R, decreasing=TRUE) (stable)
        x = X[j]
        ranks = np.array([np.sum(x < v) + (np.sum(x == v) + 1) / 2 for v in x])
        R = np.floor(ranks)
        ranking = sorted(range(n), key=lambda g: (-R[g], g))
        for s, genes in enumerate(sets):
            inside = np.array([g in genes for g in ranking], dtype=float)
            w = R[ranking] ** alpha * inside
            cdf_in = np.cumsum(w) / w.sum()
            cdf_out = np.cumsum(1 - inside) / (1 - inside).sum()
            out[j, s] = np.sum(cdf_in - cdf_out)
    return out


def test_ssgsea_closed_form_equals_the_random_walk():
    rng = np.random.default_rng(1)
    X = np.round(rng.normal(5, 2, size=(4, 30)))  # integer values: many ties
    sets = [{0, 3, 5, 7}, set(range(10, 22)), {29}]
    S = np.zeros((30, 3))
    for k, genes in enumerate(sets):
        S[sorted(genes), k] = 1
    raw = ssgsea_kernel(X, S, normalize=False)
    np.testing.assert_allclose(raw, literal_ssgsea(X, sets), rtol=0, atol=1e-12)
    norm = ssgsea_kernel(X, S)
    np.testing.assert_allclose(norm, raw / (raw.max() - raw.min()))


def test_ssgsea_hand_worked_example():
    # 4 genes, one sample, values 4,3,2,1 -> ranks 4,3,2,1, order g0,g1,g2,g3.
    # Set {g0}: in-cdf is 1 from position 1; out-cdf 1/3, 2/3, 1 at positions 2..4.
    # walk: 1, 1-1/3, 1-2/3, 0 -> sum = 2.
    X = np.array([[4.0, 3.0, 2.0, 1.0]])
    S = np.array([[1.0], [0.0], [0.0], [0.0]])
    assert ssgsea_kernel(X, S, normalize=False)[0, 0] == pytest.approx(2.0)
    # Set {g3} at the bottom: in-cdf 0,0,0,1; out-cdf 1/3,2/3,1,1 -> sum = -2
    S = np.array([[0.0], [0.0], [0.0], [1.0]])
    assert ssgsea_kernel(X, S, normalize=False)[0, 0] == pytest.approx(-2.0)


def _indicator(genes, sets):
    index = {g: i for i, g in enumerate(genes)}
    S = np.zeros((len(genes), len(sets)))
    for j, members in enumerate(sets.values()):
        S[[index[g] for g in members], j] = 1
    return S


@pytest.mark.parametrize("norm", ["norm", "raw"])
def test_ssgsea_matches_r_gsva_on_synthetic_data_with_ties(norm):
    expr = pd.read_csv(REF / "synthetic.expression.tsv", sep="\t", index_col=0)
    sets = {}
    for line in (REF / "synthetic.sets.gmt").read_text().splitlines():
        fields = line.split("\t")
        sets[fields[0]] = fields[2:]
    ref = pd.read_csv(REF / f"synthetic.ssgsea_{norm}.tsv", sep="\t", index_col=0)
    ours = ssgsea_kernel(expr.T.to_numpy(), _indicator(expr.index, sets), normalize=norm == "norm")
    assert list(ref.index) == list(sets)
    np.testing.assert_allclose(ours.T, ref.to_numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("norm", ["norm", "raw"])
def test_ssgsea_matches_r_gsva_on_gse55235(norm):
    matrix, sets = default_study_matrix()
    ref = pd.read_csv(REF / f"gse55235.ssgsea_{norm}.tsv", sep="\t", index_col=0)
    ours = ssgsea_kernel(matrix.to_numpy(), _indicator(matrix.columns, sets), normalize=norm == "norm")
    scale = np.abs(ref.to_numpy()).max()
    assert np.abs(ours.T - ref.to_numpy()).max() < 1e-12 * scale
    assert list(ref.columns) == list(matrix.index)


def test_a_case_only_mismatch_of_symbols_is_named(caplog):
    """A GMT of lower-cased (or mouse-style) symbols against human data: the warning, the
    coverage table and the error for a selected set say that letter case is the problem."""
    genes = ["ISG15", "IFI27", "RSAD2", "MX1", "OAS1", "IFIT1", "ACTB", "GAPDH"]
    adata = ad.AnnData(X=np.random.default_rng(1).normal(size=(4, 8)), var=pd.DataFrame(index=genes))
    sets = [
        GeneSet("OK", ("ACTB", "GAPDH", "ISG15"), collection="c"),
        GeneSet("LOWER", ("Isg15", "Ifi27", "Rsad2", "Mx1", "Oas1"), collection="c"),
    ]
    _, coverage = score_gene_sets(adata, sets, min_genes=3)
    status = coverage.set_index("signature")["status"]
    assert status["LOWER"].startswith("skipped: fewer than 3 genes in the data; 5 more match when letter case")
    assert "'Isg15' vs 'ISG15'" in status["LOWER"] and status["OK"] == "scored"
    assert "gene set LOWER skipped: 0 of its 5 genes are in the data (minimum 3); 5 more match" in caplog.text
    with pytest.raises(InputError, match="LOWER .*letter case is ignored"):
        score_gene_sets(adata, sets, min_genes=3, required=["LOWER"])


def test_score_gene_sets_coverage_skip_and_tidy_output(caplog):
    genes = [f"G{i}" for i in range(20)]
    rng = np.random.default_rng(3)
    adata = ad.AnnData(X=rng.normal(size=(5, 20)), var=pd.DataFrame(index=genes))
    sets = [
        GeneSet("FULL", tuple(genes[:6]), collection="c"),
        GeneSet("HALF", (*genes[6:9], "X1", "X2", "X3"), collection="c"),
        GeneSet("ABSENT", ("Y1", "Y2", "Y3"), collection="c"),
    ]
    scores, coverage = score_gene_sets(adata, sets, min_genes=3, min_coverage=0.6)
    assert coverage.set_index("signature").loc["HALF", ["n_genes", "n_found", "coverage"]].tolist() == [
        6,
        3,
        0.5,
    ]
    assert coverage.set_index("signature")["scored"].to_dict() == {
        "FULL": True,
        "HALF": True,
        "ABSENT": False,
    }
    assert "gene set ABSENT skipped: 0 of its 3 genes" in caplog.text
    assert coverage.set_index("signature")["low_coverage"].to_dict() == {
        "FULL": False,
        "HALF": True,
        "ABSENT": True,  # a skipped set has the lowest coverage of all, and says so
    }
    assert coverage.set_index("signature")["status"].to_dict() == {
        "FULL": "scored",
        "HALF": "scored, low coverage",
        "ABSENT": "skipped: fewer than 3 genes in the data",
    }
    assert "gene set HALF: only 3 of its 6 genes (50%) are in the data (min_coverage 60%)" in caplog.text
    assert set(scores["signature"]) == {"FULL", "HALF"}
    assert len(scores) == 2 * 2 * 5 and list(scores.columns) == [
        "observation",
        "signature",
        "method",
        "score",
    ]
    np.testing.assert_allclose(
        adata.obsm["cytoscore_mean_z"]["HALF"], mean_z_kernel(adata.X[:, 6:9], np.ones((3, 1)))[:, 0]
    )
    with pytest.raises(InputError, match="no gene set has at least 3 genes"):
        score_gene_sets(adata, sets[2:], min_genes=3)
