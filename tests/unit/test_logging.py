import logging
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from cytoscore import InputError, script_logging


def test_input_errors_are_one_line_and_a_clean_exit_with_the_traceback_in_the_log(tmp_path, capsys):
    log = tmp_path / "rule.log"
    with pytest.raises(SystemExit) as stop, script_logging(str(log)):
        logging.getLogger("cytoscore.test").info("step done")
        raise InputError("data.tsv, line 3: negative count")
    assert stop.value.code == 1
    text = log.read_text()
    assert "step done" in text and "ERROR cytoscore: data.tsv, line 3: negative count" in text
    assert "Traceback" in text and "raise InputError" in text  # kept in the log file
    err = capsys.readouterr().err
    assert "data.tsv, line 3: negative count" in err and "Traceback" not in err


def test_other_errors_keep_their_traceback(tmp_path):
    with pytest.raises(ZeroDivisionError), script_logging(str(tmp_path / "rule.log")):
        raise ZeroDivisionError("division by zero")
    assert "ERROR cytoscore: ZeroDivisionError" in (tmp_path / "rule.log").read_text()


def test_memory_error_names_rule_and_resource(tmp_path):
    job = SimpleNamespace(
        log=[str(tmp_path / "score.log")], rule="score", resources=SimpleNamespace(mem_mb=8192)
    )
    with pytest.raises(MemoryError), script_logging(job):
        raise MemoryError("Unable to allocate 12.0 GiB")
    text = (tmp_path / "score.log").read_text()
    assert "rule 'score' ran out of memory (resource mem_mb=8192)" in text
    assert "--set-resources score:mem_mb=16384" in text and "12.0 GiB" in text


def test_a_killed_job_leaves_a_log_naming_rule_memory_and_remedy(tmp_path):
    """SIGKILL (the OOM killer) leaves no Python error: the first line already says what to do."""
    import os
    import signal
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    code = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2] / "workflow")!r})
        from types import SimpleNamespace
        from cytoscore import script_logging
        job = SimpleNamespace(log=[{str(tmp_path / "score.log")!r}], rule="score_cells", threads=2,
                              resources=SimpleNamespace(mem_mb=4096))
        with script_logging(job):
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ})
    assert proc.returncode == -signal.SIGKILL
    text = (tmp_path / "score.log").read_text()
    assert "rule score_cells started: threads=2, mem_mb=4096" in text
    assert "killed from outside" in text and "score_cells:mem_mb" in text and "chunk_size" in text
    assert "finished" not in text


def test_a_snakemake_job_leaves_its_objects_to_the_os_at_exit_and_nothing_else_does(tmp_path):
    """A Snakemake job's process ends with script_logging: at exit its objects are frozen, not
    collected one by one (a finalizer of a garbage cycle does not run; the log is complete).
    Any other caller (a log path, another object) leaves the collector as it is."""
    import os
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    def run(job: str) -> str:
        code = textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(Path(__file__).resolve().parents[2] / "workflow")!r})
            from cytoscore import script_logging
            def made(module):
                job = type("Snakemake", (), {{"__module__": module}})()
                job.log, job.rule = [{str(tmp_path / "job.log")!r}], "plot"
                return job
            class Cycle:
                def __del__(self):
                    print("collected", flush=True)
            with script_logging({job}) as log:
                cycle = Cycle()
                cycle.me = cycle
                log.info("done")
            """
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    assert run('made("snakemake.iocontainers")') == ""  # frozen: left to the OS (the class of a script's `snakemake`)
    assert "INFO cytoscore: done" in (tmp_path / "job.log").read_text()
    assert run('made("my_pipeline")') == "collected\n"  # not a Snakemake job: collected as usual
    assert run(repr(str(tmp_path / "other.log"))) == "collected\n"


def test_threads_of_the_rule_are_the_threads_numba_uses():
    import numba

    from cytoscore import use_threads

    use_threads(1)
    assert numba.get_num_threads() == 1
    use_threads(2)
    assert numba.get_num_threads() == min(2, numba.config.NUMBA_NUM_THREADS)


def test_threads_set_after_numba_import_do_not_break_the_next_compilation(tmp_path):
    # a cold numba cache (a fresh machine) compiles kernels after script_logging set the
    # threads; setting NUMBA_NUM_THREADS then failed every compilation with a RuntimeError
    code = (
        "import numba, numpy as np\n"
        "from cytoscore import use_threads\n"
        "use_threads(1)\n"
        "f = numba.njit(lambda x: x + 1)\n"
        "print(f(np.ones(2)).sum(), numba.get_num_threads())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    env["NUMBA_CACHE_DIR"] = str(tmp_path)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["4.0", "1"]
