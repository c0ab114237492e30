"""Adapter for rule axis_profile: each sample's cytokine axes against the reference group, the
pro- vs anti-inflammatory balance, the drugs blocking raised axes (table and heatmap)."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import read_observations, read_scores, write_table
from cytoscore.pl import axis_profile_plot, save_figure, use_labels
from cytoscore.tl import ADVICE_NOTE, BALANCE_REFERENCE, axis_profile

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    spec = sm.params.profile
    drugs = pd.read_csv(sm.input.drugs, sep="\t", dtype=str, keep_default_na=False)
    axes = pd.read_csv(sm.input.axes, sep="\t", dtype=str, keep_default_na=False)
    obs = read_observations(sm.input.samples)
    profile = axis_profile(read_scores(sm.input.scores), obs["group"], axes, drugs, reference=spec["reference"],
                           method=sm.params.method, threshold=spec["threshold"])  # fmt: skip
    table = profile.assign(balance_definition=BALANCE_REFERENCE, drugs_note=ADVICE_NOTE)
    write_table(table, sm.output.table)
    fig, source = axis_profile_plot(profile, group_order=sm.params.group_order or None,
                                    width=sm.params.width or "double")  # fmt: skip
    save_figure(fig, sm.output.svg[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi,
                source_data=source)  # fmt: skip
