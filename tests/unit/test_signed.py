"""Signed signatures: genes that go down count against the score, as each method's reference
scores them (UCell: up minus down, clipped at 0; singscore: the down genes ranked in
reverse; mean z, ssGSEA, GSVA and the others: the up score minus the down score), from GMT
files with UCell's +/- suffixes or _UP/_DN pairs, and the curated TGF-β response."""

import logging

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from cytoscore.resources import GeneSet, curated_gene_sets, pair_up_down, read_gmt, write_gmt
from cytoscore.tl import score_gene_sets

METHODS = ["mean_z", "ssgsea", "gsva", "singscore", "ucell", "aucell"]


@pytest.fixture(scope="module")
def data():
    """120 samples × 400 genes; in the second half G000-G019 go up and G020-G039 go down."""
    rng = np.random.default_rng(7)
    X = rng.normal(6.0, 1.0, size=(120, 400))
    X[60:, :20] += 1.5
    X[60:, 20:40] -= 1.5
    adata = ad.AnnData(X, obs=pd.DataFrame({"group": ["ctrl"] * 60 + ["stim"] * 60}, index=[f"s{i}" for i in range(120)]))
    adata.var_names = [f"G{i:03d}" for i in range(400)]
    up, down = list(adata.var_names[:20]), list(adata.var_names[20:40])
    signed = GeneSet("RESPONSE", genes=(*up, *down), weights=(1.0,) * 20 + (-1.0,) * 20)
    return adata, signed, GeneSet("RESPONSE_UP", genes=tuple(up)), GeneSet("RESPONSE_DN", genes=tuple(down))


def _wide(adata, sets, method, min_genes=5, **params):
    scores, _ = score_gene_sets(
        adata, sets, methods=[method], wide=True, min_genes=min_genes, method_params={method: params} if params else None
    )
    return scores[method]


def test_gmt_signs_and_round_trip(tmp_path):
    gmt = tmp_path / "signed.gmt"
    gmt.write_text("IL10_RESPONSE\tdesc\tSOCS3+\tIL4R\tTNF-\tIL12B-\nPLAIN\tdesc\tA\tB+\n")
    signed, plain = read_gmt(gmt)
    assert signed.genes == ("SOCS3", "IL4R", "TNF", "IL12B") and signed.weights == (1.0, 1.0, -1.0, -1.0)
    assert signed.signed and not signed.weighted and signed.down_genes == ("TNF", "IL12B")
    assert plain.genes == ("A", "B") and not plain.weights and not plain.signed  # '+' alone: unsigned
    write_gmt([signed, plain], tmp_path / "out.gmt")
    assert (tmp_path / "out.gmt").read_text().splitlines()[0].endswith("SOCS3+\tIL4R+\tTNF-\tIL12B-")
    assert read_gmt(tmp_path / "out.gmt")[0] == signed


def test_up_down_pairs_become_one_signed_set(caplog):
    sets = [
        GeneSet("KRAS_SIGNALING", genes=("A",)),
        GeneSet("TGFB_RESPONSE_UP", genes=("SMAD7", "SKIL", "ID1")),
        GeneSet("TGFB_RESPONSE_DN", genes=("KIT", "ID1")),
        GeneSet("LONELY_UP", genes=("X",)),
    ]
    with caplog.at_level(logging.WARNING):
        paired = pair_up_down(sets)
    assert [gs.name for gs in paired] == ["KRAS_SIGNALING", "TGFB_RESPONSE", "LONELY_UP"]
    tgfb = paired[1]
    assert tgfb.up_genes == ("SMAD7", "SKIL") and tgfb.down_genes == ("KIT",) and tgfb.signed
    assert "ID1" in caplog.text  # in both halves: dropped, and said


@pytest.mark.parametrize("method", METHODS)
def test_a_signed_set_scores_its_up_genes_minus_its_down_genes(data, method):
    adata, signed, up, down = data
    combined = _wide(adata, [signed], method)["RESPONSE"].to_numpy()
    arms = _wide(adata, [up, down], method)
    expected = arms["RESPONSE_UP"].to_numpy() - arms["RESPONSE_DN"].to_numpy()
    if method == "ucell":
        expected = np.maximum(expected, 0.0)  # UCell clips signed scores at 0
    np.testing.assert_allclose(combined, expected, atol=1e-12)


def test_singscore_down_genes_are_ranked_in_reverse(data):
    """singscore's total score of an up/down signature is the up score plus the down
    genes' score with ranks in decreasing order (Foroutan et al. 2018): the down set scored
    on the negated expression."""
    adata, signed, up, down = data
    total = _wide(adata, [signed], "singscore")["RESPONSE"].to_numpy()
    negated = ad.AnnData(-adata.X, obs=adata.obs)
    negated.var_names = adata.var_names
    up_score = _wide(adata, [up], "singscore")["RESPONSE_UP"].to_numpy()
    down_reversed = _wide(negated, [down], "singscore")["RESPONSE_DN"].to_numpy()
    np.testing.assert_allclose(total, up_score + down_reversed, atol=1e-12)


def test_ucell_clips_at_zero_by_hand():
    """Hand-worked UCell: 4 genes, max_rank 4; sample a ranks U (up) first, D (down) last;
    sample b the reverse. u = 1 - (sum of ranks - n(n+1)/2) / (n * max_rank)."""
    X = np.array([[4.0, 3.0, 2.0, 1.0], [1.0, 2.0, 3.0, 4.0]])
    adata = ad.AnnData(X, obs=pd.DataFrame(index=["a", "b"]))
    adata.var_names = ["U", "V", "W", "D"]
    signed = GeneSet("S", genes=("U", "D"), weights=(1.0, -1.0))
    scores = _wide(adata, [signed], "ucell", min_genes=1, max_rank=4)["S"].to_numpy()
    # a: U rank 1 -> u = 1 - 0/4 = 1; D rank 4 -> u = 1 - 3/4 = 0.25; 1 - 0.25 = 0.75
    # b: U rank 4 -> 0.25; D rank 1 -> 1; 0.25 - 1 < 0 -> 0
    np.testing.assert_allclose(scores, [0.75, 0.0])


@pytest.mark.parametrize(
    ("method", "gain"),
    # measured: the unsigned set's separation is 0.04-0.08 SD for the methods that weigh
    # every gene; ssGSEA's running sum (1.28) and AUCell's top-ranked genes (1.75) see mostly
    # the up half anyway, so signing helps them less
    [("mean_z", 10), ("gsva", 10), ("singscore", 10), ("ucell", 10), ("ssgsea", 1.3), ("aucell", 1.02)],
)
def test_down_genes_no_longer_count_as_up(data, method, gain):
    """In the stimulated half the up genes rise and the down genes fall: the signed score
    separates the groups (about 2 SD), the same genes taken as one unsigned set do not, or
    less, where the two halves cancel."""
    adata, signed, up, down = data
    unsigned = GeneSet("UNSIGNED", genes=signed.genes)
    wide = pd.concat([_wide(adata, [signed], method), _wide(adata, [unsigned], method)], axis=1)
    stim = (adata.obs["group"] == "stim").to_numpy()

    def separation(values):
        values = values.to_numpy()
        return (values[stim].mean() - values[~stim].mean()) / values.std(ddof=1)

    assert separation(wide["RESPONSE"]) > 1.5
    assert separation(wide["RESPONSE"]) > gain * abs(separation(wide["UNSIGNED"]))


def test_ulm_regresses_on_the_signs(data):
    """ulm (a weighted method) takes the ±1 weights: its t-value matches the regression of
    each sample's expression on the signs, computed here with numpy."""
    adata, signed, _, _ = data
    t = _wide(adata, [signed], "ulm")["RESPONSE"].to_numpy()
    w = np.zeros(adata.n_vars)
    w[:20], w[20:40] = 1.0, -1.0
    design = np.column_stack([np.ones_like(w), w])
    expected = []
    for row in np.asarray(adata.X):
        beta, res, *_ = np.linalg.lstsq(design, row, rcond=None)
        sigma2 = res[0] / (len(w) - 2)
        se = np.sqrt(sigma2 * np.linalg.inv(design.T @ design)[1, 1])
        expected.append(beta[1] / se)
    np.testing.assert_allclose(t, expected, rtol=1e-8)


def test_curated_tgfb_response_is_signed_and_cited():
    (tgfb,) = [gs for gs in curated_gene_sets() if gs.name == "TGFB_RESPONSE_SIGNED"]
    assert tgfb.signed and len(tgfb.up_genes) == 25 and len(tgfb.down_genes) == 25
    assert {"SMAD7", "SKIL", "ID1"} <= set(tgfb.up_genes) and "Schubert" in tgfb.source
