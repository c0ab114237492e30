"""Adapter for rule download: fetch one URL into the cache (kept copy, then the configured
mirror, then the workflow's own mirror of the default study's files, then the network).

The mirror folders are read here, not passed as params: where a file comes from is not a
reason to fetch it again (a changed param would make Snakemake delete the cached copy).
"""

from pathlib import Path

from cytoscore import script_logging
from cytoscore.io import fetch_url

with script_logging(snakemake) as log:  # noqa: F821
    sm = snakemake  # noqa: F821
    mirrors = [sm.config["mirror"]] if sm.config.get("mirror") else []
    mirrors.append(Path(sm.scriptdir).parent / "resources" / "mirror")
    record = fetch_url(
        sm.params.url, sm.output.file, mirrors=mirrors, sha256=sm.params.sha256 or None, keep=sm.params.keep
    )
    with open(sm.output.record, "w") as out:
        out.write(record.to_json())
    log.info("%s: sha256 %s (%d bytes, from %s)", record.url, record.sha256, record.size, record.source)
