"""Logging for the workflow's script adapters (the package itself only uses module loggers)."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

__all__ = ["script_logging"]


@contextlib.contextmanager
def script_logging(log_file: str | None) -> Iterator[logging.Logger]:
    """Send log records to ``log_file`` and stderr; log an error's message before re-raising.

    Used by ``workflow/scripts/*.py``: a rule's log then holds what the step did
    and, when it fails, the error that names the bad file or key.
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        handlers.append(logging.FileHandler(log_file, mode="w"))
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
    try:
        yield logger
    except Exception as exc:
        logger.error("%s: %s", type(exc).__name__, exc)
        raise
    finally:
        for handler in handlers:
            handler.flush()
