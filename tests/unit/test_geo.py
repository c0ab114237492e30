import numpy as np
import pandas as pd
import pytest
from helpers import GPL96_SOFT, GSE55235_MATRIX, write_platform_soft, write_series_matrix

from cytoscore import InputError
from cytoscore.io import (
    geo_platform_soft_url,
    geo_series_matrix_url,
    read_geo_series,
    read_platform_table,
    read_series_matrix,
    read_series_platforms,
)


def small_values():
    return pd.DataFrame({"GSM1": [10.0, 200.0, np.nan], "GSM2": [12.5, 180.0, 3.0]}, index=["p1", "p2", "p3"])


def test_geo_urls():
    assert geo_series_matrix_url("GSE55235") == (
        "https://ftp.ncbi.nlm.nih.gov/geo/series/GSE55nnn/GSE55235/matrix/GSE55235_series_matrix.txt.gz"
    )
    assert geo_series_matrix_url("GSE123", "GPL570").endswith(
        "GSEnnn/GSE123/matrix/GSE123-GPL570_series_matrix.txt.gz"
    )
    assert geo_platform_soft_url("GPL96") == (
        "https://ftp.ncbi.nlm.nih.gov/geo/platforms/GPLnnn/GPL96/soft/GPL96_family.soft.gz"
    )
    assert "GPL16nnn/GPL16791/" in geo_platform_soft_url("GPL16791")
    with pytest.raises(InputError):
        geo_series_matrix_url("GDS123")


def test_parse_small_series_matrix(tmp_path):
    path = write_series_matrix(
        tmp_path / "s.txt.gz",
        small_values(),
        sample_meta={"source_name_ch1": ["blood, RA", "blood, healthy"]},
        characteristics=[["disease state: RA", "disease state: healthy"], ["age: 54", "sex: F"]],
    )
    sm = read_series_matrix(path)
    assert sm.platforms == ["GPL96"]
    assert list(sm.samples.index) == ["GSM1", "GSM2"]
    assert sm.samples.loc["GSM1", "source_name_ch1"] == "blood, RA"
    assert sm.samples.loc["GSM2", "disease state"] == "healthy"
    # keys may differ between samples on one characteristics line
    assert sm.samples.loc["GSM1", "age"] == "54" and sm.samples.loc["GSM2", "age"] == ""
    assert sm.samples.loc["GSM2", "sex"] == "F"
    assert sm.values.loc["p2", "GSM1"] == 200.0
    assert np.isnan(sm.values.loc["p3", "GSM1"])
    assert read_series_platforms(path) == ["GPL96"]


def test_real_series_matrix_gse55235():
    sm = read_series_matrix(GSE55235_MATRIX)
    assert sm.values.shape == (22283, 30)
    assert sm.values.loc["1007_s_at", "GSM1332201"] == pytest.approx(122.6)
    assert sm.samples["source_name_ch1"].value_counts().to_dict() == {
        "synovial tissue from healthy joint": 10,
        "synovial tissue from osteoarthritic joint": 10,
        "synovial tissue from rheumatoid arthritis joint": 10,
    }
    # the malformed 'disease state' line is still parsed as that key
    assert sm.samples["disease state"].nunique() == 4


@pytest.mark.parametrize("gz", [True, False])
def test_truncated_series_matrix_is_an_error_naming_the_file(tmp_path, gz):
    path = tmp_path / ("s.txt.gz" if gz else "s.txt")
    write_series_matrix(path, small_values(), truncate=True)
    with pytest.raises(InputError, match="truncated") as err:
        read_series_matrix(path)
    assert str(path) in str(err.value)


def test_wrong_field_count_names_the_line(tmp_path):
    path = write_series_matrix(tmp_path / "s.txt", small_values())
    lines = path.read_text().splitlines()
    bad = next(i for i, line in enumerate(lines) if line.startswith('"p2"'))
    lines[bad] += "\t5"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=f"line {bad + 1}: 4 fields, expected 3"):
        read_series_matrix(path)


def test_non_numeric_value_names_the_line(tmp_path):
    path = write_series_matrix(tmp_path / "s.txt", small_values())
    path.write_text(path.read_text().replace("\t200\t", "\tabc\t"))
    with pytest.raises(InputError, match=r"line \d+: non-numeric"):
        read_series_matrix(path)


def test_platform_table_real_gpl96():
    table = read_platform_table(GPL96_SOFT)
    assert table.attrs["symbol_column"] == "Gene Symbol"
    assert len(table) == 22283
    assert table.loc["1007_s_at", "symbol"] == "DDR1"
    assert (table["symbol"] == "").sum() == 1288
    assert (table["symbol"].str.contains("///")).sum() == 862


def test_platform_symbol_column_variants(tmp_path):
    annot = pd.DataFrame({"ID": ["p1", "p2"], "Gene symbol": ["A", "B"]})
    table = read_platform_table(write_platform_soft(tmp_path / "a.soft", annot))
    assert table.attrs["symbol_column"] == "Gene symbol"
    assert table.loc["p2", "symbol"] == "B"


def test_platform_without_symbol_column_lists_columns(tmp_path):
    path = write_platform_soft(tmp_path / "p.soft.gz", pd.DataFrame({"ID": ["p1"], "SEQUENCE": ["ACGT"]}))
    with pytest.raises(InputError, match="no gene symbol column") as err:
        read_platform_table(path)
    assert "SEQUENCE" in str(err.value) and "symbol_column" in str(err.value)


def test_read_geo_series_builds_probe_level_anndata(tmp_path):
    matrix = write_series_matrix(
        tmp_path / "s.txt", small_values(), sample_meta={"source_name_ch1": ["a", "b"]}
    )
    platform = write_platform_soft(
        tmp_path / "p.soft", pd.DataFrame({"ID": ["p1", "p2"], "Gene Symbol": ["IFI27", "ISG15 /// X"]})
    )
    adata = read_geo_series(matrix, platform)
    assert adata.shape == (2, 3)
    assert adata.var["symbol"].tolist() == ["IFI27", "ISG15 /// X", ""]
    prov = adata.uns["cytoscore"]["source"]
    assert prov["n_probes_not_in_platform"] == 1
    assert prov["files"]["series_matrix"]["sha256"]


def test_series_and_platform_with_other_probe_ids_name_both_files(tmp_path):
    matrix = write_series_matrix(tmp_path / "GSE1_series_matrix.txt", small_values())
    platform = write_platform_soft(
        tmp_path / "GPL570_family.soft",
        pd.DataFrame({"ID": ["1007_s_at", "1053_at", "117_at"], "Gene Symbol": ["DDR1", "RFC2", "HSPA6"]}),
        platform="GPL570",
    )
    with pytest.raises(InputError) as err:
        read_geo_series(matrix, platform)
    message = str(err.value)
    assert f"the probe IDs of the series {matrix}" in message and f"platform table {platform}" in message
    assert "0 of 3 found" in message and "not the series' platform (the series names ['GPL96'])" in message
    assert "symbol column" not in message
