"""cytoscore: cytokine and interferon signalling scores from public expression data.

Modules follow scanpy's layout: :mod:`cytoscore.io` (reading, downloading, writing),
:mod:`cytoscore.pp` (preprocessing), :mod:`cytoscore.tl` (scoring and statistics),
:mod:`cytoscore.pl` (figures) and :mod:`cytoscore.resources` (gene sets).
"""

import importlib

from ._logging import job_threads, script_logging, use_threads
from ._provenance import dataset_provenance, get_provenance
from ._utils import CytoscoreError, InputError

__version__ = "0.2.0"  # the one place of the version (pyproject reads it; CHANGELOG.md names it)

_SUBPACKAGES = ("io", "pl", "pp", "resources", "tl")


def __getattr__(name: str):
    """The subpackages load on first use (PEP 562): a job that only scores does not import
    matplotlib, one that only plots does not import numba's kernels (each job is its own
    Python process; importing all of cytoscore took 2.3 s of every job)."""
    if name in _SUBPACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_SUBPACKAGES])

__all__ = [
    "CytoscoreError",
    "InputError",
    "__version__",
    "dataset_provenance",
    "get_provenance",
    "io",
    "pl",
    "pp",
    "resources",
    "script_logging",
    "use_threads",
    "job_threads",
    "tl",
]
