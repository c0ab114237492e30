"""The first page of the Snakemake report: the answer first (the study summary figure and a
table of the key contrasts), then the datasets and where they came from, then the workflow.

Written as reStructuredText that the report's global description includes; every name comes
from the label map, and the text is checked by docutils here (an error names the line).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ._labels import column_label, contrast_label, group_label, method_label, short_label
from ._significance import MIN_MARKED_N, markable
from ._utils import InputError, flag

__all__ = ["landing_page", "key_contrast_table", "check_rst"]


def _fmt(x: float, digits: int = 2) -> str:
    """A number at ``digits`` decimals; one that rounds to zero is "0.00", never "-0.00"."""
    if x is None or not math.isfinite(float(x)):
        return "NA"
    text = f"{float(x):.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _p(p: float) -> str:
    if p is None or not math.isfinite(float(p)):
        return "NA"
    return f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}"


#: The note of a key signature that a contrast has no row for.
NOT_SCORED = "not scored in this dataset: too few of its genes (gene_set_coverage.tsv; gene_sets.allow_missing)"


def _minus(text: str) -> str:
    return text.replace("-", "−")


def _verdict(row: pd.Series, fdr: float) -> tuple[str, str]:
    """One method's word on one row (up / down / n.s. / why not tested) and the cell shown:
    the difference of means with its 95% CI, and the FDR where the test may carry a mark;
    "not significant" is said as the interval, never as "no change"."""
    why = row.get("not_testable")
    why = why if isinstance(why, str) and why else ""
    diff = _minus(
        f"Δ {_fmt(row['mean_difference'], 2)} [{_fmt(row['mean_difference_ci_low'], 2)}, "
        f"{_fmt(row['mean_difference_ci_high'], 2)}]"
    )
    if not bool(markable(row.to_frame().T).iloc[0]):
        word = "not testable" if why else "n too small to test"
        return word, f"{word}; {diff}"
    q = float(row["fdr"])
    if q < fdr:
        word = "up" if row["mean_difference"] > 0 else "down"
        return word, f"{word}: {diff}, FDR {_p(q)}"
    return "n.s.", f"n.s.: {diff}, FDR {_p(q)}"


def key_contrast_table(
    comparisons: pd.DataFrame,
    *,
    methods: Sequence[str],
    signatures: Sequence[str] | None,
    fdr: float = 0.05,
) -> pd.DataFrame:
    """One row per contrast (× cell type) × signature, one column per scoring method, so that
    the answer does not rest on one method: each method's verdict (up / down at FDR < ``fdr``
    on a test that may carry a mark, else n.s., "n too small to test", "not testable") with
    the difference of means and its 95% CI (in that method's score units), and whether the
    methods agree. Rows: the key ``signatures`` in their order, then every other signature
    significant in a contrast by any method, down as well as up; a key signature a contrast
    has no row for is marked "not scored". ``n`` is the units per group (pairs when paired)."""
    methods = [m for m in methods if (comparisons["method"] == m).any()]
    if not methods:
        raise InputError(f"the comparisons have no row for the methods {list(methods)}")
    data = comparisons[comparisons["method"].isin(methods)].copy()
    keys = ["contrast", "cell_type"] if "cell_type" in data.columns else ["contrast"]
    if "cell_type" in data.columns:
        data["cell_type"] = data["cell_type"].fillna("all cells").astype(str)
    significant = markable(data).to_numpy() & (data["fdr"] < fdr).to_numpy()
    key = list(signatures) if signatures else list(pd.unique(data["signature"]))
    extra = (
        data[significant & ~data["signature"].isin(key)].sort_values("fdr", kind="stable")["signature"].drop_duplicates()
    )
    wanted = key + list(extra)
    rows = []
    for unit, sub in data.groupby(keys, sort=False):
        unit = unit if isinstance(unit, tuple) else (unit,)
        by_sig = {sig: part.set_index("method") for sig, part in sub.groupby("signature", sort=False)}
        for sig in wanted:
            part = by_sig.get(sig)
            # the key signatures always; the others where this contrast finds them significant
            if sig not in key and (part is None or not (markable(part) & (part["fdr"] < fdr)).any()):
                continue
            row = dict(zip(keys, unit, strict=True))
            row["signature"] = short_label(sig)
            words, notes = [], [] if sig in key else ["significant here; not a key signature (plots.signatures)"]
            first = part.iloc[0] if part is not None else None
            paired = first is not None and first.get("n_pairs", 0) and first["n_pairs"] > 0
            row["n"] = (
                "—" if first is None
                else f"{int(first['n_pairs'])} pairs" if paired
                else f"{int(first['n_target'])} vs {int(first['n_reference'])}"
            )  # fmt: skip
            for m in methods:
                if part is None or m not in part.index:
                    word, cell = ("not scored", "not scored") if part is None else ("—", "not scored by this method")
                else:
                    word, cell = _verdict(part.loc[m], fdr)
                    r = part.loc[m]
                    if "low_coverage" in r and flag(pd.Series([r["low_coverage"]])).iloc[0]:
                        notes.append(f"low gene coverage ({100 * float(r['coverage']):.0f}%)")
                    if isinstance(r.get("not_testable"), str) and r["not_testable"]:
                        notes.append(r["not_testable"])
                words.append(word)
                row[m] = cell
            if part is None:
                notes.append(NOT_SCORED)
            tested = [w for w in words if w in ("up", "down", "n.s.")]
            row["methods agree"] = "—" if len(tested) < 2 else "yes" if len(set(tested)) == 1 else "no"
            row["notes"] = "; ".join(dict.fromkeys(notes))
            rows.append(row)
    out = pd.DataFrame(rows)
    out["contrast"] = [contrast_label(c) for c in out["contrast"]]
    return out


def _list_table(frame: pd.DataFrame, header: Sequence[str], widths: Sequence[int] | None = None) -> str:
    lines = [".. list-table::", "   :header-rows: 1"]
    if widths:
        lines.append("   :widths: " + " ".join(map(str, widths)))
    lines.append("")
    for row in [list(header), *frame.astype(str).to_numpy().tolist()]:
        first = True
        for cell in row:
            text = str(cell).replace("\n", " ").replace("*", r"\*").replace("|", r"\|") or " "
            lines.append(f"   {'* -' if first else '  -'} {text}")
            first = False
    return "\n".join(lines) + "\n"


def _dataset_rows(provenances: Mapping[str, Mapping]) -> pd.DataFrame:
    rows = []
    for name, prov in provenances.items():
        steps = prov.get("steps", {})
        source = steps.get("source", {})
        groups = steps.get("groups", {}).get("counts", {})
        files = source.get("files", {})
        described = []
        for role, info in files.items():
            if isinstance(info, Mapping):
                origin = info.get("source", "")
                described.append(
                    f"{info.get('file', role)} (sha256 {str(info.get('sha256', ''))[:12]}…{', ' + origin if origin else ''})"
                )
        n = source.get("n_samples") or source.get("n_cells") or sum(groups.values())
        rows.append(
            {
                "dataset": name,
                "title": source.get("title", ""),
                "data": " ".join(x for x in (str(source.get("kind", "")).replace("_", " "), str(source.get("platform", ""))) if x),
                "samples": f"{n}: " + ", ".join(f"{group_label(g)} {k}" for g, k in groups.items()) if groups else str(n or ""),
                "files": "; ".join(described) or "—",
            }
        )
    return pd.DataFrame(rows)


def landing_page(
    comparisons: pd.DataFrame | None,
    provenances: Mapping[str, Mapping],
    *,
    method: str,
    signatures: Sequence[str] | None,
    figure: str | Path | None,
    fdr: float = 0.05,
    methods: Sequence[str] | None = None,
) -> str:
    """The reStructuredText of the report's first page: the study summary figure of ``method``
    and the key-contrast table of every one of ``methods`` (default: ``method`` alone)."""
    parts = ["The answer", "==========", ""]
    if comparisons is not None:
        parts += [
            ".. raw:: html",
            "",
            # Snakemake's report centres its first page vertically in a fixed-height box and
            # narrows it to 32 rem beside the rule graph: a page taller than the screen loses
            # its top. Top-aligned, full width, the rule graph below.
            "   <style>",
            "   div.h-screen.overflow-auto.items-center { align-items: flex-start; }",
            "   div.grow.flex.gap-3.items-start { flex-wrap: wrap; }",
            "   div.prose.max-w-lg { max-width: 70rem; }",
            "   </style>",
            "",
        ]
        # the table of every method first: the answer on the first screen, then the figure
        table = key_contrast_table(comparisons, methods=methods or [method], signatures=signatures, fdr=fdr)
        shown = [m for m in (methods or [method]) if m in table.columns]
        header = ["contrast", *(["cell type"] if "cell_type" in table else []), "signature", "n per group",
                  *(method_label(m) for m in shown), "methods agree", "notes"]  # fmt: skip
        names = {"welch": "Welch's t-test", "paired t": "paired t-test", "linear model": "linear model",
                 "mixed model": "linear mixed model"}  # fmt: skip
        test = [names.get(t, t) for t in pd.unique(comparisons["test"].astype(str))] if "test" in comparisons else []
        parts += [
            "Key contrasts",
            "-------------",
            "",
            "Each key signature, and any other significant in a contrast, by every scoring method: "
            f"up or down where the contrast's primary test ({', '.join(map(str, test)) or 'see comparisons.tsv'}) "
            f"gives FDR < {fdr:g} (across the signatures of one method within a contrast) with at least "
            f"{MIN_MARKED_N} per group, else n.s.; Δ is the difference of group means [95% CI] in that "
            "method's score units. *methods agree* says whether the methods reach the same verdict. "
            "All signatures, methods and tests: ``comparisons.tsv`` under Summary.",
            "",
            _list_table(table[[*(k for k in ("contrast", "cell_type") if k in table), "signature", "n", *shown,
                               "methods agree", "notes"]], header),  # fmt: skip
        ]
    if figure is not None and comparisons is not None:
        # inline, full width: a data URL in raw HTML, its base64 wrapped (docutils limits line
        # lengths; browsers drop the whitespace of base64 data URLs)
        data = base64.b64encode(Path(figure).read_bytes()).decode()
        alt = f"effect sizes of every contrast and signature ({method_label(method)})"
        parts += [
            "Every signature",
            "---------------",
            "",
            ".. raw:: html",
            "",
            f'   <img class="cytoscore-summary" style="width:100%;max-width:100%" alt="{alt}" src="data:image/svg+xml;base64,',
            *(f"   {data[i : i + 100]}" for i in range(0, len(data), 100)),
            '   ">',
            "",
            f"Effect of every contrast on every signature ({method_label(method)}): the "
            r"difference of group means, \* FDR < 0.05, \*\* < 0.01, \*\*\* < 0.001 (the figure "
            "*effect sizes* under Summary; its numbers are in its source data).",
            "",
        ]
    parts += [
        "Datasets and provenance",
        "-----------------------",
        "",
        "Each file as downloaded (or read from the mirror), with the first 12 digits of its "
        "SHA-256; every step's decisions are in the dataset's ``provenance.json``.",
        "",
        _list_table(_dataset_rows(provenances), ["dataset", "title", "data", column_label("samples"), "files"]),
        "How it was computed",
        "-------------------",
        "",
    ]
    text = "\n".join(parts)
    check_rst(text, "the report's first page")
    return text


def check_rst(text: str, what: str) -> None:
    """Render ``text`` with docutils and fail on any system message (warning or worse)."""
    from docutils.core import publish_parts
    from docutils.utils import SystemMessage

    try:
        publish_parts(text, writer="html", settings_overrides={"report_level": 2, "halt_level": 2, "warning_stream": False})
    except SystemMessage as error:
        raise InputError(f"{what}: docutils reports {error}") from None
