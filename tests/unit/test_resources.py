import pytest
from helpers import HALLMARK_GMT

from cytoscore import InputError
from cytoscore.resources import (
    build_gene_sets,
    curated_gene_sets,
    gene_set_table,
    read_gene_set_table,
    read_gmt,
    select_gene_sets,
    write_gmt,
)


def test_read_hallmark_v7_crlf():
    sets = read_gmt(HALLMARK_GMT, collection="hallmark", version="7.0")
    assert len(sets) == 50
    by_name = {gs.name: gs for gs in sets}
    ifna = by_name["HALLMARK_INTERFERON_ALPHA_RESPONSE"]
    assert len(ifna.genes) == 97
    assert all("\r" not in g for g in ifna.genes)
    assert {"ISG15", "IFIT3", "RSAD2", "MX1"} <= set(ifna.genes)
    assert len(by_name["HALLMARK_INTERFERON_GAMMA_RESPONSE"].genes) == 200


def test_gmt_errors_name_line(tmp_path):
    path = tmp_path / "x.gmt"
    path.write_text("A\tdesc\tG1\tG2\nB\tdesc\n")
    with pytest.raises(InputError, match="x.gmt, line 2"):
        read_gmt(path)
    path.write_text("A\tdesc\tG1\nA\tdesc\tG2\n")
    with pytest.raises(InputError, match="line 2: gene set 'A' already defined on line 1"):
        read_gmt(path)


def test_curated_sets_have_citations():
    sets = {gs.name: gs for gs in curated_gene_sets()}
    assert sets["IFN_SCORE_RICE2017"].genes == ("IFI27", "IFI44L", "IFIT1", "ISG15", "RSAD2", "SIGLEC1")
    assert "10.1007/s10875-016-0359-1" in sets["IFN_SCORE_RICE2017"].source
    assert {"JAK1", "STAT1", "SOCS3"} <= set(sets["JAKSTAT_CORE"].genes)
    assert all(gs.source and gs.description and gs.version for gs in sets.values())


def test_select_suggests_close_names():
    sets = curated_gene_sets()
    with pytest.raises(InputError, match="did you mean \\['JAKSTAT_CORE'\\]"):
        select_gene_sets(sets, ["JAK_STAT_CORE"])
    assert [gs.name for gs in select_gene_sets(sets, ["JAKSTAT_CORE"])] == ["JAKSTAT_CORE"]


def test_build_table_round_trip(tmp_path):
    sets = build_gene_sets(
        collections={"hallmark": {"url": "https://x/h.gmt", "version": "7.0", "source": "MSigDB"}},
        files=[HALLMARK_GMT],
        curated=["IFN_SCORE_RICE2017"],
        select=["IFN_SCORE_RICE2017", "HALLMARK_IL2_STAT5_SIGNALING"],
    )
    assert [gs.name for gs in sets] == ["IFN_SCORE_RICE2017", "HALLMARK_IL2_STAT5_SIGNALING"]
    table = gene_set_table(sets)
    table.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    back = read_gene_set_table(tmp_path / "t.tsv")
    assert back == sets
    write_gmt(sets, tmp_path / "s.gmt")
    assert [gs.genes for gs in read_gmt(tmp_path / "s.gmt")] == [gs.genes for gs in sets]
    with pytest.raises(InputError, match="unknown curated gene set"):
        build_gene_sets(collections={}, files=[], curated=["NOPE"])
