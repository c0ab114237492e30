"""What ``./cytoscore run`` shows of a Snakemake run: one screen, not Snakemake's page per job.

Snakemake's own output (a banner, a table of jobs, a block per job, a block per failure) is
read from standard input and shortened to: the progress lines, the WARNING and ERROR lines of
the steps (without their time stamps), the preflight's screen of each dataset, and at the end either where the results are or which
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


def shorten(lines: Iterable[str]) -> Iterator[str]:
    """The lines to show of a Snakemake run's output (see the module's docstring)."""
    held: list[str] = []  # everything, until a step has started
    started = False
    failed: list[dict] = []
    complete = ""
    errors = 0
    current: dict | None = None
    exception = ""  # a Snakemake exception's name line, shown with its message line
    for raw in lines:
        line = raw.rstrip("\n")
        if exception:
            if line.strip() and line.strip() != "At least one job did not complete successfully.":
                yield exception
                yield line
            exception = ""
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
        elif line.startswith(("MissingInputException", "WorkflowError", "ChildIOException", "ProtectedOutputException")):
            current = None
            exception = line
        elif line.startswith("Nothing to be done"):
            yield line
    if not started:
        yield from held  # failed before any step: the whole text is the message
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
