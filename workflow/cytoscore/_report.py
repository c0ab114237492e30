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
    return "NA" if x is None or not math.isfinite(float(x)) else f"{float(x):.{digits}f}"


def _p(p: float) -> str:
    if p is None or not math.isfinite(float(p)):
        return "NA"
    return f"{p:.2g}" if p >= 1e-3 else f"{p:.1e}"


#: The note of a key signature that a contrast has no row for.
NOT_SCORED = "not scored in this dataset: too few of its genes (gene_set_coverage.tsv; gene_sets.allow_missing)"


def key_contrast_table(
    comparisons: pd.DataFrame, *, method: str, signatures: Sequence[str] | None, fdr: float = 0.05
) -> pd.DataFrame:
    """One row per contrast (× cell type) × key signature for ``method``: the difference of
    means and Hedges' g with their 95% CIs, the FDR of the primary test and the direction
    (up / down at FDR < ``fdr``, else "no change"), with the flags that qualify it."""
    data = comparisons[comparisons["method"] == method]
    if data.empty:
        raise InputError(f"the comparisons have no row for method {method!r}")
    if signatures:
        data = data[data["signature"].isin(list(signatures))]
        # a key signature a contrast has no row for was skipped (gene_sets.allow_missing): said
        # in its row, not left out
        skipped = [
            {"contrast": c, "signature": sig, "method": method, "not_testable": NOT_SCORED,
             **({"cell_type": "all cells"} if "cell_type" in data.columns else {})}
            for c in pd.unique(comparisons["contrast"])
            for sig in signatures
            if not ((data["contrast"] == c) & (data["signature"] == sig)).any()
        ]  # fmt: skip
        if skipped:
            data = pd.concat([data, pd.DataFrame(skipped)], ignore_index=True)
        order = {s: i for i, s in enumerate(signatures)}
        data = data.assign(_order=data["signature"].map(order))
    else:
        data = data.assign(_order=0)
    keys = ["contrast", "cell_type"] if "cell_type" in data.columns else ["contrast"]
    # contrasts and cell types in the order of the table, signatures in the order given
    ranks = {k: data[k].map({v: i for i, v in enumerate(pd.unique(data[k]))}) for k in keys}
    data = data.assign(**{f"_{k}": r for k, r in ranks.items()})
    data = data.sort_values([*(f"_{k}" for k in keys), "_order"], kind="stable")
    testable = markable(data).to_numpy()
    reasons = data["not_testable"].fillna("").astype(str) if "not_testable" in data else pd.Series("", index=data.index)
    direction = [
        ("not scored" if why == NOT_SCORED else "not testable" if why else "n too small to test")
        if not ok
        else ("up" if d > 0 else "down") if q < fdr else "no change"
        for d, q, ok, why in zip(data["mean_difference"], data["fdr"], testable, reasons, strict=True)
    ]
    notes = []
    for _, row in data.iterrows():
        flags = []
        if "low_coverage" in row and flag(pd.Series([row["low_coverage"]])).iloc[0]:
            flags.append(f"low gene coverage ({100 * float(row['coverage']):.0f}%)")
        if "small_n" in row and flag(pd.Series([row["small_n"]])).iloc[0]:
            flags.append(f"fewer than {MIN_MARKED_N} per group: no test is marked")
        if "not_testable" in row and str(row["not_testable"]) not in ("", "nan"):
            flags.append(str(row["not_testable"]))
        notes.append("; ".join(flags))
    out = pd.DataFrame(
        {
            "contrast": [contrast_label(c) for c in data["contrast"]],
            **({"cell_type": data["cell_type"].fillna("all cells").astype(str).to_numpy()} if "cell_type" in keys else {}),
            "signature": [short_label(s) for s in data["signature"]],
            "difference": [
                f"{_fmt(m, 3)} [{_fmt(lo, 3)}, {_fmt(hi, 3)}]"
                for m, lo, hi in zip(data["mean_difference"], data["mean_difference_ci_low"], data["mean_difference_ci_high"], strict=True)
            ],
            "hedges_g": [
                f"{_fmt(g)} [{_fmt(lo)}, {_fmt(hi)}]"
                for g, lo, hi in zip(data["hedges_g"], data["hedges_g_ci_low"], data["hedges_g_ci_high"], strict=True)
            ],
            "test": data["test"].astype(str).replace({"welch": "Welch t"}).to_numpy() if "test" in data else "",
            "fdr": [_p(q) for q in data["fdr"]],
            "direction": direction,
            "notes": notes,
        }
    )
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
) -> str:
    """The reStructuredText of the report's first page."""
    parts = ["The answer", "==========", ""]
    if figure is not None and comparisons is not None:
        # inline, full width: a data URL in raw HTML, its base64 wrapped (docutils limits line
        # lengths; browsers drop the whitespace of base64 data URLs)
        data = base64.b64encode(Path(figure).read_bytes()).decode()
        alt = f"effect sizes of every contrast and signature ({method_label(method)})"
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
            f'   <img class="cytoscore-summary" style="width:100%;max-width:100%" alt="{alt}" src="data:image/svg+xml;base64,',
            *(f"   {data[i : i + 100]}" for i in range(0, len(data), 100)),
            '   ">',
            "",
            f"Effect of every contrast on every signature ({method_label(method)}): the "
            r"difference of group means, \* FDR < 0.05, \*\* < 0.01, \*\*\* < 0.001 (the figure "
            "*effect sizes* under Summary; its numbers are in its source data).",
            "",
        ]
    if comparisons is not None:
        table = key_contrast_table(comparisons, method=method, signatures=signatures, fdr=fdr)
        header = ["contrast", *(["cell type"] if "cell_type" in table else []), "signature",
                  "difference of means [95% CI]", "Hedges' g [95% CI]", "test", "FDR", "direction", "notes"]  # fmt: skip
        parts += [
            "Key contrasts",
            "-------------",
            "",
            f"Key signatures scored with {method_label(method)}, each contrast's primary test, "
            f"FDR across the signatures of one method within a contrast; direction at FDR < {fdr:g}. "
            "All signatures, methods and tests: ``comparisons.tsv`` under Summary.",
            "",
            _list_table(table, header),
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
