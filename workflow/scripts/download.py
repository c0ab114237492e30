"""Adapter for rule download: fetch one URL (mirror first) into the cache."""

from cytoscore import script_logging
from cytoscore.io import fetch_url

with script_logging(snakemake) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    record = fetch_url(
        sm.params.url,
        sm.output.file,
        mirror=sm.params.mirror or None,
        sha256=sm.params.sha256 or None,
    )
    with open(sm.output.record, "w") as out:
        out.write(record.to_json())
    log.info("%s: sha256 %s (%d bytes, from %s)", record.url, record.sha256, record.size, record.source)
