"""The package's layers, read from its source: io reads files and knows nothing of analysis;
pp (normalization, probe and ID mapping) builds on io; resources on io; tl on pp and
resources; pl draws tables and imports none of them. Function-level imports count too: a
lazy import is still a dependency."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "workflow" / "cytoscore"
LAYERS = ("io", "pp", "resources", "tl", "pl")
# what each subpackage may import of the others
ALLOWED = {
    "io": set(),
    "pp": {"io"},
    "resources": {"io"},
    "tl": {"io", "pp", "resources"},
    "pl": set(),
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("cytoscore", *path.relative_to(PACKAGE).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(modules: dict[str, Path], *, top_level_only: bool) -> set[tuple[str, str]]:
    """(importer, imported) pairs of modules of the package."""
    edges = set()
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text())
        nodes = tree.body if top_level_only else ast.walk(tree)
        for node in nodes:
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for candidate in (target, *(f"{target}.{a.name}" for a in node.names)):
                    if candidate in modules and candidate != name:
                        edges.add((name, candidate))
            elif isinstance(node, ast.Import):
                edges |= {(name, a.name) for a in node.names if a.name in modules and a.name != name}
    return edges


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_subpackages_import_only_the_layers_below():
    wrong = sorted(
        f"{a} imports {b}"
        for a, b in _imports(_modules(), top_level_only=False)
        if _layer(a) and _layer(b) and _layer(a) != _layer(b) and _layer(b) not in ALLOWED[_layer(a)]
    )
    assert not wrong, wrong


def test_no_import_cycle_between_modules():
    graph = defaultdict(set)
    for a, b in _imports(_modules(), top_level_only=True):
        graph[a].add(b)
    seen, stack, cycles = {}, [], []

    def visit(node):
        seen[node] = "open"
        stack.append(node)
        for nxt in graph[node]:
            if seen.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in seen:
                visit(nxt)
        stack.pop()
        seen[node] = "done"

    for node in list(graph):
        if node not in seen:
            visit(node)
    assert not cycles, cycles


@pytest.mark.parametrize("module", ["cytoscore.resources._genesets", "cytoscore.resources._curated"])
def test_gene_set_readers_do_not_import_their_callers(module):
    """The former cycle inside resources: _genesets imported _collections and _curated (inside
    build_gene_sets) while they imported _genesets."""
    callers = {"cytoscore.resources._collections", "cytoscore.resources._build"}
    edges = _imports(_modules(), top_level_only=False)
    assert not {b for a, b in edges if a == module} & callers
