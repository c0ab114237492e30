"""Adapter for rule predict: how well each baseline signature tells the outcomes apart (ROC AUC
with DeLong's CI, FDR), the cross-validated AUC of a few signatures combined, ROC curves."""

import pandas as pd

from cytoscore import InputError, script_logging
from cytoscore.io import read_observations, read_scores, write_table
from cytoscore.pl import roc_plot, save_figure, use_labels
from cytoscore.tl import cross_validated_auc, response_auc

with script_logging(snakemake), use_labels(snakemake.params.labels):  # noqa: F821
    sm = snakemake  # noqa: F821
    spec, name = sm.params.prediction, sm.wildcards.prediction
    obs = read_observations(sm.input.samples)
    where = f"config predictions.{name}"
    for key in ("outcome", *(["baseline"] if spec["baseline"] else [])):
        column = spec[key] if key == "outcome" else spec["baseline"]["column"]
        if column not in obs.columns:
            raise InputError(f"{where}.{key}: column {column!r} is not in the samples' metadata {list(obs.columns)}")
    if spec["baseline"]:
        obs = obs[obs[spec["baseline"]["column"]].astype(str) == str(spec["baseline"]["value"])]
        if obs.empty:
            raise InputError(f"{where}.baseline: no sample has {spec['baseline']['column']} = {spec['baseline']['value']!r}")
    outcome = obs[spec["outcome"]].replace("", pd.NA).dropna().astype(str)
    scores = read_scores(sm.input.scores)
    scores = scores[scores["observation"].astype(str).isin(outcome.index)]
    table = response_auc(scores, outcome, positive=str(spec["positive"]))
    rows = []
    if spec["combine"]:
        for method, part in scores.groupby("method", sort=False):
            wide = part.pivot(index="observation", columns="signature", values="score")
            cv = cross_validated_auc(wide, outcome, positive=str(spec["positive"]), n_signatures=spec["combine"],
                                     folds=spec["folds"], repeats=spec["repeats"], seed=spec["seed"])  # fmt: skip
            chosen = "; ".join(f"{s} ({k})" for s, k in cv.pop("chosen").items())
            rows.append({"method": method, **cv, "chosen": chosen})
    cross = pd.DataFrame(rows)
    write_table(table, sm.output.table)
    write_table(cross, sm.output.cross_validation)
    fig, source = roc_plot(scores, outcome, table, positive=str(spec["positive"]), cross_validated=cross,
                           width=sm.params.width or "double")  # fmt: skip
    save_figure(fig, sm.output.figure[: -len(".svg")], formats=["svg", *sm.params.formats], dpi=sm.params.dpi,
                source_data=source)  # fmt: skip
