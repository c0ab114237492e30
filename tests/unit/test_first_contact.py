"""First contact beyond file dialects: checks that run before scoring, failures that read as
one screen (the console of ./cytoscore run, machine faults), single-cell data without cell
types."""

from __future__ import annotations

import errno
import logging
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from cytoscore import InputError, script_logging
from cytoscore._console import shorten
from cytoscore.pl import donor_plot, score_dotplot
from cytoscore.pl._check import layout_problems
from cytoscore.pp import check_contrast_units
from cytoscore.tl import Design, compare_cells

CONSOLE = Path(__file__).parent / "console"  # Snakemake's output of real runs, as printed


def _cells(replicates: dict[str, list[str]], per: int = 20, cell_types=("B", "T")) -> pd.DataFrame:
    rows = []
    for group, reps in replicates.items():
        for rep in reps:
            for i in range(per):
                rows.append({"group": group, "sample_id": rep, "cell_type": cell_types[i % len(cell_types)]})
    return pd.DataFrame(rows, index=[f"c{i}" for i in range(len(rows))])


SC = {"name": "stim_vs_ctrl", "kind": "single_cell", "dataset": "kang", "column": "group", "target": "stim",
      "reference": "ctrl", "replicate": "sample_id", "split_by": "cell_type", "pair_by": None}  # fmt: skip


def test_one_replicate_in_a_group_stops_before_scoring():
    obs = _cells({"ctrl": ["ctrl101", "ctrl107"], "stim": ["stim101"]}, per=500)  # many cells, one donor
    with pytest.raises(InputError) as err:
        check_contrast_units(obs, [SC])
    assert str(err.value) == (
        "contrasts.stim_vs_ctrl.target: group 'stim' has 1 'sample_id' replicate(s) ['stim101']; "
        "a test needs at least 2 per group (3 for a significance mark)"
    )


def test_two_replicates_pass_with_a_warning_and_thin_cell_types_are_named(caplog):
    obs = _cells({"ctrl": ["c1", "c2"], "stim": ["s1", "s2"]})
    obs.loc[obs["sample_id"] == "s2", "cell_type"] = "B"  # no T cells in s2: one T replicate left
    check_contrast_units(obs, [SC])
    assert "2 'sample_id' replicates per group: effects are reported with their intervals" in caplog.text
    assert (
        "cell types with fewer than 2 replicates in a group are not compared: T (1 stim, 2 ctrl)"
        in caplog.text
    )


def test_a_single_cell_contrast_without_replicates_names_the_keys():
    obs = _cells({"ctrl": ["a", "b"], "stim": ["c", "d"]})
    with pytest.raises(
        InputError, match=r"set datasets\.kang\.sample_column or contrasts\.stim_vs_ctrl\.replicate"
    ):
        check_contrast_units(obs, [{**SC, "replicate": None}])


def test_bulk_groups_and_pairs():
    obs = pd.DataFrame({"group": ["a", "a", "b"], "donor": ["1", "2", "1"]}, index=["s1", "s2", "s3"])
    bulk = {"name": "b_vs_a", "kind": "table", "column": "group", "target": "b", "reference": "a"}
    with pytest.raises(InputError, match=r"contrasts\.b_vs_a\.target: group 'b' has 1 sample\(s\) \['s3'\]"):
        check_contrast_units(obs, [bulk])
    with pytest.raises(InputError, match=r"contrasts\.b_vs_a\.pair_by: 1 'donor' value\(s\) have both"):
        check_contrast_units(obs, [{**bulk, "pair_by": "donor"}])


def test_single_cell_figures_without_a_cell_type_column():
    rng = np.random.default_rng(0)
    obs = _cells({"ctrl": ["c1", "c2"], "stim": ["s1", "s2"]})
    scores = pd.DataFrame({"observation": obs.index, "signature": "SIG", "method": "mean_z",
                           "score": rng.normal(size=len(obs))})  # fmt: skip
    fig, table = score_dotplot(scores, obs, method="mean_z", cell_type=None)
    assert set(table["cell type"]) == {"all cells"} and layout_problems(fig) == []
    table, units = compare_cells(
        scores, obs, Design(target="stim", reference="ctrl"), replicate="sample_id", with_units=True
    )
    fig, source = donor_plot(units, table, method="mean_z", replicate="sample_id")
    assert len(fig.axes) == 1 and len(source) == 4 and layout_problems(fig) == []


def test_a_failed_run_reads_as_one_screen():
    shown = list(shorten((CONSOLE / "kang_one_replicate.txt").read_text().splitlines(True)))
    assert len(shown) <= 15
    assert shown[0].startswith("ERROR: contrasts.stim_vs_ctrl.target: group 'stim' has 1")
    assert "cytoscore: step prepare_cells failed; its log: logs/kang/prepare_cells.log" in shown
    assert not any("Traceback" in s or "RuleException" in s or "Job stats" in s for s in shown)


def test_a_run_shows_progress_and_warnings_only():
    shown = list(shorten((CONSOLE / "kang_no_cell_types.txt").read_text().splitlines(True)))
    assert shown[-1] == "12 of 12 steps (100%) done"
    assert all(s.startswith(("WARNING: ", "ERROR: ")) or s.endswith("done") for s in shown)
    assert len(shown) < 20


def test_a_config_error_is_shown_without_snakemake_chatter():
    text = (CONSOLE / "config_typo.txt").read_text()
    shown = list(shorten(text.splitlines(True)))
    assert shown[:2] == ['ConfigError in file "/work/main/workflow/Snakefile", line 34:', "invalid config:"]
    assert shown[2].startswith("  - config key datasets.x.expresion: unknown key; did you mean 'expression'?")
    assert len(shown) == 4  # no profile line, no traceback


def test_a_damaged_download_is_named_with_the_rm_that_fetches_it_again():
    text = (CONSOLE / "garbage_series_matrix.txt").read_text()
    shown = list(shorten(text.splitlines(True)))
    assert len(shown) <= 8 and shown[0].startswith("InputFunctionException in rule preflight")
    assert (
        "no !Series_platform_id line; not a GEO series matrix? If the downloaded file is damaged" in shown[2]
    )
    assert (
        "fetch it again: rm -f resources/downloads/ftp.ncbi.nlm.nih.gov/geo/series/GSE55nnn/GSE55235"
        in shown[2]
    )


@pytest.mark.parametrize(
    ("code", "fix"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EROFS, "the folder is read-only"),
        (errno.ENAMETOOLONG, "a file name is too long for the file system"),
    ],
)
def test_machine_faults_are_one_line_with_the_fix(tmp_path, capsys, code, fix):
    log = tmp_path / "step.log"
    with pytest.raises(SystemExit) as stop, script_logging(str(log)):
        raise OSError(code, "no", str(tmp_path / "results" / "x.tsv"))
    assert stop.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fix in err[0] and "results/x.tsv" in err[0]
    assert "Traceback" in log.read_text()  # the details stay in the log
    logging.getLogger().handlers.clear()


def test_signature_names_become_safe_file_names():
    from cytoscore._utils import file_stem

    assert file_stem("HALLMARK_INTERFERON_ALPHA_RESPONSE") == "HALLMARK_INTERFERON_ALPHA_RESPONSE"
    slash = file_stem("IL-6/STAT3 targets")
    assert "/" not in slash and slash.startswith("IL-6_STAT3_targets_")
    long_a, long_b = file_stem("X" * 300 + "a"), file_stem("X" * 300 + "b")
    assert len(long_a) == 80 and long_a != long_b  # under any file system's 255 bytes, still apart


def test_columns_the_config_names_are_checked_before_scoring():
    from cytoscore.pp import check_columns

    obs = pd.DataFrame({"group": ["a", "a", "b", "b"], "sex": ["F", "", "M", "F"]}, index=list("wxyz"))
    bulk = {"name": "b_vs_a", "kind": "table", "column": "group", "target": "b", "reference": "a"}
    with pytest.raises(InputError, match=r"contrasts\.b_vs_a\.covariates: 'age' is not a metadata column"):
        check_contrast_units(obs, [{**bulk, "covariates": ["age"]}])
    with pytest.raises(InputError, match=r"contrasts\.b_vs_a\.covariates: 'sex' is missing for \['x'\]"):
        check_contrast_units(obs, [{**bulk, "covariates": ["sex"]}])
    with pytest.raises(InputError, match=r"datasets\.d\.plot_annotations: 'batch' is not a metadata column"):
        check_columns(obs, {"datasets.d.plot_annotations": ["sex", "batch"]})


def test_groups_from_two_columns_and_an_unnamed_id_column(tmp_path):
    # read.csv2's sheet as Fransson et al. deposited theirs: row names under an empty header field
    from cytoscore.io import read_sample_sheet
    from cytoscore.pp import assign_groups

    path = tmp_path / "metadata.csv"
    path.write_bytes(b";Week;Treatment;Lipocalin\r\nW0a;W0;Untreated;2,7\r\nW7a;W7;Untreated;9,1\r\n"
                     b"W7b;W7;aIL12;3,2\r\nW0b;W0;Untreated;2,5\r\n")  # fmt: skip
    sheet = read_sample_sheet(path)
    assert sheet.index.tolist() == ["W0a", "W7a", "W7b", "W0b"] and sheet.loc["W7a", "Lipocalin"] == "9.1"
    cells = ad.AnnData(obs=sheet)
    out = assign_groups(cells, column=["Week", "Treatment"],
                        patterns={"baseline": "^W0 Untreated$", "colitis": "^W7 Untreated$", "treated": "aIL12$"})  # fmt: skip
    assert out.obs["group"].astype(str).tolist() == ["baseline", "colitis", "treated", "baseline"]


def test_the_id_column_is_the_one_holding_the_data_s_sample_ids(tmp_path, caplog):
    # zolotarovgl/ifng2018's sheet as deposited: semicolons, CRLF, the IDs under "sample_name"
    from cytoscore.io import read_sample_sheet

    path = tmp_path / "metadat.csv"
    path.write_bytes(b"sample_name;cell_line;treatment\r\nSample01;TC1A9;control\r\nSample04;TC1A9;ifng\r\n"
                     b"Sample07;B16;control\r\nSample10;B16;ifng\r\n")  # fmt: skip
    ids = ["Sample01", "Sample04", "Sample07", "Sample10"]
    with caplog.at_level(logging.INFO, logger="cytoscore"):
        sheet = read_sample_sheet(path, ids=ids[::-1])
    assert sheet.index.name == "sample_name" and sheet.index.tolist() == ids
    assert sheet.loc["Sample07", "cell_line"] == "B16" and "column 'sample_name'" in caplog.text
    # without the data's IDs, or when none or two columns hold them, the error says so
    with pytest.raises(InputError, match=r"no column 'sample'.*\['sample_name', 'cell_line', 'treatment'\]"):
        read_sample_sheet(path)
    with pytest.raises(InputError, match=r"no column holds all 2 sample IDs of the data \(e\.g\. \['S1', 'S2'\]\)"):
        read_sample_sheet(path, ids=["S1", "S2"])
    path.write_text("a,b,group\nx,x,1\ny,y,2\n")
    with pytest.raises(InputError, match=r"columns \['a', 'b'\] each hold all 2 sample IDs"):
        read_sample_sheet(path, ids=["x", "y"])


def test_a_config_without_gene_sets_scores_the_default_study_s(tmp_path):
    from helpers import ROOT, default_config

    from cytoscore._config import default_gene_sets

    config = {"datasets": {}, "contrasts": {}}
    said = default_gene_sets(config, ROOT / "config" / "config.yaml")
    shipped = default_config()["gene_sets"]
    assert config["gene_sets"]["select"] == shipped["select"] and config["gene_sets"]["allow_missing"] is True
    assert config["gene_sets"]["collections"] == shipped["collections"]
    assert said.startswith("config gene_sets: none given") and "IFN_GAMMA_SPECIFIC" in said
    own = {"gene_sets": {"curated": ["JAKSTAT_CORE"]}}
    assert default_gene_sets(own, ROOT / "config" / "config.yaml") is None
    assert own == {"gene_sets": {"curated": ["JAKSTAT_CORE"]}}


def test_warnings_said_while_the_workflow_is_read_reach_the_screen():
    lines = ["Using workflow specific profile profiles/default\n", "WARNING: config gene_sets: none given; ...\n",
             "Building DAG of jobs...\n", "Execute 2 jobs...\n", "1 of 2 steps (50%) done\n"]  # fmt: skip
    assert list(shorten(lines)) == ["WARNING: config gene_sets: none given; ...", "1 of 2 steps (50%) done"]


def test_r_row_numbers_beside_an_id_column_of_another_name(tmp_path):
    # hawn-lab/AM-MDM-cross-species' sampleinfo_GSO.csv: write.csv's row numbers, IDs in shortName
    from cytoscore.io import read_sample_sheet

    path = tmp_path / "sampleinfo.csv"
    path.write_text('"","file","shortName","treatment"\n"1","GO-03","gso32.STING.N.N.4.3","N"\n'
                    '"2","GO-04","gso32.STING.IFNb.N.4.3","IFNb"\n')  # fmt: skip
    sheet = read_sample_sheet(path, ids=["gso32.STING.IFNb.N.4.3", "gso32.STING.N.N.4.3"])
    assert sheet.index.name == "shortName" and sheet.loc["gso32.STING.IFNb.N.4.3", "treatment"] == "IFNb"
    assert list(sheet.columns) == ["file", "treatment"]
    # the row names stay the IDs when they are the data's (or when the data's are not known)
    assert read_sample_sheet(path, ids=["1", "2"]).index.tolist() == ["1", "2"]
    assert read_sample_sheet(path).index.tolist() == ["1", "2"]


def test_samples_of_no_group_stop_the_run_unless_others_drop(caplog):
    # hawn-lab/AM-MDM-cross-species: 72 macrophage samples, two of the conditions compared
    from cytoscore.pp import assign_groups

    obs = pd.DataFrame({"genotype": ["Bl6", "Bl6", "Bl6", "IFNAR", "STING"], "treatment": ["IFNb", "N", "N", "N", "IFNb"]},
                       index=[f"s{i}" for i in range(5)])  # fmt: skip
    cells = ad.AnnData(obs=obs)
    kw = dict(column=["genotype", "treatment"], patterns={"IFNb": "^Bl6 IFNb$", "untreated": "^Bl6 N$"})
    with pytest.raises(InputError, match=r"2 sample\(s\) map to no group: s3 \('IFNAR N'\), s4.*groups.others: drop"):
        assign_groups(cells, **kw)
    with caplog.at_level(logging.WARNING, logger="cytoscore"):
        out = assign_groups(cells, **kw, others="drop")
    assert out.obs_names.tolist() == ["s0", "s1", "s2"] and out.obs["group"].tolist() == ["IFNb", "untreated", "untreated"]
    assert out.uns["cytoscore"]["groups"]["others_dropped"] == ["s3", "s4"]
    assert "2 of 5 samples map to no group and are left out" in caplog.text
