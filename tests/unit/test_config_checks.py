"""The config cross-checks the schema cannot express (cytoscore._config.check_config), each
stopping with the key to fix; and the check of cached downloads against their records."""

import copy
import json
import os

import pytest
from helpers import ROOT, default_config, example

from cytoscore._config import ConfigError, check_config, validate_config
from cytoscore.io import check_cached_downloads

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"


def _valid(config):
    return validate_config(copy.deepcopy(config), SCHEMA)


def test_the_shipped_configs_pass():
    check_config(_valid(default_config()))
    check_config(_valid(example("kang2018_single_cell")))
    check_config(_valid(example("GSE161664_rnaseq_counts")))


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["contrasts"]["RA_vs_healthy"].update(dataset="GSE1"),
         r"contrasts\.RA_vs_healthy\.dataset: unknown dataset 'GSE1'; datasets are \['GSE55235'\]"),
        (lambda c: c["contrasts"]["RA_vs_healthy"].update(target="healthy"),
         r"contrasts\.RA_vs_healthy: target and reference are both 'healthy'"),
        (lambda c: c["contrasts"]["RA_vs_healthy"].update(target="SLE"),
         r"contrasts\.RA_vs_healthy\.target: group 'SLE' is not defined in datasets\.GSE55235\.groups\.patterns"),
        (lambda c: c.update(meta_analyses={"both": {"contrasts": ["RA_vs_healthy", "OA_vs_healthy"]}}),
         r"meta_analyses\.both: contrasts must come from different datasets"),
        (lambda c: c.update(meta_analyses={"x": {"contrasts": ["RA_vs_healthy", "nope"]}}),
         r"meta_analyses\.x\.contrasts: unknown contrasts \['nope'\]"),
        (lambda c: c["plots"].update(signatures=["NOT_SELECTED"]),
         r"plots\.signatures: \['NOT_SELECTED'\] not in gene_sets\.select"),
        (lambda c: c["gene_sets"].update(collections={}, curated=[]),
         r"gene_sets: give at least one collection or curated set"),
        (lambda c: c["scoring"].update(shards=4, methods=["mean_z", "ssgsea"]),
         r"scoring\.shards: 4 shards, but \['ssgsea \(normalize: true\)'\] score all observations together"),
    ],
)
def test_a_broken_config_names_its_key(edit, message):
    config = _valid(default_config())
    edit(config)
    with pytest.raises(ConfigError, match=message):
        check_config(config)


@pytest.mark.parametrize(
    "example_name, dataset, options, message",
    [
        (None, "GSE55235", {"quantil": True},
         r"datasets\.GSE55235\.normalize\.quantil: unknown normalize option for expression data; "
         r"options are \['log2', 'quantile'\]; did you mean 'quantile'\?"),
        (None, "GSE55235", {"method": "tmm"},  # a counts option on a microarray: would be ignored
         r"datasets\.GSE55235\.normalize\.method: unknown normalize option for expression data"),
        ("GSE161664_rnaseq_counts", "GSE161664", {"quantile": True},
         r"normalize\.quantile: unknown normalize option for counts data; "
         r"options are \['filter', 'filter_group_column', 'method'\]"),
        ("kang2018_single_cell", "kang2018", {"qc": {"min_gene": 100}},
         r"datasets\.kang2018\.normalize\.qc\.min_gene: unknown normalize option; .*did you mean 'min_genes'\?"),
        ("kang2018_single_cell", "kang2018", {"cluster": {"resolutoin": 0.5}},
         r"normalize\.cluster\.resolutoin: .*did you mean 'resolution'\?"),
        ("kang2018_single_cell", "kang2018", {"cluster": 0.5},
         r"normalize\.cluster: expected a mapping of \['resolution', 'n_pcs', 'n_neighbors', 'seed'\], got 0\.5"),
    ],
)
def test_a_normalize_option_the_kind_does_not_read_stops_the_run(example_name, dataset, options, message):
    """A misspelt or misplaced ``normalize`` key used to be ignored without a word."""
    config = _valid(example(example_name) if example_name else default_config())
    config["datasets"][dataset]["normalize"] = options
    with pytest.raises(ConfigError, match=message):
        check_config(config)


def test_single_cell_contrasts_need_replicates():
    config = _valid(example("kang2018_single_cell"))
    config["datasets"]["kang2018"]["sample_column"] = None
    with pytest.raises(ConfigError, match=r"contrasts\.stim_vs_ctrl\.replicate: single-cell contrasts test across replicates"):
        check_config(config)


def test_a_cached_download_edited_after_its_record_stops_the_run(tmp_path):
    cached = tmp_path / "downloads" / "host" / "file.txt"
    record = tmp_path / "records" / "host" / "file.txt.json"
    cached.parent.mkdir(parents=True)
    record.parent.mkdir(parents=True)
    cached.write_text("as fetched\n")
    from cytoscore._utils import sha256_file

    record.write_text(json.dumps({"size": cached.stat().st_size, "sha256": sha256_file(cached)}))
    check_cached_downloads(tmp_path)  # as fetched: fine
    cached.write_text("edited by hand\n")
    os.utime(record, (0, 0))  # the record older than the edit
    with pytest.raises(Exception, match=r"changed since they were fetched: .*file\.txt.*rm .*file\.txt .*file\.txt\.json"):
        check_cached_downloads(tmp_path)
