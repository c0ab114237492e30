# Gene sets and per-sample signature scores.


rule gene_sets:
    input:
        collections=collection_files,
        code=adapter_code("gene_sets"),
    output:
        table=report(
            f"{RESULTS}/gene_sets/gene_sets.tsv",
            caption="../report/gene_sets.rst",
            category="Gene sets",
            labels={"table": "gene sets"},
        ),
        gmt=f"{RESULTS}/gene_sets/gene_sets.gmt",
        resources=report(
            f"{RESULTS}/gene_sets/resources.tsv",
            caption="../report/resources.rst",
            category="Gene sets",
            labels={"table": "resources"},
        ),
    log:
        f"{LOGS}/gene_sets.log",
    benchmark:
        f"{BENCHMARKS}/gene_sets.tsv"
    priority: 10  # needed by the scores, which come before the embedding
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
        needed=figure_signatures(),
    script:
        adapter("gene_sets")


rule score:
    input:
        adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
        gene_sets=f"{RESULTS}/gene_sets/gene_sets.tsv",
        # a bulk dataset's preflight runs beside prepare (both light), before any scoring
        preflight=f"{RESULTS}/{{dataset}}/preflight.txt",
        code=adapter_code("score"),
    output:
        scores=report(
            f"{RESULTS}/{{dataset}}/scores.tsv",
            caption="../report/scores.rst",
            category="{dataset}",
            subcategory="Scores",
            labels=shown_labels({"dataset": "{dataset}", "table": "scores"}),
        ),
        coverage=report(
            f"{RESULTS}/{{dataset}}/gene_set_coverage.tsv",
            caption="../report/coverage.rst",
            category="{dataset}",
            subcategory="Scores",
            labels=shown_labels(
                {"dataset": "{dataset}", "table": "gene-set coverage"}
            ),
        ),
    log:
        f"{LOGS}/{{dataset}}/score.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/score.tsv"
    wildcard_constraints:
        dataset=BULK_PATTERN,
    priority: 10  # the answer first (bulk scores, then the comparisons)
    conda:
        ENV
    threads: 2
    resources:
        mem_mb=scaled(8192, per_input_mb=20),
        runtime=scaled(60),
    params:
        methods=METHODS,
        min_genes=config["gene_sets"]["min_genes"],
        min_coverage=config["gene_sets"]["min_coverage"],
        required=required_sets(),
        method_params=method_params(),
        chunk_size=config["scoring"]["chunk_size"],
    script:
        adapter("score")


# Single cell: scores.parquet (one column per method and signature) and their summary per
# sample, group and cell type (score_summary.tsv), scored from the
# normalized matrix read in row chunks; with scoring.shards > 1, by one job per row range
# (each reads the dataset-wide gene statistics that prepare_cells stored in var), then gathered.
if SHARDS == 1:

    rule score_cells:
        input:
            adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
            gene_sets=f"{RESULTS}/gene_sets/gene_sets.tsv",
            code=adapter_code("score"),
        output:
            scores=f"{RESULTS}/{{dataset}}/scores.parquet",
            coverage=report(
                f"{RESULTS}/{{dataset}}/gene_set_coverage.tsv",
                caption="../report/coverage.rst",
                category="{dataset}",
                subcategory="Scores",
                labels=shown_labels(
                    {"dataset": "{dataset}", "table": "gene-set coverage"}
                ),
            ),
            summary=report(
                f"{RESULTS}/{{dataset}}/score_summary.tsv",
                caption="../report/score_summary.rst",
                category="{dataset}",
                subcategory="Scores",
                labels=shown_labels(
                    {"dataset": "{dataset}", "table": "score summary"}
                ),
            ),
        log:
            f"{LOGS}/{{dataset}}/score.log",
        benchmark:
            f"{BENCHMARKS}/{{dataset}}/score.tsv"
        wildcard_constraints:
            dataset=CELL_PATTERN,
        priority: 10  # the answer before the embedding (UMAP) and the figures
        conda:
            ENV
        threads: 2
        resources:
            mem_mb=scaled(4096, per_input_mb=0.1),
            runtime=scaled(60, per_input_mb=0.02),
        params:
            methods=METHODS,
            min_genes=config["gene_sets"]["min_genes"],
            min_coverage=config["gene_sets"]["min_coverage"],
            required=required_sets(),
            method_params=method_params(),
            chunk_size=config["scoring"]["chunk_size"],
            shard=None,
            by=summary_by,
        script:
            adapter("score")

else:

    rule score_shard:
        input:
            adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
            gene_sets=f"{RESULTS}/gene_sets/gene_sets.tsv",
            code=adapter_code("score"),
        output:
            scores=temp(f"{RESULTS}/{{dataset}}/shards/scores_{{shard}}.parquet"),
            coverage=f"{RESULTS}/{{dataset}}/shards/coverage_{{shard}}.tsv",
        log:
            f"{LOGS}/{{dataset}}/score_{{shard}}.log",
        benchmark:
            f"{BENCHMARKS}/{{dataset}}/score_{{shard}}.tsv"
        wildcard_constraints:
            dataset=CELL_PATTERN,
            shard=r"\d+",
        priority: 10  # the answer before the embedding (UMAP) and the figures
        conda:
            ENV
        threads: 2
        resources:
            mem_mb=scaled(4096, per_input_mb=0.1 / SHARDS),
            runtime=scaled(60, per_input_mb=0.02 / SHARDS),
        params:
            methods=METHODS,
            min_genes=config["gene_sets"]["min_genes"],
            min_coverage=config["gene_sets"]["min_coverage"],
            required=required_sets(),
            method_params=method_params(),
            chunk_size=config["scoring"]["chunk_size"],
            shard=shard_spec,
        script:
            adapter("score")

    rule gather_scores:
        input:
            scores=shard_files("scores", "parquet"),
            coverage=shard_files("coverage", "tsv"),
            samples=f"{RESULTS}/{{dataset}}/samples.tsv",
            code=adapter_code("score"),
        output:
            scores=f"{RESULTS}/{{dataset}}/scores.parquet",
            coverage=report(
                f"{RESULTS}/{{dataset}}/gene_set_coverage.tsv",
                caption="../report/coverage.rst",
                category="{dataset}",
                subcategory="Scores",
                labels=shown_labels(
                    {"dataset": "{dataset}", "table": "gene-set coverage"}
                ),
            ),
            summary=report(
                f"{RESULTS}/{{dataset}}/score_summary.tsv",
                caption="../report/score_summary.rst",
                category="{dataset}",
                subcategory="Scores",
                labels=shown_labels(
                    {"dataset": "{dataset}", "table": "score summary"}
                ),
            ),
        log:
            f"{LOGS}/{{dataset}}/gather_scores.log",
        benchmark:
            f"{BENCHMARKS}/{{dataset}}/gather_scores.tsv"
        wildcard_constraints:
            dataset=CELL_PATTERN,
        priority: 10  # the answer before the embedding (UMAP) and the figures
        conda:
            ENV
        threads: 1
        resources:
            mem_mb=scaled(2048, per_input_mb=3),
            runtime=scaled(20),
        params:
            by=summary_by,
        script:
            adapter("gather_scores")


rule method_concordance:
    input:
        scores=dataset_scores,
        comparisons=dataset_comparison_tables,
        code=adapter_code("method_concordance"),
    output:
        scores=report(
            f"{RESULTS}/{{dataset}}/method_concordance.tsv",
            caption="../report/method_concordance.rst",
            category="{dataset}",
            subcategory="Scores",
            labels=shown_labels(
                {"dataset": "{dataset}", "table": "method concordance"}
            ),
        ),
        contrasts=report(
            f"{RESULTS}/{{dataset}}/contrast_concordance.tsv",
            caption="../report/contrast_concordance.rst",
            category="{dataset}",
            subcategory="Scores",
            labels=shown_labels(
                {"dataset": "{dataset}", "table": "contrast concordance"}
            ),
        ),
    log:
        f"{LOGS}/{{dataset}}/method_concordance.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/method_concordance.tsv"
    priority: 10  # the answer's tables before the figures
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    script:
        adapter("method_concordance")
