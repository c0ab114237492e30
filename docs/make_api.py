"""Write docs/api.md, the API reference of the package: every public name of cytoscore.io,
pp, tl, pl and resources with its signature and the first paragraph of its docstring.
tests/unit/test_api_docs.py fails when the committed page differs from what this makes.

    python docs/make_api.py
"""

from __future__ import annotations

import importlib
import inspect
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
            else:
                lines.append(f"- **`{public}`** ({type(obj).__name__})")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    (HERE / "api.md").write_text(api_page())
    print(f"wrote {HERE / 'api.md'}")
