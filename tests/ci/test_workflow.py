"""The example GitHub Actions workflow in README.md: valid, wired up, and its audit step really runs."""

import json
import re
import shlex
import shutil
import subprocess

import yaml

from tests.ci.conftest import ROOT, broken

DOC = ROOT / "README.md"


def workflow():
    blocks = re.findall(r"^```yaml\n(.*?)^```$", DOC.read_text(), re.MULTILINE | re.DOTALL)
    [block] = [b for b in blocks if "upload-sarif" in b]
    return yaml.safe_load(block)


def steps():
    return workflow()["jobs"]["audit"]["steps"]


def audit_step():
    return next(s for s in steps() if "apigw-auditor audit" in s.get("run", ""))


def test_workflow_uploads_the_sarif_the_audit_writes():
    flow = workflow()
    assert flow["permissions"]["security-events"] == "write"
    assert "pull_request" in flow[True] or "pull_request" in flow.get("on", {})  # YAML 1.1 reads `on` as True
    command = shlex.split(audit_step()["run"])
    sarif_file = next(a.split("=", 1)[1] for a in command if a.startswith("sarif="))
    upload = next(s for s in steps() if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == sarif_file
    # The audit exits 1 on findings: the steps after it must still run.
    after = steps()[steps().index(audit_step()) + 1:]
    assert upload in after and all("cancelled()" in s["if"] or "always()" in s["if"] for s in after)


def test_the_audit_step_runs_and_writes_what_the_other_steps_read(tmp_path):
    (tmp_path / "snapshots").mkdir()
    (tmp_path / "snapshots" / "prod.json").write_text(json.dumps(broken(), indent=2))
    command = shlex.split(audit_step()["run"])
    assert shutil.which(command[0])
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("::error file=snapshots/prod.json,line=")
    sarif = json.loads((tmp_path / "apigw-auditor.sarif").read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == {"snapshots/prod.json"}
    summary = next(s for s in steps() if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert "apigw-auditor.md" in summary["run"]
    assert (tmp_path / "apigw-auditor.md").read_text().startswith("## apigw-auditor: failed")

