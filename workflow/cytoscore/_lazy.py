"""Lazy exports of a subpackage (PEP 562): ``from cytoscore.io import fetch_url`` imports
``cytoscore.io._download`` only, not every reader. Each job is its own Python process, and
importing all of a subpackage pulled in anndata, h5py and scipy (about 1 s) even for jobs
that download a file or write a table (measured: ``from cytoscore.io import fetch_url``
1.36 s eager, 0.1 s lazy)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence


def attach(package: str, exports: Mapping[str, Sequence[str]]) -> tuple[Callable, Callable, list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``package``, whose ``exports`` map a
    submodule (``"_download"``, or a relative name such as ``".._utils"``) to the names it
    provides."""
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str):
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module if module.startswith(".") else f".{module}", package), name)
        setattr(importlib.import_module(package), name, value)  # later look-ups skip this
        return value

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__, sorted(where)
