# Figures: each as SVG (shown in the report) plus the configured formats (PDF, PNG),
# with a TSV of the numbers it shows.


# Figures of one kind for one contrast or dataset are drawn by one job for every scoring
# method: a job's Python start-up and imports cost more than a figure (issue 13: the default
# study's 13 figure jobs became 4).


rule plot_contrast:
    input:
        scores=contrast_scores,
        samples=contrast_samples,
        comparison=f"{RESULTS}/contrasts/{{contrast}}/comparison.tsv",
        code=adapter_code("plot_contrast"),
    output:
        boxplots=each_figure(
            f"{RESULTS}/contrasts/{{contrast}}/boxplot_{{method}}.svg",
            per_method(METHODS),
            caption="../report/boxplot.rst",
            category="Contrasts",
            subcategory="{contrast}",
            labels={"contrast": "{contrast}", "figure": "box plot"},
        ),
        effects=report(
            f"{RESULTS}/contrasts/{{contrast}}/effects.svg",
            caption="../report/contrast_effects.rst",
            category="Contrasts",
            subcategory=shown_contrast,
            labels=shown_labels({"contrast": "{contrast}", "figure": "effects"}),
        ),
        other=each_figure_files(
            f"{RESULTS}/contrasts/{{contrast}}/boxplot_{{method}}", per_method(METHODS)
        )
        + figure_files(f"{RESULTS}/contrasts/{{contrast}}/effects")
        + [f"{RESULTS}/contrasts/{{contrast}}/effects.source_data.tsv"],
    log:
        f"{LOGS}/contrasts/{{contrast}}/figures.log",
    benchmark:
        f"{BENCHMARKS}/contrasts/{{contrast}}/figures.tsv"
    priority: 5  # the longest jobs after the answer start first (2 cores, short tail)
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    params:
        title=shown_contrast,  # the report captions name the contrast by its label
        labels=figure_labels(),
        methods=METHODS,
        signatures=key_signatures(),
        group_order=contrast_group_order,
        pair_by=lookup(
            dpath="contrasts/{contrast}/pair_by", within=config, default=None
        ),
        effect=config["plots"]["effect"],
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("plot_contrast")


rule plot_heatmaps:
    input:
        scores=f"{RESULTS}/{{dataset}}/scores.tsv",
        samples=f"{RESULTS}/{{dataset}}/samples.tsv",
        code=adapter_code("plot_heatmaps"),
    output:
        svgs=each_figure(
            f"{RESULTS}/{{dataset}}/figures/heatmap_{{method}}.svg",
            per_method(METHODS),
            caption="../report/heatmap.rst",
            category="{dataset}",
            subcategory="Figures",
            labels={"dataset": "{dataset}", "figure": "heatmap"},
        ),
        other=each_figure_files(
            f"{RESULTS}/{{dataset}}/figures/heatmap_{{method}}", per_method(METHODS)
        ),
    log:
        f"{LOGS}/{{dataset}}/heatmaps.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/heatmaps.tsv"
    wildcard_constraints:
        dataset=BULK_PATTERN,
    priority: 5  # the longest jobs after the answer start first
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    params:
        labels=figure_labels(),
        methods=METHODS,
        group_order=dataset_group_order,
        annotations=lookup(dpath="datasets/{dataset}/plot_annotations", within=config),
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("plot_heatmaps")


# The correlation figures are a job of their own beside the heatmaps: together they took
# 5.6-6.4 s on a 69-signature, 5-method dataset (issue 23: no figure job above 5 s), apart
# 4.4-4.8 s and 2.1 s, for the ~0.9 s of one more job's start-up.
rule plot_correlations:
    input:
        scores=f"{RESULTS}/{{dataset}}/scores.tsv",
        samples=f"{RESULTS}/{{dataset}}/samples.tsv",
        gene_sets=f"{RESULTS}/gene_sets/gene_sets.gmt",
        coverage=f"{RESULTS}/{{dataset}}/gene_set_coverage.tsv",
        code=adapter_code("plot_correlations"),
    output:
        svgs=each_figure(
            f"{RESULTS}/{{dataset}}/figures/correlation_{{method}}.svg",
            per_method(correlation_methods()),
            caption="../report/correlation.rst",
            category="{dataset}",
            subcategory="Figures",
            labels={"dataset": "{dataset}", "figure": "correlation"},
        ),
        other=each_figure_files(
            f"{RESULTS}/{{dataset}}/figures/correlation_{{method}}",
            per_method(correlation_methods()),
        ),
    log:
        f"{LOGS}/{{dataset}}/correlations.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/correlations.tsv"
    wildcard_constraints:
        dataset=BULK_PATTERN,
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    params:
        labels=figure_labels(),
        methods=correlation_methods(),
        signatures=config["plots"]["correlation"],
        group_order=dataset_group_order,
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("plot_correlations")


rule ifn_score:
    input:
        adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
        code=adapter_code("ifn_score"),
    output:
        table=report(
            f"{RESULTS}/{{dataset}}/ifn_score.tsv",
            caption="../report/ifn_score_table.rst",
            category="{dataset}",
            subcategory="Scores",
            labels=shown_labels(
                {"dataset": "{dataset}", "table": "clinical IFN score"}
            ),
        ),
        svg=report(
            f"{RESULTS}/{{dataset}}/figures/ifn_score.svg",
            caption="../report/ifn_score.rst",
            category="{dataset}",
            subcategory="Figures",
            labels={"dataset": "{dataset}", "figure": "interferon score"},
        ),
        source_data=f"{RESULTS}/{{dataset}}/figures/ifn_score.source_data.tsv",
        other=figure_files(f"{RESULTS}/{{dataset}}/figures/ifn_score"),
    log:
        f"{LOGS}/{{dataset}}/ifn_score.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/ifn_score.tsv"
    priority: 3  # before the small tables
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(4096, per_input_mb=20),
        runtime=scaled(10),
    params:
        labels=figure_labels(),
        control=lookup(dpath="datasets/{dataset}/ifn_score_control", within=config),
        threshold_from=lookup(
            dpath="datasets/{dataset}/ifn_score_threshold_from", within=config
        ),
        threshold=lookup(dpath="datasets/{dataset}/ifn_score_threshold", within=config),
        group_order=dataset_group_order,
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("ifn_score")


rule embed_cells:
    input:
        adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
        code=adapter_code("embed_cells"),
    output:
        f"{RESULTS}/{{dataset}}/umap.tsv",
    log:
        f"{LOGS}/{{dataset}}/embed_cells.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/embed_cells.tsv"
    priority: 8  # after the answer, before the figures: the longest chain (embedding, then its figures)
    conda:
        ENV
    threads: 1  # UMAP's epochs run on one thread (reproducible layout); the exact kNN search gains little from a second
    resources:
        mem_mb=scaled(8192),
        runtime=scaled(60),
    params:
        embedding=embedding_options(),
    script:
        adapter("embed_cells")


rule plot_umap:
    # one job per method: the embedding comes last, and its figures are then drawn on both cores
    input:
        umap=f"{RESULTS}/{{dataset}}/umap.tsv",
        samples=f"{RESULTS}/{{dataset}}/samples.tsv",
        scores=f"{RESULTS}/{{dataset}}/scores.parquet",
        code=adapter_code("plot_umap"),
    output:
        svg=report(
            f"{RESULTS}/{{dataset}}/figures/umap_{{method}}.svg",
            caption="../report/umap.rst",
            category="{dataset}",
            subcategory="Figures",
            labels=shown_labels(
                {"dataset": "{dataset}", "figure": "UMAP", "method": "{method}"}
            ),
        ),
        other=[
            *figure_files(f"{RESULTS}/{{dataset}}/figures/umap_{{method}}"),
            f"{RESULTS}/{{dataset}}/figures/umap_{{method}}.source_data.tsv",
        ],
    log:
        f"{LOGS}/{{dataset}}/umap_figures_{{method}}.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/umap_figures_{{method}}.tsv"
    wildcard_constraints:
        dataset=CELL_PATTERN,
        method=names_regex(set_methods()),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(4096),
        runtime=scaled(20),
    params:
        labels=figure_labels(),
        signatures=key_signatures(),
        cell_type=dataset_cell_type,
        group="group",
        group_order=dataset_group_order,
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("plot_umap")


rule plot_cells:
    input:
        scores=f"{RESULTS}/{{dataset}}/scores.parquet",
        samples=f"{RESULTS}/{{dataset}}/samples.tsv",
        code=adapter_code("plot_cells"),
    output:
        dotplots=each_figure(
            f"{RESULTS}/{{dataset}}/figures/dotplot_{{method}}.svg",
            per_method(set_methods()),
            caption="../report/dotplot.rst",
            category="{dataset}",
            subcategory="Figures",
            labels={"dataset": "{dataset}", "figure": "dot plot"},
        ),
        violins=each_figure(
            f"{RESULTS}/{{dataset}}/figures/violins_{{method}}.svg",
            per_method(set_methods()),
            caption="../report/violins.rst",
            category="{dataset}",
            subcategory="Figures",
            labels={"dataset": "{dataset}", "figure": "violins"},
        ),
        other=each_figure_files(
            f"{RESULTS}/{{dataset}}/figures/dotplot_{{method}}",
            per_method(set_methods()),
        )
        + each_figure_files(
            f"{RESULTS}/{{dataset}}/figures/violins_{{method}}",
            per_method(set_methods()),
        ),
    log:
        f"{LOGS}/{{dataset}}/cell_figures.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/cell_figures.tsv"
    priority: 5  # before the UMAP
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(4096),
        runtime=scaled(10),
    params:
        labels=figure_labels(),
        methods=set_methods(),
        cell_type=dataset_cell_type,
        signatures=key_signatures(),
        group_order=dataset_group_order,
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("plot_cells")


rule plot_donors:
    input:
        units=f"{RESULTS}/contrasts/{{contrast}}/units.tsv",
        comparison=f"{RESULTS}/contrasts/{{contrast}}/comparison.tsv",
        code=adapter_code("plot_donors"),
    output:
        svgs=each_figure(
            f"{RESULTS}/contrasts/{{contrast}}/donors_{{method}}.svg",
            per_method(set_methods()),
            caption="../report/donors.rst",
            category="Contrasts",
            subcategory="{contrast}",
            labels={"contrast": "{contrast}", "figure": "donors"},
        ),
        other=each_figure_files(
            f"{RESULTS}/contrasts/{{contrast}}/donors_{{method}}",
            per_method(set_methods()),
        ),
    log:
        f"{LOGS}/contrasts/{{contrast}}/donor_figures.log",
    benchmark:
        f"{BENCHMARKS}/contrasts/{{contrast}}/donor_figures.tsv"
    priority: 5  # before the UMAP
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    params:
        title=shown_contrast,  # the report captions name the contrast by its label
        labels=figure_labels(),
        methods=set_methods(),
        signatures=key_signatures(),
        contrast=contrast_options,
        group_order=contrast_group_order,
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("plot_donors")


rule plot_effect_sizes:
    input:
        tables=all_comparison_tables,
        code=adapter_code("plot_effect_sizes"),
    output:
        svgs=each_figure(
            f"{RESULTS}/figures/effect_sizes_{{method}}.svg",
            per_method(METHODS),
            caption="../report/effect_sizes.rst",
            category="Summary",
            labels={"figure": "effect sizes"},
        ),
        other=each_figure_files(
            f"{RESULTS}/figures/effect_sizes_{{method}}", per_method(METHODS)
        ),
    log:
        f"{LOGS}/effect_sizes.log",
    benchmark:
        f"{BENCHMARKS}/effect_sizes.tsv"
    priority: 6  # the longest figure job (every contrast, per method): it starts once every contrast is
    # compared, beside the per-contrast figures, not alone at the end of the run
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    params:
        labels=figure_labels(),
        methods=METHODS,
        effect=config["plots"]["effect"],
        signatures=config["gene_sets"]["select"],
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("plot_effect_sizes")


rule plot_forest:
    input:
        meta=f"{RESULTS}/meta/{{meta}}.tsv",
        tables=meta_tables,
        code=adapter_code("plot_forest"),
    output:
        svg=report(
            f"{RESULTS}/meta/{{meta}}_forest_{{method}}.svg",
            caption="../report/forest.rst",
            category="Meta-analyses",
            subcategory="{meta}",
            labels=shown_labels(
                {
                    "meta-analysis": "{meta}",
                    "figure": "forest plot",
                    "method": "{method}",
                }
            ),
        ),
        source_data=f"{RESULTS}/meta/{{meta}}_forest_{{method}}.source_data.tsv",
        other=figure_files(f"{RESULTS}/meta/{{meta}}_forest_{{method}}"),
    log:
        f"{LOGS}/meta/{{meta}}_forest_{{method}}.log",
    benchmark:
        f"{BENCHMARKS}/meta/{{meta}}_forest_{{method}}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    params:
        labels=figure_labels(),
        signatures=key_signatures(),
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("plot_forest")


localrules:
    report_summary,  # reads three small tables: not worth a cluster job


rule report_summary:
    input:
        unpack(report_summary_input),
        code=adapter_code("report_summary"),
    output:
        rst=f"{RESULTS}/report/summary.rst",
    log:
        f"{LOGS}/report_summary.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(1024),
        runtime=scaled(5),
    params:
        labels=figure_labels(),
        datasets=list(DATASETS),
        method=METHODS[0],
        methods=METHODS,
        signatures=key_signatures(),
    script:
        adapter("report_summary")


rule axis_profile:
    input:
        scores=f"{RESULTS}/{{dataset}}/scores.tsv",
        samples=f"{RESULTS}/{{dataset}}/samples.tsv",
        drugs=f"{RESULTS}/therapies/therapies.tsv",
        axes=f"{RESULTS}/therapies/axes.tsv",
        code=adapter_code("axis_profile"),
    output:
        table=report(
            f"{RESULTS}/{{dataset}}/axis_profile.tsv",
            caption="../report/axis_profile_table.rst",
            category="{dataset}",
            subcategory="Scores",
            labels=shown_labels({"dataset": "{dataset}", "table": "axis profile"}),
        ),
        svg=report(
            f"{RESULTS}/{{dataset}}/figures/axis_profile.svg",
            caption="../report/axis_profile.rst",
            category="{dataset}",
            subcategory="Figures",
            labels={"dataset": "{dataset}", "figure": "axis profile"},
        ),
        source_data=f"{RESULTS}/{{dataset}}/figures/axis_profile.source_data.tsv",
        other=figure_files(f"{RESULTS}/{{dataset}}/figures/axis_profile"),
    log:
        f"{LOGS}/{{dataset}}/axis_profile.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/axis_profile.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    params:
        labels=figure_labels(),
        profile=lookup(dpath="datasets/{dataset}/axis_profile", within=config),
        method=lambda wildcards: config["datasets"][wildcards.dataset]["axis_profile"][
            "method"
        ]
        or METHODS[0],
        group_order=dataset_group_order,
        width=config["plots"]["width"],
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        adapter("axis_profile")
