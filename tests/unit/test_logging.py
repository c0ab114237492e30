import logging
from types import SimpleNamespace

import pytest

from cytoscore import InputError, script_logging


def test_errors_are_logged_to_the_rule_log(tmp_path):
    log = tmp_path / "rule.log"
    with pytest.raises(InputError), script_logging(str(log)):
        logging.getLogger("cytoscore.test").info("step done")
        raise InputError("data.tsv, line 3: negative count")
    text = log.read_text()
    assert "step done" in text and "InputError: data.tsv, line 3: negative count" in text


def test_memory_error_names_rule_and_resource(tmp_path):
    job = SimpleNamespace(
        log=[str(tmp_path / "score.log")], rule="score", resources=SimpleNamespace(mem_mb=8192)
    )
    with pytest.raises(MemoryError), script_logging(job):
        raise MemoryError("Unable to allocate 12.0 GiB")
    text = (tmp_path / "score.log").read_text()
    assert "rule 'score' ran out of memory (resource mem_mb=8192)" in text
    assert "--set-resources score:mem_mb=16384" in text and "12.0 GiB" in text
