# Figures: each as SVG (shown in the report) plus the configured formats (PDF, PNG),
# with a TSV of the numbers it shows.


rule plot_boxplot:
    input:
        scores=contrast_scores,
        samples=contrast_samples,
        comparison=f"{RESULTS}/contrasts/{{contrast}}/comparison.tsv",
        code=package_files("pl"),
    output:
        svg=report(
            f"{RESULTS}/contrasts/{{contrast}}/boxplot_{{method}}.svg",
            caption="../report/boxplot.rst",
            category="Contrasts",
            subcategory="{contrast}",
            labels={
                "contrast": "{contrast}",
                "figure": "box plot",
                "method": "{method}",
            },
        ),
        source_data=f"{RESULTS}/contrasts/{{contrast}}/boxplot_{{method}}.source_data.tsv",
        other=figure_files(f"{RESULTS}/contrasts/{{contrast}}/boxplot_{{method}}"),
    log:
        f"{LOGS}/contrasts/{{contrast}}/boxplot_{{method}}.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    params:
        signatures=config["plots"]["signatures"],
        group_order=contrast_group_order,
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/plot_boxplot.py"


rule plot_heatmap:
    input:
        scores=f"{RESULTS}/{{dataset}}/scores.tsv",
        samples=f"{RESULTS}/{{dataset}}/samples.tsv",
        code=package_files("pl"),
    output:
        svg=report(
            f"{RESULTS}/{{dataset}}/figures/heatmap_{{method}}.svg",
            caption="../report/heatmap.rst",
            category="{dataset}",
            subcategory="Figures",
            labels={"dataset": "{dataset}", "figure": "heatmap", "method": "{method}"},
        ),
        source_data=f"{RESULTS}/{{dataset}}/figures/heatmap_{{method}}.source_data.tsv",
        other=figure_files(f"{RESULTS}/{{dataset}}/figures/heatmap_{{method}}"),
    log:
        f"{LOGS}/{{dataset}}/heatmap_{{method}}.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    params:
        group_order=dataset_group_order,
        formats=config["plots"]["formats"],
        dpi=config["plots"]["dpi"],
    script:
        "../scripts/plot_heatmap.py"
