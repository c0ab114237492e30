"""What ``./cytoscore run`` shows of a Snakemake run: one screen, not Snakemake's page per job.

Snakemake's own output (a banner, a table of jobs, a block per job, a block per failure) is
read from standard input and shortened to: the progress lines, the WARNING and ERROR lines of
the steps (without their time stamps) and the workflow's own WARNING lines (config), the preflight's screen of each dataset, and at the end either where the results are or which
step stopped, its log, and that finished steps are kept. Nothing is lost: Snakemake writes
its complete log to ``.snakemake/log/`` (named on the last line) and each step its own under
``logs/``. A run that fails before any step starts (a config error) is shown whole: that
text is the message. ``CYTOSCORE_VERBOSE=1 ./cytoscore run`` shows Snakemake's output as is.

Usage: ``snakemake ... 2>&1 | python -m cytoscore._console``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator

__all__ = ["shorten"]

_STEP_LOG = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (WARNING|ERROR|CRITICAL) ([\w.]+): (.*)$")
_PROGRESS = re.compile(r"^\d+ of \d+ steps \(\d+%\) done$")
_FAILED_RULE = re.compile(r"^Error in rule (\S+):$")
_LOG = re.compile(r"^\s+log: (.*?)(?: \(check log file\(s\) for error details\))?$")
_WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")
_COMPLETE_LOG = re.compile(r"^Complete log\(s\): (.*)$")
_STARTED = re.compile(r"^(Execute \d+ jobs\.\.\.|Nothing to be done)")
# Snakemake's own errors (an input function that raised, a missing input, ...): the name line
# and the indented message under it, up to the traceback
_EXCEPTION = re.compile(r"^[A-Z]\w*(Exception|Error)\b")
# a failed step's wrapper, said better by the step's own ERROR and the summary at the end
_GENERIC = ("RuleException", "CalledProcessError", "WorkflowError:")


_NOISE = (
    "Using workflow specific profile", "Assuming unrestricted shared filesystem", "Building DAG of jobs",
    "Updating checkpoint dependencies", "Using shell:", "Provided cores:", "Rules claiming more threads",
    "Conda environments: ignored",
)  # fmt: skip


def _message(lines: list[str]) -> Iterator[str]:
    """What Snakemake printed before any step ran, less its banner, chatter and tracebacks."""
    skip = ""  # "banner" or "traceback" while inside one
    for line in lines:
        if skip == "banner":
            skip = "" if line.startswith("  Config MD5") else skip
            continue
        if skip == "traceback":
            if line.startswith((" ", "\t")) or not line.strip():
                continue
            skip = ""
        if line == "SNAKEMAKE":
            skip = "banner"
        elif line.startswith("Traceback"):
            skip = "traceback"
        elif not line.startswith(_NOISE) and not line.startswith('  File "') and line.strip():
            yield line


def shorten(lines: Iterable[str]) -> Iterator[str]:
    """The lines to show of a Snakemake run's output (see the module's docstring)."""
    held: list[str] = []  # everything, until a step has started
    started = False
    failed: list[dict] = []
    complete = ""
    errors = 0
    current: dict | None = None
    block = False  # inside a Snakemake exception's message
    for raw in lines:
        line = raw.rstrip("\n")
        if block:
            if line.startswith("Traceback:") or not line.strip() or not line.startswith((" ", "Error", "Wildcards")):
                block = False
            else:
                yield line
                continue
        if started and _EXCEPTION.match(line) and not line.startswith(_GENERIC):
            block = True
            current = None
            yield line
            continue
        if not started and line.startswith("WARNING: "):  # said while the workflow is read (config)
            yield line
            continue
        if not started:
            held.append(line)
            if _STARTED.match(line):
                started = True
                held = []
            continue
        if line.startswith("preflight: "):
            yield line[len("preflight: ") :]
        elif m := _STEP_LOG.match(line):
            errors += m.group(1) != "WARNING"
            yield f"{m.group(1)}: {m.group(3)}"
        elif _PROGRESS.match(line):
            yield line
        elif m := _FAILED_RULE.match(line):
            current = {"rule": m.group(1), "log": "", "wildcards": ""}
            failed.append(current)
        elif current is not None and (m := _LOG.match(line)):
            current["log"] = m.group(1)
        elif current is not None and (m := _WILDCARDS.match(line)):
            current["wildcards"] = m.group(1)
        elif m := _COMPLETE_LOG.match(line):
            complete = m.group(1)
        elif line.startswith("Nothing to be done"):
            yield line
    if not started:  # failed before any step: the text is the message, without banner and traceback
        yield from _message(held)
        return
    for f in failed:
        where = f" ({f['wildcards']})" if f["wildcards"] else ""
        log = f"; its log: {f['log']}" if f["log"] else ""
        yield f"cytoscore: step {f['rule']}{where} failed{log}"
        if errors == 0 and f["log"]:
            yield "  (no one-line error above: the step was killed or crashed; read the end of its log)"
    if failed:
        yield "cytoscore: finished steps are kept: fix the cause and run the same command again"
    if failed and complete:
        yield f"cytoscore: Snakemake's complete log: {complete}"


def main() -> int:
    for line in shorten(sys.stdin):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
