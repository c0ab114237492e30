# Load a dataset into AnnData, normalize it, and assign samples to groups. Bulk datasets
# take three small steps; single-cell datasets one streaming step (prepare_cells) that
# writes the normalized matrix once.


rule load:
    input:
        unpack(load_inputs),
        code=package_files("io", "pp"),
    output:
        f"{RESULTS}/{{dataset}}/loaded.h5ad",
    log:
        f"{LOGS}/{{dataset}}/load.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/load.tsv"
    wildcard_constraints:
        dataset=BULK_PATTERN,
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(4096, per_input_mb=20),
        runtime=scaled(30),
    params:
        kind=dataset_kind,
        options=load_options,
    script:
        "../scripts/load.py"


rule normalize:
    input:
        adata=f"{RESULTS}/{{dataset}}/loaded.h5ad",
        code=package_files("io", "pp"),
    output:
        f"{RESULTS}/{{dataset}}/normalized.h5ad",
    log:
        f"{LOGS}/{{dataset}}/normalize.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/normalize.tsv"
    wildcard_constraints:
        dataset=BULK_PATTERN,
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(4096, per_input_mb=20),
        runtime=scaled(30),
    params:
        kind=dataset_kind,
        options=normalize_options,
    script:
        "../scripts/normalize.py"


rule annotate_groups:
    input:
        adata=f"{RESULTS}/{{dataset}}/normalized.h5ad",
        table=group_table,
        code=package_files("io", "pp"),
    output:
        adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
        samples=report(
            f"{RESULTS}/{{dataset}}/samples.tsv",
            caption="../report/samples.rst",
            category="{dataset}",
            subcategory="Samples and provenance",
        ),
    log:
        f"{LOGS}/{{dataset}}/annotate_groups.log",
    benchmark:
        f"{BENCHMARKS}/{{dataset}}/annotate_groups.tsv"
    wildcard_constraints:
        dataset=BULK_PATTERN,
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(4096, per_input_mb=20),
        runtime=scaled(30),
    params:
        groups=group_options,
        derive=derive_rules,
        compared=contrast_groups,
    script:
        "../scripts/annotate_groups.py"


rule prepare_cells:
    input:
        unpack(load_inputs),
        table=group_table,
        code=package_files("io", "pp"),
    output:
        adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
        samples=report(
            f"{RESULTS}/{{dataset}}/samples.tsv",
            caption="../report/samples.rst",
            category="{dataset}",
            subcategory="Samples and provenance",
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
        normalize=normalize_options,
        groups=group_options,
        derive=derive_rules,
        compared=contrast_groups,
        chunk_size=lookup(dpath="single_cell/chunk_size", within=config),
        max_cells=lookup(dpath="single_cell/embedding/max_cells", within=config),
    script:
        "../scripts/prepare_cells.py"


rule provenance:
    input:
        adata=f"{RESULTS}/{{dataset}}/annotated.h5ad",
        gene_sets=f"{RESULTS}/gene_sets/gene_sets.tsv",
        code=package_files("io"),
    output:
        report(
            f"{RESULTS}/{{dataset}}/provenance.json",
            caption="../report/provenance.rst",
            category="{dataset}",
            subcategory="Samples and provenance",
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
        "../scripts/provenance.py"
