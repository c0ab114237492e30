# cytoscore: cytokine and interferon signalling scores from public expression data.
# This file is the table of contents; rules live in workflow/rules/, logic in
# the package workflow/cytoscore/.

import sys

from snakemake.utils import min_version

sys.path.insert(0, f"{workflow.basedir}/workflow")  # the package beside this Snakefile

from cytoscore._config import validate_config

min_version("9.0")


# The default study, unless config files are given with --configfile (they replace it
# rather than being merged into it, so an example config runs only its own datasets).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


# defaults filled in; an error names the key path in one line ("did you mean" for typos)
validate_config(config, f"{workflow.basedir}/workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/fetch.smk"
include: "workflow/rules/prepare.smk"
include: "workflow/rules/score.smk"
include: "workflow/rules/compare.smk"
include: "workflow/rules/plot.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
