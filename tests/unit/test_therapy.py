"""Treatment contrasts: the curated therapy table (every drug's axis is read by shipped
signatures or says it is not; provenance with a checksum), and the on-target verdict on
synthetic studies whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from cytoscore import InputError
from cytoscore.resources import find_therapy, therapy_axes, therapy_record, therapy_table
from cytoscore.tl import Design, compare_groups, therapy_effects


def test_the_table_covers_the_targets_the_field_treats():
    table, axes = therapy_table(), therapy_axes()
    targets = {t.strip() for v in table["target"] for t in v.split(";")}
    for wanted in ("TNF", "IL-1beta", "IL-6R", "IL-6", "IL-12/IL-23 p40", "IL-23 p19", "IL-17A", "IL-17F",
                   "IL-4Ralpha", "IL-5", "IFNAR1", "BAFF (BLyS)", "JAK1", "JAK2", "TYK2"):  # fmt: skip
        assert wanted in targets or any(wanted in t for t in targets), wanted
    assert any("JAK3" in t for t in targets)
    # every axis a drug blocks is in the axis table; each row cites its label
    used = {a.strip() for v in table["axes"] for a in v.split(";")}
    assert used <= set(axes["axis"])
    assert table["reference"].str.contains("prescribing information|summary of product characteristics").all()
    assert not table["drug"].duplicated().any() and (table["approval"].str.match(r"(FDA|EMA) \d{4}")).all()
    record = therapy_record(table, axes)
    assert record["n_drugs"] == len(table) >= 35 and len(record["sha256"]) == 64 and record["version"]


def test_axes_name_real_signatures():
    from helpers import HALLMARK_GMT

    hallmark = {line.split("\t")[0] for line in HALLMARK_GMT.read_text().splitlines()}
    from cytoscore.resources import curated_gene_sets

    curated = {gs.name for gs in curated_gene_sets()}
    # CytoSig 0.0.3's signature.centroid cytokines, PROGENy's pathways (as the readers name them)
    cytosig = {"IFN1", "IFNG", "IL10", "IL12", "IL13", "IL17A", "IL1A", "IL1B", "IL22", "IL36", "IL4", "IL6",
               "TGFB1", "TNFA"}  # fmt: skip
    progeny = {"TNFa", "NFkB", "JAK_STAT", "TGFb"}
    for signature in {s.strip() for v in therapy_axes()["signatures"] for s in v.split(";") if s.strip()}:
        if signature.startswith("HALLMARK_"):
            assert signature in hallmark, signature
        elif signature.startswith("CYTOSIG_"):
            assert signature[8:] in cytosig, signature
        elif signature.startswith("PROGENY_"):
            assert signature[8:] in progeny, signature
        else:
            assert signature in curated, signature


def test_find_therapy_by_drug_brand_target_or_axis():
    table = therapy_table()
    assert find_therapy(table, "Remicade")["drug"] == "infliximab"
    assert find_therapy(table, "ADALIMUMAB")["axes"] == "TNF"
    assert find_therapy(table, "IL-6R")["axes"] == "IL-6"
    assert find_therapy(table, "ustekinumab")["axes"] == "IL-12; IL-23"
    assert find_therapy(table, "TNF")["axes"] == "TNF"
    with pytest.raises(InputError, match="'aspirin' is not a drug, brand, target or axis"):
        find_therapy(table, "aspirin")


def test_user_rows_extend_and_replace(tmp_path):
    extra = tmp_path / "mine.tsv"
    extra.write_text("drug\ttarget\taxes\tmechanism\nizokibep\tIL-17A\tIL-17\tsmall protein inhibitor\n"
                     "infliximab\tTNF\tTNF\tbiosimilar row\n")  # fmt: skip
    table = therapy_table(extra)
    assert find_therapy(table, "izokibep")["axes"] == "IL-17"
    assert find_therapy(table, "infliximab")["mechanism"] == "biosimilar row"
    assert (table["drug"] == "infliximab").sum() == 1
    bad = tmp_path / "bad.tsv"
    bad.write_text("drug\taxes\nx\tTNF\n")
    with pytest.raises(InputError, match="bad.tsv: the table lacks the columns \\['target'\\]"):
        therapy_table(bad)


def _study(n: int, *, tnf: float, il17: float, seed: int = 0) -> pd.DataFrame:
    """A comparison of treated vs placebo: the TNF signatures fall by ``tnf``, IL-17's by ``il17``."""
    rng = np.random.default_rng(seed)
    obs = pd.DataFrame({"group": ["treated"] * n + ["placebo"] * n}, index=[f"s{i}" for i in range(2 * n)])
    treated = (obs["group"] == "treated").to_numpy()
    shift = {"CYTOSIG_TNFA": tnf, "HALLMARK_TNFA_SIGNALING_VIA_NFKB": tnf, "CYTOSIG_IL17A": il17,
             "HALLMARK_INTERFERON_ALPHA_RESPONSE": 0.0, "IFN_TYPE1_SPECIFIC": 0.0}  # fmt: skip
    rows = [(o, sig, m, rng.normal() + d * treated[i])
            for sig, d in shift.items() for m in ("mean_z", "ssgsea") for i, o in enumerate(obs.index)]  # fmt: skip
    scores = pd.DataFrame(rows, columns=["observation", "signature", "method", "score"])
    return compare_groups(scores, obs, Design(target="treated", reference="placebo", name="anti_TNF"))


def test_an_anti_tnf_that_works_lowers_tnf_and_leaves_ifn():
    table = therapy_table()
    effects = therapy_effects(_study(12, tnf=-2.0, il17=0.0), find_therapy(table, "infliximab"), therapy_axes())
    assert effects.iloc[0]["axis"] == "TNF" and effects.iloc[0]["on_target"]
    tnf = effects.iloc[0]
    assert tnf["verdict"] == "lowered" and tnf["methods_agree"] == "2 of 2" and tnf["mean_difference"] < -1
    assert tnf["fdr"] < 0.01 and tnf["n_target"] == 12
    others = effects.set_index("axis")
    assert others.loc["type I IFN", "verdict"] == "unchanged" and not others.loc["type I IFN", "on_target"]
    assert set(effects["axis"]) == {"TNF", "type I IFN", "IL-17", "IL-23", "JAK-STAT"}  # axes with a scored signature


def test_a_drug_that_misses_its_axis_is_not_lowered_and_other_moves_are_listed():
    effects = therapy_effects(_study(12, tnf=0.0, il17=2.5), find_therapy(therapy_table(), "adalimumab"),
                              therapy_axes()).set_index("axis")  # fmt: skip
    assert effects.loc["TNF", "verdict"] == "not lowered" and effects.loc["TNF", "methods_agree"] == "0 of 2"
    assert effects.loc["IL-17", "verdict"] == "raised" and not effects.loc["IL-17", "on_target"]
    # a drug with no signature for its axis: not testable, and says why
    il5 = therapy_effects(_study(12, tnf=0.0, il17=0.0), find_therapy(therapy_table(), "mepolizumab"), therapy_axes())
    assert il5.iloc[0]["axis"] == "IL-5" and il5.iloc[0]["verdict"] == "not testable"
    assert il5.iloc[0]["note"] == "no signature reads this axis"


def test_two_per_group_is_not_testable_however_large_the_change():
    effects = therapy_effects(_study(2, tnf=-5.0, il17=0.0), find_therapy(therapy_table(), "TNF"), therapy_axes())
    assert effects.iloc[0]["verdict"] == "not testable" and "n too small" in effects.iloc[0]["note"]


def _profile_scores(seed: int = 3):
    rng = np.random.default_rng(seed)
    groups = pd.Series(["healthy"] * 10 + ["SLE"] * 10, index=[f"s{i}" for i in range(20)])
    sle = (groups == "SLE").to_numpy()
    shift = {"HALLMARK_INTERFERON_ALPHA_RESPONSE": 4.0, "IFN_TYPE1_SPECIFIC": 4.0, "CYTOSIG_IFN1": 4.0,
             "CYTOSIG_TNFA": 0.0, "CYTOSIG_IL6": 0.0, "CYTOSIG_IL10": 0.0, "CYTOSIG_TGFB1": 0.0}  # fmt: skip
    rows = [(o, sig, "mean_z", rng.normal() + d * sle[i]) for sig, d in shift.items() for i, o in enumerate(groups.index)]
    return pd.DataFrame(rows, columns=["observation", "signature", "method", "score"]), groups


def test_axis_profile_calls_the_interferon_axis_in_lupus_and_names_its_drugs():
    from cytoscore.tl import axis_profile

    scores, groups = _profile_scores()
    profile = axis_profile(scores, groups, therapy_axes(), therapy_table(), reference="healthy", method="mean_z")
    sle = profile[profile["group"] == "SLE"]
    assert (sle["z_type I IFN"] > 2).all() and (profile.loc[profile["group"] == "healthy", "z_type I IFN"].abs() < 3).all()
    assert sle["raised_axes"].str.contains("type I IFN").all()
    assert sle["drugs"].str.contains("anifrolumab").all() and not sle["drugs"].str.contains("infliximab").any()
    assert profile["balance"].abs().max() < 4  # TNF/IL-6 vs IL-10/TGF-beta: none moved
    # robust z by hand: (x - median of healthy) / (1.4826 * MAD of healthy), mean over the axis's signatures
    one = scores[scores["signature"] == "CYTOSIG_TNFA"].set_index("observation")["score"]
    ref = one[groups == "healthy"]
    z = (one - ref.median()) / (1.4826 * (ref - ref.median()).abs().median())
    np.testing.assert_allclose(profile.set_index("observation")["z_TNF"], z.reindex(profile["observation"]))
    assert profile.attrs["axes"]["type I IFN"] == ["CYTOSIG_IFN1", "HALLMARK_INTERFERON_ALPHA_RESPONSE", "IFN_TYPE1_SPECIFIC"]


def test_axis_profile_needs_three_reference_samples():
    from cytoscore.tl import axis_profile

    scores, groups = _profile_scores()
    groups.iloc[2:10] = "other"
    with pytest.raises(InputError, match="3\\+ samples in the reference group 'healthy'"):
        axis_profile(scores, groups, therapy_axes(), therapy_table(), reference="healthy", method="mean_z")
