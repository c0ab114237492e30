"""Adapter for rule therapy_table: the curated cytokine-targeted therapies with the user's
rows (therapies.table / therapies.axes), and their provenance."""

import pandas as pd

from cytoscore import script_logging
from cytoscore.io import write_table
from cytoscore.resources import therapy_axes, therapy_record, therapy_table

with script_logging(snakemake):  # noqa: F821
    sm = snakemake  # noqa: F821
    drugs = therapy_table(sm.params.table)
    axes = therapy_axes(sm.params.axes)
    write_table(drugs, sm.output.drugs)
    write_table(axes, sm.output.axes)
    write_table(pd.DataFrame([therapy_record(drugs, axes)]), sm.output.record)
