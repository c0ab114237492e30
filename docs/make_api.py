"""Write docs/api.md, the API reference of the package: every public name of cytoscore.io,
pp, tl, pl and resources with its signature, the first paragraph of its docstring and its
numpydoc ``Parameters`` and ``Returns``. tests/unit/test_api_docs.py fails when the committed
page differs from what this makes, or when a public function leaves a parameter undocumented.

    python docs/make_api.py
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "workflow"))

SUBPACKAGES = {
    "io": "reading and writing: downloads, GEO files, count tables, AnnData, scores",
    "pp": "preprocessing: gene IDs, orthologs, groups, normalization, the single-cell stream",
    "tl": "scoring methods and statistics: contrasts, pseudobulk, meta-analysis, IFN score",
    "pl": "figures: each returns a matplotlib Figure and the table of numbers drawn",
    "resources": "gene sets: collections, curated sets, their provenance",
}


def _first_paragraph(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return " ".join(doc.split("\n\n", 1)[0].split()) or "(no docstring)"


def numpydoc_section(obj, title: str) -> list[tuple[str, str]] | None:
    """The entries ``(name, description)`` of a numpydoc section (``Parameters``, ``Returns``)
    of ``obj``'s docstring; ``None`` when it has no such section. A line ``a, b : type``
    documents ``a`` and ``b``."""
    doc = inspect.getdoc(obj) or ""
    match = re.search(rf"^{title}\n-{{3,}}\n(.*?)(?=\n\S[^\n]*\n-{{3,}}\n|\Z)", doc, re.S | re.M)
    if not match:
        return None
    entries: list[tuple[str, str]] = []
    for line in match.group(1).split("\n"):
        if line and not line[0].isspace():
            entries.append((line.strip(), ""))
        elif line.strip() and entries:
            entries[-1] = (entries[-1][0], f"{entries[-1][1]} {line.strip()}".strip())
    return entries


def documented_parameters(obj) -> set[str]:
    """The parameter names the ``Parameters`` section of ``obj`` documents."""
    names: set[str] = set()
    for head, _ in numpydoc_section(obj, "Parameters") or []:
        names |= {n.strip().lstrip("*") for n in head.split(" : ")[0].split(",")}
    return names


def public_functions():
    """``(module, name, function)`` of every public function of the subpackages."""
    for sub in SUBPACKAGES:
        module = importlib.import_module(f"cytoscore.{sub}")
        for public in sorted(module.__all__, key=str.lower):
            obj = getattr(module, public)
            if inspect.isfunction(obj):
                yield sub, public, obj


def _entries(obj) -> list[str]:
    lines = []
    for title in ("Parameters", "Returns"):
        for head, text in numpydoc_section(obj, title) or []:
            name = f"`{head}`" if title == "Parameters" else f"returns *{head}*"
            lines.append(f"  - {name}: {text}" if text else f"  - {name}")
    return lines


def _signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return ""


def api_page() -> str:
    lines = [
        "# API reference",
        "",
        "Made by `python docs/make_api.py` from the package's docstrings (tested to be current).",
        "The workflow's adapters (`workflow/scripts/`) call these; so can a notebook:",
        "`import sys; sys.path.insert(0, 'workflow'); import cytoscore` from the repository root",
        "(or `pip install .`). Each name's full docstring: `help(cytoscore.<module>.<name>)`.",
        "",
    ]
    for name, what in SUBPACKAGES.items():
        module = importlib.import_module(f"cytoscore.{name}")
        lines += [f"## `cytoscore.{name}`: {what}", ""]
        for public in sorted(module.__all__, key=str.lower):
            obj = getattr(module, public)
            if inspect.isclass(obj) or inspect.isfunction(obj) or callable(obj) and not isinstance(obj, type):
                kind = "class" if inspect.isclass(obj) else "function"
                lines.append(f"- **`{public}{_signature(obj)}`** ({kind}): {_first_paragraph(obj)}")
                lines += _entries(obj) if inspect.isfunction(obj) else []
            else:
                lines.append(f"- **`{public}`** ({type(obj).__name__})")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    (HERE / "api.md").write_text(api_page())
    print(f"wrote {HERE / 'api.md'}")
