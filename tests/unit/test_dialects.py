"""First contact: users' own tables in the dialects they come in, read as they are or refused
with a message that names the file, shows the first line as read and says what to change.

Each case is a file exactly as a tool or a person writes it (Excel in a European locale, R's
write.table / write.csv, featureCounts, GEO submission templates, ...), with its expected
reading: the dialect said, the samples and genes found and a value read, or the error."""

from __future__ import annotations

import gzip

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from cytoscore import InputError
from cytoscore.io import (
    attach_metadata,
    load_dataset,
    read_count_matrix,
    read_expression_table,
    read_h5ad,
    read_sample_sheet,
    write_h5ad,
)
from cytoscore.io._table import read_table, typed_columns
from cytoscore.pp import load_genes, read_group_table

# --- count matrices: (file name, bytes, dialect said, samples, (gene, sample, count)) ------

TAB = "gene\tS1\tS2\tS3\nIFIT1\t10\t0\t5\nMX1\t3\t4\t1\nSTAT1\t7\t7\t9\n"
MATRICES = {
    "tsv": ("counts.tsv", TAB, "tab-separated", ["S1", "S2", "S3"], ("MX1", "S2", 4)),
    "csv": (
        "counts.csv",
        TAB.replace("\t", ","),
        "comma-separated",
        ["S1", "S2", "S3"],
        ("STAT1", "S3", 9),
    ),
    "semicolon_excel": (
        "counts.csv",
        "\ufeff" + TAB.replace("\t", ";").replace("\n", "\r\n"),
        "semicolon-separated, byte-order mark, CRLF line endings",
        ["S1", "S2", "S3"],
        ("IFIT1", "S1", 10),
    ),
    # R: write.table(counts, "counts.tsv") -- spaces, quotes, the header one field short
    "r_write_table": (
        "counts.tsv",
        '"S1" "S2" "S3"\n"IFIT1" 10 0 5\n"MX1" 3 4 1\n"STAT1" 7 7 9\n',
        "whitespace-separated, quoted fields, header one field short (R row names)",
        ["S1", "S2", "S3"],
        ("MX1", "S1", 3),
    ),
    # R: write.table(counts, sep = "\t", quote = TRUE)
    "r_write_table_tab": (
        "counts.txt",
        '"S1"\t"S2"\t"S3"\n"IFIT1"\t10\t0\t5\n"MX1"\t3\t4\t1\n"STAT1"\t7\t7\t9\n',
        "tab-separated, quoted fields, header one field short (R row names)",
        ["S1", "S2", "S3"],
        ("STAT1", "S2", 7),
    ),
    # R: write.csv(counts) -- an empty first header field
    "r_write_csv": (
        "counts.csv",
        '"","S1","S2","S3"\n"IFIT1",10,0,5\n"MX1",3,4,1\n"STAT1",7,7,9\n',
        "comma-separated, quoted fields",
        ["S1", "S2", "S3"],
        ("IFIT1", "S3", 5),
    ),
    "featurecounts": (
        "featureCounts.txt",
        "# Program:featureCounts v2.0.3; Command:\"featureCounts\" \"-a\" \"genes.gtf\"\n"
        "Geneid\tChr\tStart\tEnd\tStrand\tLength\tS1.bam\tS2.bam\tS3.bam\n"
        "IFIT1\tchr10;chr10\t89392546;89394000\t89394000;89398000\t+;+\t3000\t10\t0\t5\n"
        "MX1\tchr21\t41420020\t41459214\t+\t3500\t3\t4\t1\n"
        "STAT1\tchr2\t190968989\t191014250\t-\t4100\t7\t7\t9\n",
        "tab-separated, 1 comment line(s) skipped",
        ["S1.bam", "S2.bam", "S3.bam"],
        ("IFIT1", "S1.bam", 10),
    ),
    "aligned_spaces": (
        "counts.txt",
        "gene      S1   S2   S3\nIFIT1     10    0    5\nMX1        3    4    1\nSTAT1      7    7    9\n",
        "whitespace-separated",
        ["S1", "S2", "S3"],
        ("MX1", "S3", 1),
    ),
    "trailing_tab": (
        "counts.tsv",
        TAB.replace("\n", "\t\n"),
        "tab-separated",
        ["S1", "S2", "S3"],
        ("MX1", "S2", 4),
    ),
    "numeric_sample_names": (
        "counts.tsv",
        TAB.replace("S1", "1").replace("S2", "2").replace("S3", "10"),
        "tab-separated",
        ["1", "2", "10"],
        ("MX1", "10", 1),
    ),
    "sample_names_with_spaces": (
        "counts.tsv",
        TAB.replace("S1", "patient 1 day 0").replace("S2", "patient 1 day 7"),
        "tab-separated",
        ["patient 1 day 0", "patient 1 day 7", "S3"],
        ("IFIT1", "patient 1 day 7", 0),
    ),
    "blank_and_comment_lines": (
        "counts.tsv",
        "# exported 2024-01-05\n\n" + TAB + "\n\n",
        "tab-separated, 1 comment line(s) skipped",
        ["S1", "S2", "S3"],
        ("STAT1", "S1", 7),
    ),
}


@pytest.mark.parametrize("case", sorted(MATRICES))
def test_count_matrix_dialects(tmp_path, case, caplog):
    name, text, said, samples, (gene, sample, value) = MATRICES[case]
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    caplog.set_level("INFO")
    adata = read_count_matrix(path)
    assert list(adata.obs_names) == samples
    assert list(adata.var_names) == ["IFIT1", "MX1", "STAT1"]
    assert adata[sample, gene].X[0, 0] == value
    assert f"count matrix read as {said} (" in caplog.text


def test_gzip_whatever_the_name(tmp_path):
    for name in ("counts.txt", "counts.tsv.gz"):
        path = tmp_path / name
        path.write_bytes(gzip.compress(TAB.encode()))
        table = read_table(path, index_col=0)
        assert table.attrs["dialect"].describe() == "tab-separated, gzip"
        assert table.loc["STAT1", "S3"] == "9"


def test_windows_1252_text(tmp_path):
    path = tmp_path / "samples.csv"
    path.write_bytes("sample;tissue\r\nS1;Kolon, proximal\r\nS2;Rektum (entzündet)\r\n".encode("cp1252"))
    table = read_sample_sheet(path)
    assert table.loc["S2", "tissue"] == "Rektum (entzündet)"


def test_duplicated_symbols_are_summed_with_a_warning(tmp_path, caplog):
    path = tmp_path / "counts.tsv"
    path.write_text(TAB + "MX1\t1\t1\t1\n")
    caplog.set_level("WARNING")
    genes = load_genes("rnaseq_counts", {"matrix": path}, {})
    assert genes["S1", "MX1"].X[0, 0] == 4  # 3 + 1
    assert "1 gene IDs are listed more than once (e.g. ['MX1'])" in caplog.text


# --- sample sheets and metadata ------------------------------------------------------------------


def test_european_sheet_with_decimal_commas(tmp_path):
    path = tmp_path / "samples.csv"
    path.write_bytes("\ufeffsample;group;weight_g;dss_pct\r\nS1;water;21,5;0\r\nS2;DSS;19,25;2,5\r\n".encode())
    sheet = read_sample_sheet(path)
    assert sheet.attrs["dialect"].describe() == (
        "semicolon-separated, decimal commas, byte-order mark, CRLF line endings"
    )
    typed = typed_columns(sheet)
    assert typed["weight_g"].tolist() == ["21.5", "19.25"]  # read as numbers where numbers are needed
    assert typed["dss_pct"].tolist() == ["0", "2.5"]  # spelled as written: a pattern ^0$ still matches


def test_geo_template_sheet_with_an_empty_column_writes_h5ad(tmp_path):
    # GEO's submission template: '*' headers, columns left empty in every row, mixed values
    path = tmp_path / "samples.tsv"
    path.write_text(
        "*library name\t*title\t*organism\tcharacteristics: treatment\tcharacteristics: day\tmolecule\tdescription\n"
        "S1\tcolon water 1\tMus musculus\twater\t7\ttotal RNA\t\n"
        "S2\tcolon DSS 1\tMus musculus\tDSS\tnot recorded\ttotal RNA\t\n"
    )
    adata = ad.AnnData(np.ones((2, 3)), obs=pd.DataFrame(index=["S1", "S2"]))
    adata = attach_metadata(adata, read_sample_sheet(path, id_column="*library name"), source=str(path))
    assert adata.obs["description"].tolist() == ["", ""]
    assert adata.obs["characteristics: day"].tolist() == ["7", "not recorded"]  # mixed: text
    write_h5ad(adata, tmp_path / "a.h5ad")
    back = read_h5ad(tmp_path / "a.h5ad")
    assert back.obs["*title"].tolist() == ["colon water 1", "colon DSS 1"]


def test_r_sheet_with_row_names_as_ids(tmp_path):
    path = tmp_path / "coldata.txt"
    path.write_text('"condition" "batch"\n"S1" "ctrl" "1"\n"S2" "IFN" "1"\n')
    sheet = read_sample_sheet(path)
    assert sheet.index.tolist() == ["S1", "S2"]
    assert sheet.loc["S2", "condition"] == "IFN"


def test_group_sheet_in_semicolons(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text("sample;group\nS1 ; ctrl\nS2;IFN\n")
    assert read_group_table(path).to_dict() == {"S1": "ctrl", "S2": "IFN"}


def test_forced_dialect(tmp_path):
    path = tmp_path / "counts.txt"
    path.write_text(TAB.replace("\t", ";"))
    table = read_table(path, dialect={"sep": "semicolon"}, index_col=0)
    assert table.attrs["dialect"].describe() == "semicolon-separated (as configured)"
    with pytest.raises(InputError, match=r"counts\.txt: the table has 1 column\(s\).*dialect: \{sep"):
        read_table(path, dialect={"sep": "tab"})


# --- refusals: the file, the first line as read, and the key that fixes it --------------------

BAD = {
    "one_column": ("gene S1 S2\nIFIT1|1|2\nMX1|3|4\n", "First line as read: 'gene S1 S2'"),
    "empty": ("\n\n# nothing\n", "is empty"),
    "header_only": ("gene\tS1\tS2\n", "has 0 gene rows and 2 sample columns"),
    "genes_only": ("gene\nIFIT1\nMX1\n", "First line as read: 'gene'"),
    "ragged": ("gene\tS1\tS2\nIFIT1\t1\t2\nMX1\t3\nSTAT1\t5\t6\n", "fields"),
    "missing_count": ("gene\tS1\tS2\nIFIT1\t1\tNA\n", "non-numeric or missing count 'NA' (gene 'IFIT1', column 'S2')"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_matrices_name_the_file_and_the_fix(tmp_path, case):
    text, message = BAD[case]
    path = tmp_path / f"{case}.tsv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_count_matrix(path)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)
    if case not in ("empty", "missing_count"):
        assert "dialect: {sep" in str(err.value)


def test_metadata_ids_that_do_not_match_show_both_sides(tmp_path):
    counts, sheet = tmp_path / "counts.tsv", tmp_path / "samples.tsv"
    counts.write_text(TAB)
    sheet.write_text("sample\tgroup\nsample_1\tctrl\nsample_2\tIFN\nsample_3\tIFN\n")
    with pytest.raises(InputError) as err:
        load_dataset("rnaseq_counts", {"matrix": counts, "metadata": sheet}, {})
    text = str(err.value)
    assert "The data's IDs are ['S1', 'S2', 'S3'] (3); the table's are ['sample_1', 'sample_2', 'sample_3'] (3)" in text


def test_expression_table_with_decimal_commas(tmp_path):
    path = tmp_path / "expr.csv"
    path.write_text("ID;A;B\nIFIT1;7,25;8,5\nMX1;10,0;9,75\n")
    adata = read_expression_table(path)
    assert adata["B", "IFIT1"].X[0, 0] == 8.5
    assert adata["A", "MX1"].X[0, 0] == 10.0


def test_comma_file_with_semicolons_in_its_text_is_read_by_commas(tmp_path):
    path = tmp_path / "samples.csv"
    path.write_text('sample,treatment,notes\nS1,DSS,"day 7; weight loss 12%"\nS2,water,none\n')
    sheet = read_sample_sheet(path)
    assert sheet.attrs["dialect"].sep == ","
    assert sheet.loc["S1", "notes"] == "day 7; weight loss 12%"


def test_a_constant_table_is_refused(tmp_path):
    path = tmp_path / "expr.tsv"
    path.write_text("gene\tA\tB\tC\nIFIT1\t5\t5\t5\nMX1\t5\t5\t5\n")
    with pytest.raises(InputError, match=r"expr\.tsv: every value is 5: the matrix holds nothing to score or compare"):
        read_expression_table(path)


def test_thousands_separators_are_not_taken_for_decimal_commas(tmp_path):
    path = tmp_path / "counts.tsv"
    path.write_text("gene\tS1\tS2\nIFIT1\t1,234\t987\nMX1\t12,500\t2,001\n")
    with pytest.raises(InputError, match=r"such as '1,234' may be decimal commas or thousands separators"):
        read_count_matrix(path)
    table = read_table(path, dialect={"decimal": ","}, index_col=0)  # said by the user: decimals
    assert table.loc["IFIT1", "S1"] == "1.234"


def test_count_matrices_and_sheets_deposited_as_r_data(tmp_path):
    """saveRDS'd data frames, as hawn-lab/AM-MDM-cross-species deposited its counts
    (BMDM_allRawCounts.rds: a tibble, genes in a 'gene' column): read like the text tables."""
    import gzip

    import pyreadr

    from cytoscore.io import read_count_matrix, read_sample_sheet

    counts = pd.DataFrame({"gene": ["Mrpl15", "Lypla1", "Irf7"], "wt.N.1": [1360, 404, 3], "wt.IFNb.1": [485, 299, 911],
                           "ko.IFNb.1": [909, 260, 2.0]})  # fmt: skip
    pyreadr.write_rds(tmp_path / "counts.rds", counts, compress="gzip")
    adata = read_count_matrix(tmp_path / "counts.rds")
    assert adata.obs_names.tolist() == ["wt.N.1", "wt.IFNb.1", "ko.IFNb.1"]
    assert adata.var_names.tolist() == ["Mrpl15", "Lypla1", "Irf7"]
    np.testing.assert_array_equal(adata.X[:, 2], [3, 911, 2])  # 2.0 (a double in R) is the count 2
    assert adata.uns["cytoscore"]["source"]["format"] == "matrix"
    # the genes as R's row names (saveRDS of a data frame with rownames)
    pyreadr.write_rds(tmp_path / "named.rds", counts.set_index("gene"))
    named = read_count_matrix(tmp_path / "named.rds")
    assert named.var_names.tolist() == ["Mrpl15", "Lypla1", "Irf7"] and named.obs_names.equals(adata.obs_names)
    np.testing.assert_array_equal(named.X, adata.X)
    sheet = pd.DataFrame({"shortName": ["wt.N.1", "wt.IFNb.1", "ko.IFNb.1"], "treatment": ["N", "IFNb", "IFNb"]})
    pyreadr.write_rds(tmp_path / "sheet.rds", sheet)  # uncompressed
    got = read_sample_sheet(tmp_path / "sheet.rds", ids=adata.obs_names)
    assert got.loc["ko.IFNb.1", "treatment"] == "IFNb"
    # an R object that is not a data frame says how to write one
    (tmp_path / "dge.rds").write_bytes(gzip.compress(b"X\n\x00\x00\x00\x03\x00\x04\x02\x00\x00\x03\x05\x00\x00\x00\x00\x05UTF-8\x00\x00\x03\x13"))
    with pytest.raises(InputError, match=r"dge\.rds: an R data file, but not a data frame .*write\.csv"):
        read_count_matrix(tmp_path / "dge.rds")
