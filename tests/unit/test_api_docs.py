"""docs/api.md is what docs/make_api.py makes from the package's docstrings: a public name
added, renamed or documented anew shows in the reference."""

import importlib.util

from helpers import ROOT


def test_the_api_reference_is_current():
    spec = importlib.util.spec_from_file_location("make_api", ROOT / "docs" / "make_api.py")
    make_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_api)
    page = make_api.api_page()
    assert (ROOT / "docs" / "api.md").read_text() == page, "docs/api.md is stale: run python docs/make_api.py"
    assert "`cytoscore.tl`" in page and "score_gene_sets(" in page and "(no docstring)" not in page
