# Gene sets and per-sample signature scores.


rule gene_sets:
    input:
        collections=collection_files,
        code=package_files("resources"),
    output:
        table=report(
            f"{RESULTS}/gene_sets/gene_sets.tsv",
            caption="../report/gene_sets.rst",
            category="Gene sets",
        ),
        gmt=f"{RESULTS}/gene_sets/gene_sets.gmt",
        resources=report(
            f"{RESULTS}/gene_sets/resources.tsv",
            caption="../report/resources.rst",
            category="Gene sets",
        ),
    log:
        f"{LOGS}/gene_sets.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(1024),
        runtime=scaled(10),
    params:
        collections=gene_set_collections(),
        curated=config["gene_sets"]["curated"],
        select=config["gene_sets"]["select"],
    script:
        "../scripts/gene_sets.py"


rule score:
    input:
        adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
        gene_sets=f"{RESULTS}/gene_sets/gene_sets.tsv",
        code=package_files("io", "tl", "resources"),
    output:
        scores=report(
            f"{RESULTS}/{{dataset}}/scores.tsv",
            caption="../report/scores.rst",
            category="{dataset}",
            subcategory="Scores",
        ),
        coverage=report(
            f"{RESULTS}/{{dataset}}/gene_set_coverage.tsv",
            caption="../report/coverage.rst",
            category="{dataset}",
            subcategory="Scores",
        ),
    log:
        f"{LOGS}/{{dataset}}/score.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(8192, per_input_mb=20),
        runtime=scaled(60),
    params:
        methods=METHODS,
        min_genes=config["gene_sets"]["min_genes"],
        min_coverage=config["gene_sets"]["min_coverage"],
        method_params=method_params(),
        chunk_size=config["scoring"]["chunk_size"],
    script:
        "../scripts/score.py"


rule summarize_cells:
    input:
        scores=f"{RESULTS}/{{dataset}}/scores.tsv",
        samples=f"{RESULTS}/{{dataset}}/samples.tsv",
        code=package_files("tl"),
    output:
        report(
            f"{RESULTS}/{{dataset}}/score_summary.tsv",
            caption="../report/score_summary.rst",
            category="{dataset}",
            subcategory="Scores",
        ),
    log:
        f"{LOGS}/{{dataset}}/summarize_cells.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(4096, per_input_mb=20),
        runtime=scaled(10),
    params:
        by=summary_by,
    script:
        "../scripts/summarize_cells.py"


rule method_concordance:
    input:
        scores=f"{RESULTS}/{{dataset}}/scores.tsv",
        comparisons=dataset_comparison_tables,
        code=package_files("tl"),
    output:
        scores=report(
            f"{RESULTS}/{{dataset}}/method_concordance.tsv",
            caption="../report/method_concordance.rst",
            category="{dataset}",
            subcategory="Scores",
        ),
        contrasts=report(
            f"{RESULTS}/{{dataset}}/contrast_concordance.tsv",
            caption="../report/contrast_concordance.rst",
            category="{dataset}",
            subcategory="Scores",
        ),
    log:
        f"{LOGS}/{{dataset}}/method_concordance.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    script:
        "../scripts/method_concordance.py"
