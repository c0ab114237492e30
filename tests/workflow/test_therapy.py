"""A treatment study end to end: an anti-TNF trial (patients before and after, paired) whose
answer is known. The therapy table is written with its provenance; the contrast's
therapy.tsv says the drug lowered its axis and that the other axes moved through shared genes;
the baseline TNF signature tells responders apart, and the cross-validated estimate is given."""

import pandas as pd
import pytest
from helpers import HALLMARK_GMT, run_workflow

from tests.synthetic import write_treatment_study

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def trial(tmp_path_factory):
    root = tmp_path_factory.mktemp("trial")
    matrix, sheet = write_treatment_study(root / "data", n_patients=12)
    config = {
        "gene_sets": {"collections": {"hallmark": {"path": str(HALLMARK_GMT), "version": "7.0"}},
                      "curated": ["IFN_TYPE1_SPECIFIC", "JAKSTAT_CORE"],
                      "select": ["HALLMARK_TNFA_SIGNALING_VIA_NFKB", "HALLMARK_INTERFERON_ALPHA_RESPONSE",
                                 "HALLMARK_INTERFERON_GAMMA_RESPONSE", "HALLMARK_IL6_JAK_STAT3_SIGNALING",
                                 "IFN_TYPE1_SPECIFIC", "JAKSTAT_CORE"]},
        "scoring": {"methods": ["mean_z", "ssgsea"]},
        "datasets": {"trial": {"kind": "rnaseq_counts", "counts": {"matrix": str(matrix)}, "metadata": str(sheet),
                               "groups": {"column": "visit", "patterns": {"baseline": "^baseline$", "week14": "^week14$"}},
                               "axis_profile": {"reference": "baseline"}}},
        "contrasts": {"infliximab_week14": {"dataset": "trial", "target": "week14", "reference": "baseline",
                                            "pair_by": "patient", "therapy": "Remicade"}},
        "predictions": {"response": {"dataset": "trial", "outcome": "response", "positive": "R",
                                     "baseline": {"column": "visit", "value": "baseline"}, "repeats": 5}},
        "plots": {"signatures": ["HALLMARK_TNFA_SIGNALING_VIA_NFKB", "IFN_TYPE1_SPECIFIC"],
                  "correlation": ["HALLMARK_TNFA_SIGNALING_VIA_NFKB", "IFN_TYPE1_SPECIFIC"]},
    }  # fmt: skip
    run_workflow(root / "run", config)
    return root / "run" / "results"


def test_the_drug_lowered_its_axis_and_spared_the_others(trial):
    effects = pd.read_csv(trial / "contrasts/infliximab_week14/therapy.tsv", sep="\t").set_index("axis")
    assert effects.index[0] == "TNF" and effects.loc["TNF", "on_target"]
    tnf = effects.loc["TNF"]
    assert tnf["verdict"] == "lowered" and tnf["therapy"] == "infliximab" and tnf["methods_agree"] == "2 of 2"
    assert tnf["lead_signature"] == "HALLMARK_TNFA_SIGNALING_VIA_NFKB" and tnf["mean_difference"] < 0
    assert tnf["n_pairs"] == 12 and tnf["g_kind"] == "paired g"
    # the interferon-specific set, which shares no gene with TNF's, did not move; the Hallmark
    # sets that share TNF-alpha/NF-kB genes (IRF1, CXCL10, ...) moved with them, and say so
    comparison = pd.read_csv(trial / "contrasts/infliximab_week14/comparison.tsv", sep="\t")
    assert (comparison.loc[comparison["signature"] == "IFN_TYPE1_SPECIFIC", "fdr"] > 0.3).all()
    for axis in ("type I IFN", "IFN-gamma", "IL-6"):
        if effects.loc[axis, "verdict"] != "unchanged":
            assert "genes with the drug's own signatures" in effects.loc[axis, "note"], axis
    # the figure and its source data
    for ext in ("svg", "pdf", "png", "source_data.tsv"):
        assert (trial / f"contrasts/infliximab_week14/therapy.{ext}").stat().st_size > 0


def test_the_therapy_table_and_its_provenance(trial):
    drugs = pd.read_csv(trial / "therapies/therapies.tsv", sep="\t")
    assert {"infliximab", "tocilizumab", "anifrolumab", "upadacitinib"} <= set(drugs["drug"])
    record = pd.read_csv(trial / "therapies/resource.tsv", sep="\t").iloc[0]
    assert record["licence"].startswith("CC0") and len(record["sha256"]) == 64 and record["version"]


def test_an_unknown_therapy_is_a_config_error_naming_the_key(tmp_path):
    config = {"contrasts": {"RA_vs_healthy": {"dataset": "GSE55235", "target": "RA", "reference": "healthy",
                                              "therapy": "aspirin"}}}  # fmt: skip
    from helpers import default_config

    merged = default_config()
    merged["contrasts"] = {**merged["contrasts"], **config["contrasts"]}
    proc = run_workflow(tmp_path, merged, "-n", check=False)
    assert proc.returncode != 0
    assert "contrasts.RA_vs_healthy.therapy: therapy 'aspirin' is not a drug, brand, target or axis" in proc.stderr + proc.stdout


def test_the_baseline_tnf_signature_tells_responders_apart(trial):
    auc = pd.read_csv(trial / "predictions/response/auc.tsv", sep="\t").set_index(["signature", "method"])
    tnf = auc.loc[("HALLMARK_TNFA_SIGNALING_VIA_NFKB", "mean_z")]
    # responders' baseline TNF genes are 2-fold higher: 6 vs 6, perfectly or nearly separated
    assert tnf["n_cases"] == 6 and tnf["n_controls"] == 6 and tnf["auc"] > 0.9
    assert tnf["p_mannwhitney"] < 0.01 and tnf["markable"]
    assert (auc.loc["IFN_TYPE1_SPECIFIC", "fdr_mannwhitney"] > 0.05).all()
    cv = pd.read_csv(trial / "predictions/response/cross_validation.tsv", sep="\t").set_index("method")
    assert cv.loc["mean_z", "auc_low"] <= cv.loc["mean_z", "auc"] <= cv.loc["mean_z", "auc_high"]
    assert cv.loc["mean_z", "folds"] == 5 and "HALLMARK_TNFA_SIGNALING_VIA_NFKB" in cv.loc["mean_z", "chosen"]
    assert (trial / "predictions/response/roc.png").stat().st_size > 0


def test_axis_profiles_show_the_fall_after_treatment(trial):
    profile = pd.read_csv(trial / "trial/axis_profile.tsv", sep="\t").set_index("observation")
    after = profile[profile["group"] == "week14"]
    # against the baseline samples, TNF is far lower after the drug in every patient
    assert (after["z_TNF"] < -1).all() and (profile.loc[profile["group"] == "baseline", "note"] != "").all()
    assert profile["balance_definition"].str.contains("Dinarello").all()
    assert profile["drugs_note"].eq("research annotation from expression data, not clinical advice").all()
    assert (trial / "trial/figures/axis_profile.png").stat().st_size > 0
