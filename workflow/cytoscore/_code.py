"""Which of the package's source files a workflow step runs, derived from the imports.

A rule's adapter script is tracked by Snakemake itself; the package code it calls is not.
Each rule therefore takes a stamp of the sources its adapter reaches (its ``code`` input):
the adapter's ``cytoscore`` imports, followed through every import of the package — at module
level or inside functions (the lazy imports) — to a fixed point. Derived, never listed by hand,
so a step cannot miss a module it uses (a hand-kept list missed four). Standard library only:
the Snakefile calls it while it parses.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

__all__ = ["reached_sources", "code_digest"]

PACKAGE = Path(__file__).resolve().parent


def _unit(module: str) -> str | None:
    """The unit a dotted module name belongs to: ``cytoscore.<subpackage>`` for anything in a
    subpackage, ``cytoscore.<module>`` for a top-level module, ``cytoscore`` for the package."""
    parts = module.split(".")
    if parts[0] != "cytoscore":
        return None
    if len(parts) == 1:
        return "cytoscore"
    if (PACKAGE / parts[1]).is_dir():
        return f"cytoscore.{parts[1]}"
    return f"cytoscore.{parts[1]}" if (PACKAGE / f"{parts[1]}.py").is_file() else None


def _files(unit: str) -> list[Path]:
    if unit == "cytoscore":
        return [PACKAGE / "__init__.py"]
    name = unit.split(".", 1)[1]
    return sorted((PACKAGE / name).rglob("*.py")) if (PACKAGE / name).is_dir() else [PACKAGE / f"{name}.py"]


def _units_in(text: str, package: str, name: str) -> frozenset[str]:
    """The units a module's source ``text`` imports (``package``: the dotted package it lies
    in, empty for an adapter outside the package)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(text, name)):
        if isinstance(node, ast.Import):
            found |= {u for u in (_unit(alias.name) for alias in node.names) if u}
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".") if node.level else []
            base = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            # "from cytoscore import io" or "from . import _utils" names a unit of its own
            units = [_unit(module), *(_unit(f"{module}.{alias.name}") for alias in node.names)]
            found |= {u for u in units if u}
    return frozenset(found)


@functools.cache  # each file is parsed once per Snakefile parse, not once per rule
def _imports(path: Path, package: str) -> frozenset[str]:
    return _units_in(path.read_text(), package, str(path))


def reached_sources(source: str) -> list[Path]:
    """The package's source files an adapter reaches through its imports; ``source`` is the
    adapter's text (a workflow deployed as a module reads it from Snakemake's source cache)."""
    todo = set(_units_in(source, "", "<adapter>"))
    seen: set[str] = set()
    while todo:
        unit = todo.pop()
        if unit in seen:
            continue
        seen.add(unit)
        todo |= {"cytoscore"} if unit != "cytoscore" else set()  # importing any part runs __init__
        for path in _files(unit):
            package = ".".join(["cytoscore", *path.relative_to(PACKAGE).parent.parts])
            todo |= _imports(path, package) - seen
    return sorted({p for unit in seen for p in _files(unit)})


def code_digest(source: str) -> str:
    """SHA-256 over the names and contents of :func:`reached_sources` of an adapter's text."""
    digest = hashlib.sha256()
    for path in reached_sources(source):
        digest.update(_file_digest(path))
    return digest.hexdigest()


@functools.cache
def _file_digest(path: Path) -> bytes:
    return hashlib.sha256(b"\0".join((path.relative_to(PACKAGE).as_posix().encode(), path.read_bytes()))).digest()
