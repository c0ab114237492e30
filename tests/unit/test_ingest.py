"""Loaders for every input kind, on real files from ../shared and on small files in exact formats."""

import gzip
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from helpers import (
    KANG_H5AD,
    SAEC_DIR,
    SAEC_PATTERN,
    needs_shared,
    write_10x_h5,
    write_10x_mtx,
    write_platform_soft,
    write_series_matrix,
)

from cytoscore import InputError
from cytoscore.io import (
    attach_metadata,
    load_dataset,
    read_count_files,
    read_count_matrix,
    read_expression_table,
    read_geo_series,
    read_ncbi_counts,
    read_platform_table,
    read_sample_sheet,
    read_single_cell,
)
from cytoscore.pp import detect_id_type, map_gene_ids


@needs_shared
def test_saec_count_files_real():
    adata = read_count_files(str(SAEC_DIR / "*.txt"), sample_pattern=SAEC_PATTERN)
    assert adata.shape == (16, 26364)  # the 5 HTSeq '__' summary lines are dropped
    assert not adata.var_names.str.startswith("__").any()
    assert adata.obs["condition"].value_counts().to_dict() == {
        "Control": 4,
        "IFNa": 3,
        "IFNb": 3,
        "IFNg": 3,
        "IFNl3": 3,
    }
    first = pd.read_csv(SAEC_DIR / "GSM4912446_SAEC_Control_rep1.txt", sep="\t", header=None, index_col=0)[1]
    assert adata["GSM4912446", "A1BG"].X[0, 0] == first["A1BG"] == 5
    assert np.array_equal(adata.layers["counts"], adata.X)


def write_counts(path, rows, header=None, gz=False):
    text = (header + "\n" if header else "") + "".join(f"{g}\t{c}\n" for g, c in rows)
    if gz:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def test_count_file_variants(tmp_path):
    write_counts(
        tmp_path / "GSM1_a.txt.gz", [("A", 1), ("B", 2), ("__no_feature", 9)], header="gene\tcount", gz=True
    )
    write_counts(tmp_path / "GSM2_b.txt", [("A", 3), ("B", 4), ("__ambiguous", 1)])
    fc = tmp_path / "GSM3_c.txt"  # featureCounts layout
    fc.write_text(
        "# Program:featureCounts v2.0.1\n"
        "Geneid\tChr\tStart\tEnd\tStrand\tLength\tc.bam\nA\tchr1\t1\t10\t+\t10\t5\nB\tchr1\t20\t30\t+\t10\t6\n"
    )
    adata = read_count_files(str(tmp_path / "GSM*"), sample_pattern=r"(?P<sample>GSM\d+)_")
    assert list(adata.obs_names) == ["GSM1", "GSM2", "GSM3"]
    np.testing.assert_array_equal(adata.X, [[1, 2], [3, 4], [5, 6]])


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("A", 1.5), ("B", 2)], "non-integer count 1.5 \\(gene 'A'"),
        ([("A", -1), ("B", 2)], "negative count -1 \\(gene 'A'"),
        ([("A", 1), ("B", "x")], "non-numeric or missing count 'x' \\(gene 'B'"),
        ([("A", 1), ("A", 2)], "gene IDs listed twice"),
    ],
)
def test_bad_count_files_name_file_and_problem(tmp_path, rows, message):
    write_counts(tmp_path / "GSM1_ok.txt", [("A", 1), ("B", 2)])
    bad = write_counts(tmp_path / "GSM2_bad.txt", rows)
    with pytest.raises(InputError, match=message) as err:
        read_count_files(str(tmp_path / "*.txt"))
    assert str(bad) in str(err.value)


def test_all_zero_and_duplicate_samples(tmp_path):
    write_counts(tmp_path / "GSM1_a.txt", [("A", 1), ("B", 2)])
    write_counts(tmp_path / "GSM2_b.txt", [("A", 0), ("B", 0)])
    with pytest.raises(InputError, match="samples with no counts at all: \\['GSM2'\\]"):
        read_count_files(str(tmp_path / "*.txt"), sample_pattern=r"(?P<sample>GSM\d+)")
    write_counts(tmp_path / "GSM2_b.txt", [("A", 1), ("B", 0)])
    write_counts(tmp_path / "GSM2_c.txt", [("A", 1), ("B", 0)])
    with pytest.raises(InputError, match="duplicate sample IDs \\['GSM2'\\]"):
        read_count_files(str(tmp_path / "*.txt"), sample_pattern=r"(?P<sample>GSM\d+)")


def test_count_matrix_csv_gz_and_mismatched_metadata(tmp_path):
    path = tmp_path / "counts.csv.gz"
    path.write_bytes(gzip.compress(b"gene,S1,S2\nA,1,2\nB,3,4\n"))
    adata = read_count_matrix(path)
    np.testing.assert_array_equal(adata.X, [[1, 3], [2, 4]])
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample\tcondition\nS1\tctrl\nS3\tifn\n")
    with pytest.raises(InputError) as err:
        attach_metadata(adata, read_sample_sheet(sheet), source=str(sheet))
    assert "samples.tsv: sample IDs do not match" in str(err.value)
    assert "['S2']" in str(err.value) and "['S3']" in str(err.value)
    sheet.write_text("sample\tcondition\nS1\tctrl\nS2\tifn\n")
    assert attach_metadata(adata, read_sample_sheet(sheet), source="x").obs["condition"].tolist() == [
        "ctrl",
        "ifn",
    ]


def test_count_matrix_drops_htseq_summary_rows_anywhere_and_says_so(tmp_path, caplog):
    """An authors' merge of HTSeq files (huang1990/IFNGR1_NC_paper data/B6merge.txt) keeps the
    summary rows, scattered through the body: dropped, not genes, and the log names them."""
    path = tmp_path / "B6merge.txt"
    path.write_text(
        "gene\tB10\tB1\nENSMUSG01.1\t1\t2\n__no_feature\t900\t800\nENSMUSG02.3\t3\t4\n"
        "__ambiguous\t5\t6\nENSMUSG03.1\t7\t8\n"
    )
    with caplog.at_level(logging.INFO, logger="cytoscore"):
        adata = read_count_matrix(path)
    assert list(adata.var["gene_id"]) == ["ENSMUSG01.1", "ENSMUSG02.3", "ENSMUSG03.1"]
    np.testing.assert_array_equal(adata.X, [[1, 3, 7], [2, 4, 8]])
    assert "B6merge.txt: 2 counting summary rows dropped, not genes (__no_feature, __ambiguous)" in caplog.text


def test_ncbi_raw_counts_with_entrez_ids(tmp_path):
    counts = tmp_path / "GSE1_raw_counts_GRCh38.p13_NCBI.tsv.gz"
    counts.write_bytes(
        gzip.compress(b"GeneID\tGSM1\tGSM2\n3665\t10\t20\n3434\t5\t0\n6772\t7\t7\n99999\t1\t1\n")
    )
    annot = tmp_path / "Human.GRCh38.p13.annot.tsv.gz"
    annot.write_bytes(
        gzip.compress(
            b"GeneID\tSymbol\tDescription\n3665\tIRF7\tinterferon regulatory factor 7\n3434\tIFIT1\tx\n6772\tSTAT1\tx\n"
        )
    )
    adata = map_gene_ids(read_ncbi_counts(counts, annot), id_type="entrez", collapse="sum")
    assert list(adata.var_names) == ["IFIT1", "IRF7", "STAT1"]
    np.testing.assert_array_equal(adata.layers["counts"], [[5, 10, 7], [0, 20, 7]])
    assert adata.uns["cytoscore"]["gene_id_mapping"]["share_mapped"] == pytest.approx(0.75)


def test_ensembl_ids_with_versions_map_through_annotation(tmp_path):
    table = tmp_path / "m.tsv"
    table.write_text(
        "gene\tS1\tS2\nENSG00000185745.10\t4\t5\nENSG00000126709.15\t1\t1\nENSG00000283632.1\t2\t3\nENSG00000999999.1\t1\t1\n"
    )
    adata = read_count_matrix(table)
    assert detect_id_type(adata.var_names) == "ensembl"
    annotation = pd.Series(
        ["IFIT1", "IFI6", "IFIT1"], index=["ENSG00000185745", "ENSG00000126709", "ENSG00000283632"]
    )
    genes = map_gene_ids(adata, annotation=annotation)
    assert list(genes.var_names) == ["IFI6", "IFIT1"]
    np.testing.assert_array_equal(genes[:, "IFIT1"].X.ravel(), [6, 8])  # two IDs of one symbol summed
    assert genes.var.loc["IFIT1", "n_probes"] == 2
    with pytest.raises(InputError, match="set the dataset option 'gene_annotation'") as err:
        map_gene_ids(adata)
    assert "ENSG00000185745.10" in str(err.value)
    with pytest.raises(InputError, match="no gene ID could be mapped"):
        map_gene_ids(adata, annotation=pd.Series(["X"], index=["ENSG00000000001"]))


def test_expression_table_and_errors(tmp_path):
    path = tmp_path / "expr.tsv"
    path.write_text("gene\tS1\tS2\nIFIT1\t7.5\t9.1\nISG15\t8.0\t10.2\n")
    adata = read_expression_table(path)
    assert adata.shape == (2, 2) and adata.X[1, 0] == pytest.approx(9.1)
    path.write_text("gene\tS1\tS2\nIFIT1\t7.5\tNA\n")
    with pytest.raises(InputError, match="expr.tsv: missing or non-numeric value"):
        read_expression_table(path)


@needs_shared
def test_kang_h5ad_real():
    adata = read_single_cell(h5ad=KANG_H5AD)
    assert adata.shape == (1556, 1267) and sp.issparse(adata.X)
    assert adata.obs["group_id"].value_counts().to_dict() == {"stim": 806, "ctrl": 750}
    assert adata.layers["counts"].sum() == adata.X.sum()
    # the in-memory reader is the streaming one read to the end (chunks of 65,536 rows):
    # the file's counts, every cell and gene in place
    import anndata as ad

    stored = ad.read_h5ad(KANG_H5AD)
    assert (adata.X != sp.csr_matrix(stored.X, dtype=np.float32)).nnz == 0
    assert list(adata.obs_names) == list(stored.obs_names) and list(adata.var_names) == list(stored.var_names)
    with pytest.raises(InputError, match="non-integer values"):
        read_single_cell(h5ad=KANG_H5AD, layer="logcounts")
    with pytest.raises(InputError, match="no layer 'counts'"):
        read_single_cell(h5ad=KANG_H5AD, layer="counts")


def small_cells():
    rng = np.random.default_rng(2)
    counts = rng.poisson(2, size=(6, 4))
    counts[0, 0] = 0
    return (
        counts,
        ["ENSG00000185745", "ENSG00000187608", "ENSG00000135114", "ENSG00000198888"],
        ["IFIT1", "ISG15", "OASL", "MT-ND1"],
        [f"AAAC{i}-1" for i in range(6)],
    )


def test_10x_folder_and_h5_read_the_same(tmp_path):
    counts, ids, symbols, barcodes = small_cells()
    mtx = read_single_cell(
        tenx_mtx=write_10x_mtx(tmp_path / "filtered_feature_bc_matrix", counts, ids, symbols, barcodes)
    )
    h5 = read_single_cell(tenx_h5=write_10x_h5(tmp_path / "m.h5", counts, ids, symbols, barcodes))
    for adata in (mtx, h5):
        assert list(adata.var_names) == symbols and list(adata.obs_names) == barcodes
        np.testing.assert_array_equal(adata.X.toarray(), counts)
        assert list(adata.var["gene_ids"]) == ids


def test_10x_folder_missing_a_file(tmp_path):
    counts, ids, symbols, barcodes = small_cells()
    folder = write_10x_mtx(tmp_path / "m", counts, ids, symbols, barcodes, skip="barcodes.tsv.gz")
    with pytest.raises(InputError, match="10x matrix folder lacks \\['barcodes.tsv.gz'\\]") as err:
        read_single_cell(tenx_mtx=folder)
    assert str(folder) in str(err.value)


def test_annot_gz_and_full_table_forms(tmp_path):
    annot = tmp_path / "GPL1.annot.gz"
    text = (
        "^Annotation\n!Annotation_date = Mar 2024\n!Annotation_platform = GPL1\n"
        "!platform_table_begin\nID\tGene title\tGene symbol\tGene ID\n"
        "p1\tinterferon induced\tIFIT1\t3434\np2\t\t\t\n!platform_table_end\n"
    )
    annot.write_bytes(gzip.compress(text.encode()))
    table = read_platform_table(annot)
    assert table.attrs["symbol_column"] == "Gene symbol" and table.loc["p1", "symbol"] == "IFIT1"
    full = tmp_path / "GPL1_full.txt"
    full.write_text(
        "#ID = probe\n#Gene Symbol = symbol\nID\tGB_ACC\tGene Symbol\np1\tX1\tIFIT1\np2\tX2\tISG15\n"
    )
    assert read_platform_table(full).loc["p2", "symbol"] == "ISG15"
    truncated = tmp_path / "GPL1_family.soft"
    truncated.write_text("^PLATFORM = GPL1\n!Platform_title = x\n")
    with pytest.raises(InputError, match="truncated"):
        read_platform_table(truncated)


def test_per_platform_series_matrix_of_a_multi_platform_series(tmp_path):
    values = pd.DataFrame({"GSM1": [5.0, 6.0], "GSM2": [7.0, 8.0]}, index=["p1", "p2"])
    matrix = write_series_matrix(
        tmp_path / "GSE9-GPL570_series_matrix.txt.gz",
        values,
        platform="GPL570",
        sample_meta={"platform_id": ["GPL570", "GPL570"]},
    )
    text = (
        gzip.decompress(matrix.read_bytes())
        .decode()
        .replace(
            '!Series_platform_id\t"GPL570"', '!Series_platform_id\t"GPL96"\n!Series_platform_id\t"GPL570"'
        )
    )
    matrix.write_bytes(gzip.compress(text.encode()))
    platform = write_platform_soft(
        tmp_path / "p.soft", pd.DataFrame({"ID": ["p1", "p2"], "Gene Symbol": ["A", "B"]})
    )
    adata = read_geo_series(matrix, platform)
    assert adata.uns["cytoscore"]["source"]["platform"] == "GPL570"


@needs_shared
def test_load_dataset_dispatch(tmp_path):
    """io reads the files as they are; pp indexes them by gene (io never imports pp)."""
    from cytoscore.pp import load_genes

    files = {"count_files": sorted(SAEC_DIR.glob("*.txt"))[:3]}
    options = {"counts": {"sample_pattern": SAEC_PATTERN}}
    raw = load_dataset("rnaseq_counts", files, options)
    assert raw.n_obs == 3 and "gene_id_mapping" not in raw.uns["cytoscore"]
    adata = load_genes("rnaseq_counts", files, options)
    assert adata.n_obs == 3 and "gene_id_mapping" in adata.uns["cytoscore"]
    with pytest.raises(InputError, match="unknown dataset kind"):
        load_dataset("proteomics", {}, {})


def test_truncated_gzip_count_file(tmp_path):
    data = gzip.compress(("".join(f"G{i}\t{i}\n" for i in range(2000))).encode())
    path = tmp_path / "GSM1_x.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="gzip stream is truncated or corrupt") as err:
        read_count_files([str(path)])
    assert str(path) in str(err.value)


def test_duplicate_cell_ids(tmp_path):
    import anndata as ad

    adata = ad.AnnData(X=sp.csr_matrix(np.ones((2, 2), dtype=np.float32)), var=pd.DataFrame(index=["A", "B"]))
    adata.obs_names = ["AAAC-1", "AAAC-1"]
    path = tmp_path / "dup.h5ad"
    adata.write_h5ad(path)
    with pytest.raises(InputError, match="dup.h5ad: duplicate cell IDs"):
        read_single_cell(h5ad=path)


def test_table_kind_with_sample_sheet_and_scale_detection(tmp_path):
    from cytoscore.pp import normalize_dataset

    rng = np.random.default_rng(4)
    values = pd.DataFrame(
        rng.lognormal(6, 1.5, size=(50, 4)),
        index=[f"G{i}" for i in range(50)],
        columns=["S1", "S2", "S3", "S4"],
    )
    expr = tmp_path / "expr.csv"
    values.to_csv(expr, index_label="gene")
    sheet = tmp_path / "sheet.tsv"
    sheet.write_text("sample\tstate\nS1\tSLE\nS2\tSLE\nS3\thealthy\nS4\thealthy\n")
    from cytoscore.pp import load_genes

    adata = load_genes("table", {"expression": expr, "metadata": sheet}, {"gene_ids": "symbol"})
    assert adata.obs["state"].tolist() == ["SLE", "SLE", "healthy", "healthy"]
    norm = normalize_dataset(adata, kind="table", options={})
    assert norm.uns["cytoscore"]["normalization"]["log2_applied"] is True
    np.testing.assert_allclose(norm[:, "G0"].X.ravel(), np.log2(values.loc["G0"].to_numpy()), rtol=1e-6)


def test_table_keyed_by_probe_ids_maps_through_the_gene_annotation(tmp_path, caplog):
    from cytoscore.pp import load_genes

    table = tmp_path / "expr.tsv"
    table.write_text(
        "probe\ts1\ts2\ts3\n"
        "1007_s_at\t5\t6\t7\n"  # DDR1
        "1053_at\t1\t2\t3\n"  # RFC2, low
        "117_at\t9\t9\t9\n"  # RFC2, higher mean: kept by max_mean
        "121_at\t4\t4\t4\n"  # not in the annotation
    )
    annot = tmp_path / "annot.tsv"
    annot.write_text("id\tsymbol\n1007_s_at\tDDR1\n1053_at\tRFC2\n117_at\tRFC2\n")
    with caplog.at_level("INFO"):
        adata = load_genes(
            "table",
            {"expression": table, "gene_annotation": annot},
            {"gene_annotation": {"file": str(annot)}},
        )
    assert list(adata.var_names) == ["DDR1", "RFC2"]
    np.testing.assert_array_equal(adata[:, "RFC2"].X.ravel(), [9, 9, 9])
    rec = adata.uns["cytoscore"]["gene_id_mapping"]
    assert rec["share_mapped"] == pytest.approx(0.75) and rec["id_type"] == "annotation"
    assert "75.0% mapped" in caplog.text


def test_table_with_repeated_symbols_collapses_by_the_probes_rule(tmp_path):
    from cytoscore.pp import load_genes

    table = tmp_path / "expr.tsv"
    table.write_text("gene\ta\tb\nISG15\t1\t3\nISG15\t5\t7\nMX1\t2\t2\n")
    adata = load_genes("table", {"expression": table}, {})  # default rule: max_mean
    np.testing.assert_array_equal(adata[:, "ISG15"].X.ravel(), [5, 7])
    mean = load_genes("table", {"expression": table}, {"probes": {"collapse": "mean"}})
    np.testing.assert_array_equal(mean[:, "ISG15"].X.ravel(), [3, 5])
    assert mean.uns["cytoscore"]["gene_id_mapping"]["n_symbols_with_several_ids"] == 1


def test_cellxgene_style_h5ad_maps_ensembl_ids_through_feature_name(tmp_path, caplog):
    """CELLxGENE atlases index genes by Ensembl ID and carry symbols in a categorical
    var["feature_name"] (anndata writes string columns as categoricals)."""
    import logging

    import anndata as ad

    from cytoscore.pp import symbol_matrix

    counts, ids, symbols, barcodes = small_cells()
    var = pd.DataFrame({"feature_name": pd.Categorical(symbols), "feature_biotype": "gene"}, index=ids)
    path = tmp_path / "atlas.h5ad"
    ad.AnnData(sp.csr_matrix(counts.astype(np.float32)), obs=pd.DataFrame(index=barcodes), var=var).write_h5ad(path)
    adata = read_single_cell(h5ad=path)
    assert isinstance(adata.var["feature_name"].dtype, pd.CategoricalDtype)
    with caplog.at_level(logging.INFO):
        genes = map_gene_ids(adata)
    assert "var column 'feature_name'" in caplog.text
    assert sorted(genes.var_names) == sorted(symbols)
    np.testing.assert_array_equal(genes[:, "IFIT1"].X.toarray().ravel(), counts[:, 0])
    M, out_var, info = symbol_matrix(adata.var)  # the streaming path (prepare_cells, pseudobulk)
    assert list(out_var.index) == symbols and info["id_type"] == "ensembl"
    with pytest.raises(InputError, match="no var column symbol, feature_name"):
        map_gene_ids(_without_symbols(adata))


def _without_symbols(adata):
    out = adata.copy()
    out.var = out.var.drop(columns=["feature_name"])
    return out


def test_raw_x_is_read_as_the_counts_layer_in_memory_and_streaming(tmp_path):
    import anndata as ad

    from cytoscore.io import CellSource

    counts, ids, symbols, barcodes = small_cells()
    var = pd.DataFrame({"feature_name": pd.Categorical(symbols)}, index=ids)
    atlas = ad.AnnData(sp.csr_matrix(np.log1p(counts).astype(np.float32)), obs=pd.DataFrame(index=barcodes), var=var)
    atlas.raw = ad.AnnData(sp.csr_matrix(counts.astype(np.float32)), obs=atlas.obs, var=var)
    path = tmp_path / "atlas.h5ad"
    atlas.write_h5ad(path)
    adata = read_single_cell(h5ad=path, layer="raw.X")
    np.testing.assert_array_equal(adata.X.toarray(), counts)
    with CellSource(h5ad=path, layer="raw.X") as source:
        assert list(source.var.index) == ids
        np.testing.assert_array_equal(np.vstack([b.toarray() for _, b in source.blocks(4)]), counts)
    with pytest.raises(InputError, match="'raw.X' reads AnnData's raw"):
        read_single_cell(h5ad=path)
    atlas.raw = None
    atlas.write_h5ad(path)
    for read in (lambda: read_single_cell(h5ad=path, layer="raw.X"), lambda: CellSource(h5ad=path, layer="raw.X")):
        with pytest.raises(InputError, match=r"atlas.h5ad: no raw \(raw.X\)"):
            read()


def test_column_names_with_a_slash_round_trip_through_h5ad(tmp_path):
    """Every GEO series has a !Sample_contact_zip/postal_code line, and characteristics such
    as "tissue/cell type" are common: HDF5 takes "/" as a path separator (anndata warns, and
    will refuse). Files store "_" and reading restores the names; the object written is
    unchanged."""
    import warnings

    import anndata as ad
    import h5py

    from cytoscore.io import H5adRowWriter, read_h5ad, write_h5ad

    obs = pd.DataFrame({"contact_zip/postal_code": ["1", "2"], "tissue/cell type": ["a", "b"], "group": ["x", "y"]},
                       index=["s1", "s2"])  # fmt: skip
    var = pd.DataFrame({"gene/alias": ["p", "q", "r"]}, index=["A", "B", "C"])
    adata = ad.AnnData(np.arange(6, dtype=np.float32).reshape(2, 3), obs=obs, var=var)
    path = tmp_path / "bulk.h5ad"
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        write_h5ad(adata, path)
    assert list(adata.obs.columns) == list(obs.columns) and "cytoscore_h5_column_names" not in adata.uns
    with h5py.File(path) as f:
        assert "contact_zip_postal_code" in f["obs"] and "tissue_cell type" in f["obs"] and "gene_alias" in f["var"]
    for backed in (False, True):
        back = read_h5ad(path, backed=backed)
        assert list(back.obs.columns) == list(obs.columns) and list(back.var.columns) == ["gene/alias"]
        assert back.obs["tissue/cell type"].tolist() == ["a", "b"] and "cytoscore_h5_column_names" not in back.uns
    cells = tmp_path / "cells.h5ad"
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        with H5adRowWriter(cells) as writer:
            writer.append(sp.csr_matrix(adata.X))
            writer.finish(ad.AnnData(obs=obs, var=var))
    assert list(read_h5ad(cells, backed=True).obs.columns) == list(obs.columns)
    clash = ad.AnnData(obs=obs.assign(**{"tissue_cell type": "c"}))
    with pytest.raises(InputError, match="would be stored as"):
        write_h5ad(clash, tmp_path / "clash.h5ad")


def test_empty_file_lists_are_input_errors(tmp_path):
    from cytoscore.io import gather_cell_scores
    from cytoscore.io._counts import expand_files

    with pytest.raises(InputError, match="no count file given"):
        expand_files([])
    with pytest.raises(InputError, match="no shard's scores to gather"):
        gather_cell_scores([], tmp_path / "scores.parquet")
    assert not (tmp_path / "scores.parquet").exists()


def test_a_gene_annotation_maps_symbol_like_cell_ids_in_memory_as_when_streamed(tmp_path):
    """Cells keyed by in-house IDs that look like symbols (``AB-1``) with a gene annotation:
    load_genes used to keep the IDs and ignore the annotation, while the streamed path
    (symbol_matrix, as prepare_cells uses it) mapped them."""
    import anndata as ad

    from cytoscore.pp import load_genes, symbol_matrix

    counts, _, symbols, barcodes = small_cells()
    ids = ["AB-1", "AB-2", "AB-3", "AB-4"]
    path = tmp_path / "cells.h5ad"
    ad.AnnData(
        sp.csr_matrix(counts.astype(np.float32)), obs=pd.DataFrame(index=barcodes), var=pd.DataFrame(index=ids)
    ).write_h5ad(path)
    annot = tmp_path / "annot.tsv"
    annot.write_text("id\tsymbol\n" + "".join(f"{i}\t{s}\n" for i, s in zip(ids[:3], symbols[:3], strict=True)))
    genes = load_genes(
        "single_cell", {"h5ad": path, "gene_annotation": annot}, {"gene_annotation": {"file": str(annot)}}
    )
    assert list(genes.var_names) == symbols[:3]  # AB-4 has no symbol: dropped
    np.testing.assert_array_equal(genes[:, "ISG15"].X.toarray().ravel(), counts[:, 1])
    M, streamed, _ = symbol_matrix(pd.DataFrame(index=ids), annotation=pd.Series(symbols[:3], index=ids[:3]))
    assert list(streamed.index) == list(genes.var_names)


def test_ids_mapped_from_a_var_column_are_the_ids_kept_in_probe_id():
    import anndata as ad

    var = pd.DataFrame({"gene_id": ["ENSG00000185745", "ENSG00000187608", "ENSG00000135114"]}, index=["0", "1", "2"])
    adata = ad.AnnData(np.arange(6, dtype=float).reshape(2, 3), var=var)
    annotation = pd.Series(["IFIT1", "ISG15", "ISG15"], index=var["gene_id"].to_numpy())
    genes = map_gene_ids(adata, annotation=annotation, id_column="gene_id")
    assert genes.var.loc["ISG15", "probe_id"] == "ENSG00000187608,ENSG00000135114"  # was "1,2": row labels
    assert genes.var.loc["IFIT1", "probe_id"] == "ENSG00000185745"
    np.testing.assert_array_equal(genes[:, "ISG15"].X.ravel(), [1 + 2, 4 + 5])
    assert list(adata.var_names) == ["0", "1", "2"]  # the input is unchanged


@pytest.mark.parametrize(
    ("library", "want"),
    [("reverse", "reverse"), ("forward", "forward"), ("unstranded", "unstranded")],
)
def test_star_reads_per_gene_files_are_read_by_the_library_s_strand(tmp_path, caplog, library, want):
    """STAR's ReadsPerGene.out.tab: four N_ lines, then gene, unstranded, forward (-s yes),
    reverse (-s reverse). auto reads the strand holding >= 75 % of the stranded counts
    (a dUTP library: ~97 %, zolotarovgl/ifng2018), else the unstranded column."""
    rng = np.random.default_rng(1)
    genes = [f"ENSMUSG{i:011d}" for i in range(50)]
    truth = {}
    for s in ("S1", "S2", "S3"):
        total = rng.poisson(300, 50)
        on = rng.binomial(total, {"reverse": 0.03, "forward": 0.97, "unstranded": 0.5}[library])
        fwd, rev = on, total - on
        rows = ["N_unmapped\t9\t9\t9", "N_multimapping\t5\t5\t5", "N_noFeature\t7\t99\t88", "N_ambiguous\t3\t1\t1"]
        rows += [f"{g}\t{t}\t{f}\t{r}" for g, t, f, r in zip(genes, total, fwd, rev, strict=True)]
        (tmp_path / f"{s}ReadsPerGene.out.tab").write_text("\n".join(rows) + "\n")
        truth[s] = {"unstranded": total, "forward": fwd, "reverse": rev}
    pattern = r"(?P<sample>S\d)ReadsPerGene"
    with caplog.at_level(logging.WARNING, logger="cytoscore"):
        adata = read_count_files(str(tmp_path / "*.tab"), sample_pattern=pattern)
    assert adata.shape == (3, 50) and list(adata.var_names) == genes  # no N_ lines
    np.testing.assert_array_equal(adata.X, np.vstack([truth[s][want] for s in ("S1", "S2", "S3")]))
    assert adata.uns["cytoscore"]["source"]["star"]["strand"] == want and f"read from the {want} column" in caplog.text
    # without a sample_pattern the IDs are the file names less STAR's suffix
    assert read_count_files(str(tmp_path / "*.tab")).obs_names.tolist() == ["S1", "S2", "S3"]
    # the config's counts.strand overrides the rule
    forced = read_count_files(str(tmp_path / "*.tab"), sample_pattern=pattern, strand="unstranded")
    np.testing.assert_array_equal(forced.X[0], truth["S1"]["unstranded"])
    with pytest.raises(InputError, match="counts.strand must be one of"):
        read_count_files(str(tmp_path / "*.tab"), strand="yes")


def test_sample_ids_from_file_names_lose_what_counting_tools_append():
    from cytoscore.io._counts import _sample_metadata

    names = ["Sample01ReadsPerGene.out.tab", "S2_ReadsPerGene.out.tab.gz", "GSM1_ctrl.counts.txt",
             "x.htseq-count.txt", "a.featureCounts", "b_counts.tsv.gz", "c.txt", "HATX3_counts", "e"]  # fmt: skip
    got = _sample_metadata([Path(n) for n in names], None).index.tolist()
    assert got == ["Sample01", "S2", "GSM1_ctrl", "x", "a", "b", "c", "HATX3", "e"]
