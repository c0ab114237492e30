"""Every report caption is valid reStructuredText: a docutils warning would show in the
report as a "System Message" box (issue 14)."""

import io
import re
from pathlib import Path

import pytest
from docutils.core import publish_doctree

CAPTIONS = sorted((Path(__file__).parents[2] / "workflow" / "report").glob("*.rst"))


@pytest.mark.parametrize("caption", CAPTIONS, ids=lambda p: p.name)
def test_caption_renders_without_docutils_messages(caption):
    text = re.sub(r"\{%.*?%\}", "", re.sub(r"\{\{.*?\}\}", "X", caption.read_text()))  # Jinja
    # the report's first page, written by the report_summary job (tests/unit/test_report_page.py)
    text = text.replace(".. include:: results/report/summary.rst", "")
    warnings = io.StringIO()
    doctree = publish_doctree(text, settings_overrides={"warning_stream": warnings, "report_level": 1})
    messages = [node.astext() for node in doctree.findall() if node.tagname == "system_message"]
    assert not messages and not warnings.getvalue(), (messages, warnings.getvalue())


def test_there_are_captions():
    assert len(CAPTIONS) >= 15
