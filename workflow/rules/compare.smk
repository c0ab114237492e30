# Statistics: each contrast compares a target group with a reference group.


rule compare:
    input:
        scores=contrast_scores,
        samples=contrast_samples,
        code=package_files("tl"),
    output:
        report(
            f"{RESULTS}/contrasts/{{contrast}}/comparison.tsv",
            caption="../report/comparison.rst",
            category="Contrasts",
            subcategory="{contrast}",
        ),
    log:
        f"{LOGS}/contrasts/{{contrast}}/compare.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2048,
        runtime=10,
    params:
        target=contrast_option("target"),
        reference=contrast_option("reference"),
        dataset=contrast_dataset,
    script:
        "../scripts/compare.py"


rule collect_comparisons:
    input:
        tables=expand(
            f"{RESULTS}/contrasts/{{contrast}}/comparison.tsv", contrast=CONTRASTS
        ),
    output:
        report(
            f"{RESULTS}/comparisons.tsv",
            caption="../report/comparisons.rst",
            category="Contrasts",
            subcategory="All contrasts",
        ),
    log:
        f"{LOGS}/collect_comparisons.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1024,
        runtime=10,
    script:
        "../scripts/collect_comparisons.py"
