"""Adapter for rule omnibus: ANOVA and Kruskal-Wallis across all groups of a dataset."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import read_observations, write_table
from cytoscore.tl import omnibus_tests

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    scores = pd.read_csv(sm.input.scores, sep="\t")
    samples = read_observations(sm.input.samples)
    write_table(omnibus_tests(scores, samples["group"]), sm.output[0])
