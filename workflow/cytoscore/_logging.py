"""Logging for the workflow's script adapters (the package itself only uses module loggers)."""

from __future__ import annotations

import atexit
import contextlib
import errno
import gc
import logging
import sys
from collections.abc import Iterator
from typing import Any

from ._utils import InputError

__all__ = ["script_logging", "use_threads"]


_JOB_THREADS: int | None = None


def job_threads() -> int:
    """The threads this job may use: those :func:`use_threads` set (the rule's ``threads``),
    else every CPU of the machine."""
    import os

    return _JOB_THREADS or os.cpu_count() or 1


def use_threads(n: int) -> None:
    """Run numba kernels, BLAS and OpenMP libraries (faiss, read through :func:`job_threads`)
    on ``n`` threads: the rule's declared ``threads``, so a SLURM allocation
    (cpus-per-task = threads) is not oversubscribed."""
    import os

    global _JOB_THREADS
    _JOB_THREADS = n

    if "numba" in sys.modules:
        # numba's config is read at import; changing NUMBA_NUM_THREADS afterwards makes its
        # next compilation fail ("Cannot set NUMBA_NUM_THREADS to a different value once the
        # threads have been launched"), so only the number of threads in use is set
        import numba

        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    else:
        os.environ["NUMBA_NUM_THREADS"] = str(n)  # read by numba when imported later
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return
    threadpool_limits(limits=n)


_ERRNO_FIXES = {
    errno.ENOSPC: "the disk is full: free space (or move results/ and resources/ elsewhere) and run again; "
    "finished steps are kept",
    errno.EDQUOT: "the disk quota is exceeded: free space and run again; finished steps are kept",
    errno.EROFS: "the folder is read-only: run from a folder you can write to",
    errno.EACCES: "permission denied: run from a folder you can write to, or fix the file's permissions",
    errno.ENAMETOOLONG: "a file name is too long for the file system: shorten the name in the config "
    "(a signature, contrast or dataset name)",
}


def _environment_error(exc: OSError, rule: str | None) -> str:
    fix = _ERRNO_FIXES.get(exc.errno or -1, "")
    where = f" ({exc.filename})" if exc.filename else ""
    step = f"rule {rule}: " if rule else ""
    if fix:
        return f"{step}{fix}{where}"
    return f"{step}{type(exc).__name__}: {exc}"


def _traceback_to_log(handlers: list[logging.Handler], log_file, exc: BaseException) -> None:
    if log_file:
        trace = logging.getLogger("cytoscore.traceback")
        trace.propagate = False
        trace.handlers = handlers[1:]
        trace.error("where it was raised:", exc_info=exc)


@contextlib.contextmanager
def script_logging(job: Any) -> Iterator[logging.Logger]:
    """Send log records to the job's log file and stderr; log an error's message before re-raising.

    An :class:`InputError` (bad input or config), or an :class:`OSError` of the machine
    (disk full, read-only folder, a name too long), is one line on stderr that says what to
    do and a non-zero exit, its traceback only in the log file; any other exception is
    re-raised with its traceback. The terminal gets warnings and errors only; the log file
    everything.

    ``job`` is the ``snakemake`` object of a script (or a log path). Used by
    ``workflow/scripts/*.py``: a rule's log then holds what the step did and, when it
    fails, the error that names the bad file or key. A ``MemoryError`` is reported with
    the rule's name and its ``mem_mb``, and how to give it more.
    """
    log_file = job if isinstance(job, (str, type(None))) else (job.log[0] if job.log else None)
    rule = getattr(job, "rule", None)
    resources = getattr(job, "resources", None)
    console = logging.StreamHandler(sys.stderr)
    handlers: list[logging.Handler] = [console]
    if log_file:
        handlers.append(logging.FileHandler(log_file, mode="w"))
        # the terminal gets warnings and errors; what each step did stays in its log
        console.setLevel(logging.WARNING)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)
    for noisy in ("fontTools", "matplotlib", "h5py", "numba"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logger = logging.getLogger("cytoscore")
    threads = getattr(job, "threads", None)
    if isinstance(threads, int) and threads > 0:
        use_threads(threads)
    if type(job).__module__.split(".")[0] == "snakemake":
        # a job's process ends with this block, its outputs written and closed: at exit its
        # objects are left to the OS, not collected one by one (Python's final collection of
        # every module and figure took 0.25-0.3 s of each job, 10 s of CPU of the
        # many-contrast study's 29 jobs); atexit handlers still run before
        atexit.register(gc.freeze)
    if rule is not None:
        # a job killed from outside (the kernel's OOM killer, a scheduler's memory limit:
        # SIGKILL, no Python exception) leaves this as its log's last line
        mem = getattr(resources, "mem_mb", "unknown") if resources is not None else "unknown"
        logger.info(
            "rule %s started: threads=%s, mem_mb=%s. If this is the log's last line, the job was "
            "killed from outside, most often for exceeding its memory: raise mem_mb (--set-resources "
            "%s:mem_mb=N; the SLURM profile retries with 2x and 3x) or lower single_cell.chunk_size / "
            "scoring.chunk_size",
            rule,
            threads,
            mem,
            rule,
        )
    try:
        yield logger
        if rule is not None:
            logger.info("rule %s finished", rule)
    except MemoryError as exc:
        mem = getattr(resources, "mem_mb", "unknown") if resources is not None else "unknown"
        logger.error(
            "rule %r ran out of memory (resource mem_mb=%s). With retries (profiles/slurm sets 2) "
            "Snakemake reruns it with mem_mb x attempt; otherwise raise it, e.g. "
            "--set-resources %s:mem_mb=%s. (%s)",
            rule,
            mem,
            rule,
            mem * 2 if isinstance(mem, int) else "N",
            exc,
        )
        raise
    except InputError as exc:
        # a bad input or config, explained by its message: one line on the terminal, the
        # traceback in the log file only, and a plain non-zero exit
        logger.error("%s", exc)
        _traceback_to_log(handlers, log_file, exc)
        raise SystemExit(1) from None
    except OSError as exc:
        # the machine, not the data: a full disk, a read-only folder, a name too long
        logger.error("%s", _environment_error(exc, rule))
        _traceback_to_log(handlers, log_file, exc)
        raise SystemExit(1) from None
    except Exception as exc:
        logger.error("%s: %s", type(exc).__name__, exc)
        raise
    finally:
        for handler in handlers:
            handler.flush()
