"""docs/api.md is what docs/make_api.py makes from the package's docstrings: a public name
added, renamed or documented anew shows in the reference; every public function documents
every parameter in a numpydoc Parameters section."""

import importlib.util
import inspect

from helpers import ROOT

spec = importlib.util.spec_from_file_location("make_api", ROOT / "docs" / "make_api.py")
make_api = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_api)


def test_every_public_function_documents_every_parameter():
    undocumented = {}
    for sub, name, func in make_api.public_functions():
        params = [p for p in inspect.signature(func).parameters if p != "self"]
        missing = [p for p in params if p not in make_api.documented_parameters(func)]
        if missing:
            undocumented[f"cytoscore.{sub}.{name}"] = missing
    assert not undocumented, f"public functions with parameters missing from their Parameters section: {undocumented}"


def test_the_parameter_reader_sees_what_numpydoc_writes():
    def f(a, b, *, c=1):
        """Summary.

        Parameters
        ----------
        a, b : int
            The first two,
            on two lines.

        Returns
        -------
        int
            Their sum.
        """

    assert make_api.documented_parameters(f) == {"a", "b"}  # c is missing: the test above would name it
    assert make_api.numpydoc_section(f, "Returns") == [("int", "Their sum.")]
    assert make_api.numpydoc_section(f, "Parameters")[0] == ("a, b : int", "The first two, on two lines.")


def test_the_api_reference_is_current():
    page = make_api.api_page()
    assert (ROOT / "docs" / "api.md").read_text() == page, "docs/api.md is stale: run python docs/make_api.py"
    assert "`cytoscore.tl`" in page and "score_gene_sets(" in page and "(no docstring)" not in page
