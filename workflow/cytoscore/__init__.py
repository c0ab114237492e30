"""cytoscore: cytokine and interferon signalling scores from public expression data.

Modules follow scanpy's layout: :mod:`cytoscore.io` (reading, downloading, writing),
:mod:`cytoscore.pp` (preprocessing), :mod:`cytoscore.tl` (scoring and statistics),
:mod:`cytoscore.pl` (figures) and :mod:`cytoscore.resources` (gene sets).
"""

from . import io, pl, pp, resources, tl
from ._logging import script_logging, use_threads
from ._provenance import dataset_provenance, get_provenance
from ._utils import CytoscoreError, InputError

__version__ = "0.1.0"

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
    "tl",
]
