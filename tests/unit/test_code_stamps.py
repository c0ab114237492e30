"""Each rule's code stamp covers every package module its adapter reaches (issue 24: a
hand-kept list missed four), derived from the imports, lazy ones included."""

import re

from helpers import ROOT

from cytoscore._code import PACKAGE, code_digest, reached_sources

RULES = sorted((ROOT / "workflow" / "rules").glob("*.smk"))
SCRIPTS = ROOT / "workflow" / "scripts"


def _units(script) -> set[str]:
    return {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in reached_sources(script.read_text())}


def test_the_stamps_the_hand_kept_lists_missed_are_covered():
    assert {"io", "pp", "tl", "resources"} <= _units(SCRIPTS / "compare.py")  # resources was missed
    assert {"io", "resources"} <= _units(SCRIPTS / "provenance.py")
    assert {"pl", "resources", "io"} <= _units(SCRIPTS / "plot_correlations.py")
    assert "io" in _units(SCRIPTS / "method_concordance.py")
    assert "pl" not in _units(SCRIPTS / "compare.py") and "tl" not in _units(SCRIPTS / "download.py")


def test_lazy_imports_inside_functions_are_followed(tmp_path):
    script = tmp_path / "adapter.py"
    script.write_text("from cytoscore import script_logging\n\ndef later():\n    from cytoscore.pl import donor_plot\n")
    units = _units(script)
    assert {"pl", "_logging", "__init__", "_labels"} <= units  # pl's own imports, followed
    assert "tl" not in units


#: Rules without a code stamp, and why.
UNSTAMPED = {"download": "its product is the file as published: a code change must not fetch it again"}


def test_every_rule_stamps_its_own_adapter():
    rules = 0
    for path in RULES:
        for block in re.split(r"\n(?=rule |checkpoint )", path.read_text()):
            script = re.search(r'script:\s*\n\s*adapter\("(\w+)"\)', block)
            if not script or script.group(1) in UNSTAMPED:
                continue
            rules += 1
            assert f'code=adapter_code("{script.group(1)}")' in block, f"{path.name}: {block.splitlines()[0]}"
            assert "package_files" not in block
    assert rules >= 20


def test_the_digest_moves_with_a_reached_file_only(tmp_path, monkeypatch):
    import cytoscore._code as code

    script = tmp_path / "adapter.py"
    script.write_text("from cytoscore.io import write_table\n")
    before = code_digest(script.read_text())
    assert before == code_digest(script.read_text()) and len(before) == 64
    fake = {p: b"changed" if p.name == "_cells.py" else None for p in reached_sources(script.read_text())}
    assert not any(p.parts[-2] == "pl" for p in fake)  # a plotting change does not rerun io steps
    code._file_digest.cache_clear()
    monkeypatch.setattr(code.Path, "read_bytes", lambda self: b"x" if self.name == "_table.py" else b"y")
    assert code_digest(script.read_text()) != before
    code._file_digest.cache_clear()
