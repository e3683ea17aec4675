"""The GitHub Action (action.yml): its steps run as the runner runs them, on the repository's examples."""

import json
import shutil

import pytest

from tests.ci.action_runner import action, make_venv, run_action
from tests.seed import ROOT


@pytest.fixture(scope="module")
def runner_bin(tmp_path_factory):
    return make_venv(tmp_path_factory.mktemp("runner") / "venv")


@pytest.fixture
def workspace(tmp_path):
    folder = tmp_path / "repo"
    shutil.copytree(ROOT / "examples", folder / "examples")
    (tmp_path / "temp").mkdir()
    return folder


def log(run, name):
    return next(entry for entry in run.logs if entry[0] == name)


def test_the_action_is_a_composite_with_the_documented_inputs():
    spec = action()
    assert spec["runs"]["using"] == "composite"
    assert {"paths", "fail-on", "config"} <= set(spec["inputs"])
    uses = [s["uses"] for s in spec["runs"]["steps"] if "uses" in s]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)


def test_broken_examples_fail_with_annotations_sarif_and_a_summary_with_the_wiring(runner_bin, workspace):
    temp = workspace.parent / "temp"
    run = run_action(workspace, runner_bin, temp, paths="examples/seed-broken.json examples/iac/seed-broken.cfn.yaml")
    assert log(run, "Install apigw-auditor")[1] == 0, log(run, "Install apigw-auditor")[3]
    _, code, stdout, stderr = log(run, "Audit")
    assert code == 0 and run.outputs["audit"]["exit-code"] == "1", stderr
    assert "::error file=examples/seed-broken.json,line=" in stdout  # annotations on the changed files
    assert "::error file=examples/iac/seed-broken.cfn.yaml,line=" in stdout
    [(upload, given)] = run.uses[1:]  # setup-python, then the SARIF upload
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    sarif = json.loads(open(given["sarif_file"]).read())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"examples/seed-broken.json", "examples/iac/seed-broken.cfn.yaml"}
    summary = run.summary.read_text()
    assert summary.startswith("## apigw-auditor: failed") and "```mermaid" in summary  # the wiring picture
    assert run.failed_at == ("Verdict", 1)  # the job fails, after every report was written


def test_correct_examples_pass(runner_bin, workspace):
    run = run_action(workspace, runner_bin, workspace.parent / "temp",
                     paths="examples/seed-correct.json examples/iac/seed-correct.sam.yaml")
    assert run.failed_at is None, run.logs
    assert run.outputs["audit"]["exit-code"] == "0"
    assert "passed" in run.summary.read_text().splitlines()[0]


def test_fail_on_and_config_reach_the_audit(runner_bin, workspace):
    (workspace / "audit.toml").write_text('ignore = ["AGW101"]\n')
    run = run_action(workspace, runner_bin, workspace.parent / "temp", paths="examples/seed-broken.json",
                     fail_on="never", config="audit.toml")
    assert run.failed_at is None and run.outputs["audit"]["exit-code"] == "0"
    assert "AGW101" not in log(run, "Audit")[2] and "AGW203" in log(run, "Audit")[2]


def test_bad_input_exits_2_and_uploads_nothing(runner_bin, workspace):
    (workspace / "bad.snapshot.json").write_text('{"Scopes": [')
    run = run_action(workspace, runner_bin, workspace.parent / "temp", paths="bad.snapshot.json")
    assert run.outputs["audit"]["exit-code"] == "2"
    assert "bad.snapshot.json" in log(run, "Audit")[3]
    assert "Upload SARIF to code scanning" in run.skipped
    assert run.failed_at == ("Verdict", 2)
