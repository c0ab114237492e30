"""cytoscore used as a Snakemake module from a git source, as snakedeploy deploys it: the
project folder holds only its own Snakefile and config; the rules, scripts and schema come
from the repository at a tag (no copy of the package beside them), the package is the
installed one of the same version, and the study gives the numbers of the default run. The
project's Snakefile is the one snakedeploy writes: no patch of Snakemake (the rules give a
git source's scripts as full URIs, common.smk ``adapter``)."""

import subprocess

import pandas as pd
import yaml
from helpers import MIRROR, ROOT, SNAKEMAKE, default_config

DEPLOY = '''configfile: "config/config.yaml"


module cytoscore:
    snakefile:
        gitfile("{repo}", path="workflow/Snakefile", tag="v-deploy-test")
    config:
        config


use rule * from cytoscore as cytoscore_*
'''


def test_deployed_from_a_git_source_runs_a_study(default_run, tmp_path):
    repo, project = tmp_path / "repo", tmp_path / "project"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "tag", "v-deploy-test"], check=True)
    (project / "config").mkdir(parents=True)
    config = default_config()
    config["mirror"] = str(MIRROR)
    config["contrasts"] = {"RA_vs_healthy": config["contrasts"]["RA_vs_healthy"]}
    config["scoring"]["methods"] = ["mean_z"]
    (project / "config/config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (project / "Snakefile").write_text(DEPLOY.format(repo=repo))
    targets = ["results/contrasts/RA_vs_healthy/comparison.tsv", "results/report/summary.rst"]
    proc = subprocess.run([*SNAKEMAKE, "-c2", *targets], cwd=project, capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert not (project / "workflow").exists()  # nothing of the workflow was copied here
    got = pd.read_csv(project / targets[0], sep="\t").set_index("signature")
    want = pd.read_csv(default_run / targets[0], sep="\t")
    want = want[want["method"] == "mean_z"].set_index("signature")
    pd.testing.assert_series_equal(got["mean_difference"], want["mean_difference"])
    pd.testing.assert_series_equal(got["welch_p"], want["welch_p"])
    assert "Key contrasts" in (project / targets[1]).read_text()
