# Downloads: every public file is fetched by one rule, into the cache laid out like
# a mirror (<cache>/downloads/<host>/<path>), with a JSON record of its checksum, and
# kept verified under <cache>/kept/ (a hard link), so that a rerun of this job (which
# removes its outputs first) restores the file instead of losing it.
# A checkpoint, because a series' platform is known only once its matrix is here.


checkpoint download:
    output:
        file=f"{CACHE}/downloads/{{path}}",
        record=f"{CACHE}/records/{{path}}.json",
    log:
        f"{LOGS}/download/{{path}}.log",
    benchmark:
        f"{BENCHMARKS}/download/{{path}}.tsv"
    wildcard_constraints:
        path=r"[A-Za-z0-9.-]+/[^\s]+",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=scaled(512),
        runtime=scaled(30),
    params:
        url=download_url,
        sha256=expected_sha256,
        keep=kept_copy,
    script:
        adapter("download")


rule prefetch:
    """Every file the configured run downloads, platform annotations included: run it where
    there is network (or a mirror), then the run needs neither."""
    input:
        all_downloads,
    localrule: True
