import anndata as ad
import numpy as np
import pandas as pd
import pytest

from cytoscore import InputError
from cytoscore.pp import (
    assign_groups,
    collapse_probes,
    detect_log_scale,
    normalize_expression,
    quantile_normalize,
    read_group_table,
)


def probe_adata():
    # 3 samples x 6 probes; values chosen so each rule gives a distinct answer
    X = np.array(
        [
            [1.0, 5.0, 2.0, 7.0, 3.0, 9.0],
            [2.0, 6.0, 9.0, 7.0, np.nan, 9.0],
            [3.0, 7.0, 1.0, 7.0, 3.0, 9.0],
        ]
    )
    var = pd.DataFrame(
        {"symbol": ["A", "A", "A", "B /// C", "D", "---"]},
        index=["p1", "p2", "p3", "p4", "p5", "p6"],
    )
    return ad.AnnData(X=X, obs=pd.DataFrame(index=["s1", "s2", "s3"]), var=var)


def test_collapse_max_mean_and_drop_multi_gene():
    out = collapse_probes(probe_adata())
    assert list(out.var_names) == ["A"]  # B/C multi-gene dropped, D has a missing value, --- empty
    assert out.var.loc["A", "probe_id"] == "p2"  # means: p1 2, p2 6, p3 4
    np.testing.assert_array_equal(out.X[:, 0], [5.0, 6.0, 7.0])
    prov = out.uns["cytoscore"]["probe_mapping"]
    assert (prov["n_probes_no_symbol"], prov["n_probes_multi_gene"], prov["n_probes_missing_values"]) == (
        1,
        1,
        1,
    )
    assert prov["n_genes_multi_probe"] == 1


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("max_variance", [2.0, 9.0, 1.0]),  # p3 has the largest variance
        ("mean", [8 / 3, 17 / 3, 11 / 3]),
        ("median", [2.0, 6.0, 3.0]),
    ],
)
def test_collapse_rules(rule, expected):
    out = collapse_probes(probe_adata(), collapse=rule)
    np.testing.assert_allclose(out[:, "A"].X[:, 0], expected)


def test_multi_gene_first_and_expand():
    first = collapse_probes(probe_adata(), multi_gene="first")
    assert list(first.var_names) == ["A", "B"]
    expand = collapse_probes(probe_adata(), multi_gene="expand")
    assert list(expand.var_names) == ["A", "B", "C"]
    np.testing.assert_array_equal(expand[:, "C"].X[:, 0], [7.0, 7.0, 7.0])


@pytest.mark.parametrize("multi_gene", ["drop", "first", "expand"])
def test_sparse_counts_sum_and_follow_the_multi_gene_rule_as_dense_counts_do(multi_gene):
    """Sparse counts stay sparse and equal the dense sum under each multi_gene rule (the
    sparse path used to drop multi-gene IDs whatever the rule, and count them as 'no symbol')."""
    import scipy.sparse as sp

    dense = probe_adata()
    dense.X = np.nan_to_num(dense.X, nan=4.0)
    sparse = dense.copy()
    sparse.X = sp.csr_matrix(dense.X)
    want = collapse_probes(dense, collapse="sum", multi_gene=multi_gene)
    got = collapse_probes(sparse, collapse="sum", multi_gene=multi_gene)
    assert sp.issparse(got.X)
    assert list(got.var_names) == list(want.var_names)
    np.testing.assert_array_equal(got.X.toarray(), want.X)
    assert list(got.var["probe_id"]) == list(want.var["probe_id"])
    for key in ("n_probes_no_symbol", "n_probes_multi_gene", "multi_gene_rule", "n_genes_multi_probe"):
        assert got.uns["cytoscore"]["probe_mapping"][key] == want.uns["cytoscore"]["probe_mapping"][key], key
    sparse.X = sp.csr_matrix(probe_adata().X)  # one NaN: counts have none
    with pytest.raises(InputError, match="sparse data has 1 missing"):
        collapse_probes(sparse, collapse="sum")


def test_collapse_errors_when_nothing_maps():
    adata = probe_adata()
    adata.var["symbol"] = ""
    with pytest.raises(InputError, match="no probe maps to a gene symbol"):
        collapse_probes(adata)
    with pytest.raises(InputError, match="collapse must be one of"):
        collapse_probes(probe_adata(), collapse="mode")


def test_detect_log_scale_geo2r_rule():
    linear = np.array([[0.5, 30, 90, 250, 4000, 15000]])
    assert detect_log_scale(linear)["needs_log2"]
    logged = np.log2(linear + 1)
    res = detect_log_scale(logged)
    assert not res["needs_log2"]
    assert res["quantiles"]["q100"] == pytest.approx(np.log2(15001))
    # second clause: q99 <= 100 but range > 50 with q25 > 0 -> linear
    assert detect_log_scale(np.array([[1.0, 2, 3, 4, 60, 70, 80]]))["needs_log2"] is True
    # range > 50 but q25 <= 0 (e.g. centred values) -> not linear
    assert detect_log_scale(np.array([[-3.0, -2, -1, 0, 1, 2, 60]]))["needs_log2"] is False


def test_quantile_normalize_known_answer():
    # Bolstad et al. / Wikipedia example (columns are samples), with ties in column 2.
    X = np.array([[5.0, 4, 3], [2, 1, 4], [3, 4, 6], [4, 2, 8]])
    # sorted columns -> row means: [2, 3, 4.6667, 5.6667] (worked by hand)
    target = np.array([2.0, 3.0, 14 / 3, 17 / 3])
    out = quantile_normalize(X)
    np.testing.assert_allclose(out[:, 0], [target[3], target[0], target[1], target[2]])
    # column 2 has 4 twice at ranks 3 and 4: both get the mean of target[2:4]
    np.testing.assert_allclose(
        out[:, 1], [(target[2] + target[3]) / 2, target[0], (target[2] + target[3]) / 2, target[1]]
    )
    np.testing.assert_allclose(out[:, 2], [target[0], target[1], target[2], target[3]])


def test_normalize_expression_records_decision():
    rng = np.random.default_rng(0)
    X = rng.lognormal(5, 2, size=(4, 50))
    X[0, 0] = 0.0
    adata = ad.AnnData(X=X)
    out = normalize_expression(adata, quantile=True)
    rec = out.uns["cytoscore"]["normalization"]
    assert rec["log2_applied"] and rec["n_nonpositive_raised"] == 1
    assert rec["quantile_normalized"]
    assert np.allclose(np.sort(out.X, axis=1), np.sort(out.X, axis=1)[0])  # same distribution
    assert adata.X[0, 0] == 0.0  # input untouched
    kept = normalize_expression(ad.AnnData(X=np.log2(X + 1)))
    assert not kept.uns["cytoscore"]["normalization"]["log2_applied"]
    forced = normalize_expression(ad.AnnData(X=np.log2(X + 1)), log2=False)
    assert forced.uns["cytoscore"]["normalization"]["reason"] == "configured log2: False"


def groups_adata():
    obs = pd.DataFrame(
        {"source": ["RA joint", "healthy joint", "RA joint", "OA joint", "unknown"]},
        index=["g1", "g2", "g3", "g4", "g5"],
    )
    return ad.AnnData(X=np.zeros((5, 2)), obs=obs)


def test_assign_groups_by_pattern_with_exclusion():
    out = assign_groups(
        groups_adata(),
        column="source",
        patterns={"healthy": "healthy", "RA": "^RA", "OA": "OA"},
        exclude=["g5"],
    )
    assert list(out.obs_names) == ["g1", "g2", "g3", "g4"]
    assert out.obs["group"].tolist() == ["RA", "healthy", "RA", "OA"]
    assert list(out.obs["group"].cat.categories) == ["healthy", "RA", "OA"]
    assert out.uns["cytoscore"]["groups"]["counts"] == {"healthy": 1, "RA": 2, "OA": 1}


def test_unmapped_samples_are_listed_with_values():
    with pytest.raises(InputError) as err:
        assign_groups(groups_adata(), column="source", patterns={"healthy": "healthy", "RA": "RA"})
    message = str(err.value)
    assert "2 sample(s) map to no group" in message
    assert "g4 ('OA joint')" in message and "g5 ('unknown')" in message
    assert "'RA joint' (n=2)" in message


def test_ambiguous_and_bad_column():
    with pytest.raises(InputError, match="match several groups"):
        assign_groups(groups_adata(), column="source", patterns={"a": "joint", "b": "RA"}, exclude=["g5"])
    with pytest.raises(InputError, match=r"groups\.column: metadata column\(s\) \['disease'\] do not exist"):
        assign_groups(groups_adata(), column="disease", patterns={"a": "x"})
    with pytest.raises(InputError, match="invalid regular expression"):
        assign_groups(groups_adata(), column="source", patterns={"a": "("})


def test_assign_groups_from_sample_sheet(tmp_path):
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample\tgroup\ng1\tRA\ng2\thealthy\ng3\tRA\ng4\tOA\n")
    out = assign_groups(groups_adata(), table=sheet, exclude=["g5"])
    assert out.obs["group"].tolist() == ["RA", "healthy", "RA", "OA"]
    with pytest.raises(InputError, match=r"g5 \('<not in sheet>'\)"):
        assign_groups(groups_adata(), table=sheet)
    sheet.write_text("sample\tgroup\ng1\tRA\ng9\thealthy\n")
    with pytest.raises(InputError, match="not in the dataset: \\['g9'\\]"):
        assign_groups(groups_adata(), table=sheet)


def test_sample_sheet_errors(tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("sample,condition\ng1,RA\n")
    with pytest.raises(InputError, match="needs columns 'sample' and 'group'"):
        read_group_table(sheet)
    sheet.write_text("sample,group\ng1,RA\ng2,\n")
    with pytest.raises(InputError, match="line 3: empty group"):
        read_group_table(sheet)


def _expression_kinds():
    """Seeded matrices (samples × genes) shaped like the common processed GEO tables."""
    rng = np.random.default_rng(7)
    n_samples, n_genes = 12, 2_000
    mu = rng.lognormal(0.0, 2.0, n_genes)  # gene means of a count experiment
    counts = rng.negative_binomial(5, 5 / (5 + mu * rng.lognormal(0, 0.2, (n_samples, 1))))
    size = counts.sum(axis=1, keepdims=True)
    deseq2 = counts / (size / np.exp(np.log(size).mean()))  # median-of-ratios-like scaling
    cpm = counts / size * 1e6
    mas5 = rng.lognormal(6.0, 1.8, (n_samples, n_genes)) + 5  # linear intensities, no zeros
    rma = np.log2(rng.lognormal(6.0, 1.3, (n_samples, n_genes)) + 16)  # log2, 4..15
    return {"counts": counts.astype(float), "deseq2": deseq2, "cpm": cpm, "mas5": mas5, "rma": rma,
            "log2_cpm": np.log2(cpm + 1)}  # fmt: skip


@pytest.mark.parametrize(
    "kind, needs, offset, geo2r",
    # counts with many zeros (q25 = 0, q99 < 100) fool GEO2R's rule; the maximum does not
    [("counts", True, 1, False), ("deseq2", True, 1, False), ("cpm", True, 1, True), ("mas5", True, 0, True),
     ("rma", False, 0, False), ("log2_cpm", False, 0, False)],  # fmt: skip
)
def test_scale_detection_on_processed_tables(kind, needs, offset, geo2r):
    X = _expression_kinds()[kind]
    res = detect_log_scale(X)
    assert res["needs_log2"] is needs and res["offset"] == offset, res
    assert res["geo2r_linear"] is geo2r
    # evidence agrees, except where GEO2R alone is fooled, which is reported
    assert res["conflicts"] == ([] if geo2r == needs else [res["conflicts"][0]])
    assert res["agree"] is (geo2r == needs)


def test_normalized_counts_that_fool_geo2r_are_logged_with_a_warning(caplog):
    # the reported case: DESeq2-normalized counts, median ~1, 36% zeros, max 1,753 — GEO2R's
    # rule (q25 = 0, q99 < 100) calls them log-scaled
    rng = np.random.default_rng(1)
    X = rng.lognormal(0.3, 1.2, (8, 3_000))
    X[rng.random(X.shape) < 0.36] = 0
    X[0, 0] = 1_753.0
    res = detect_log_scale(X)
    assert not res["geo2r_linear"] and res["max_above_50"] and res["needs_log2"] and res["offset"] == 1
    assert not res["agree"] and "cannot be log2" in res["conflicts"][0]
    with caplog.at_level("WARNING"):
        out = normalize_expression(ad.AnnData(X=X))
    np.testing.assert_allclose(out.X, np.log2(X + 1))
    rec = out.uns["cytoscore"]["normalization"]
    assert rec["log2_offset"] == 1 and "log2(x + 1)" in rec["reason"]
    assert "evidence disagrees" in caplog.text and "normalize.log2" in caplog.text
    forced = normalize_expression(ad.AnnData(X=X), log2="counts")
    np.testing.assert_allclose(forced.X, np.log2(X + 1))


def test_probes_with_a_few_nulls_are_kept_and_imputed(caplog):
    rng = np.random.default_rng(0)
    pattern = rng.normal(8, 1, 10)  # one expression profile over 10 samples
    close = pattern[None, :] + np.zeros((10, 1))  # 10 probes with exactly this profile
    far = rng.normal(2, 3, (5, 10))
    target = pattern.copy()
    target[3] = np.nan  # missing in 1 of 10 samples (10 %)
    half = pattern.copy()
    half[:5] = np.nan  # missing in half the samples
    X = np.vstack([close, far, target, half]).T
    symbols = [f"C{i}" for i in range(10)] + [f"F{i}" for i in range(5)] + ["ISG15", "IFI27"]
    adata = ad.AnnData(
        X=X,
        obs=pd.DataFrame(index=[f"s{i}" for i in range(10)]),
        var=pd.DataFrame({"symbol": symbols}, index=[f"p{i}" for i in range(len(symbols))]),
    )
    with caplog.at_level("WARNING"):
        out = collapse_probes(adata)
    # kNN (the 10 probes of the same profile) recovers the missing value exactly
    assert "ISG15" in out.var_names and out[:, "ISG15"].X[3, 0] == pytest.approx(pattern[3])
    assert "IFI27" not in out.var_names
    assert "1 genes dropped" in caplog.text and "IFI27" in caplog.text and "max_missing" in caplog.text
    prov = out.uns["cytoscore"]["probe_mapping"]
    assert prov["n_probes_imputed"] == 1 and prov["n_values_imputed"] == 1
    assert list(prov["genes_dropped_missing_values"]) == ["IFI27"]
    mean = collapse_probes(adata, impute="mean")
    assert mean[:, "ISG15"].X[3, 0] == pytest.approx(np.nanmean(target))
    strict = collapse_probes(adata, max_missing=0.0)
    assert "ISG15" not in strict.var_names
    kept = collapse_probes(adata, max_missing=0.5)
    assert "IFI27" in kept.var_names


def test_nulls_on_isg_probes_of_gse55235_no_longer_remove_the_interferon_score_genes():
    from cytoscore.io import read_geo_series
    from tests.helpers import GPL96_SOFT, GSE55235_MATRIX

    probes = read_geo_series(GSE55235_MATRIX, GPL96_SOFT)
    isg = ["ISG15", "IFI27", "RSAD2", "IFI44L", "IFIT1"]
    X = np.asarray(probes.X, dtype=float).copy()
    rng = np.random.default_rng(0)
    for gene in isg:  # a null in 2 of the 30 samples of every probe of these genes
        for j in np.flatnonzero(probes.var["symbol"].to_numpy() == gene):
            X[rng.choice(X.shape[0], 2, replace=False), j] = np.nan
    probes.X = X
    genes = collapse_probes(probes)
    assert set(isg) <= set(genes.var_names)
    assert np.isfinite(genes[:, isg].X).all()
    assert genes.uns["cytoscore"]["probe_mapping"]["n_values_imputed"] >= 10
