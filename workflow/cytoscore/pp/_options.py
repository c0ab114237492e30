"""The ``normalize`` options of each dataset scale, checked when the config is read.

Light on purpose (no anndata, numba or scanpy): the workflow checks every dataset's
``normalize`` keys before any job starts (:func:`cytoscore._config.check_config`), so a
misspelled option stops the run instead of being ignored."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from .._utils import InputError

__all__ = ["QC_DEFAULTS", "NORMALIZE_OPTIONS", "check_normalize_options"]

QC_DEFAULTS = {"min_genes": 200, "max_mito_fraction": 0.2, "min_cells": 3, "mito_prefix": "MT-"}

#: Per scale (``cytoscore.io.KINDS[kind].scale``): config key -> keyword of the function that
#: normalizes that scale (:func:`normalize_expression`, :func:`normalize_counts`,
#: :func:`normalize_cells`; a test checks each keyword is one of its parameters). Defaults are
#: the functions' own.
NORMALIZE_OPTIONS: dict[str, dict[str, str]] = {
    "expression": {"log2": "log2", "quantile": "quantile"},
    "counts": {"method": "method", "filter": "filter_genes", "filter_group_column": "group_column"},
    "cells": {"qc": "qc", "target_sum": "target_sum", "cluster": "cluster"},
}

#: Options that are mappings, with their keys (``cluster``: the keywords of
#: :func:`leiden_with_transfer` a user sets; a test checks them against its signature).
_NESTED: dict[str, tuple[str, ...]] = {
    "qc": tuple(QC_DEFAULTS),
    "cluster": ("resolution", "n_pcs", "n_neighbors", "seed"),
}


def check_normalize_options(scale: str, options: Mapping | None, *, where: str = "normalize") -> None:
    """Raise :class:`~cytoscore.InputError` naming the key when ``options`` holds a key the
    ``scale``'s normalization does not read (e.g. ``quantile`` on counts, or ``quantil``).

    Parameters
    ----------
    scale
        ``expression``, ``counts`` or ``cells`` (a kind's ``scale``).
    options
        The dataset's ``normalize`` config; ``None`` or empty passes.
    where
        The config key named in the error, e.g. ``datasets.gse1.normalize``.

    Returns
    -------
    None
    """
    allowed = NORMALIZE_OPTIONS[scale]
    for key, value in dict(options or {}).items():
        if key not in allowed:
            raise InputError(_unknown(f"{where}.{key}", key, allowed, f"for {scale} data"))
        if key in _NESTED and value:
            if not isinstance(value, Mapping):
                raise InputError(f"{where}.{key}: expected a mapping of {list(_NESTED[key])}, got {value!r}")
            for sub in value:
                if sub not in _NESTED[key]:
                    raise InputError(_unknown(f"{where}.{key}.{sub}", sub, _NESTED[key], ""))


def _unknown(path: str, key: str, allowed, context: str) -> str:
    hint = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    return (
        f"{path}: unknown normalize option{' ' + context if context else ''}; options are {sorted(allowed)}"
        + (f"; did you mean {hint[0]!r}?" if hint else "")
    )
