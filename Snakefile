# cytoscore: the workflow is workflow/Snakefile (the standard layout, which Snakemake modules
# and snakedeploy expect); this file lets `snakemake` run from the repository's root.


include: "workflow/Snakefile"


# An included file's default target does not carry over (Snakemake restores the includer's),
# so the default target of `snakemake` run from here is named again.
localrules:
    default,


rule default:
    default_target: True
    input:
        rules.all.input,
