# Statistics: contrasts (bulk: across samples; single cell: across replicates per cell
# type), omnibus tests across all groups, and meta-analyses across datasets.


rule compare:
    input:
        unpack(pseudobulk_inputs),
        scores=contrast_scores,
        samples=contrast_samples,
        coverage=contrast_coverage,
        code=adapter_code("compare"),
    output:
        table=report(
            f"{RESULTS}/contrasts/{{contrast}}/comparison.tsv",
            caption="../report/comparison.rst",
            category="Contrasts",
            subcategory=shown_contrast,
            labels=shown_labels({"contrast": "{contrast}", "table": "comparison"}),
        ),
        units=f"{RESULTS}/contrasts/{{contrast}}/units.tsv",
    log:
        f"{LOGS}/contrasts/{{contrast}}/compare.log",
    benchmark:
        f"{BENCHMARKS}/contrasts/{{contrast}}/compare.tsv"
    priority: 10  # the answer before the embedding (UMAP) and the figures
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(4096),
        runtime=scaled(20),
    params:
        title=shown_contrast,  # the report captions name the contrast by its label
        contrast=contrast_options,
        load=contrast_load_options,
        methods=METHODS,
        min_genes=config["gene_sets"]["min_genes"],
        min_coverage=config["gene_sets"]["min_coverage"],
        chunk_size=lookup(dpath="single_cell/chunk_size", within=config),
    script:
        adapter("compare")


rule compare_routes:
    input:
        unpack(route_tables),
        code=adapter_code("compare_routes"),
    output:
        report(
            f"{RESULTS}/contrasts/{{contrast}}/routes.tsv",
            caption="../report/routes.rst",
            category="Contrasts",
            subcategory=shown_contrast,
            labels=shown_labels({"contrast": "{contrast}", "table": "routes"}),
        ),
    log:
        f"{LOGS}/contrasts/{{contrast}}/compare_routes.log",
    benchmark:
        f"{BENCHMARKS}/contrasts/{{contrast}}/compare_routes.tsv"
    priority: 10  # the answer's tables before the figures
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(1024),
        runtime=scaled(10),
    script:
        adapter("compare_routes")


rule omnibus:
    input:
        scores=f"{RESULTS}/{{dataset}}/scores.tsv",
        samples=f"{RESULTS}/{{dataset}}/samples.tsv",
        code=adapter_code("omnibus"),
    output:
        report(
            f"{RESULTS}/{{dataset}}/omnibus.tsv",
            caption="../report/omnibus.rst",
            category="{dataset}",
            subcategory="Scores",
            labels=shown_labels({"dataset": "{dataset}", "table": "omnibus tests"}),
        ),
    log:
        f"{LOGS}/{{dataset}}/omnibus.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/omnibus.tsv"
    priority: 10  # the answer's tables before the figures
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    script:
        adapter("omnibus")


rule meta_analysis:
    input:
        tables=meta_tables,
        code=adapter_code("meta_analysis"),
    output:
        report(
            f"{RESULTS}/meta/{{meta}}.tsv",
            caption="../report/meta.rst",
            category="Meta-analyses",
            subcategory="{meta}",
            labels=shown_labels({"meta": "{meta}", "table": "meta-analysis"}),
        ),
    log:
        f"{LOGS}/meta/{{meta}}.log",
    benchmark:
        f"{BENCHMARKS}/meta/{{meta}}.tsv"
    priority: 10  # the answer's tables before the figures
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(1024),
        runtime=scaled(10),
    params:
        method=lookup(dpath="meta_analyses/{meta}/method", within=config),
        test=lookup(dpath="meta_analyses/{meta}/test", within=config),
    script:
        adapter("meta_analysis")


rule collect_comparisons:
    input:
        code=adapter_code("collect_comparisons"),
        tables=expand(
            f"{RESULTS}/contrasts/{{contrast}}/comparison.tsv", contrast=CONTRASTS
        ),
    output:
        report(
            f"{RESULTS}/comparisons.tsv",
            caption="../report/comparisons.rst",
            category="Contrasts",
            subcategory="All contrasts",
            labels={"table": "all comparisons"},
        ),
    log:
        f"{LOGS}/collect_comparisons.log",
    benchmark:
        f"{BENCHMARKS}/collect_comparisons.tsv"
    priority: 10  # the answer's tables before the figures
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(1024),
        runtime=scaled(10),
    script:
        adapter("collect_comparisons")


rule therapy_table:
    input:
        unpack(therapy_user_tables),
        code=adapter_code("therapy_table"),
    output:
        drugs=report(
            f"{RESULTS}/therapies/therapies.tsv",
            caption="../report/therapies.rst",
            category="Therapies",
            labels={"table": "cytokine-targeted therapies"},
        ),
        axes=f"{RESULTS}/therapies/axes.tsv",
        record=f"{RESULTS}/therapies/resource.tsv",
    log:
        f"{LOGS}/therapies/therapy_table.log",
    benchmark:
        f"{BENCHMARKS}/therapies/therapy_table.tsv"
    priority: 10  # the answer's tables before the figures
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(512),
        runtime=scaled(5),
    params:
        table=config["therapies"]["table"],
        axes=config["therapies"]["axes"],
    script:
        adapter("therapy_table")


rule therapy:
    input:
        comparison=f"{RESULTS}/contrasts/{{contrast}}/comparison.tsv",
        drugs=f"{RESULTS}/therapies/therapies.tsv",
        axes=f"{RESULTS}/therapies/axes.tsv",
        gene_sets=f"{RESULTS}/gene_sets/gene_sets.tsv",
        code=adapter_code("therapy"),
    output:
        table=report(
            f"{RESULTS}/contrasts/{{contrast}}/therapy.tsv",
            caption="../report/therapy_table.rst",
            category="Contrasts",
            subcategory=shown_contrast,
            labels=shown_labels({"contrast": "{contrast}", "table": "therapy"}),
        ),
        figure=report(
            f"{RESULTS}/contrasts/{{contrast}}/therapy.svg",
            caption="../report/therapy.rst",
            category="Contrasts",
            subcategory=shown_contrast,
            labels=shown_labels({"contrast": "{contrast}", "figure": "therapy"}),
        ),
        other=figure_files(f"{RESULTS}/contrasts/{{contrast}}/therapy")
        + [f"{RESULTS}/contrasts/{{contrast}}/therapy.source_data.tsv"],
    log:
        f"{LOGS}/contrasts/{{contrast}}/therapy.log",
    benchmark:
        f"{BENCHMARKS}/contrasts/{{contrast}}/therapy.tsv"
    priority: 10  # the answer's tables before the figures
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(1024),
        runtime=scaled(10),
    params:
        title=shown_contrast,
        therapy=lookup(dpath="contrasts/{contrast}/therapy", within=config),
        alpha=config["therapies"]["alpha"],
        labels=figure_labels(),
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("therapy")


rule predict:
    input:
        scores=prediction_file("scores.tsv"),
        samples=prediction_file("samples.tsv"),
        code=adapter_code("predict"),
    output:
        table=report(
            f"{RESULTS}/predictions/{{prediction}}/auc.tsv",
            caption="../report/prediction_table.rst",
            category="Predictions",
            subcategory="{prediction}",
            labels={"prediction": "{prediction}", "table": "ROC AUC per signature"},
        ),
        cross_validation=f"{RESULTS}/predictions/{{prediction}}/cross_validation.tsv",
        figure=report(
            f"{RESULTS}/predictions/{{prediction}}/roc.svg",
            caption="../report/roc.rst",
            category="Predictions",
            subcategory="{prediction}",
            labels={"prediction": "{prediction}", "figure": "ROC curves"},
        ),
        other=figure_files(f"{RESULTS}/predictions/{{prediction}}/roc")
        + [f"{RESULTS}/predictions/{{prediction}}/roc.source_data.tsv"],
    log:
        f"{LOGS}/predictions/{{prediction}}/predict.log",
    benchmark:
        f"{BENCHMARKS}/predictions/{{prediction}}/predict.tsv"
    priority: 10  # the answer's tables before the figures
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(20),
    params:
        prediction=lookup(dpath="predictions/{prediction}", within=config),
        labels=figure_labels(),
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("predict")
