# Load a dataset into AnnData, normalize it, and assign samples to groups: one job per
# dataset (prepare for bulk data; prepare_cells streams single-cell data and writes the
# normalized matrix once).


rule preflight:
    input:
        unpack(load_inputs),
        table=group_table,
        gene_sets=f"{RESULTS}/gene_sets/gene_sets.tsv",
        code=adapter_code("preflight"),
    output:
        f"{RESULTS}/{{dataset}}/preflight.txt",
    log:
        f"{LOGS}/{{dataset}}/preflight.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/preflight.tsv"
    priority: 20  # before any heavy step
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(4096, per_input_mb=20),
        runtime=scaled(10),
    params:
        kind=lookup(dpath="datasets/{dataset}/kind", within=config),
        options=load_options,
        normalize=lookup(dpath="datasets/{dataset}/normalize", within=config),
        groups=group_options,
        derive=lookup(dpath="datasets/{dataset}/derive", within=config),
        compared=contrast_groups,
        contrasts=dataset_contrasts,
        select=lookup(dpath="gene_sets/select", within=config),
        min_genes=lookup(dpath="gene_sets/min_genes", within=config),
        min_coverage=lookup(dpath="gene_sets/min_coverage", within=config),
        allow_missing=lookup(dpath="gene_sets/allow_missing", within=config),
        columns=dataset_columns,
    script:
        adapter("preflight")


localrules:
    check,


rule check:
    input:
        expand(f"{RESULTS}/{{dataset}}/preflight.txt", dataset=DATASETS),


rule prepare:
    input:
        unpack(load_inputs),
        table=group_table,
        code=adapter_code("prepare"),
    output:
        adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
        samples=report(
            f"{RESULTS}/{{dataset}}/samples.tsv",
            caption="../report/samples.rst",
            category="{dataset}",
            subcategory="Samples and provenance",
            labels=shown_labels({"dataset": "{dataset}", "table": "samples"}),
        ),
    log:
        f"{LOGS}/{{dataset}}/prepare.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/prepare.tsv"
    wildcard_constraints:
        dataset=BULK_PATTERN,
    priority: 10  # the answer first
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(4096, per_input_mb=20),
        runtime=scaled(30),
    params:
        kind=lookup(dpath="datasets/{dataset}/kind", within=config),
        options=load_options,
        normalize=lookup(dpath="datasets/{dataset}/normalize", within=config),
        groups=group_options,
        derive=lookup(dpath="datasets/{dataset}/derive", within=config),
        compared=contrast_groups,
        contrasts=dataset_contrasts,
    script:
        adapter("prepare")


rule prepare_cells:
    input:
        unpack(load_inputs),
        table=group_table,
        preflight=f"{RESULTS}/{{dataset}}/preflight.txt",
        code=adapter_code("prepare_cells"),
    output:
        adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
        samples=report(
            f"{RESULTS}/{{dataset}}/samples.tsv",
            caption="../report/samples.rst",
            category="{dataset}",
            subcategory="Samples and provenance",
            labels=shown_labels({"dataset": "{dataset}", "table": "samples"}),
        ),
    log:
        f"{LOGS}/{{dataset}}/prepare_cells.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/prepare_cells.tsv"
    wildcard_constraints:
        dataset=CELL_PATTERN,
    priority: 10  # the answer before the embedding (UMAP) and the figures
    conda:
        ENV
    threads: 2
    resources:
        mem_mb=scaled(4096),
        runtime=scaled(60, per_input_mb=0.005),
    params:
        options=load_options,
        normalize=lookup(dpath="datasets/{dataset}/normalize", within=config),
        groups=group_options,
        derive=lookup(dpath="datasets/{dataset}/derive", within=config),
        compared=contrast_groups,
        contrasts=dataset_contrasts,
        chunk_size=lookup(dpath="single_cell/chunk_size", within=config),
        max_cells=lookup(dpath="single_cell/embedding/max_cells", within=config),
    script:
        adapter("prepare_cells")


rule provenance:
    input:
        adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
        gene_sets=f"{RESULTS}/gene_sets/gene_sets.tsv",
        code=adapter_code("provenance"),
    output:
        report(
            f"{RESULTS}/{{dataset}}/provenance.json",
            caption="../report/provenance.rst",
            category="{dataset}",
            subcategory="Samples and provenance",
            labels=shown_labels({"dataset": "{dataset}", "table": "provenance"}),
        ),
    log:
        f"{LOGS}/{{dataset}}/provenance.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/provenance.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(2048),
        runtime=scaled(10),
    script:
        adapter("provenance")
